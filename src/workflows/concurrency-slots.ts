import type { DataSource, EntityManager } from 'typeorm';
import { preparedQuery } from '../database/prepared';
import type { Transaction } from '../database/unit-of-work';
import { ConcurrencyState, groupLockName } from './concurrency';
import { RUN_COLUMNS, RunRow, updatedRows } from './workflow-rows';

/**
 * The SQL of concurrency keys, in one place. A key value's group is (tenant, definition key,
 * key value); its unfinished runs are in the partial index `workflow_runs_concurrency`.
 *
 * Lock order: the group's advisory lock, then run rows. A slot is only ever given under the
 * group's advisory lock, held until commit (a run arriving, a promotion, a retry), so N
 * replicas and concurrent starts see each other's decisions and never exceed the limit. A run
 * may join the queue without the lock (a queued arrival that finds it taken), since waiting
 * takes no slot. A finishing run frees its slot without the lock (its terminal status is the
 * release): the promotion that follows runs in a transaction of its own after the commit, so
 * a completion holding a run lock never waits for a group.
 */
export interface KeyGroup {
  tenantId: string;
  type: string;
  key: string;
}

export function groupOf(run: Pick<RunRow, 'tenantId' | 'type' | 'concurrencyKey'>): KeyGroup {
  return { tenantId: run.tenantId, type: run.type, key: run.concurrencyKey! };
}

const IN_GROUP = `r.tenant_id = $1 AND r.type = $2 AND r.concurrency_key = $3
  AND r.concurrency_state IS NOT NULL AND r.status IN ('pending', 'running', 'budget_exceeded')`;

/** Serialises the slots of one key value until the transaction ends (re-entrant). */
export async function lockGroup(tx: Transaction, group: KeyGroup): Promise<void> {
  await tx.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
    groupLockName(group.tenantId, group.type, group.key),
  ]);
}

/**
 * The group's lock if no other transaction holds it: a queued arrival under contention does not
 * wait for it (it only joins the queue; the promotion after its commit decides).
 */
export async function tryLockGroup(tx: Transaction, group: KeyGroup): Promise<boolean> {
  const [row] = await tx.manager.query<Array<{ locked: boolean }>>(
    `SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked`,
    [groupLockName(group.tenantId, group.type, group.key)],
  );
  return row.locked;
}

/** Several groups' locks in one order (a batch of delayed starts), so two batches cannot deadlock. */
export async function lockGroups(tx: Transaction, groups: KeyGroup[]): Promise<void> {
  const names = [...new Set(groups.map((g) => groupLockName(g.tenantId, g.type, g.key)))].sort();
  for (const name of names) {
    await tx.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [name]);
  }
}

/** Unfinished runs of the group holding a slot, and waiting for one (`except` left out). */
export async function slotCounts(
  manager: EntityManager,
  group: KeyGroup,
  except: string | null = null,
): Promise<{ holding: number; waiting: number }> {
  const [row] = await manager.query<Array<{ holding: number; waiting: number }>>(
    `SELECT count(*) FILTER (WHERE r.concurrency_state = 'holding')::int AS holding,
            count(*) FILTER (WHERE r.concurrency_state = 'waiting')::int AS waiting
       FROM workflow_runs r WHERE ${IN_GROUP} AND ($4::uuid IS NULL OR r.id <> $4)`,
    [group.tenantId, group.type, group.key, except],
  );
  return row;
}

/** How many runs of its group wait before this waiting run. */
export async function waitingAhead(manager: EntityManager, run: RunRow): Promise<number> {
  const [row] = await manager.query<Array<{ ahead: number }>>(
    `SELECT count(*)::int AS ahead FROM workflow_runs r
      WHERE ${IN_GROUP} AND r.concurrency_state = 'waiting'
        AND (r.concurrency_since, r.id) < (SELECT m.concurrency_since, m.id
                                              FROM workflow_runs m WHERE m.id = $4)`,
    [run.tenantId, run.type, run.concurrencyKey, run.id],
  );
  return row.ahead;
}

/**
 * The run waits for a slot, or holds one, from now (clock time: the queue's order); a promoted
 * run keeps its time of arrival (`restamp` false), so the oldest holder is the oldest arrival.
 */
