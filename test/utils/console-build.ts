import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
export const CONSOLE_INDEX = join(ROOT, 'dist', 'console', 'index.html');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds the console into dist/console when it is missing or older than its sources: once per
 * test run (global setup), so the browser tests and `npm start` in the first-start test find
 * the same fresh build and neither rebuilds it under the other.
 */
export function buildConsoleIfStale(): void {
  const fresh =
    existsSync(CONSOLE_INDEX) &&
    statSync(CONSOLE_INDEX).mtimeMs >= newestMtime(join(ROOT, 'console'));
  if (fresh) return;
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', 'console', '--logLevel', 'warn'], {
    cwd: ROOT,
    stdio: 'inherit',
    // Jest sets NODE_ENV=test, which would make Vite bundle React's development build.
    env: { ...process.env, NODE_ENV: 'production' },
  });
}
