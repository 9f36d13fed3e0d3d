import { createHash } from 'node:crypto';
import { canonicalEntry, chainHash, GENESIS_HASH, SealedFields } from './audit-hash';

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

describe('audit hash', () => {
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
