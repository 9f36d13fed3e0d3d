import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, testKeyFile, waitFor } from './utils/spawn-app';

const START = join(__dirname, '..', 'scripts', 'start.js');

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  port: number;
  dataDir: string;
}

/**
 * `npm start` as a new user runs it (`node scripts/start.js`, or npm itself with `via`): no
 * DATABASE_URL (the embedded PostgreSQL), no
 * ADMIN_API_KEY, in a process group of its own as a terminal would make it, so a "Ctrl-C"
 * here is SIGINT to the whole group.
 */
async function start(dataDir: string, via: 'node' | 'npm' = 'node'): Promise<Started> {
  const port = await freePort();
  let output = '';
  const [command, args] =
    via === 'npm' ? ['npm', ['start', '--silent']] : [process.execPath, [START]];
  const child = spawn(command, args, {
    cwd: join(__dirname, '..'),
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      PORT: String(port),
      AGENTMESH_DATA_DIR: dataDir,
      AUDIT_KEY_FILE: testKeyFile(),
      SHUTDOWN_GRACE_MS: '5000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await waitFor(
    async () => {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      return response.ok ? true : undefined;
    },
    90_000,
    'the service to be ready',
  );
  return { child, output: () => output, exited, port, dataDir };
}

function postgresPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  return Number(readFileSync(file, 'utf8').split('\n')[0]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Log lines at error level or worse, and the messages a half-stopped database causes. */
function troubles(output: string): string[] {
  return output
    .split('\n')
    .filter(
      (line) =>
        /"level":"(error|fatal)"/.test(line) ||
        /LISTEN connection lost|terminating connection|Connection terminated/i.test(line),
    );
}

describe('first start with npm start', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(process.env.AGENTMESH_TEST_KEYS_DIR ?? tmpdir(), 'first-start-'));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the generated admin key as a banner; Ctrl-C drains the service before PostgreSQL stops', async () => {
    const started = await start(dataDir);
    const pid = postgresPid(dataDir);
    expect(pid).toBeDefined();
    expect(alive(pid!)).toBe(true);

    const key = /^\s+export ADMIN_API_KEY=(amk_\S+)$/m.exec(started.output())?.[1];
    expect(key).toBeDefined();
    // The example is pointed at this service, whatever its port (it would call :3000).
    expect(started.output()).toContain(
      `AGENTMESH_URL=http://localhost:${started.port} npm run example:quickstart`,
    );
    const agents = await fetch(`http://127.0.0.1:${started.port}/api/v1/agents`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(agents.status).toBe(200);
    // Route mapping is debug detail now: not one line of it at the default level.
    expect(started.output()).not.toMatch(/Mapped \{/);
    expect(started.output()).not.toMatch(/dependencies initialized/);

    process.kill(-started.child.pid!, 'SIGINT'); // the terminal's Ctrl-C: the whole group
    expect(await started.exited).toBe(0);
    expect(troubles(started.output())).toEqual([]);
    expect(started.output()).toMatch(/SIGINT received: draining/);
    expect(alive(pid!)).toBe(false);
  }, 150_000);

  it('a second start shows no banner; SIGTERM to the start process alone stops everything', async () => {
    const started = await start(dataDir);
    const pid = postgresPid(dataDir);
    expect(pid).toBeDefined();
    expect(started.output()).not.toContain('export ADMIN_API_KEY=');

    started.child.kill('SIGTERM'); // to the start process only, as a supervisor would
    expect(await started.exited).toBe(0);
    expect(troubles(started.output())).toEqual([]);
    expect(started.output()).toMatch(/SIGTERM received: draining/);
    await waitFor(async () => (alive(pid!) ? undefined : true), 10_000, 'PostgreSQL to stop');
  }, 150_000);

  it('SIGTERM to npm alone stops everything (npm runs the script through sh, which does not pass signals on)', async () => {
    const started = await start(dataDir, 'npm');
    const pid = postgresPid(dataDir);
    expect(pid).toBeDefined();

    started.child.kill('SIGTERM'); // to npm only, as a supervisor running `npm start` would
    await started.exited;
    await waitFor(
      async () =>
        /SIGTERM received: draining/.test(started.output()) && !alive(pid!) ? true : undefined,
      20_000,
      'the service to drain and PostgreSQL to stop',
    );
    const stillAnswering = await fetch(`http://127.0.0.1:${started.port}/health/live`).then(
      () => true,
      () => false,
    );
    expect(stillAnswering).toBe(false);
    expect(troubles(started.output())).toEqual([]);
  }, 150_000);
});
