import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { UnitOfWork } from '../src/database/unit-of-work';
import { startTestApp, TestApp } from './utils/test-app';

/** `behind`: sent while an earlier statement still waited for its answer (no round trip of its own). */
type Sent = { text: string; pipelined: boolean; answered: boolean; behind: boolean };

/**
 * The transaction every change runs in: BEGIN and COMMIT ride on the round trips of the
 * statements beside them (pipeline mode), and nothing of a change that fails anywhere, its last
 * write or its COMMIT included, is left behind or leaves its connection unusable.
 */
describe('the unit of work', () => {
  let test: TestApp;
  let db: Client;
  let unitOfWork: UnitOfWork;

  beforeAll(async () => {
    test = await startTestApp({ DB_POOL_SIZE: '2' });
    db = new Client({ connectionString: test.db.url });
    await db.connect();
    await db.query(`CREATE TABLE uow_rows (id text PRIMARY KEY, n int CHECK (n >= 0))`);
    await db.query(
      `CREATE TABLE uow_refs (id text PRIMARY KEY,
                              row_id text REFERENCES uow_rows (id) DEFERRABLE INITIALLY DEFERRED)`,
    );
    unitOfWork = test.app.get(UnitOfWork);
  });

  afterAll(async () => {
    await db.end();
    await test.close();
  });

  const rows = async () =>
    (await db.query<{ id: string }>('SELECT id FROM uow_rows ORDER BY id')).rows.map(
      (row) => row.id,
    );

  /**
   * What the connection that sent `marker` was sent while `work` runs, and whether each was
   * pipelined (the service's background work uses the pool's other connections meanwhile).
   */
  const watch = async (marker: string, work: () => Promise<unknown>): Promise<Sent[]> => {
    const pool = (test.app.get(DataSource).driver as PostgresDriver).master as {
      on(event: 'acquire', listener: (client: Client) => void): void;
      off(event: 'acquire', listener: (client: Client) => void): void;
    };
    const byClient: Sent[][] = [];
    const restore: Array<() => void> = [];
    const onAcquire = (client: Client) => {
      const own = client.query;
      const sent: Sent[] = [];
      byClient.push(sent);
      const watched = function (this: Client, ...args: unknown[]) {
        const first = args[0] as string | { text: string };
        const entry: Sent = {
          text: typeof first === 'string' ? first : first.text,
          pipelined: (client as Client & { pipeline: boolean }).pipeline,
          answered: false,
          behind: sent.some((earlier) => !earlier.answered),
        };
        sent.push(entry);
        const result = (own as (...a: unknown[]) => unknown).apply(this, args);
        if (result instanceof Promise)
          result.then(
            () => (entry.answered = true),
            () => (entry.answered = true),
          );
        return result;
      };
      client.query = watched as typeof client.query;
      restore.push(() => (client.query = own));
    };
    pool.on('acquire', onAcquire);
    try {
      await work();
    } finally {
      pool.off('acquire', onAcquire);
      for (const undo of restore) undo();
    }
    return byClient.find((sent) => sent.some((entry) => entry.text === marker)) ?? [];
  };

  it('sends its first statement behind BEGIN, and COMMIT behind its last write, without waiting', async () => {
    const sent = await watch(`INSERT INTO uow_rows (id, n) VALUES ('pipelined', 1)`, () =>
      unitOfWork.run(async (tx) => {
        await tx.manager.query(`INSERT INTO uow_rows (id, n) VALUES ('pipelined', 1)`);
        tx.writeBeforeCommit(`INSERT INTO uow_refs (id, row_id) VALUES ($1, $2)`, [
          'ref',
          'pipelined',
        ]);
      }),
    );
    expect(sent.map((entry) => entry.text)).toEqual([
      'BEGIN',
      `INSERT INTO uow_rows (id, n) VALUES ('pipelined', 1)`,
      'INSERT INTO uow_refs (id, row_id) VALUES ($1, $2)',
      'COMMIT',
    ]);
    expect(sent.every((entry) => entry.pipelined)).toBe(true);
    expect(sent.map((entry) => entry.behind)).toEqual([false, true, false, true]);
    expect(await rows()).toContain('pipelined');
    // The connection goes back to the pool as it came: not pipelined, not in a transaction.
    const again = await watch('SELECT 1 AS again', () =>
      unitOfWork.run((tx) => tx.manager.query('SELECT 1 AS again')),
    );
    expect(again[0]).toMatchObject({ text: 'BEGIN', pipelined: true });
  });

  it('leaves nothing behind when its last write fails, and its connection serves the next change', async () => {
    await expect(
      unitOfWork.run(async (tx) => {
        await tx.manager.query(`INSERT INTO uow_rows (id, n) VALUES ('last-write-fails', 1)`);
        tx.writeBeforeCommit(`INSERT INTO uow_rows (id, n) VALUES ($1, $2)`, ['negative', -1]);
      }),
    ).rejects.toMatchObject({ code: '23514' });
    expect(await rows()).not.toContain('last-write-fails');
    for (let i = 0; i < 4; i += 1) {
      await unitOfWork.run((tx) =>
        tx.manager.query(`INSERT INTO uow_rows (id, n) VALUES ($1, 1)`, [`after-write-${i}`]),
      );
    }
    expect(await rows()).toEqual(expect.arrayContaining(['after-write-0', 'after-write-3']));
  });

  it('reports a COMMIT that fails, and leaves nothing of the change', async () => {
    // A deferred foreign key is checked at COMMIT.
    await expect(
      unitOfWork.run(async (tx) => {
        await tx.manager.query(`INSERT INTO uow_rows (id, n) VALUES ('commit-fails', 1)`);
        await tx.manager.query(`INSERT INTO uow_refs (id, row_id) VALUES ('dangling', 'none')`);
      }),
    ).rejects.toMatchObject({ code: '23503' });
    expect(await rows()).not.toContain('commit-fails');
    await expect(
      unitOfWork.run(async (tx) => {
        await tx.manager.query(`INSERT INTO uow_rows (id, n) VALUES ('commit-fails-2', 1)`);
        tx.writeBeforeCommit(`INSERT INTO uow_refs (id, row_id) VALUES ($1, $2)`, [
          'dangling-2',
          'none',
        ]);
      }),
    ).rejects.toMatchObject({ code: '23503' });
    expect(await rows()).not.toContain('commit-fails-2');
    await unitOfWork.run((tx) =>
      tx.manager.query(`INSERT INTO uow_rows (id, n) VALUES ('after-commit', 1)`),
    );
    expect(await rows()).toContain('after-commit');
  });

  it('rolls back a change whose statement fails, or whose work throws before any statement', async () => {
    await expect(
      unitOfWork.run(async (tx) => {
        await tx.manager.query(`INSERT INTO uow_rows (id, n) VALUES ('statement-fails', 1)`);
        await tx.manager.query(`INSERT INTO uow_rows (id, n) VALUES ('statement-fails', 1)`);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    await expect(
      unitOfWork.run(async () => {
        throw new Error('refused before any statement');
      }),
    ).rejects.toThrow('refused before any statement');
    expect(await rows()).not.toContain('statement-fails');
    // Both connections of the pool, used at once, are whole.
    await Promise.all(
      ['a', 'b', 'c', 'd'].map((id) =>
        unitOfWork.run((tx) =>
          tx.manager.query(`INSERT INTO uow_rows (id, n) VALUES ($1, 1)`, [`whole-${id}`]),
        ),
      ),
    );
    expect(await rows()).toEqual(
      expect.arrayContaining(['whole-a', 'whole-b', 'whole-c', 'whole-d']),
    );
  });

  it('sends statements that need nothing from each other with BEGIN and COMMIT in one round trip', async () => {
    const first = `INSERT INTO uow_rows (id, n) VALUES ($1, 1) RETURNING id`;
    const sent = await watch(first, () =>
      unitOfWork.alone([
        { sql: first, params: ['alone-1'] },
        { sql: `SELECT count(*)::int AS n FROM uow_rows WHERE id = $1`, params: ['alone-1'] },
      ]),
    );
    expect(sent.map((entry) => [entry.text, entry.behind])).toEqual([
      ['BEGIN', false],
      [first, true],
      ['SELECT count(*)::int AS n FROM uow_rows WHERE id = $1', true],
      ['COMMIT', true],
    ]);
    // Each statement runs after the one before: the second sees the first's row.
    expect(
      await unitOfWork.alone([
        { sql: first, params: ['alone-2'] },
        { sql: `SELECT count(*)::int AS n FROM uow_rows WHERE id = $1`, params: ['alone-2'] },
      ]),
    ).toEqual([[{ id: 'alone-2' }], [{ n: 1 }]]);
    // One that fails: its error, nothing of the others kept, the connection usable again.
    await expect(
      unitOfWork.alone([
        { sql: first, params: ['alone-3'] },
        { sql: `INSERT INTO uow_rows (id, n) VALUES ($1, -1)`, params: ['alone-negative'] },
        { sql: first, params: ['alone-4'] },
      ]),
    ).rejects.toMatchObject({ code: '23514' });
    expect(await rows()).not.toEqual(expect.arrayContaining(['alone-3']));
    expect(await rows()).not.toEqual(expect.arrayContaining(['alone-4']));
    for (let i = 0; i < 4; i += 1) {
      await unitOfWork.alone([{ sql: first, params: [`alone-after-${i}`] }]);
    }
    expect(await rows()).toEqual(expect.arrayContaining(['alone-after-0', 'alone-after-3']));
  });

  it("runs TypeORM's own writes and pessimistic locks inside it", async () => {
    await unitOfWork.run(async (tx) => {
      await tx.manager.query(`INSERT INTO uow_rows (id, n) VALUES ('locked', 1)`);
      await tx.manager
        .createQueryBuilder()
        .select('r.id')
        .from('uow_rows', 'r')
        .where('r.id = :id', { id: 'locked' })
        .setLock('pessimistic_write')
        .getRawOne();
    });
    expect(await rows()).toContain('locked');
  });
});
