const UNAVAILABLE_NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

// SQLSTATE classes and codes that mean "the database cannot serve now", not "bad input":
// shutdowns, too many connections, statement timeout, lock not available, the two a retry
// resolves (deadlock detected, serialization failure), and what a connection is refused with
// when the database is gone or its credentials no longer work (3D000, 28000, 28P01): nothing a
// request did, and a 500 would send an operator rolling back a deploy for it.
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
  '55P03',
  '40P01',
  '40001',
  '3D000',
  '28000',
  '28P01',
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Client has encountered a connection error',
  'Connection is not established',
  'Cannot use a pool after calling end',
  'Driver not Connected',
  // 55000 (object not in prerequisite state) said of a connection: ALLOW_CONNECTIONS false.
  'is not currently accepting connections',
];

/**
 * A transaction whose connection PostgreSQL ended before the transaction was over (a restart,
 * a failover, `pg_terminate_backend`): TypeORM lets such a connection go, and the statements
 * after it fail with "already released", which says nothing of the cause. Unavailable: 503.
 */
export class ConnectionLostError extends Error {
  constructor(cause: unknown) {
    super('The database connection was lost during the transaction', { cause });
    this.name = 'ConnectionLostError';
  }
}

/** True when an error (or what it wraps) says PostgreSQL is unreachable or overloaded. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  if (error instanceof ConnectionLostError) return true;
  const candidate = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
  };
  if (typeof candidate.code === 'string') {
    if (UNAVAILABLE_NET_CODES.has(candidate.code)) return true;
    if (UNAVAILABLE_SQLSTATES.has(candidate.code) || candidate.code.startsWith('08')) return true;
  }
  if (typeof candidate.message === 'string') {
    const message = candidate.message;
    if (UNAVAILABLE_MESSAGES.some((fragment) => message.includes(fragment))) return true;
  }
  return (
    isDatabaseUnavailable(candidate.driverError, depth + 1) ||
    isDatabaseUnavailable(candidate.cause, depth + 1)
  );
}

/** SQLSTATE of a failed query, when there is one. */
export function sqlState(error: unknown): string | undefined {
  const candidate = error as { code?: unknown; driverError?: { code?: unknown } } | undefined;
  const code = candidate?.driverError?.code ?? candidate?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A unique constraint said no: the caller maps it to a 409. */
export function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505';
}

/**
 * Deadlock detected (40P01) or serialization failure (40001): PostgreSQL rolled the transaction
 * back, and running the whole unit of work again may well succeed.
 */
export function isRetryableTransactionError(error: unknown): boolean {
  const state = sqlState(error);
  return state === '40P01' || state === '40001';
}

/**
 * PostgreSQL answered but gave the transaction up: statement timeout (57014), lock not available
 * (55P03), deadlock (40P01), serialization failure (40001). The database is there; this unit of
 * work met contention or was too slow, and may go through later.
 */
export function isTransactionGivenUp(error: unknown): boolean {
  const state = sqlState(error);
  return state === '57014' || state === '55P03' || isRetryableTransactionError(error);
}

/**
 * A statement that ran out of time: PostgreSQL's `statement_timeout` (57014, said so: not a
 * cancel by an operator) or the driver's read timeout past it, which ends the connection.
 */
export function isStatementTimeout(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string') {
    if (sqlState(error) === '57014' && message.includes('statement timeout')) return true;
    if (message.includes('Query read timeout')) return true;
  }
  return isStatementTimeout((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * A value larger than PostgreSQL (program_limit_exceeded, 54000, said of a jsonb value: past
 * 256 MB as stored; or an internal error, XX000, asking for more than the 1 GB it allocates at
 * once, which the parse of an array of some 17 million numbers does before that check) or V8
 * (a string past its 512 MB, in JSON.stringify or the driver) holds: writing it again fails
 * again, whatever the load. Other limits of 54000 (an index row, an array) and other internal
 * errors are not this. The caller names what was too large.
 */
export function isValueTooLarge(error: unknown): boolean {
  if (error instanceof RangeError) return error.message === 'Invalid string length';
  if ((error as { code?: unknown } | undefined)?.code === 'ERR_STRING_TOO_LONG') return true;
  const state = sqlState(error);
  const message = (error as { message?: unknown } | undefined)?.message;
  if (typeof message !== 'string') return false;
  if (state === 'XX000') return message.startsWith('invalid memory alloc request size');
  return state === '54000' && message.includes('jsonb');
}
