import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export { freePort } from '../../src/common/net/free-port';

export const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

export interface SpawnedApp {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs the built service (`npm run build` output) as its own process. */
export function spawnApp(env: Record<string, string>): SpawnedApp {
  let output = '';
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AUDIT_KEY_FILE: testKeyFile(),
      // Tests scrape right after a change: every scrape reads (production reuses reads for 5 s).
      METRICS_CACHE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

/**
 * A signing key file of the app's own: the key is generated there on first start, and the
 * sealer's anchor beside it must not be shared by apps on other test databases.
 */
export function testKeyFile(): string {
  // Inside the run's own folder (global setup makes it, global teardown removes it), so no
  // private key outlives the run.
  const parent = process.env.AGENTMESH_TEST_KEYS_DIR ?? tmpdir();
  return join(mkdtempSync(join(parent, 'agentmesh-test-key-')), 'audit-signing-key.pem');
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}
