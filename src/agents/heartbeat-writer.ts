import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge, Histogram, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { Batcher, Settled } from '../common/workers/batcher';
import { sqlState } from '../database/database-errors';
import { preparedQuery } from '../database/prepared';
import type { AgentStatus } from './entities/agent.entity';

/** One beat as the flush writes it: the agent keeps `status`, and reports these figures. */
export interface Beat {
  tenantId: string;
  id: string;
  status: AgentStatus;
  inFlight: number | null;
  load: number | null;
}

/** At most this many beats in one statement; more wait for the next flush. */
const MAX_FLUSH = 500;

/**
 * Every beat of a flush in one statement. A row is written only while the agent still has the
 * status the beat reports: a beat that would change it (or an agent gone, or taken offline by
 * the sweeper meanwhile) is not matched, and its caller goes through the audited transaction.
 * The input is sorted by agent so that flushes of two replicas take their row locks in one order
 * (by key when PostgreSQL walks the input, by position when it scans the table); a deadlock
 * reported all the same sends the statement again once. Plain SQL, prepared: the hottest write.
 */
const FLUSH_SQL = `
  UPDATE agents a
     SET in_flight = b.in_flight, load = b.load, last_heartbeat_at = now()
    FROM unnest($1::varchar[], $2::varchar[], $3::varchar[], $4::int[], $5::float8[])
           WITH ORDINALITY AS b(tenant_id, id, status, in_flight, load, n)
   WHERE a.tenant_id = b.tenant_id AND a.id = b.id AND a.status = b.status
  RETURNING b.n, a.heartbeat_interval_seconds`;

/** Deadlock and serialization failures: the statement did nothing and can go again at once. */
const RETRYABLE = new Set(['40P01', '40001']);

const flushSizes =
  (register.getSingleMetric('agent_heartbeat_flush_size') as Histogram | undefined) ??
  new Histogram({
    name: 'agent_heartbeat_flush_size',
    help: 'Heartbeats written together in one statement',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 500],
  });

/** Beats received and not yet answered, in this process (prom-client's registry is too). */
let pendingBeats = 0;
if (!register.getSingleMetric('agent_heartbeats_pending')) {
  new Gauge({
    name: 'agent_heartbeats_pending',
    help: 'Heartbeats received and not yet answered: waiting for the next flush or in one',
    collect() {
      this.set(pendingBeats);
    },
  });
}

/**
 * Heartbeats by write coalescing (group commit): while one flush runs, the beats arriving
 * meanwhile gather and go together in the next; a lone beat goes at once, no timer. A beat is
 * answered once the statement holding it committed: the heartbeat interval of its agent, or
 * `undefined` when its row was not written (status change, unknown agent). If the statement
 * fails, every beat of it fails with that error: none is acknowledged unwritten.
 */
@Injectable()
export class HeartbeatWriter {
  private readonly batcher = new Batcher<Beat, number | undefined>({
    run: (beats) => this.flush(beats),
    maxBatch: MAX_FLUSH,
    // One flush at a time: the next gathers while it runs.
    concurrency: 1,
  });

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async write(beat: Beat): Promise<number | undefined> {
    pendingBeats += 1;
    try {
      return await this.batcher.submit(beat);
    } finally {
      pendingBeats -= 1;
    }
  }

  private async flush(beats: Beat[]): Promise<Array<Settled<number | undefined>>> {
    flushSizes.observe(beats.length);
    // Beats of one agent with the same status become one row (the latest figures win); one
    // of each status at most can match, the others take the audited path.
    const rows = new Map<string, { beat: Beat; members: number[] }>();
    beats.forEach((beat, index) => {
      const key = `${beat.tenantId}\u0000${beat.id}\u0000${beat.status}`;
      const row = rows.get(key);
      if (row) {
        row.beat = beat;
        row.members.push(index);
      } else rows.set(key, { beat, members: [index] });
    });
    const ordered = [...rows.values()].sort((a, b) => compareBeats(a.beat, b.beat));
    const values = [
      ordered.map((row) => row.beat.tenantId),
      ordered.map((row) => row.beat.id),
      ordered.map((row) => row.beat.status),
      ordered.map((row) => row.beat.inFlight),
      ordered.map((row) => row.beat.load),
    ];
    const written = await this.run(values);
    const outcomes: Array<Settled<number | undefined>> = beats.map(() => ({
      ok: true,
      value: undefined,
    }));
    for (const { n, heartbeat_interval_seconds: interval } of written) {
      for (const index of ordered[Number(n) - 1].members)
        outcomes[index] = { ok: true, value: interval };
    }
    return outcomes;
  }

  private async run(values: unknown[][]) {
    type Written = { n: string; heartbeat_interval_seconds: number };
    try {
      return await preparedQuery<Written>(this.dataSource, FLUSH_SQL, values);
    } catch (error) {
      if (!RETRYABLE.has(sqlState(error) ?? '')) throw error;
      return preparedQuery<Written>(this.dataSource, FLUSH_SQL, values);
    }
  }
}

function compareBeats(a: Beat, b: Beat): number {
  if (a.tenantId !== b.tenantId) return a.tenantId < b.tenantId ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}
