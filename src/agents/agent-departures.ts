import { Injectable } from '@nestjs/common';
import type { Transaction } from '../database/unit-of-work';

/** What another module does, in the same transaction, when an agent is deregistered. */
export type AgentDeparture = (
  tx: Transaction,
  departed: { tenantId: string; agentId: string; goneAt: Date },
) => Promise<void>;

/**
 * Work a deregistration does before it answers, registered by the modules that own it (the
 * workflows module releases the agent's tasks): the agents module knows nothing of tasks, and a
 * reaction to `agent.deregistered` runs only once the outbox has dispatched it, after the 204,
 * while the contract says its tasks are released by then.
 */
@Injectable()
export class AgentDepartures {
  private readonly handlers: AgentDeparture[] = [];

  register(handler: AgentDeparture): void {
    this.handlers.push(handler);
  }

  async departed(tx: Transaction, departed: Parameters<AgentDeparture>[1]): Promise<void> {
    for (const handler of this.handlers) await handler(tx, departed);
  }
}
