import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import type { DomainEvent } from '../events/domain-event';
import { SseStream } from '../streams/sse-stream';
import { A2aTask, TERMINAL_STATES } from './a2a-task';

/** One A2A StreamResponse (ProtoJSON): exactly one of its payloads. */
export type StreamResponse =
  | { task: A2aTask }
  | {
      statusUpdate: {
        taskId: string;
        contextId: string;
        status: A2aTask['status'];
        metadata: Record<string, unknown>;
      };
    }
  | {
      artifactUpdate: {
        taskId: string;
        contextId: string;
        artifact: NonNullable<A2aTask['artifacts']>[number];
        lastChunk: true;
      };
    };

/**
 * What a change of a task's status sends, on a stream as in push notifications: its artifacts
 * (a completed task's output) as TaskArtifactUpdateEvents, then the TaskStatusUpdateEvent.
 */
export function taskUpdates(task: A2aTask): StreamResponse[] {
  return [
    ...(task.artifacts ?? []).map((artifact): StreamResponse => ({
      artifactUpdate: { taskId: task.id, contextId: task.contextId, artifact, lastChunk: true },
    })),
    {
      statusUpdate: {
        taskId: task.id,
        contextId: task.contextId,
        status: task.status,
        metadata: task.metadata,
      },
    },
  ];
}

/** What an update is measured against: the state and the status message. */
export function statusKey(task: A2aTask): string {
  return JSON.stringify({ state: task.status.state, message: task.status.message ?? null });
}

/**
 * An A2A stream (SendStreamingMessage, SubscribeToTask) over a run's event stream: the Task
 * first, then a TaskStatusUpdateEvent each time the run's events change the task's state or
 * status message (read again from the run, so the mapping is the one GetTask answers), the
 * output as a TaskArtifactUpdateEvent before the completed status, and the end of the stream at
 * a terminal state. Frames are `data: <StreamResponse JSON>`. The run's events arrive from the
 * shared feed synchronously; the reads they cause run one after another, in order.
 */
export class A2aTaskStream extends SseStream {
  private readonly logger = new Logger(A2aTaskStream.name);
  private chain: Promise<void> = Promise.resolve();
  private last: A2aTask;

  constructor(
    res: ServerResponse,
    headers: OutgoingHttpHeaders,
    options: { keepaliveMs: number; bufferBytes: number },
    first: A2aTask,
    private readonly read: () => Promise<A2aTask>,
  ) {
    super(res, headers, options);
    this.last = first;
    this.frame({ task: first });
    if (TERMINAL_STATES.includes(first.status.state)) super.end('done');
  }

  override send(events: DomainEvent[]): void {
    if (events.length === 0) return;
    this.chain = this.chain.then(() => this.refresh());
  }

  override async sendPaced(events: DomainEvent[]): Promise<void> {
    this.send(events);
    await this.chain;
  }

  /** `done` (the run's terminal event) waits for the frames that event causes. */
  override end(why: 'done' | 'shutdown'): void {
    if (why === 'shutdown') {
      super.end(why);
      return;
    }
    this.chain = this.chain.then(() => super.end('done'));
  }

  private async refresh(): Promise<void> {
    if (!this.isOpen) return;
    let task: A2aTask;
    try {
      task = await this.read();
    } catch (error) {
      this.logger.warn(`An A2A task stream could not read its task: ${(error as Error).message}`);
      super.end('shutdown');
      return;
    }
    if (statusKey(task) === statusKey(this.last)) return;
    this.last = task;
    for (const update of taskUpdates(task)) this.frame(update);
    if (TERMINAL_STATES.includes(task.status.state)) super.end('done');
  }

  private frame(response: StreamResponse): void {
    // JSON.stringify escapes line breaks inside strings, so the data is one line.
    this.write(`data: ${JSON.stringify(response)}\n\n`);
  }
}
