import { DataSource, QueryRunner } from 'typeorm';

export type SnapshotQuery = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

/**
 * One frozen view of the database (`REPEATABLE READ READ ONLY`), readable over several pooled
 * connections at once: the first exports its snapshot, the others import it, so reads can run in
 * parallel and still see exactly the same committed rows. A read-only transaction takes no
 * transaction id, so it never holds back the audit sealer's xmin watermark.
 */
export async function withReadSnapshot<T>(
  dataSource: DataSource,
  connections: number,
  work: (queries: SnapshotQuery[]) => Promise<T>,
): Promise<T> {
  const runners: QueryRunner[] = [];
  try {
    const main = await open(dataSource, runners);
    const queries = [queryOn(main)];
    if (connections > 1) {
      const [{ snapshot }] = await queries[0]<{ snapshot: string }>(
        'SELECT pg_export_snapshot() AS snapshot',
      );
      for (let index = 1; index < connections; index += 1) {
        const helper = await open(dataSource, runners);
        // The snapshot id is what PostgreSQL just generated; it cannot be a parameter here.
        await helper.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/[^0-9A-F-]/gi, '')}'`);
        queries.push(queryOn(helper));
      }
    }
    return await work(queries);
  } finally {
    // Helpers first: the exported snapshot lives as long as the main transaction.
    for (const runner of runners.reverse()) {
      // Read only: ROLLBACK and COMMIT are the same. A broken connection is dropped by the pool.
      await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
    }
  }
}

async function open(dataSource: DataSource, runners: QueryRunner[]): Promise<QueryRunner> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  runners.push(runner);
  await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  return runner;
}

/**
 * One statement at a time per connection: reads queued for a connection (more batches read
 * ahead than there are connections) wait here, not in pg's client, whose internal queue is
 * deprecated and goes in pg 9.
 */
function queryOn(runner: QueryRunner): SnapshotQuery {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(sql: string, params?: unknown[]) => {
    const result = tail.then(() => runner.query(sql, params) as Promise<T[]>);
    tail = result.catch(() => undefined);
    return result;
  };
}
