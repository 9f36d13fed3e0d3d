import { AgentMeshConnectionError, AgentMeshError } from './errors';
import type { Transport } from './http';
import { backoffDelay, DEFAULT_RETRY, sleep } from './retry';
import type { Json } from './types';

/** One event of a live stream: a committed domain event. */
export interface StreamEvent {
  /** The event's position (the SSE `id:`): resume after it with `lastEventId`. */
  position: string;
  id: string;
  type: string;
  occurredAt: string;
  subject: { type: string; id: string };
  data: Record<string, Json>;
  correlationId: string | null;
}

export interface StreamOptions {
  /** Resume after this event (a `position` received before). */
  lastEventId?: string;
  /** Ends the iteration (the loop then returns). */
  signal?: AbortSignal;
  /** Consecutive failed reconnections before giving up (default 10). */
  maxReconnects?: number;
}

interface Frame {
  id?: string;
  event?: string;
  data: string;
}

/** Parses `text/event-stream` bytes into frames; comments (`: keepalive`) are skipped. */
export async function* parseEventStream(body: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let buffer = '';
  let frame: Frame = { data: '' };
  let lines: string[] = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (lines.length > 0) yield { ...frame, data: lines.join('\n') };
          frame = { data: '' };
          lines = [];
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') frame.id = value;
        else if (field === 'event') frame.event = value;
        else if (field === 'data') lines.push(value);
      }
    }
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => undefined);
  }
}

/**
 * Follows a live stream: yields each event once, in position order. A dropped connection (the
 * network, a restarting replica, a slow reader cut off) is reopened with Last-Event-ID after a
 * backoff, so nothing is lost or repeated; problem answers (404, 403) are thrown as
 * AgentMeshError. Returns when the server ends the stream after `isLast` (a run's terminal
 * event) or when `signal` aborts.
 */
export async function* follow(
  http: Transport,
  path: string,
  query: Record<string, string | undefined>,
  options: StreamOptions,
  isLast: (event: StreamEvent) => boolean,
  /** Asked when the server ends the stream before `isLast`: true when nothing more can come. */
  isOver: () => Promise<boolean> = async () => false,
): AsyncGenerator<StreamEvent> {
  let lastEventId = options.lastEventId;
  let failures = 0;
  const maxReconnects = options.maxReconnects ?? 10;
  for (;;) {
    let finished = false;
    try {
      const response = await http.send('GET', path, {
        query,
        signal: options.signal,
        headers: {
          accept: 'text/event-stream',
          ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
        },
      });
      if (!response.body) throw new AgentMeshConnectionError(`GET ${path}: no body`);
      for await (const frame of parseEventStream(response.body)) {
        failures = 0;
        const event = JSON.parse(frame.data) as StreamEvent;
        lastEventId = frame.id ?? event.position;
        yield event;
        // The last event decides: a retried run's history holds terminal events before its retry.
        finished = isLast(event);
      }
      // The server ended it: after the last event, or (shutting down) to be resumed elsewhere.
      if (finished || (await isOver())) return;
    } catch (error) {
      if (options.signal?.aborted) return;
      if (error instanceof AgentMeshError) throw error;
      failures += 1;
      if (failures > maxReconnects) throw error;
    }
    await sleep(backoffDelay(Math.max(failures, 1), DEFAULT_RETRY), options.signal).catch(
      () => undefined,
    );
    if (options.signal?.aborted) return;
  }
}
