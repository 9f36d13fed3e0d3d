import { readFileSync } from 'node:fs';
import { verifyExport } from './export-verifier';

/**
 * `npm run audit:verify -- <export.ndjson> [--complete]`: verifies an export offline, with no
 * database and no trust in the server. Exit code 0 valid, 1 invalid, 64 usage error.
 */
function main(args: string[]): void {
  const complete = args.includes('--complete');
  const files = args.filter((arg) => arg !== '--complete');
  if (files.length !== 1) {
    process.stderr.write('usage: audit:verify <export.ndjson|-> [--complete]\n');
    process.exit(64);
  }
  const text = readFileSync(files[0] === '-' ? 0 : files[0], 'utf8');
  const result = verifyExport(text.split('\n'), complete);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(result.valid ? 0 : 1);
}

main(process.argv.slice(2));
