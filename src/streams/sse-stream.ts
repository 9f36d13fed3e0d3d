import type { FastifyReply } from 'fastify';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { DomainEvent } from '../events/domain-event';

/** Frames already made: the feed hands the same event object to every stream. */
const frames = new WeakMap<DomainEvent, string>();

/** How one event is framed: `id:` its position, `event:` its type, `data:` one JSON line. */
export function sseFrame(event: DomainEvent): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = frameOf(event);
    frames.set(event, frame);
  }
  return frame;
}

function frameOf(event: DomainEvent): string {
  const data = JSON.stringify({
    id: event.id,
    position: event.position,
    type: event.type,
    occurredAt: new Date(event.occurredAt).toISOString(),
    subject: event.subject,
    data: event.data,
    correlationId: event.correlationId,
  });
  // JSON.stringify escapes line breaks inside strings, so the data is one line.
  return `id: ${event.position}\nevent: ${event.type}\ndata: ${data}\n\n`;
}

/**
 * Takes a response over from Fastify for a stream (the route answers it on the raw socket),
 * keeping the headers Fastify's hooks set on it (CORS, security headers).
 */
export function hijackForStream(reply: FastifyReply): OutgoingHttpHeaders {
  void reply.hijack();
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = typeof value === 'number' ? String(value) : value;
  }
  return headers;
}

export type StreamEnd = 'done' | 'client' | 'slow' | 'shutdown' | 'key';

/**
 * How far a live stream may fall behind, as frames not yet written, in `bufferBytes`: the
 * frames are the feed's own (one string per event, shared by every stream), so this holds
 * references, not copies.
 */
const BEHIND_FACTOR = 16;

/**
 * One Server-Sent Events response on the raw socket (the route hijacks Fastify's reply). What
 * the client has not read yet stays in the socket's buffer, up to `bufferBytes`; live events
 * past that wait their turn (the client reads them at its own pace) unless they add up to
 * `BEHIND_FACTOR` times the bound (frames' length in characters), or what it has not read
 * does not drain within two keepalive intervals: then it is too slow and the stream is
 * dropped, never buffered without bound (it resumes with Last-Event-ID). Comments keep idle
 * proxies from closing it.
 */
export class SseStream {
  private ended: StreamEnd | undefined;
  private readonly keepalive: NodeJS.Timeout;
  private readonly finished: Promise<StreamEnd>;
  private finish!: (end: StreamEnd) => void;
  /** Live events not written yet, and their frames' length. */
  private readonly behind: DomainEvent[] = [];
  private behindLength = 0;
  private pumping = false;
  /** The run's terminal event is sent: the stream ends once what is behind it is written. */
  private endWhenWritten = false;
  /** Waits for the client to read, released when the stream ends. */
  private readonly onClose = new Set<() => void>();

  constructor(
    private readonly res: ServerResponse,
    headers: OutgoingHttpHeaders,
    private readonly options: { keepaliveMs: number; bufferBytes: number },
  ) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      // Never worth storing, and an A2A stream's answer may show a push config's secret.
      'cache-control': 'no-store, no-transform',
      connection: 'keep-alive',
      // nginx and friends: pass each event on as it comes.
      'x-accel-buffering': 'no',
    });
    res.write(': stream open\n\n');
    res.on('close', () => this.close('client'));
    // Not while anything is unread: the stream is not idle, and the bound is for the events.
    this.keepalive = setInterval(() => {
      if (!this.pumping && res.writableLength === 0) this.write(': keepalive\n\n');
    }, options.keepaliveMs);
    this.keepalive.unref();
  }

  /** Resolves with why the stream ended. */
  get done(): Promise<StreamEnd> {
    return this.finished;
  }

  get isOpen(): boolean {
    return this.ended === undefined;
  }

  /**
   * Live: written at once while the client keeps up; what passes `bufferBytes` unread waits
   * its turn. A client that falls `BEHIND_FACTOR` times the bound behind is dropped.
   */
  send(events: DomainEvent[]): void {
    // Nothing after the run's terminal event, even while what came before it is written.
    if (events.length === 0 || !this.isOpen || this.endWhenWritten) return;
    for (const event of events) {
      this.behind.push(event);
      this.behindLength += sseFrame(event).length;
    }
    if (this.behindLength > this.options.bufferBytes * BEHIND_FACTOR) {
      this.drop();
      return;
    }
    if (!this.pumping) void this.pump();
  }

  /** Writes what is behind, corked a turn at a time, waiting for the client past the bound. */
  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.behind.length > 0 && this.isOpen) {
        if (this.res.writableLength >= this.options.bufferBytes && this.res.writableNeedDrain) {
          await this.drained();
          continue;
        }
        this.res.cork();
        do {
          const frame = sseFrame(this.behind.shift()!);
          this.behindLength -= frame.length;
          this.res.write(frame);
        } while (this.behind.length > 0 && this.res.writableLength < this.options.bufferBytes);
        process.nextTick(() => this.res.uncork());
      }
    } finally {
      this.pumping = false;
    }
    if (this.endWhenWritten) this.end('done');
  }

  /** Catch-up: writes, then waits until the client has read most of it (or has gone). */
  async sendPaced(events: DomainEvent[]): Promise<void> {
    for (const event of events) {
      this.write(sseFrame(event));
      await this.drained();
    }
  }

  /**
   * Waits until the client has read what was written. One that reads nothing for two
   * keepalive intervals is dropped as too slow, so a stalled catch-up holds nothing for long.
   */
  private async drained(): Promise<void> {
    if (!this.isOpen || !this.res.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const stalled = setTimeout(() => this.drop(), this.options.keepaliveMs * 2);
      const resume = () => {
        clearTimeout(stalled);
        this.res.off('drain', resume);
        this.onClose.delete(resume);
        resolve();
      };
      this.res.on('drain', resume);
      // Not a reaction to `finished` per wait: those would pile up until the stream ends.
      this.onClose.add(resume);
    });
  }

  /**
   * Ends the response normally: after the run's terminal event, on shutdown, or when the key
   * it was opened with is revoked, rotated, changed or expires (the client authenticates
   * again to go on).
   */
  end(why: 'done' | 'shutdown' | 'key'): void {
    if (!this.isOpen) return;
    if (why === 'done' && (this.pumping || this.behind.length > 0)) {
      this.endWhenWritten = true;
      return;
    }
    if (why === 'shutdown')
      this.res.write(': the server is stopping; resume with Last-Event-ID\n\n');
    if (why === 'key')
      this.res.write(
        ': the API key of this stream was revoked, rotated or changed, or has expired (or its ' +
          'changes could not be followed); reconnect with a valid key and Last-Event-ID to go on\n\n',
      );
    this.res.end();
    this.close(why);
  }

  /** One frame; however large, it goes when nothing waits before it. */
  protected write(chunk: string): void {
    if (!this.isOpen) return;
    const waiting = this.res.writableLength;
    if (waiting > 0 && waiting + Buffer.byteLength(chunk) > this.options.bufferBytes) {
      this.drop();
      return;
    }
    this.res.write(chunk);
  }

  /** Too slow: the connection is cut, and what is behind let go. */
  private drop(): void {
    this.res.destroy();
    this.close('slow');
  }

  private close(why: StreamEnd): void {
    if (this.ended !== undefined) return;
    this.ended = why;
    this.behind.length = 0;
    this.behindLength = 0;
    for (const resume of [...this.onClose]) resume();
    clearInterval(this.keepalive);
    this.finish(why);
  }
}
