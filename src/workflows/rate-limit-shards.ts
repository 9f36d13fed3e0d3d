/**
 * A rate limit's bucket is split into sub-buckets (table `rate_limit_shards`) so that claims
 * under one limit at the same moment take tokens from different rows, instead of each waiting
 * for the one row until the claim before it commits. A limit of burst b and rate r has
 * n = min(MAX_SHARDS, floor(b)) sub-buckets (so each holds at least one unit), each a token
 * bucket of burst b / n refilled at r / n: together they never hold more than b, nor earn more
 * than r, whichever of them the claims take from, so the limit holds exactly. How a claim
 * chooses them: claim-statement.ts.
 *
 * 32: ten claims at once under one limit ran at 0.68-0.73 of their rate without a limit with 8
 * sub-buckets, 0.80-0.94 with 32 (more sub-buckets, fewer claims finding them all held). Any
 * count is exact, so a limit laid out under an earlier maximum keeps its sub-buckets until its
 * burst or rate next changes.
 */
export const MAX_SHARDS = 32;

/** How many sub-buckets a limit of this burst has. */
export function shardsFor(burst: number): number {
  return Math.min(MAX_SHARDS, Math.max(1, Math.floor(burst)));
}

/**
 * A sub-bucket's content now (the row aliased `s`): its tokens at refilled_at plus what the time
 * since earned at its share of the rate, up to its share of the burst.
 */
export const SHARD_TOKENS_SQL = `least(s.burst, s.tokens
  + greatest(0, extract(epoch FROM now() - s.refilled_at)) * s.per_minute / 60)`;

/** The content now of the limit aliased `l`: the sum of its sub-buckets'. */
export const LIMIT_TOKENS_SQL = `(SELECT coalesce(sum(${SHARD_TOKENS_SQL}), 0)
  FROM rate_limit_shards s WHERE s.tenant_id = l.tenant_id AND s.key = l.key)`;