export async function takeSlot(
  tx: Transaction,
  run: RunRow,
  state: ConcurrencyState,
  restamp = true,
): Promise<void> {
  const [row] = updatedRows<{ since: Date }>(
    await tx.manager.query(
      `UPDATE workflow_runs SET concurrency_state = $2,
              concurrency_since = CASE WHEN $3 THEN clock_timestamp() ELSE concurrency_since END
        WHERE id = $1 RETURNING concurrency_since AS since`,
      [run.id, state, restamp],
    ),
  );
  run.concurrencyState = state;
  run.concurrencySince = row.since;
}

/**
 * The first run in the group's queue, locked; undefined when none waits, or when the first is
 * locked by another transaction (being cancelled or changed): promotion stops there rather
 * than let a later run pass it, and that change's own promotion (or the sweep) goes on.
 */
export async function lockFirstWaiting(
  tx: Transaction,
  group: KeyGroup,
): Promise<RunRow | undefined> {
  const [first] = await tx.manager.query<Array<{ id: string }>>(
    `SELECT r.id FROM workflow_runs r WHERE ${IN_GROUP} AND r.concurrency_state = 'waiting'
      ORDER BY r.concurrency_since, r.id LIMIT 1`,
    [group.tenantId, group.type, group.key],
  );
  if (!first) return undefined;
  const [run] = await tx.manager.query<RunRow[]>(
    `SELECT ${RUN_COLUMNS} FROM workflow_runs r
      WHERE r.id = $4 AND ${IN_GROUP} AND r.concurrency_state = 'waiting'
        FOR UPDATE SKIP LOCKED`,
    [group.tenantId, group.type, group.key, first.id],
  );
  return run;
}

/** The group's runs holding a slot, locked in id order (the order every writer locks runs in). */
export async function lockHolders(tx: Transaction, group: KeyGroup): Promise<RunRow[]> {
  return tx.manager.query<RunRow[]>(
    `SELECT ${RUN_COLUMNS} FROM workflow_runs r
      WHERE ${IN_GROUP} AND r.concurrency_state = 'holding'
      ORDER BY r.id FOR UPDATE`,
    [group.tenantId, group.type, group.key],
  );
}

/**
 * The groups, of those given, whose first waiting run would fit (read without the lock).
 * Every change that can make a promotion possible (a slot freed, a run queued) asks this after
 * its own commit, so the last of them sees the state that needs it; only then is the lock
 * taken. One call for all the groups a transaction touched: a batch of completions finishing
 * keyed runs asks once, not once per run. The query is the function
 * `workflow_promotions_due` (PromotionsDueFunction migration): planned once per connection,
 * by the concurrency index, where a prepared statement was planned again on every call.
 */
export async function promotionsDue(on: DataSource, groups: KeyGroup[]): Promise<KeyGroup[]> {
  if (groups.length === 0) return [];
  return preparedQuery<KeyGroup>(on, PROMOTIONS_DUE, [
    groups.map((group) => group.tenantId),
    groups.map((group) => group.type),
    groups.map((group) => group.key),
  ]);
}

const PROMOTIONS_DUE = `SELECT "tenantId", type, key
   FROM workflow_promotions_due($1::text[], $2::text[], $3::text[])`;

/**
 * Groups with a run waiting while a slot looks free (the first waiting run's limit): those a
 * lost after-commit promotion (a crash, a deadlock victim) left behind.
 */
export async function stalledGroups(manager: EntityManager, limit: number): Promise<KeyGroup[]> {
  return manager.query<KeyGroup[]>(
    `SELECT w.tenant_id AS "tenantId", w.type, w.concurrency_key AS key
       FROM (SELECT DISTINCT ON (r.tenant_id, r.type, r.concurrency_key)
                    r.tenant_id, r.type, r.concurrency_key, r.concurrency_limit
               FROM workflow_runs r
              WHERE r.concurrency_state = 'waiting' AND r.status IN ('pending', 'running', 'budget_exceeded')
              ORDER BY r.tenant_id, r.type, r.concurrency_key, r.concurrency_since, r.id) w
      WHERE (SELECT count(*) FROM workflow_runs h
              WHERE h.tenant_id = w.tenant_id AND h.type = w.type
                AND h.concurrency_key = w.concurrency_key AND h.concurrency_state = 'holding'
                AND h.status IN ('pending', 'running', 'budget_exceeded')) < w.concurrency_limit
      LIMIT $1`,
    [limit],
  );
}
