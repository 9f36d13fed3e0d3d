import { createKey, startTestApp, TestApp } from './utils/test-app';

const FAILURES_BEFORE_BLOCK = 30;

describe('auth: anonymous load and key guessing', () => {
  let test: TestApp;

  beforeAll(async () => {
    // Each scenario below comes from its own addresses, through a trusted proxy.
    test = await startTestApp({ RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: '127.0.0.0/8,::1' });
  });

  afterAll(async () => {
    await test.close();
  });

  const from = (address: string, headers: Record<string, string> = {}) =>
    test.http.get('/api/v1/api-keys').set({ ...headers, 'x-forwarded-for': address });

  it('rate limits requests without credentials per address (429 with Retry-After)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i += 1) statuses.push((await from('198.51.100.10')).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const limited = await from('198.51.100.10');
    expect(limited.status).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address has its own budget.
    expect((await from('198.51.100.11')).status).toBe(401);
  });

  it('a blocked address reaches no key it has not used already: cached keys pass, the rest get 429', async () => {
    const shared = '198.51.100.20';
    const working = await createKey(test, { name: 'working client', scopes: ['keys:admin'] });
    expect((await from(shared, { authorization: working.authorization })).status).toBe(200);
    // A valid key the shared address has never presented (not in the key cache).
    const unused = await createKey(test, { name: 'unused client', scopes: ['keys:admin'] });

    let guess = 0;
    let status = 401;
    while (status === 401 && guess < FAILURES_BEFORE_BLOCK + 5) {
      guess += 1;
      status = (await from(shared, { authorization: `Bearer amk_guess-${guess}` })).status;
    }
    expect([guess, status]).toEqual([FAILURES_BEFORE_BLOCK + 1, 429]);

    const blockedGuess = await from(shared, { authorization: 'Bearer amk_guess-again' });
    expect(blockedGuess.status).toBe(429);
    expect(Number(blockedGuess.headers['retry-after'])).toBeGreaterThan(0);
    // Refused without a database lookup: a key that is valid in the database but not cached
    // is not looked up while the address is blocked.
    const uncached = await from(shared, { authorization: unused.authorization });
    expect([uncached.status, Number(uncached.headers['retry-after']) > 0]).toEqual([429, true]);
    // The client already working from the same address is not locked out.
    expect((await from(shared, { authorization: working.authorization })).status).toBe(200);
    // And the unused key works from an address that is not blocked.
    expect((await from('198.51.100.21', { authorization: unused.authorization })).status).toBe(200);

    // A key in use whose cache entry has gone (its entry lapsed; here: rotated meanwhile, which
    // evicts it, with an hour's overlap) is looked up again, not locked out.
    const rotated = await test.http
      .post(`/api/v1/api-keys/${working.id}/rotate`)
      .set(test.admin)
      .send({ overlapSeconds: 3600 });
    expect(rotated.status).toBe(201);
    expect((await from(shared, { authorization: working.authorization })).status).toBe(200);
    // Its successor has never been used from anywhere: refused while the block lasts.
    const successor = await from(shared, {
      authorization: `Bearer ${rotated.body.data.key as string}`,
    });
    expect(successor.status).toBe(429);
  });
});
