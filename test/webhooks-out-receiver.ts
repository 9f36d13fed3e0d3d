import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the receiver saw it, with which of its known secrets verified it. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Names of the secrets (see `trust`) whose signature is in the header and valid. */
  verifiedBy: string[];
  at: number;
}

export type Answer = { status: number; body?: string; headers?: Record<string, string> };

/**
 * A real HTTP receiver that verifies Standard Webhooks signatures with its own HMAC code
 * (written from the spec, not our signer): `v1,<base64 HMAC-SHA256(key, id.timestamp.body)>`,
 * key = base64-decoded secret after `whsec_`, compared in constant time.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly secrets = new Map<string, string>();
  private readonly scripts = new Map<string, Answer[]>();
  private readonly holds = new Map<string, Array<(answer: Answer) => void>>();
  private server!: Server;
  url = '';

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        const body = Buffer.concat(chunks).toString('utf8');
        receiver.received.push({
          path,
          headers: request.headers,
          body,
          verifiedBy: receiver.verify(request.headers, body),
          at: Date.now(),
        });
        const answer = receiver.next(path);
        const respond = (given: Answer) => {
          if (response.destroyed) return;
          response.writeHead(given.status, given.headers ?? {});
          response.end(given.body ?? '');
        };
        if (answer.status === 0)
          receiver.holds.set(path, [...(receiver.holds.get(path) ?? []), respond]);
        else respond(answer);
      });
    });
    await new Promise<void>((done) => receiver.server.listen(0, '127.0.0.1', done));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  /** Answers for a path, in order; the last one repeats. Status 0 holds the request open. */
  script(path: string, ...answers: Answer[]): void {
    this.scripts.set(path, answers);
  }

  /** Answers the requests held open on a path. */
  release(path: string, answer: Answer): void {
    const held = this.holds.get(path) ?? [];
    this.holds.delete(path);
    for (const respond of held) respond(answer);
  }

  trust(name: string, secret: string): void {
    this.secrets.set(name, secret);
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((done) => this.server.close(done));
  }

  private next(path: string): Answer {
    const answers = this.scripts.get(path) ?? [{ status: 200, body: 'ok' }];
    return answers.length > 1 ? answers.shift()! : answers[0];
  }

  private verify(headers: IncomingHttpHeaders, body: string): string[] {
    const id = String(headers['webhook-id'] ?? '');
    const timestamp = String(headers['webhook-timestamp'] ?? '');
    const given = String(headers['webhook-signature'] ?? '')
      .split(' ')
      .filter((part) => part.startsWith('v1,'))
      .map((part) => Buffer.from(part.slice(3), 'base64'));
    const verified: string[] = [];
    for (const [name, secret] of this.secrets) {
      const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
      const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
      if (given.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected))) {
        verified.push(name);
      }
    }
    return verified;
  }
}
