import { ConflictError } from '../common/errors/domain-error';

/**
 * Rotated webhook secrets (outbound endpoints sign with them, inbound sources accept them):
 * the current secret, the one retired last (`previous_secret`, until its overlap ends) and
 * those retired before it that are still within their own overlap (`older_secrets`). A
 * rotation moves the previous secret into the older ones with the time its own rotation gave
 * it: a second rotation within a day does not cut short the day the first one promised.
 */

/** A secret retired before the previous one, as stored in `older_secrets`. */
export interface OlderSecret {
  secret: string;
  /** ISO 8601, as PostgreSQL writes a timestamptz into JSON. */
  expiresAt: string;
}

/** Secrets that sign (or verify) at once at most: the current one and nine retired ones. */
export const MAX_LIVE_SECRETS = 10;

/**
 * The `older_secrets` after a rotation of the row being updated: the older ones still live
 * and the previous one while it is, the latest to expire first. Read from the row as it was.
 */
export const OLDER_SECRETS_AFTER_ROTATION_SQL = `(
  SELECT coalesce(jsonb_agg(o ORDER BY (o->>'expiresAt')::timestamptz DESC), '[]'::jsonb)
    FROM (SELECT o FROM jsonb_array_elements(older_secrets) o
           WHERE (o->>'expiresAt')::timestamptz > now()
          UNION ALL
          SELECT jsonb_build_object('secret', previous_secret,
                                    'expiresAt', previous_secret_expires_at)
           WHERE previous_secret IS NOT NULL AND previous_secret_expires_at > now()) x(o))`;

/** The secrets of `older_secrets` still live (`o` the row's alias), as an SQL text array. */
export function liveOlderSecretsSql(alias: string): string {
  return `(SELECT coalesce(array_agg(o->>'secret'), '{}')
             FROM jsonb_array_elements(${alias}.older_secrets) o
            WHERE (o->>'expiresAt')::timestamptz > now())`;
}

export interface RotatedSecrets {
  secret: string;
  previousSecret: string | null;
  previousSecretExpiresAt: Date | null;
  olderSecrets: OlderSecret[];
}

/** The retired secrets still live at `now` (the previous one first), with when each ends. */
function liveRetired(row: RotatedSecrets, now: number): Array<{ secret: string; endsAt: number }> {
  const retired = row.previousSecret
    ? [{ secret: row.previousSecret, endsAt: row.previousSecretExpiresAt?.getTime() ?? 0 }]
    : [];
  for (const older of row.olderSecrets) {
    retired.push({ secret: older.secret, endsAt: Date.parse(older.expiresAt) });
  }
  return retired.filter((secret) => secret.endsAt > now);
}

/** When each live older secret stops, latest first (what the API shows; never the secret). */
export function olderSecretsExpireAt(row: RotatedSecrets, now = Date.now()): string[] {
  return liveRetired({ ...row, previousSecret: null }, now)
    .map((older) => older.endsAt)
    .sort((a, b) => b - a)
    .map((endsAt) => new Date(endsAt).toISOString());
}

/** Every secret live at `now`: the current one first. */
export function liveSecrets(row: RotatedSecrets, now = Date.now()): string[] {
  return [row.secret, ...liveRetired(row, now).map((retired) => retired.secret)];
}

export class TooManySecretsError extends ConflictError {
  constructor(what: 'signs' | 'verifies', firstEnd: Date | undefined) {
    super(
      'too_many_secrets',
      `${MAX_LIVE_SECRETS} secrets ${what === 'signs' ? 'sign' : 'verify'} at once at most, and ` +
        `this one has that many within their overlap: rotate again once the first of them ends` +
        (firstEnd ? ` (${firstEnd.toISOString()})` : '') +
        (what === 'verifies' ? ', or rotate with overlapSeconds 0, which ends them all now.' : '.'),
    );
  }
}

/**
 * Refuses a rotation that would make more than MAX_LIVE_SECRETS live: the current secret
 * becomes a retired one beside those already retired.
 */
export function checkRoomForRotation(
  row: RotatedSecrets,
  what: 'signs' | 'verifies',
  now = Date.now(),
): void {
  const retired = liveRetired(row, now);
  if (retired.length + 1 < MAX_LIVE_SECRETS) return;
  const ends = retired.map((secret) => secret.endsAt);
  throw new TooManySecretsError(what, ends.length ? new Date(Math.min(...ends)) : undefined);
}
