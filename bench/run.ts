import { join } from 'node:path';
import { freshDatabase, load, printTable, Row, Server, startServer } from './harness';

const ADMIN_KEY = 'amk_bench-admin-key-0123456789abcdef';
const DIST = join(__dirname, '..');

/**
 * `npm run bench`: starts the built service on a fresh database, and beside it the same routes
 * with the cross-cutting stack off, drives both with autocannon and prints one table and the
 * ratios the issues ask for. Duration per scenario: BENCH_DURATION seconds (default 10).
 */
async function main() {
  const db = await freshDatabase();
  const rows: Row[] = [];
  const servers: Server[] = [];
  try {
    const full = await startServer(
      join(DIST, 'src', 'main.js'),
      {
        DATABASE_URL: db.url,
        ADMIN_API_KEY: ADMIN_KEY,
        RATE_LIMIT_PER_MINUTE: '10000000',
        LOG_LEVEL: 'info',
      },
      '/health/ready',
    );
    servers.push(full);
    const auth = { authorization: `Bearer ${ADMIN_KEY}` };
    // A page of realistic rows to read.
    for (let i = 0; i < 20; i += 1) {
      await fetch(`${full.base}/api/v1/api-keys`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: `bench-${i}`, scopes: ['agents:read'] }),
      });
    }
    rows.push(await load('GET /health/live (full stack)', `${full.base}/health/live`, {}));
    rows.push(
      await load(
        'GET /api/v1/api-keys (full stack, authenticated)',
        `${full.base}/api/v1/api-keys`,
        auth,
      ),
    );
    await full.stop();

    const bare = await startServer(
      join(DIST, 'bench', 'bare-server.js'),
      { DATABASE_URL: db.url },
      '/health/live',
    );
    servers.push(bare);
    rows.push(await load('GET /health/live (stack off)', `${bare.base}/health/live`, {}));
    rows.push(await load('GET /api/v1/api-keys (stack off)', `${bare.base}/api/v1/api-keys`, {}));
    await bare.stop();
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await db.dispose();
  }

  printTable(rows);
  const ratio = (a: Row, b: Row) => (a.reqPerSec / b.reqPerSec).toFixed(2);
  console.log('');
  console.log(
    `overhead ratio, GET /health/live: full/off = ${ratio(rows[0], rows[2])}x (goal >= 0.5x)`,
  );
  console.log(
    `overhead ratio, DB-reading GET:   full/off = ${ratio(rows[1], rows[3])}x (goal >= 0.5x)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
