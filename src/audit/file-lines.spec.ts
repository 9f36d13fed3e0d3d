import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileLines } from './file-lines';

describe('fileLines', () => {
  const dir = mkdtempSync(join(tmpdir(), 'file-lines-'));

  it('gives the lines split as String.split does, whatever the chunk size', () => {
    // Multi-byte characters across chunk borders, empty lines, no newline at the end.
    const text = '{"a":"é€𝄞"}\n\n{"b":"ü"}\nlast-𝄞';
    const file = join(dir, 'mixed.ndjson');
    writeFileSync(file, text);
    for (const chunk of [1, 2, 3, 5, 7, 64]) {
      expect([...fileLines(file, chunk)]).toEqual(text.split('\n'));
    }
    writeFileSync(file, 'one\ntwo\n');
    expect([...fileLines(file, 2)]).toEqual(['one', 'two', '']);
    writeFileSync(file, '');
    expect([...fileLines(file)]).toEqual(['']);
    // A line many chunks long.
    const long = `${'é'.repeat(5000)}\nshort\n${'x'.repeat(3000)}`;
    writeFileSync(file, long);
    expect([...fileLines(file, 7)]).toEqual(long.split('\n'));
  });

  it('stops reading when the caller stops', () => {
    const file = join(dir, 'long.ndjson');
    writeFileSync(file, 'x\n'.repeat(1000));
    const lines = fileLines(file, 4);
    expect(lines.next().value).toBe('x');
    // Closing the generator runs its finally: the file is closed.
    expect(lines.return(undefined)).toEqual({ done: true, value: undefined });
  });
});
