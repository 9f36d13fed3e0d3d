#!/usr/bin/env node
// Generates src/generated/openapi.ts from the service's own OpenAPI document (`/docs-json`).
//
//   node scripts/generate-types.mjs                       # from $AGENTMESH_URL (default :3000)
//   node scripts/generate-types.mjs --stdin --stdout      # document in, TypeScript out (drift test)
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import * as prettier from 'prettier';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'src', 'generated', 'openapi.ts');

const HEADER = `// Generated from the service's /docs-json by packages/sdk/scripts/generate-types.mjs
// (npm run sdk:types). Do not edit: a test fails when this file and the API drift apart.

`;

/** The TypeScript text for one OpenAPI document, formatted as the repository formats code. */
export async function render(document) {
  // A field with a default is optional to send: keep it optional in request bodies.
  const ast = await openapiTS(document, { defaultNonNullable: false });
  const text = HEADER + astToString(ast);
  const options = (await prettier.resolveConfig(target)) ?? {};
  return prettier.format(text, { ...options, filepath: target });
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(args) {
  const baseUrl = (process.env.AGENTMESH_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  let source;
  if (args.includes('--stdin')) source = await readStdin();
  else if (args.includes('--file'))
    source = await readFile(args[args.indexOf('--file') + 1], 'utf8');
  else {
    const response = await fetch(`${baseUrl}/docs-json`);
    if (!response.ok) throw new Error(`GET ${baseUrl}/docs-json answered ${response.status}`);
    source = await response.text();
  }
  const output = await render(JSON.parse(source));
  if (args.includes('--stdout')) process.stdout.write(output);
  else {
    await writeFile(target, output);
    process.stderr.write(`wrote ${target}\n`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
