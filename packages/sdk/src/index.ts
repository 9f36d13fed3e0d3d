export { AgentMeshClient, type ClientOptions } from './client';
export {
  AgentMeshConnectionError,
  AgentMeshError,
  NonRetryableError,
  TaskAbortedError,
  WaitTimeoutError,
  type FieldError,
  type TaskAbortReason,
} from './errors';
export type { FetchLike, RetryInfo, TransportOptions } from './http';
export { Transport } from './http';
export { backoffDelay, parseRetryAfter, type RetryOptions } from './retry';
export type { Logger, TaskContext, TaskEvent, TaskHandler } from './task-run';
export { TaskResult, withUsage } from './task-run';
export { Worker, type WorkerEvent, type WorkerOptions, type WorkerState } from './worker';
export type { TaskCallOptions } from './resources/tasks';
export type { EventStreamQuery, WaitOptions } from './resources/workflows';
export { parseEventStream, type StreamEvent, type StreamOptions } from './sse';
export type * from './types';
export type { components, operations, paths } from './generated/openapi';
