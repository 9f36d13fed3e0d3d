import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EventDispatcher, inEventContext } from '../events/event-dispatcher';
import { LeaseReaper } from './lease-reaper';
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
  ) {}

  onModuleInit(): void {
    this.dispatcher.subscribe({
      name: 'workflows.release-agent-tasks',
      types: ['agent.offline', 'agent.deregistered'],
      handle: async (tx, events) => {
        for (const event of events) {
          const agentId = event.data.agentId;
          if (!event.tenantId || typeof agentId !== 'string') continue;
          const released = await inEventContext(event, () =>
            this.reaper.releaseAgent(tx, event.tenantId!, agentId, event.occurredAt),
          );
          if (released > 0) {
            this.logger.log(
              { tenantId: event.tenantId, agentId, released },
              'Released the tasks of a gone agent',
            );
          }
        }
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
}
