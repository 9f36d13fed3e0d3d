import { hash } from 'node:crypto';
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

/**
 * RFC 8785 canonical JSON of one entry: the same bytes on every machine and in every language.
 * Every value is a string or null, so JCS reduces to ECMAScript's JSON.stringify (which RFC 8785
 * adopts for strings) with the keys in UTF-16 order: the literal below lists them so. It is what
 * `canonicalize` returns, twice as fast (verification throughput); a unit test holds them equal.
 */
export function canonicalEntry(fields: SealedFields): string {
  return JSON.stringify({
    action: text(fields.action),
    actorId: text(fields.actorId),
    actorType: text(fields.actorType),
    after: textOrNull(fields.after),
    before: textOrNull(fields.before),
    correlationId: textOrNull(fields.correlationId),
    id: text(fields.id),
    ip: textOrNull(fields.ip),
    occurredAt: text(fields.occurredAt),
    resourceId: text(fields.resourceId),
    resourceType: text(fields.resourceType),
    seq: text(fields.seq),
    tenantId: textOrNull(fields.tenantId),
    userAgent: textOrNull(fields.userAgent),
  });
}

/** The reference form, through the `canonicalize` package (RFC 8785). */
export function canonicalEntryReference(fields: SealedFields): string {
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

function text(value: string): string {
  if (typeof value !== 'string') throw new Error('An audit entry field is not a string');
  return value;
}

function textOrNull(value: string | null): string | null {
  return value === null ? null : text(value);
}

/** sha256(prevHash ‖ JCS(entry)) in hex: each hash commits to the whole chain before it. */
export function chainHash(prevHash: string, fields: SealedFields): string {
  return hash('sha256', prevHash + canonicalEntry(fields), 'hex');
}
