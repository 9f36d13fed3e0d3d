#!/usr/bin/env node
// `npm start`: build when the sources are newer than the build, then run the service.
// With DATABASE_URL unset the service starts its embedded PostgreSQL (data under .data/).
const { spawnSync, spawn } = require('node:child_process');
const { join } = require('node:path');
const { consoleBuildNeeded, serviceBuildReason } = require('./build-state');

const root = join(__dirname, '..');
const main = join(root, 'dist', 'src', 'main.js');

const why = serviceBuildReason(root);
if (why) {
  process.stderr.write(`Building AgentMesh (${why}); this takes about 30 seconds...\n`);
  const started = Date.now();
  const build = spawnSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
  process.stderr.write(`Built in ${Math.round((Date.now() - started) / 1000)} s; starting.\n`);
}

// The console (console/, built with Vite into dist/console) the same way: when it is missing or
// its sources are newer.
if (consoleBuildNeeded(root)) {
  process.stderr.write('Building the console (console/ -> dist/console)...\n');
  const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
  const build = spawnSync(process.execPath, [vite, 'build', 'console', '--logLevel', 'warn'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NODE_ENV: 'production' }, // React's production build, whatever is set
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// The service runs in a process group of its own (and its embedded PostgreSQL with it), so the
// terminal's Ctrl-C reaches only this process: it is passed on once, the service drains, then
// stops PostgreSQL itself. Had PostgreSQL received the SIGINT too, it would stop at once under
// the draining service ("LISTEN connection lost", a failing audit sealer). SIGTERM, to this
// process alone or to npm (which passes it here: the script is `exec node scripts/start.js`, so
// npm's `sh -c` is replaced by this process instead of waiting for it, and dash, Debian's sh,
// does not pass signals on), is passed on the same way.
const child = spawn(process.execPath, [main], { cwd: root, stdio: 'inherit', detached: true });
const passed = new Set();
const passOn = (signal) => {
  if (passed.has(signal)) return; // npm passes the terminal's signal on too: once is enough
  passed.add(signal);
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
process.on('SIGINT', () => passOn('SIGINT'));
process.on('SIGTERM', () => passOn('SIGTERM'));
process.on('SIGHUP', () => passOn('SIGTERM'));
// If this process goes without a signal (killed hard), the service must not outlive it.
process.on('exit', () => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
