import {
  ConnectionLostError,
  isDatabaseUnavailable,
  isRetryableTransactionError,
  isTransactionGivenUp,
  isStatementTimeout,
  isValueTooLarge,
} from './database-errors';

const pgError = (code: string) => Object.assign(new Error(code), { code });
// TypeORM's QueryFailedError carries the driver's error.
const wrapped = (code: string) => Object.assign(new Error(code), { driverError: pgError(code) });

describe('database errors', () => {
  it.each(['40P01', '40001'])('%s rolls the transaction back: run it again', (code) => {
    expect(isRetryableTransactionError(pgError(code))).toBe(true);
    expect(isRetryableTransactionError(wrapped(code))).toBe(true);
    expect(isTransactionGivenUp(wrapped(code))).toBe(true);
  });

  it.each(['57014', '55P03'])('%s gave up on the transaction, not the database', (code) => {
    expect(isTransactionGivenUp(wrapped(code))).toBe(true);
    expect(isRetryableTransactionError(wrapped(code))).toBe(false);
  });

  it('the database being away, or bad input, is neither', () => {
    for (const error of [
      pgError('57P01'),
      pgError('08006'),
      Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
      new Error('Connection terminated unexpectedly'),
      pgError('3D000'),
      pgError('28P01'),
      Object.assign(new Error('database "x" is not currently accepting connections'), {
        code: '55000',
      }),
    ]) {
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(isTransactionGivenUp(error)).toBe(false);
      expect(isRetryableTransactionError(error)).toBe(false);
    }
    expect(isTransactionGivenUp(wrapped('23505'))).toBe(false);
    // 55000 is not always about connections (a sequence's currval before nextval is one).
    expect(isDatabaseUnavailable(pgError('55000'))).toBe(false);
    expect(isRetryableTransactionError(new Error('boom'))).toBe(false);
  });

  it('a statement out of time is one that ran past the timeout, not one an operator cancelled', () => {
    const said = (code: string, message: string) =>
      Object.assign(new Error(message), { driverError: Object.assign(pgError(code), { message }) });
    expect(isStatementTimeout(said('57014', 'canceling statement due to statement timeout'))).toBe(
      true,
    );
    // The driver's own read timeout, past PostgreSQL's: the connection is ended, and the
    // transaction's failure says so.
    expect(isStatementTimeout(new ConnectionLostError(new Error('Query read timeout')))).toBe(true);
    for (const error of [
      said('57014', 'canceling statement due to user request'),
      said('55P03', 'could not obtain lock on row in relation "workflow_runs"'),
      new ConnectionLostError(new Error('Connection terminated unexpectedly')),
      wrapped('57014'),
      undefined,
    ]) {
      expect(isStatementTimeout(error)).toBe(false);
    }
  });

  it('a value past what PostgreSQL or V8 holds is too large, and nothing else is', () => {
    const limit = (message: string, code = '54000') =>
      Object.assign(new Error(message), {
        driverError: Object.assign(pgError(code), { message }),
      });
    expect(
      isValueTooLarge(
        limit('total size of jsonb array elements exceeds the maximum of 268435455 bytes'),
      ),
    ).toBe(true);
    // 17 million numbers in one array: their parse needs more than PostgreSQL allocates at once.
    expect(isValueTooLarge(limit('invalid memory alloc request size 1073741824', 'XX000'))).toBe(
      true,
    );
    expect(isValueTooLarge(new RangeError('Invalid string length'))).toBe(true);
    expect(
      isValueTooLarge(
        Object.assign(new Error('Cannot create a string'), { code: 'ERR_STRING_TOO_LONG' }),
      ),
    ).toBe(true);
    for (const error of [
      limit('index row size 3000 exceeds maximum 2712 for index "x"'),
      limit('could not open file "base/1/2": No such file or directory', 'XX000'),
      wrapped('XX000'),
      wrapped('54000'),
      wrapped('57014'),
      wrapped('22P02'),
      new RangeError('Maximum call stack size exceeded'),
      new Error('Invalid string length'),
      undefined,
    ]) {
      expect(isValueTooLarge(error)).toBe(false);
    }
  });
});
