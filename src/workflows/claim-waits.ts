import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Transaction } from '../database/unit-of-work';

/**
 * Which agents' claims are waiting for work, in the database (`agent_claim_waits`), so that
 * every replica sees the same candidates for an outcome-routed task. Written each time a claim
 * found nothing and is about to wait, removed when an agent is offered a task or its claim
 * ends: a claim that finds work pays nothing here.
 *
 * The removal when a claim ends is not on the claim's answer: a woken claim answers its tasks
 * at once, and a removal that fails or waits for a lock costs the agent nothing (the row only
 * names a candidate for routing, and lapses at its `until` anyway). Removals of one agent run
 * in order, and a later wait of it is recorded only after them, so an earlier claim's removal
 * never takes a later wait off the list; shutdown lets the ones still running finish.
 */
@Injectable()
export class ClaimWaits implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ClaimWaits.name);
  /** Per agent (tenant, agent), the last removal not finished yet. */
  private readonly ending = new Map<string, Promise<void>>();

  constructor(private readonly dataSource: DataSource) {}

  /** The agent waits until `deadline`; answers the instant stored, to remove it by. */
  async begin(tenantId: string, agentId: string, deadline: number): Promise<Date> {
    await this.ending.get(agentKey(tenantId, agentId));
    const until = new Date(deadline);
    await this.dataSource.query(
      `INSERT INTO agent_claim_waits (tenant_id, agent_id, until) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, agent_id) DO UPDATE SET until = greatest(agent_claim_waits.until, excluded.until)`,
      [tenantId, agentId, until],
    );
    return until;
  }

  /**
   * The wait ended: its row goes, in the background (a longer wait of the same agent, another
   * claim of it, is kept). Never fails: a removal that fails is logged.
   */
  end(tenantId: string, agentId: string, until: Date): void {
    const key = agentKey(tenantId, agentId);
    const removal = (this.ending.get(key) ?? Promise.resolve())
      .then(() =>
        this.dataSource.query(
          `DELETE FROM agent_claim_waits WHERE tenant_id = $1 AND agent_id = $2 AND until <= $3`,
          [tenantId, agentId, until],
        ),
      )
      .then(
        () => undefined,
        (error: Error) =>
          this.logger.warn(`A claim's wait of ${agentId} was not removed: ${error.message}`),
      )
      .finally(() => {
        if (this.ending.get(key) === removal) this.ending.delete(key);
      });
    this.ending.set(key, removal);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.ending.values());
  }

  /**
   * The agents of the tenant waiting now, locked: a transaction drawing among them at the same
   * time skips them, so two tasks queued at once are not both offered to one agent.
   */
  async waiting(tx: Transaction, tenantId: string): Promise<string[]> {
    const rows = await tx.manager.query<Array<{ agent_id: string }>>(
      `SELECT agent_id FROM agent_claim_waits WHERE tenant_id = $1 AND until > now()
        ORDER BY agent_id FOR UPDATE SKIP LOCKED`,
      [tenantId],
    );
    return rows.map((row) => row.agent_id);
  }

  /** These agents were offered a task: no longer candidates until they wait again. */
  async offered(tx: Transaction, tenantId: string, agentIds: string[]): Promise<void> {
    await tx.manager.query(
      `DELETE FROM agent_claim_waits WHERE tenant_id = $1 AND agent_id = ANY($2::varchar[])`,
      [tenantId, agentIds],
    );
  }
}

function agentKey(tenantId: string, agentId: string): string {
  return `${tenantId}\n${agentId}`;
}
