import { request, type IncomingMessage } from 'node:http';

export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** A test's Server-Sent Events reader over a raw HTTP response, parsing as it arrives. */
export class SseClient {
  readonly messages: SseMessage[] = [];
  readonly comments: string[] = [];
  /** Resolves with how the response ended: 'end' (cleanly) or 'error' (cut off). */
  readonly ended: Promise<'end' | 'error'>;
  private buffer = '';
  private current: Partial<SseMessage> & { lines: string[] } = { lines: [] };
  private wakers: Array<() => void> = [];
  private finished: 'end' | 'error' | undefined;

  private constructor(readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    this.ended = new Promise((resolve) => {
      const done = (how: 'end' | 'error') => {
        if (this.finished) return;
        this.finished = how;
        this.wake();
        resolve(how);
      };
      response.on('data', (chunk: string) => this.take(chunk));
      response.on('end', () => done('end'));
      response.on('error', () => done('error'));
      response.on('aborted', () => done('error'));
      response.on('close', () => done(response.complete ? 'end' : 'error'));
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) =>
        resolve(new SseClient(res)),
      );
      req.on('error', reject);
      req.end();
    });
  }

  get status(): number {
    return this.response.statusCode ?? 0;
  }

  get done(): boolean {
    return this.finished !== undefined;
  }

  /** Data of the events received, parsed. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  get events(): Array<{ id: string; event: string; data: Record<string, any> }> {
    return this.messages.map((message) => ({
      id: message.id ?? '',
      event: message.event ?? '',
      data: JSON.parse(message.data) as Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
    }));
  }

  /** Waits until `check` holds (re-checked on every message) or the stream ends. */
  async until(
    check: (client: SseClient) => boolean,
    timeoutMs = 5_000,
    what = 'a condition',
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this)) {
      if (this.finished) throw new Error(`stream ended (${this.finished}) before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`timed out waiting for ${what}; got ${this.messages.length} events`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wakers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.response.destroy();
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      this.line(line);
    }
    this.wake();
  }

  private line(line: string): void {
    if (line === '') {
      if (this.current.lines.length > 0 || this.current.id !== undefined) {
        this.messages.push({
          id: this.current.id,
          event: this.current.event,
          data: this.current.lines.join('\n'),
        });
      }
      this.current = { lines: [] };
      return;
    }
    if (line.startsWith(':')) {
      this.comments.push(line.slice(1).trim());
      return;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') this.current.id = value;
    else if (field === 'event') this.current.event = value;
    else if (field === 'data') this.current.lines.push(value);
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    wakers.forEach((wake) => wake());
  }
}
