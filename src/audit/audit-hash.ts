import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The prevHash of seq 1: there is nothing before it. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Exactly the stored columns, as the strings PostgreSQL returns for them (`before`/`after` as
 * `jsonb::text`), so hashing never depends on how a driver parses numbers or dates.
 */
export interface SealedFields {
  seq: string;
  id: string;
  tenantId: string | null;
  occurredAt: string;
  actorType: string;
  actorId: string;
  action: string;
  resourceType: string;
  resourceId: string;
  correlationId: string | null;
  ip: string | null;
  userAgent: string | null;
  before: string | null;
  after: string | null;
}

/** RFC 8785 canonical JSON of one entry: the same bytes on every machine and in every language. */
export function canonicalEntry(fields: SealedFields): string {
  const text = canonicalize({
    seq: fields.seq,
    id: fields.id,
    tenantId: fields.tenantId,
    occurredAt: fields.occurredAt,
    actorType: fields.actorType,
    actorId: fields.actorId,
    action: fields.action,
    resourceType: fields.resourceType,
    resourceId: fields.resourceId,
    correlationId: fields.correlationId,
    ip: fields.ip,
    userAgent: fields.userAgent,
    before: fields.before,
    after: fields.after,
  });
  if (text === undefined) throw new Error('An audit entry has no canonical form');
  return text;
}

/** sha256(prevHash ‖ JCS(entry)) in hex: each hash commits to the whole chain before it. */
export function chainHash(prevHash: string, fields: SealedFields): string {
  return createHash('sha256')
    .update(prevHash, 'utf8')
    .update(canonicalEntry(fields), 'utf8')
    .digest('hex');
}
