import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as ts from 'typescript';

/**
 * `AgentMeshClient` runs wherever `fetch` does (a browser, Deno, an edge function): nothing it
 * imports may be a Node built-in or a package. Walks its import graph from the source.
 */
describe('the client import graph', () => {
  function graph(entry: string): Map<string, string[]> {
    const seen = new Map<string, string[]>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      const source = readFileSync(file, 'utf8');
      const imports = ts
        .preProcessFile(source, true, true)
        .importedFiles.map((imported) => imported.fileName);
      seen.set(file, imports);
      for (const name of imports) {
        if (name.startsWith('.')) visit(resolve(dirname(file), `${name}.ts`));
      }
    };
    visit(entry);
    return seen;
  }

  it('imports only its own modules (no node: built-ins, no packages)', () => {
    const files = graph(join(__dirname, 'client.ts'));
    expect(files.size).toBeGreaterThan(5);
    const outside = [...files].flatMap(([file, imports]) =>
      imports.filter((name) => !name.startsWith('.')).map((name) => `${file}: ${name}`),
    );
    expect(outside).toEqual([]);
  });
});
