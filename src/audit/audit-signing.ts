import {
  createHash,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  sign,
  verify,
} from 'node:crypto';
import canonicalize from 'canonicalize';

/** PKCS#8 DER header of an Ed25519 private key; the 32-byte seed follows it. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** SPKI DER header of an Ed25519 public key; the 32 raw key bytes follow it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** AUDIT_SIGNING_KEY: a PKCS#8 PEM, or the base64 of a 32-byte Ed25519 seed. */
export function parseSigningKey(raw: string): KeyObject {
  const key = raw.trim().startsWith('-----BEGIN')
    ? createPrivateKey(raw)
    : seedToKey(Buffer.from(raw.trim(), 'base64'));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('must be an Ed25519 private key');
  return key;
}

function seedToKey(seed: Buffer): KeyObject {
  if (seed.length !== 32) throw new Error('must be a PEM or the base64 of a 32-byte seed');
  return createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
}

/** The raw 32-byte public key, base64: what a verifier pins. */
export function publicKeyBase64(privateKey: KeyObject): string {
  const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return der.subarray(ED25519_SPKI_PREFIX.length).toString('base64');
}

/** Short, stable name of a public key: the first 16 hex digits of its SHA-256. */
export function keyIdOf(publicKey: string): string {
  return createHash('sha256').update(Buffer.from(publicKey, 'base64')).digest('hex').slice(0, 16);
}

export interface Checkpoint {
  seq: string;
  hash: string;
  signedAt: string;
  publicKey: string;
  signature: string;
}

/** What is signed: the canonical JSON (RFC 8785) of the checkpoint without its signature. */
export function checkpointMessage(checkpoint: Omit<Checkpoint, 'signature'>): Buffer {
  return Buffer.from(
    canonicalize({
      seq: checkpoint.seq,
      hash: checkpoint.hash,
      signedAt: checkpoint.signedAt,
      publicKey: checkpoint.publicKey,
    }) ?? '',
    'utf8',
  );
}

export function signCheckpoint(
  privateKey: KeyObject,
  fields: { seq: string; hash: string; signedAt: string },
): Checkpoint {
  const unsigned = { ...fields, publicKey: publicKeyBase64(privateKey) };
  const signature = sign(null, checkpointMessage(unsigned), privateKey).toString('base64');
  return { ...unsigned, signature };
}

/** Parsed public keys by their base64: a chain has few keys and many checkpoints. */
const publicKeys = new Map<string, KeyObject>();

function publicKeyObject(base64: string): KeyObject {
  let key = publicKeys.get(base64);
  if (!key) {
    key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(base64, 'base64')]),
      format: 'der',
      type: 'spki',
    });
    if (publicKeys.size >= 64) publicKeys.clear();
    publicKeys.set(base64, key);
  }
  return key;
}

/** True when the signature is the checkpoint's, by the key it names. */
export function checkpointSignatureValid(checkpoint: Checkpoint): boolean {
  try {
    const publicKey = publicKeyObject(checkpoint.publicKey);
    return verify(
      null,
      checkpointMessage(checkpoint),
      publicKey,
      Buffer.from(checkpoint.signature, 'base64'),
    );
  } catch {
    return false;
  }
}
