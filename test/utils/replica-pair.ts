import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

/**
 * Where PostgreSQL's server programs are (initdb, pg_ctl, pg_basebackup), or why a streaming
 * replica cannot be started here: tests that need one are skipped with that reason.
 */
export function replicaSupport(): { bindir: string } | { missing: string } {
  let bindir: string;
  try {
    bindir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
  } catch {
    return { missing: 'pg_config is not on the PATH' };
  }
  for (const program of ['initdb', 'pg_ctl', 'pg_basebackup']) {
    if (!existsSync(join(bindir, program))) return { missing: `${program} is not in ${bindir}` };
  }
  if (process.getuid?.() === 0 && !postgresUser()) {
    return { missing: 'running as root without a postgres user to run the servers as' };
  }
  return { bindir };
}

function postgresUser(): { uid: number; gid: number } | undefined {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A primary and its streaming replica: two PostgreSQL clusters of this test's own. */
export interface ReplicaPair {
  /** Connection URLs of `database` on each. */
  primaryUrl: string;
  replicaUrl: string;
  /** Stops or starts replaying WAL on the replica (it keeps receiving). */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  /** Resolves once the replica has replayed everything the primary has written so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a fresh primary (initdb, trust auth on loopback, wal_level replica) and a replica
 * cloned from it with pg_basebackup -R, each on a free port, and creates `database` on the
 * primary (it reaches the replica by replication). Servers run as the postgres user when the
 * tests run as root, as PostgreSQL refuses to run as root.
 */
export async function startReplicaPair(bindir: string, database: string): Promise<ReplicaPair> {
  const base = mkdtempSync(join(tmpdir(), 'agentmesh-replica-'));
  chmodSync(base, 0o755);
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (owner) chownSync(base, owner.uid, owner.gid);
  const as = async (program: string, args: string[]) => {
    const path = join(bindir, program);
    return owner
      ? run('runuser', ['-u', 'postgres', '--', path, ...args], { cwd: base })
      : run(path, args, { cwd: base });
  };
  const primaryDir = join(base, 'primary');
  const replicaDir = join(base, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const start = (dir: string, port: number) =>
    as('pg_ctl', [
      '-D',
      dir,
      '-l',
      join(base, `${port}.log`),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${base}`,
      'start',
    ]);
  const stopServer = (dir: string) =>
    as('pg_ctl', ['-D', dir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);

  await as('initdb', [
    '-D',
    primaryDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  appendFileSync(
    join(primaryDir, 'postgresql.conf'),
    '\nwal_level = replica\nmax_wal_senders = 4\nfsync = off\nsynchronous_commit = off\n' +
      'full_page_writes = off\nshared_buffers = 32MB\n',
  );
  await start(primaryDir, primaryPort);
  const url = (port: number, db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const admin = new Client({ connectionString: url(primaryPort, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  await as('pg_basebackup', [
    '-h',
    '127.0.0.1',
    '-p',
    String(primaryPort),
    '-U',
    'postgres',
    '-D',
    replicaDir,
    '-R',
    '-X',
    'stream',
    '--no-sync',
  ]);
  await start(replicaDir, replicaPort);

  const query = async <T>(port: number, sql: string): Promise<T[]> => {
    const client = new Client({ connectionString: url(port, 'postgres') });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  };
  return {
    primaryUrl: url(primaryPort, database),
    replicaUrl: url(replicaPort, database),
    pauseReplay: async () => void (await query(replicaPort, 'SELECT pg_wal_replay_pause()')),
    resumeReplay: async () => void (await query(replicaPort, 'SELECT pg_wal_replay_resume()')),
    stopReplica: async () => void (await stopServer(replicaDir)),
    startReplica: async () => void (await start(replicaDir, replicaPort)),
    caughtUp: async (timeoutMs = 30_000) => {
      // The insert position, not the write position (pg_current_wal_lsn): the primary commits
      // asynchronously (synchronous_commit = off), so a commit just answered may still be in the
      // WAL buffers, past the write position, and a replica at that position lacks it.
      const [{ lsn }] = await query<{ lsn: string }>(
        primaryPort,
        'SELECT pg_current_wal_insert_lsn()::text AS lsn',
      );
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const [{ behind }] = await query<{ behind: boolean }>(
          replicaPort,
          `SELECT coalesce(pg_last_wal_replay_lsn() < '${lsn}'::pg_lsn, true) AS behind`,
        );
        if (!behind) return;
        if (Date.now() > deadline) throw new Error(`the replica did not reach ${lsn}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    stop: async () => {
      await stopServer(replicaDir);
      await stopServer(primaryDir);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
