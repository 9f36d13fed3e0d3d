import { createHmac } from 'node:crypto';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp, listenOnLoopback } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SECRET = 'flow-secret-0123456789';

/**
 * The modules together, as users see them: a GitHub delivery signed with the configured secret
 * starts the workflow whose trigger matches, once even when GitHub redelivers; an agent claims
 * and completes its task over HTTP; the leaderboard counts the outcome; the audit chain verifies.
 */
describe('GitHub → workflow → agent → leaderboard', () => {
  let test: TestApp;
  let base: string;
  let worker: Json;

  beforeAll(async () => {
    test = await startTestApp({
      GITHUB_WEBHOOK_SECRETS: SECRET,
      GITHUB_HOOK_CIDRS: '127.0.0.0/8,::1/128',
      RATE_LIMIT_PER_MINUTE: '1000000',
    });
    base = await listenOnLoopback(test);
    worker = {
      authorization: (await createKey(test, { scopes: ['tasks:work'], agentId: 'triager' }))
        .authorization,
    };
  });

  afterAll(async () => {
    await test.close();
  });

  const request = async (method: string, path: string, headers: Json, body?: string | Json) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  const deliver = (deliveryId: string, event: string, payload: string, secret = SECRET) =>
    request(
      'POST',
      '/api/v1/hooks/github',
      {
        'x-github-delivery': deliveryId,
        'x-github-event': event,
        'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`,
      },
      payload,
    );

  const runsOf = async (type: string) =>
    (await request('GET', `/api/v1/workflows?type=${type}`, test.admin)).body.data
      .workflows as Json[];

  it('starts the triggered workflow once per delivery, and the outcome reaches the leaderboard', async () => {
    expect(
      (
        await request('POST', '/api/v1/agents', test.admin, {
          id: 'triager',
          name: 'Triager',
          skills: [{ id: 'triage', name: 'Triage' }],
        })
      ).status,
    ).toBe(201);
    const definition = await request('POST', '/api/v1/workflow-definitions', test.admin, {
      key: 'issue-triage',
      steps: [{ key: 'label', skill: 'triage' }],
      triggers: [{ source: 'github', event: 'issues' }],
    });
    expect(definition.status).toBe(201);

    // Unusual whitespace and unicode: the signature covers the bytes as sent.
    const payload = '{ "action" : "opened",\n  "issue": {"title": "Ünïcode — ☃", "number": 7} }';
    const first = await deliver('gh-delivery-1', 'issues', payload);
    expect(first.status).toBe(202);
    const again = await deliver('gh-delivery-1', 'issues', payload);
    expect(again).toMatchObject({ status: 200, body: { data: { duplicate: true } } });
    const forged = await deliver('gh-delivery-2', 'issues', payload, 'not-the-secret');
    expect(forged.status).toBe(401);
    const other = await deliver('gh-delivery-3', 'push', '{"ref": "refs/heads/main"}');
    expect(other.status).toBe(202);

    // The agent long-polls and gets the triggered run's task.
    const claimed = await request('POST', '/api/v1/agents/triager/tasks/claim', worker, {
      waitSeconds: 10,
    });
    expect(claimed.status).toBe(200);
    const [task] = claimed.body.data.tasks as Json[];
    expect(task).toMatchObject({ stepKey: 'label', skill: 'triage' });
    expect(task.input.input).toEqual({
      trigger: { source: 'github', event: 'issues', deliveryId: 'gh-delivery-1' },
      payload: { action: 'opened', issue: { title: 'Ünïcode — ☃', number: 7 } },
    });
    const done = await request('POST', `/api/v1/tasks/${task.id}/complete`, worker, {
      leaseToken: task.leaseToken,
      output: { label: 'bug' },
    });
    expect(done.status).toBe(200);

    // Redelivery, a forged and an unmatched delivery started nothing more.
    const runs = await runsOf('issue-triage');
    expect(runs).toHaveLength(1);
    const run = await waitFor(
      async () => {
        const read = await request('GET', `/api/v1/workflows/${runs[0].id}`, test.admin);
        return read.body.data.status === 'succeeded' ? read.body.data : undefined;
      },
      5_000,
      'the run to succeed',
    );
    expect(run.output).toEqual({ label: { label: 'bug' } });

    const board = await waitFor(
      async () => {
        const read = await request('GET', '/api/v1/agents/leaderboard?skill=triage', test.admin);
        const [entry] = read.body.data.leaderboard as Json[];
        return entry?.successes === 1 ? entry : undefined;
      },
      5_000,
      'the outcome to be counted',
    );
    expect(board).toMatchObject({ rank: 1, agentId: 'triager', total: 1, successRate: 1 });
    expect(board.p50LatencyMs).toEqual(expect.any(Number));

    const received = await request('GET', '/api/v1/webhooks/inbound?source=github', test.admin);
    expect((received.body.data.events as Json[]).map((event) => event.deliveryId).sort()).toEqual([
      'gh-delivery-1',
      'gh-delivery-3',
    ]);
    const verified = await waitFor(
      async () => {
        const read = await request('GET', '/api/v1/audit/verify', test.admin);
        return read.body.data.valid && read.body.data.checked > 0 ? read.body.data : undefined;
      },
      5_000,
      'the audit chain to verify',
    );
    expect(verified.checked).toBeGreaterThan(0);
  });
});
