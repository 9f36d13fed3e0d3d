import { readFileSync } from 'node:fs';
import { Checkpoint } from './audit-signing';
import { CheckpointPolicy, reportOf, verifyExport } from './export-verifier';
import { fileLines } from './file-lines';
import { receiptReportOf, verifyReceipt } from './receipt-verifier';

const USAGE =
  'usage: audit:verify [--file] <export.ndjson|-> [--complete] [--checkpoints <file.json> --public-key <base64>] [--json]\n' +
  '       audit:verify --receipt <receipt.json> --file <export.ndjson|-> [--complete] [--public-key <base64>] [--json]\n';

/**
 * `npm run audit:verify -- --file <export.ndjson> [--complete] [--checkpoints f --public-key k]`:
 * verifies an export offline, with no database and no trust in the server. The checkpoints
 * file is the JSON body of `GET /audit/checkpoints`; the public key is the one you pinned.
 * Prints a report (`N/N entries valid`, the first break and its reason), or the result as JSON
 * with `--json`. A complete export that ends before a checkpoint's seq was cut short. Exit code
 * 0 valid, 1 invalid, 64 usage error.
 *
 * With `--receipt <file>` (the `data` of `GET /workflows/{id}/receipt`) it checks that run
 * receipt against the export instead: see `verifyReceipt`. `--public-key` then pins the signer;
 * `--complete` says the export is the whole chain (`?all=true`), which may have no gap.
 */
function main(args: string[]): void {
  const files: string[] = [];
  let complete = false;
  let checkpointsFile: string | undefined;
  let publicKey: string | undefined;
  let json = false;
  let receiptFile: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    if (args[i] === '--complete') complete = true;
    else if (args[i] === '--checkpoints') checkpointsFile = args[++i];
    else if (args[i] === '--public-key') publicKey = args[++i];
    else if (args[i] === '--file') files.push(args[++i]);
    else if (args[i] === '--json') json = true;
    else if (args[i] === '--receipt') receiptFile = args[++i];
    else files.push(args[i]);
  }
  if (receiptFile !== undefined) {
    if (files.length !== 1 || checkpointsFile !== undefined) {
      process.stderr.write(USAGE);
      process.exit(64);
    }
    verifyReceiptFile(receiptFile, files[0], publicKey, json, complete);
    return;
  }
  if (files.length !== 1 || (checkpointsFile === undefined) !== (publicKey === undefined)) {
    process.stderr.write(USAGE);
    process.exit(64);
  }
  let policy: CheckpointPolicy | undefined;
  if (checkpointsFile !== undefined && publicKey !== undefined) {
    const body = JSON.parse(readFileSync(checkpointsFile, 'utf8')) as {
      data?: { checkpoints?: Array<Omit<Checkpoint, 'seq'> & { seq: number | string }> };
    };
    const checkpoints = body.data?.checkpoints;
    if (!Array.isArray(checkpoints)) {
      process.stderr.write('the checkpoints file is not a GET /audit/checkpoints body\n');
      process.exit(64);
    }
    policy = {
      publicKey,
      checkpoints: checkpoints.map((checkpoint) => ({
        ...checkpoint,
        seq: String(checkpoint.seq),
      })),
    };
  }
  const result = verifyExport(fileLines(files[0]), complete, policy);
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : reportOf(result, files[0]));
  process.exit(result.valid ? 0 : 1);
}

function verifyReceiptFile(
  receiptFile: string,
  exportFile: string,
  publicKey: string | undefined,
  json: boolean,
  complete: boolean,
): void {
  let signed: unknown;
  try {
    signed = JSON.parse(readFileSync(receiptFile, 'utf8'));
  } catch (error) {
    process.stderr.write(`cannot read the receipt ${receiptFile}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const text = readFileSync(exportFile === '-' ? 0 : exportFile, 'utf8');
  const pinned = publicKey?.split(',').map((key) => key.trim()) ?? [];
  const result = verifyReceipt(signed, text.split('\n'), pinned, complete);
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : receiptReportOf(result, receiptFile));
  process.exit(result.valid ? 0 : 1);
}

main(process.argv.slice(2));
