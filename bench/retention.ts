import { Client } from 'pg';

const DAY = 86_400_000;

/** `events` ids made in one old month: UUIDv7-shaped, millisecond `from + n`. */
function seedSql(table: string, from: number, rows: number): string {
  return `INSERT INTO ${table} (id, tenant_id, type, subject_type, subject_id, data, occurred_at)
    SELECT (lpad(to_hex(${from}::bigint + g), 12, '0') || '7000' || '8000'
            || lpad(to_hex(g), 12, '0'))::uuid,
           'default', 'agent.offline', 'agent', 'a' || (g % 1000), '{"n": 1}',
           to_timestamp((${from}::bigint + g) / 1000.0)
      FROM generate_series(1, ${rows}) g`;
}

function bound(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Retention of one old month of dispatched events (BENCH_RETENTION_ROWS, default 1,000,000) on
 * a migrated database, two ways: row by row in batches of 1,000 as retention did before
 * partitions (then the VACUUM that gives the space back to new rows), and as it does now (the
 * check that nothing in the partition is kept, then DROP TABLE). Prints one line per figure.
 */
export async function benchRetention(url: string): Promise<string[]> {
  const rows = Number(process.env.BENCH_RETENTION_ROWS ?? 1_000_000);
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const from = Date.UTC(new Date().getUTCFullYear() - 2, 0, 1);
    const to = from + 28 * DAY;
    const partition = 'events_bench_old';
    const make = async () => {
      await db.query(
        `CREATE TABLE ${partition} PARTITION OF events FOR VALUES FROM ('${bound(from)}') TO ('${bound(to)}')`,
      );
      await db.query(seedSql('events', from, rows));
      // Dispatched: out of the outbox.
      await db.query(`DELETE FROM event_outbox o USING ${partition} x WHERE x.id = o.event_id`);
      await db.query(`VACUUM ANALYZE ${partition}`);
      await db.query(`VACUUM event_outbox`);
    };
    const seeded = await timed(make);
    let deleted = 0;
    const deleting = await timed(async () => {
      for (;;) {
        const result = await db.query(
          `DELETE FROM events WHERE id IN (
             SELECT e.id FROM events e
              WHERE e.id < $1::uuid AND e.subject_type <> 'workflow'
                AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.event_id = e.id)
              ORDER BY e.id LIMIT 1000 FOR UPDATE SKIP LOCKED)`,
          [bound(to)],
        );
        deleted += result.rowCount ?? 0;
        if ((result.rowCount ?? 0) < 1000) break;
      }
    });
    const vacuuming = await timed(() => db.query(`VACUUM events`));
    await db.query(`DROP TABLE ${partition}`);
    await make();
    const checking = await timed(() =>
      db.query(
        `SELECT EXISTS (SELECT 1 FROM ${partition} x WHERE x.subject_type = 'workflow'
            OR x.id IN (SELECT o.event_id FROM event_outbox o)) AS found`,
      ),
    );
    const dropping = await timed(() => db.query(`DROP TABLE ${partition}`));
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    return [
      `retention of ${rows.toLocaleString('en')} dispatched events of one month (seeding: ${seconds(seeded)})`,
      `  row by row, batches of 1,000: ${seconds(deleting)} for ${deleted.toLocaleString('en')} rows, then VACUUM ${seconds(vacuuming)}`,
      `  partition: check nothing is kept ${seconds(checking)}, DROP TABLE ${seconds(dropping)}`,
    ];
  } finally {
    await db.end();
  }
}
