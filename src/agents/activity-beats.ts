import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Batcher, Settled } from '../common/workers/batcher';
import { preparedQuery } from '../database/prepared';

/** At most this many agents in one statement; more wait for the next flush. */
const MAX_FLUSH = 500;
/** A replica sends an agent's activity at most this often (the statement skips recent beats). */
const EVERY_MS = 1_000;
/** Agents remembered for the throttle; past it the memory starts again (a send more at worst). */
const MAX_REMEMBERED = 100_000;

/**
 * An agent's claims and task-lease heartbeats count as beats while it is online or degraded: its
 * last beat moves (never its status, load or in-flight figures), written only when it is older
 * than half the agent's interval. An agent driven by hand that claims and extends its task's
 * lease but sends no agent heartbeat was otherwise marked offline after three intervals and its
 * task taken back (`agent_gone`) while it worked on it. Offline agents are not matched: a claim
 * brings them back through the audited path. Input sorted by agent, as the heartbeat flush's,
 * so that the two take their row locks in one order.
 */
const TOUCH_SQL = `
  UPDATE agents a SET last_heartbeat_at = now()
    FROM unnest($1::varchar[], $2::varchar[]) AS b(tenant_id, id)
   WHERE a.tenant_id = b.tenant_id AND a.id = b.id AND a.status IN ('online', 'degraded')
     AND a.last_heartbeat_at < now() - a.heartbeat_interval_seconds * interval '0.5 second'`;

/**
 * Beats implied by an agent's work (see TOUCH_SQL): at most one a second per agent from each
 * replica, coalesced into one statement while one runs, never awaited by the request that
 * caused it. A failed write is logged and dropped: the agent's own heartbeats are the contract,
 * this only keeps a working agent from looking silent.
 */
@Injectable()
export class ActivityBeats {
  private readonly logger = new Logger(ActivityBeats.name);
  private readonly sent = new Map<string, number>();
  private readonly batcher = new Batcher<string, void>({
    run: (keys) => this.flush(keys),
    maxBatch: MAX_FLUSH,
    concurrency: 1,
  });

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The agent did something only a live agent does (claimed, extended a task's lease). */
  touch(tenantId: string, agentId: string): void {
    const key = `${tenantId}\u0000${agentId}`;
    const now = Date.now();
    if (now - (this.sent.get(key) ?? 0) < EVERY_MS) return;
    if (this.sent.size >= MAX_REMEMBERED) this.sent.clear();
    this.sent.set(key, now);
    this.batcher.submit(key).catch((error: Error) => {
      this.logger.warn(`An agent's activity was not written as a beat: ${error.message}`);
    });
  }

  private async flush(keys: string[]): Promise<Array<Settled<void>>> {
    const agents = [...new Set(keys)].sort().map((key) => key.split('\u0000'));
    await preparedQuery(this.dataSource, TOUCH_SQL, [
      agents.map(([tenantId]) => tenantId),
      agents.map(([, id]) => id),
    ]);
    return keys.map(() => ({ ok: true, value: undefined }));
  }
}
