import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AgentDepartures } from '../agents/agent-departures';
import { EventDispatcher, inEventContext } from '../events/event-dispatcher';
import type { Transaction } from '../database/unit-of-work';
import { GoneAgent, LeaseReaper } from './lease-reaper';
import { RunsService } from './runs.service';

/**
 * What workflows do when other modules' events happen: a dead or deregistered agent's tasks are
 * released at once; an inbound webhook event starts the definitions it triggers. Both run in the
 * dispatcher's transaction and are safe to repeat (a released task is no longer claimed; a
 * trigger's run is unique per delivery).
 */
@Injectable()
export class WorkflowReactions implements OnModuleInit {
  private readonly logger = new Logger(WorkflowReactions.name);

  constructor(
    private readonly dispatcher: EventDispatcher,
    private readonly reaper: LeaseReaper,
    private readonly runs: RunsService,
    private readonly departures: AgentDepartures,
  ) {}

  onModuleInit(): void {
    // Deregistration releases the agent's tasks in its own transaction, before it answers;
    // the reaction to agent.deregistered below finds none left then (it stays for a claim
    // that committed meanwhile).
    this.departures.register((tx, departed) =>
      this.release(tx, [{ ...departed, within: (work) => work() }]),
    );
    this.dispatcher.subscribe({
      name: 'workflows.release-agent-tasks',
      types: ['agent.offline', 'agent.deregistered'],
      handle: async (tx, events) => {
        const gone = events.flatMap((event): GoneAgent[] => {
          const agentId = event.data.agentId;
          if (!event.tenantId || typeof agentId !== 'string') return [];
          return [
            {
              tenantId: event.tenantId,
              agentId,
              goneAt: event.occurredAt,
              within: (work) => inEventContext(event, work),
            },
          ];
        });
        if (gone.length > 0) await this.release(tx, gone);
      },
    });
    this.dispatcher.subscribe({
      name: 'workflows.triggers',
      types: ['inbound.*'],
      handle: async (tx, events) => {
        for (const event of events) {
          await inEventContext(event, () => this.runs.startTriggered(tx, event));
        }
      },
    });
  }

  /**
   * One pass over every gone agent's tasks, in the order runs are locked in everywhere; each
   * agent's releases logged once the transaction has committed.
   */
  private async release(tx: Transaction, gone: GoneAgent[]): Promise<void> {
    const released = await this.reaper.releaseAgents(tx, gone);
    gone.forEach(({ tenantId, agentId }, index) => {
      if (released[index] === 0) return;
      tx.afterCommit(() =>
        this.logger.log(
          { tenantId, agentId, released: released[index] },
          'Released the tasks of a gone agent',
        ),
      );
    });
  }
}
