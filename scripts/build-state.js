// When `npm start` builds: the service's build (dist/) and the console's (dist/console) against
// their sources.
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

/** The newest modification time (ms) of the files under `dir`, node_modules left out. */
function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue; // Vite's cache under console/
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : 0);

/**
 * Why the service must be built before it starts, or undefined when its build is current. The
 * build is incremental (tsconfig.json): tsc writes only the outputs that changed, so
 * dist/src/main.js keeps the time of the build that last changed it, while the build info file
 * (dist/.tsbuildinfo) is written by every build. Judged by main.js alone, one change elsewhere
 * made every start after it build again.
 */
function serviceBuildReason(root) {
  const main = join(root, 'dist', 'src', 'main.js');
  if (!existsSync(main)) return 'first start';
  const built = Math.max(mtime(main), mtime(join(root, 'dist', '.tsbuildinfo')));
  const sources = Math.max(newestMtime(join(root, 'src')), newestMtime(join(root, 'migrations')));
  return sources > built ? 'the sources changed since the last build' : undefined;
}

/** Whether the console (console/, built with Vite into dist/console) is missing or stale. */
function consoleBuildNeeded(root) {
  const index = join(root, 'dist', 'console', 'index.html');
  return !existsSync(index) || mtime(index) < newestMtime(join(root, 'console'));
}

module.exports = { serviceBuildReason, consoleBuildNeeded };
