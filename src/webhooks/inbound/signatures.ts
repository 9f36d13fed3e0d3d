import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signature checks of the inbound receivers. Both work on the body's raw bytes exactly as they
 * arrived: a body parsed and serialised again differs in whitespace, key order or escapes, and
 * no longer matches what the sender signed.
 */

const GITHUB_SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`, any secret may sign. */
export function githubSignatureValid(
  secrets: readonly string[],
  body: Buffer,
  header: string | undefined,
): boolean {
  const match = header === undefined ? null : GITHUB_SIGNATURE.exec(header.trim());
  if (!match) return false;
  const presented = Buffer.from(match[1], 'hex');
  // Every secret is tried (no early exit) so the time taken says nothing about which matched.
  let valid = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(body).digest();
    valid = timingSafeEqual(expected, presented) || valid;
  }
  return valid;
}

export const SECRET_PREFIX = 'whsec_';
const SECRET_PATTERN = /^whsec_([A-Za-z0-9+/]+={0,2})$/;
export const SECRET_MIN_BYTES = 24;
export const SECRET_MAX_BYTES = 64;

/** A new Standard Webhooks secret: `whsec_` + base64 of 32 random bytes. */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The key bytes of a `whsec_<base64>` secret; undefined when it is not one (24-64 bytes). */
export function secretKey(secret: string): Buffer | undefined {
  const match = SECRET_PATTERN.exec(secret);
  if (!match || match[1].length % 4 !== 0) return undefined;
  const key = Buffer.from(match[1], 'base64');
  if (key.length < SECRET_MIN_BYTES || key.length > SECRET_MAX_BYTES) return undefined;
  return key;
}

export interface StandardWebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export type StandardWebhookVerdict =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: 'missing_headers' | 'bad_timestamp' | 'stale' | 'bad_signature' };

/**
 * Standard Webhooks: `webhook-signature` lists space-separated `v1,<base64>` entries; any one
 * equal to HMAC-SHA256(key, `id.timestamp.body`) for any of the keys is valid. The timestamp
 * must be within `toleranceSeconds` of now, in either direction (replays and clock skew).
 */
export function verifyStandardWebhook(
  keys: readonly Buffer[],
  headers: StandardWebhookHeaders,
  body: Buffer,
  toleranceSeconds: number,
  nowSeconds = Math.floor(Date.now() / 1000),
): StandardWebhookVerdict {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  const sentAt = Number(timestamp);
  if (Math.abs(nowSeconds - sentAt) > toleranceSeconds) return { ok: false, reason: 'stale' };

  const presented = signature
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'))
    .filter((bytes) => bytes.length === 32);
  const prefix = Buffer.from(`${id}.${timestamp}.`, 'utf8');
  let valid = false;
  for (const key of keys) {
    const expected = createHmac('sha256', key).update(prefix).update(body).digest();
    for (const candidate of presented) valid = timingSafeEqual(expected, candidate) || valid;
  }
  return valid ? { ok: true, id, timestamp: sentAt } : { ok: false, reason: 'bad_signature' };
}
