import { Agent, request } from 'undici';
import type { CidrList } from '../../common/net/cidr';
import type { ClaimedDelivery } from './delivery-store';
import { signatureHeader } from './signature';
import { addressProblem, guardedLookup, literalAddress } from './ssrf';

export const SEND_TIMEOUT_MS = 15_000;
export const RESPONSE_BODY_LIMIT = 16 * 1024;
export const USER_AGENT = 'AgentMesh-Webhooks/1.0';

export interface SendResult {
  attemptedAt: Date;
  durationMs: number;
  statusCode: number | null;
  responseBody: string | null;
  error: string | null;
  retryAfter?: string;
}

/**
 * POSTs one delivery, signed per Standard Webhooks. The socket connects only to addresses the
 * SSRF guard accepted at this moment (its own DNS lookup), redirects are not followed, the
 * whole exchange is bounded by 15 s and at most 16 KiB of the answer is read.
 */
export class WebhookSender {
  private readonly agent: Agent;

  constructor(
    private readonly allowed: CidrList,
    private readonly timeoutMs = SEND_TIMEOUT_MS,
  ) {
    this.agent = new Agent({
      connect: { lookup: guardedLookup(allowed), timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  async send(delivery: ClaimedDelivery): Promise<SendResult> {
    const attemptedAt = new Date();
    const started = performance.now();
    const done = (result: Omit<SendResult, 'attemptedAt' | 'durationMs'>): SendResult => ({
      attemptedAt,
      durationMs: Math.round(performance.now() - started),
      ...result,
    });
    const url = new URL(delivery.url);
    // A literal address never reaches the lookup: check it here.
    const literal = literalAddress(url);
    const refused = literal ? addressProblem(literal, this.allowed) : undefined;
    if (refused)
      return done({ statusCode: null, responseBody: null, error: `Refused: ${refused}` });
    const timestamp = Math.floor(attemptedAt.getTime() / 1000);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await request(url, {
        method: 'POST',
        dispatcher: this.agent,
        signal,
        body: delivery.body,
        headers: {
          // The endpoint's own first: ours below always win.
          ...(delivery.headers ?? {}),
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'webhook-id': delivery.messageId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(
            delivery.secrets,
            delivery.messageId,
            timestamp,
            delivery.body,
          ),
          'x-request-id': requestId(delivery),
        },
      });
      const responseBody = await readLimited(response.body);
      const retryAfter = response.headers['retry-after'];
      return done({
        statusCode: response.statusCode,
        responseBody,
        error: null,
        retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      });
    } catch (error) {
      const message = signal.aborted
        ? `Timed out after ${this.timeoutMs} ms`
        : describe(error as Error & { code?: string; cause?: Error });
      return done({ statusCode: null, responseBody: null, error: clean(message).slice(0, 2000) });
    }
  }

  async close(): Promise<void> {
    await this.agent.close().catch(() => undefined);
  }
}

/** The correlation id when it is a safe header value (it may come from any module). */
function requestId(delivery: ClaimedDelivery): string {
  const id = delivery.correlationId;
  return id && /^[\x21-\x7e]{1,200}$/.test(id) ? id : delivery.messageId;
}

/** The first 16 KiB of a body as text (PostgreSQL text cannot hold NUL). */
async function readLimited(body: AsyncIterable<Buffer> & { destroy(): void }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= RESPONSE_BODY_LIMIT) break;
    }
  } catch {
    // A body cut short still tells us what came before it.
  } finally {
    if (size >= RESPONSE_BODY_LIMIT) body.destroy();
  }
  return clean(Buffer.concat(chunks).subarray(0, RESPONSE_BODY_LIMIT).toString('utf8'));
}

function describe(error: Error & { code?: string; cause?: Error & { code?: string } }): string {
  const cause = error.cause;
  if (cause && cause.message && cause.message !== error.message) {
    return `${error.message}: ${cause.message}`;
  }
  return error.code ? `${error.code}: ${error.message}` : error.message;
}

function clean(text: string): string {
  return text.replace(/\u0000/g, '');
}
