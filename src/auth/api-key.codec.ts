import { hash, randomBytes } from 'node:crypto';

export const KEY_PREFIX = 'amk_';
const PREFIX_LENGTH = 12;

/** A new key: `amk_` + 32 random bytes in base64url (256 bits, unguessable). */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/** sha256 of the key in hex, one-shot (`crypto.hash`: no Hash object per request). */
export function hashApiKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** What may be shown of a key after creation: its first characters. */
export function displayPrefix(key: string): string {
  return key.slice(0, PREFIX_LENGTH);
}
