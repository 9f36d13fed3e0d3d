import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Transaction } from '../database/unit-of-work';

/**
 * Which agents' claims are waiting for work, in the database (`agent_claim_waits`), so that
 * every replica sees the same candidates for an outcome-routed task. Written each time a claim
 * found nothing and is about to wait, removed when an agent is offered a task or its claim
 * ends: a claim that finds work pays nothing here.
 */
@Injectable()
export class ClaimWaits {
  constructor(private readonly dataSource: DataSource) {}

  /** The agent waits until `deadline`; answers the instant stored, to remove it by. */
  async begin(tenantId: string, agentId: string, deadline: number): Promise<Date> {
    const until = new Date(deadline);
    await this.dataSource.query(
      `INSERT INTO agent_claim_waits (tenant_id, agent_id, until) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, agent_id) DO UPDATE SET until = greatest(agent_claim_waits.until, excluded.until)`,
      [tenantId, agentId, until],
    );
    return until;
  }

  /** The wait ended; a longer wait of the same agent (another claim of it) is kept. */
  async end(tenantId: string, agentId: string, until: Date): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM agent_claim_waits WHERE tenant_id = $1 AND agent_id = $2 AND until <= $3`,
      [tenantId, agentId, until],
    );
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
