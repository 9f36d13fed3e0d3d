import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * The lines of a file, read a chunk at a time: an export of millions of entries is verified in
 * the memory of one chunk and one line, not of the whole file. `-` is standard input, read
 * whole (a pipe cannot always be read synchronously in chunks).
 */
export function* fileLines(path: string, chunkBytes = 1 << 20): Generator<string> {
  if (path === '-') {
    yield* readFileSync(0, 'utf8').split('\n');
    return;
  }
  const fd = openSync(path, 'r');
  try {
    // The decoder keeps a character split across two chunks until its last bytes arrive.
    const decoder = new StringDecoder('utf8');
    const buffer = Buffer.alloc(chunkBytes);
    let rest = '';
    for (;;) {
      const read = readSync(fd, buffer, 0, chunkBytes, null);
      if (read === 0) break;
      // Only the new text is split: a line longer than a chunk is not scanned again each time.
      const parts = decoder.write(buffer.subarray(0, read)).split('\n');
      if (parts.length === 1) {
        rest += parts[0];
        continue;
      }
      parts[0] = rest + parts[0];
      rest = parts.pop()!;
      yield* parts;
    }
    yield rest + decoder.end();
  } finally {
    closeSync(fd);
  }
}
