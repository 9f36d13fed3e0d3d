import { generateKeyPairSync } from 'node:crypto';
import {
  checkpointSignatureValid,
  parseSigningKey,
  publicKeyBase64,
  signCheckpoint,
} from './audit-signing';

const SEED = Buffer.alloc(32, 7).toString('base64');

describe('audit checkpoint signing', () => {
  it('parses a base64 seed and a PEM to the same kind of key', () => {
    const fromSeed = parseSigningKey(SEED);
    expect(fromSeed.asymmetricKeyType).toBe('ed25519');
    expect(Buffer.from(publicKeyBase64(fromSeed), 'base64')).toHaveLength(32);
    const pem = fromSeed.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(publicKeyBase64(parseSigningKey(pem))).toBe(publicKeyBase64(fromSeed));
  });

  it('refuses keys that are not Ed25519 seeds or keys', () => {
    expect(() => parseSigningKey('c2hvcnQ=')).toThrow(/32-byte seed/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    expect(() => parseSigningKey(rsa.export({ format: 'pem', type: 'pkcs8' }).toString())).toThrow(
      /Ed25519/,
    );
  });

  it('signs checkpoints that verify, and detects any change', () => {
    const key = parseSigningKey(SEED);
    const checkpoint = signCheckpoint(key, {
      seq: '42',
      hash: 'a'.repeat(64),
      signedAt: '2026-11-22T05:00:00.000000Z',
    });
    expect(checkpointSignatureValid(checkpoint)).toBe(true);
    expect(checkpointSignatureValid({ ...checkpoint, seq: '43' })).toBe(false);
    expect(checkpointSignatureValid({ ...checkpoint, hash: 'b'.repeat(64) })).toBe(false);
    const other = parseSigningKey(Buffer.alloc(32, 8).toString('base64'));
    expect(checkpointSignatureValid({ ...checkpoint, publicKey: publicKeyBase64(other) })).toBe(
      false,
    );
    expect(checkpointSignatureValid({ ...checkpoint, signature: 'garbage' })).toBe(false);
  });
});
