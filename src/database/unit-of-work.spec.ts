import { combineWrites } from './unit-of-work';

describe('combineWrites', () => {
  it('passes a single statement through', () => {
    const write = { sql: 'INSERT INTO a SELECT $1', params: [1] };
    expect(combineWrites([write])).toBe(write);
  });

  it('chains statements as CTEs and renumbers their parameters', () => {
    expect(
      combineWrites([
        { sql: 'INSERT INTO a (x, y) VALUES ($1, $2)', params: ['x', 'y'] },
        { sql: 'INSERT INTO b (z) SELECT $1 FROM c WHERE d = $1 AND e = $2', params: ['z', 2] },
        { sql: "INSERT INTO f (g) VALUES ('$ not a parameter')", params: [] },
      ]),
    ).toEqual({
      sql:
        'WITH w0 AS (INSERT INTO a (x, y) VALUES ($1, $2)), ' +
        'w1 AS (INSERT INTO b (z) SELECT $3 FROM c WHERE d = $3 AND e = $4), ' +
        "w2 AS (INSERT INTO f (g) VALUES ('$ not a parameter')) SELECT 1",
      params: ['x', 'y', 'z', 2],
    });
  });

  it('reads a SELECT write, which PostgreSQL would otherwise not run', () => {
    expect(
      combineWrites([
        { sql: 'SELECT count(*) FROM finish($1)', params: [[1]] },
        { sql: 'INSERT INTO a (x) VALUES ($1)', params: ['x'] },
        { sql: ' select * FROM g($1)', params: [2] },
      ]).sql,
    ).toBe(
      'WITH w0 AS (SELECT count(*) FROM finish($1)), w1 AS (INSERT INTO a (x) VALUES ($2)), ' +
        'w2 AS ( select * FROM g($3)) SELECT (SELECT count(*) FROM w0), (SELECT count(*) FROM w2)',
    );
  });
});
