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
 * One Server-Sent Events response on the raw socket (the route hijacks Fastify's reply). What
 * the client has not read yet stays in the socket's buffer; past `bufferBytes` the client is
 * too slow and the stream is dropped, never buffered without bound (it resumes with
 * Last-Event-ID). Comments keep idle proxies from closing it.
 */
export class SseStream {
  private ended: StreamEnd | undefined;
  private readonly keepalive: NodeJS.Timeout;
  private readonly finished: Promise<StreamEnd>;
  private finish!: (end: StreamEnd) => void;

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
    this.keepalive = setInterval(() => this.write(': keepalive\n\n'), options.keepaliveMs);
    this.keepalive.unref();
  }

  /** Resolves with why the stream ended. */
  get done(): Promise<StreamEnd> {
    return this.finished;
  }

  get isOpen(): boolean {
    return this.ended === undefined;
  }

  /** Live: writes at once; a client that lets more than `bufferBytes` pile up is dropped. */
  send(events: DomainEvent[]): void {
    if (events.length === 0) return;
    // One write to the socket for the batch.
    this.res.cork();
    for (const event of events) this.write(sseFrame(event));
    process.nextTick(() => this.res.uncork());
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
      const stalled = setTimeout(() => {
        this.res.destroy();
        this.close('slow');
      }, this.options.keepaliveMs * 2);
      const resume = () => {
        clearTimeout(stalled);
        this.res.off('drain', resume);
        resolve();
      };
      this.res.on('drain', resume);
      void this.finished.then(resume);
    });
  }

  /**
   * Ends the response normally: after the run's terminal event, on shutdown, or when the key
   * it was opened with is revoked, rotated, changed or expires (the client authenticates
   * again to go on).
   */
  end(why: 'done' | 'shutdown' | 'key'): void {
    if (!this.isOpen) return;
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
      this.res.destroy();
      this.close('slow');
      return;
    }
    this.res.write(chunk);
  }

  private close(why: StreamEnd): void {
    if (this.ended !== undefined) return;
    this.ended = why;
    clearInterval(this.keepalive);
    this.finish(why);
  }
}
