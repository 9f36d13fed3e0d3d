import { createHash } from 'node:crypto';
import {
  canonicalEntry,
  canonicalEntryReference,
  chainHash,
  GENESIS_HASH,
  SealedFields,
} from './audit-hash';

const entry: SealedFields = {
  seq: '1',
  id: '0190c0de-0000-7000-8000-000000000001',
  tenantId: 'default',
  occurredAt: '2026-11-22T05:00:00.123456Z',
  actorType: 'apiKey',
  actorId: 'k1',
  action: 'api_key.create',
  resourceType: 'api_key',
  resourceId: 'r1',
  correlationId: 'c1',
  ip: '127.0.0.1',
  userAgent: null,
  before: null,
  after: '{"name": "x"}',
};

/** Strings that stress JSON escaping and key-order rules: controls, quotes, astral, lone surrogates. */
function randomText(seed: number): string {
  const pool = [
    'a',
    'Z',
    '"',
    '\\',
    '\n',
    '\u0000',
    '\u001f',
    '\u007f',
    'é',
    '€',
    '😀',
    '\ud800',
    '\udfff',
    ' ',
    '<',
    '\u2028',
  ];
  let text = '';
  let state = seed;
  for (let i = 0; i < 12; i += 1) {
    state = (state * 1103515245 + 12345) % 2147483648;
    text += pool[state % pool.length];
  }
  return text;
}

describe('audit hash', () => {
  it('is byte for byte what the canonicalize package (RFC 8785) makes', () => {
    for (let seed = 1; seed <= 2000; seed += 1) {
      const fields: SealedFields = {
        ...entry,
        seq: String(seed),
        actorId: randomText(seed),
        resourceId: randomText(seed * 7),
        userAgent: seed % 3 === 0 ? null : randomText(seed * 13),
        before: seed % 2 === 0 ? null : `{"k": "${randomText(seed * 17)}"}`,
        after: randomText(seed * 31),
        tenantId: seed % 5 === 0 ? null : 'tenant-é',
      };
      expect(canonicalEntry(fields)).toBe(canonicalEntryReference(fields));
    }
  });

  it('canonicalizes with sorted keys and no whitespace (RFC 8785)', () => {
    const text = canonicalEntry(entry);
    expect(text.startsWith('{"action":"api_key.create","actorId":"k1","actorType":"apiKey"')).toBe(
      true,
    );
    expect(text).toContain('"after":"{\\"name\\": \\"x\\"}"');
    expect(text).toContain('"before":null');
  });

  it('is sha256 of the previous hash followed by the canonical entry', () => {
    const expected = createHash('sha256')
      .update(GENESIS_HASH + canonicalEntry(entry))
      .digest('hex');
    expect(chainHash(GENESIS_HASH, entry)).toBe(expected);
    expect(chainHash(GENESIS_HASH, entry)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when any field or the previous hash changes', () => {
    const base = chainHash(GENESIS_HASH, entry);
    expect(chainHash('1'.repeat(64), entry)).not.toBe(base);
    for (const key of Object.keys(entry) as Array<keyof SealedFields>) {
      const changed = { ...entry, [key]: `${entry[key] ?? ''}x` };
      expect([key, chainHash(GENESIS_HASH, changed)]).not.toEqual([key, base]);
    }
    // null and the empty string must not collide
    expect(chainHash(GENESIS_HASH, { ...entry, ip: '' })).not.toBe(
      chainHash(GENESIS_HASH, { ...entry, ip: null }),
    );
  });

  it('does not depend on the order the fields were given in', () => {
    const reversed = Object.fromEntries(Object.entries(entry).reverse()) as unknown as SealedFields;
    expect(chainHash(GENESIS_HASH, reversed)).toBe(chainHash(GENESIS_HASH, entry));
  });
});
