import { createHmac } from 'node:crypto';

/** A real GitHub-style signer: hex HMAC-SHA256 of the exact bytes sent. */
export function githubSignature(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A real Standard Webhooks signer: base64 HMAC-SHA256 of `id.timestamp.body`. */
export function standardSignature(
  secret: string,
  id: string,
  timestamp: number,
  body: Buffer,
): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const mac = createHmac('sha256', key)
    .update(Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]))
    .digest('base64');
  return `v1,${mac}`;
}
