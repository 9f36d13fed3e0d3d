import { BadRequestError } from '../common/errors/domain-error';
import { AuditErrorCode } from './audit.errors';

/**
 * Links one call of a caller who is not a platform admin may re-hash. The chain is global: any
 * tenant's `audit:read` key would otherwise make the service re-hash every tenant's history on
 * each call. 10,000 links take a few milliseconds of database time.
 */
export const TENANT_VERIFY_MAX_LINKS = 10_000;

export interface VerifyBounds {
  fromSeq?: number;
  toSeq?: number;
  /** Most links this call may check; unset: no limit (platform admins). */
  maxLinks?: number;
}

export interface VerifyRange {
  /** First and last seq to re-hash; `last < first` when there is nothing to check. */
  first: number;
  last: number;
  /** Whether the range ends at the head, so that a cut-off tail must be looked for too. */
  reachesHead: boolean;
}

/** Refuses bounds that are wrong whatever the chain holds (checked before reading it). */
export function checkBounds({ fromSeq, toSeq, maxLinks }: VerifyBounds): void {
  if (fromSeq !== undefined && toSeq !== undefined) {
    if (fromSeq > toSeq) {
      throw new BadRequestError(AuditErrorCode.InvalidRange, 'fromSeq is after toSeq.', [
        { field: 'fromSeq', message: 'fromSeq must not be greater than toSeq' },
      ]);
    }
    if (maxLinks !== undefined && toSeq - fromSeq + 1 > maxLinks) {
      throw new BadRequestError(
        AuditErrorCode.RangeTooWide,
        `One call verifies at most ${maxLinks} links; ask for a narrower fromSeq..toSeq range.`,
        [{ field: 'toSeq', message: `toSeq - fromSeq must be less than ${maxLinks}` }],
      );
    }
  }
}

/**
 * The seq range one call checks, given the head it sees. Without bounds: the whole chain, or,
 * with `maxLinks`, its newest `maxLinks` links; one bound alone extends `maxLinks` from it.
 */
export function resolveRange(bounds: VerifyBounds, headSeq: number): VerifyRange {
  checkBounds(bounds);
  const { fromSeq, toSeq, maxLinks } = bounds;
  if (fromSeq !== undefined && fromSeq > headSeq + 1) {
    throw new BadRequestError(
      AuditErrorCode.InvalidRange,
      `fromSeq is beyond the head of the chain (seq ${headSeq}): at most ${headSeq + 1}, the ` +
        'next link to come, which checks nothing yet.',
      [{ field: 'fromSeq', message: `fromSeq must be at most ${headSeq + 1}` }],
    );
  }
  let first = fromSeq ?? 1;
  // A toSeq past the head ends at the head (the newest links, never a range beyond them).
  let end = Math.min(toSeq ?? headSeq, headSeq);
  if (maxLinks !== undefined) {
    if (fromSeq === undefined) first = Math.max(1, end - maxLinks + 1);
    else if (toSeq === undefined) end = first + maxLinks - 1;
  }
  return { first, last: Math.min(end, headSeq), reachesHead: end >= headSeq };
}
