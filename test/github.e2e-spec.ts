import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { Test } from 'supertest';
import { verifyReceipt } from '../src/audit/receipt-verifier';
import { loadConfig } from '../src/config/config';
import { GithubCredentials } from '../src/github/github-credentials';
import { GithubDouble, publicKeyOf } from './utils/github-double';
import { waitFor } from './utils/spawn-app';
import { createKey, startTestApp, TestApp } from './utils/test-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const APP_ID = '424242';
const INSTALLATION = 777;
const WEBHOOK_SECRET = 'github-round-trip-secret';
const HEAD_SHA = 'a'.repeat(39) + 'b';
const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

/** Fast retries for the tests: the next attempt 0.2 s after a failure. */
const FAST = { retryBackoff: { initialSeconds: 0.2, factor: 1, maxSeconds: 1 } };

/** What a GitHub event for repository acme/widgets from our App installation carries. */
const eventInput = (payload: Json) => ({
  trigger: { source: 'github', event: 'issues', deliveryId: randomUUID() },
  payload: {
    repository: { full_name: 'acme/widgets' },
    installation: { id: INSTALLATION },
    ...payload,
  },
});

describe('GitHub round trip', () => {
  let double: GithubDouble;
  let test: TestApp;
  let writer: { authorization: string };
  let worker: { authorization: string };

  const post = (path: string, auth: { authorization: string }, body: unknown) =>
    test.http
      .post(`/api/v1${path}`)
      .set(auth)
      .send(body as object);
  const get = (path: string) => test.http.get(`/api/v1${path}`).set(writer);
  /** A GitHub delivery of these bytes, signed with the configured secret. */
  const deliver = (event: string, delivery: string, body: Buffer) =>
    sendRaw(
      test.http
        .post('/api/v1/hooks/github')
        .set('content-type', 'application/json')
        .set('x-github-event', event)
        .set('x-github-delivery', delivery)
        .set(
          'x-hub-signature-256',
          `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
        ),
      body,
    );
  const define = async (body: Json) => {
    const response = await post('/workflow-definitions', writer, body);
    expect(response.status).toBe(201);
  };
  const start = async (definitionKey: string, input: Json) => {
    const response = await post('/workflows', writer, { definitionKey, input });
    expect(response.status).toBe(201);
    return response.body.data.id as string;
  };
  const untilFinished = (id: string) =>
    waitFor(
      async () => {
        const run = (await get(`/workflows/${id}`)).body.data as Json;
        return ['succeeded', 'failed', 'cancelled'].includes(run.status as string)
          ? run
          : undefined;
      },
      40_000,
      `run ${id} to finish`,
    );
  const eventsOf = async (id: string) =>
    (await get(`/workflows/${id}/events?limit=200`)).body.data.events as Json[];

  /** The HTTP test agent: claims its skill's task for the run and answers with `answer`. */
  const agentDoes = async (
    skill: string,
    runId: string,
    answer: (input: Json) => { output: unknown } | { fail: string },
  ) => {
    const task = await waitFor(
      async () => {
        const response = await post(`/agents/agent-${skill}/tasks/claim`, worker, { max: 10 });
        return (response.body.data.tasks as Json[]).find((t) => t.workflowId === runId);
      },
      20_000,
      `a ${skill} task`,
    );
    const result = answer(task.input.input as Json);
    const response =
      'output' in result
        ? await post(`/tasks/${task.id}/complete`, worker, {
            leaseToken: task.leaseToken,
            output: result.output,
          })
        : await post(`/tasks/${task.id}/fail`, worker, {
            leaseToken: task.leaseToken,
            error: { message: result.fail },
            retryable: false,
          });
    expect(response.status).toBe(200);
  };

  beforeAll(async () => {
    double = new GithubDouble(APP_ID, publicKeyOf(publicKey));
    await double.start();
    test = await startTestApp({
      GITHUB_APP_ID: APP_ID,
      GITHUB_APP_PRIVATE_KEY: privateKey.replace(/\n/g, '\\n'),
      GITHUB_API_URL: double.url,
      GITHUB_WEBHOOK_SECRETS: WEBHOOK_SECRET,
      GITHUB_HOOK_CIDRS: '127.0.0.0/8,::1/128',
      PUBLIC_URL: 'https://agentmesh.example.com',
    });
    writer = await createKey(test, {
      scopes: ['workflows:write', 'workflows:read', 'agents:write', 'audit:read'],
    });
    worker = await createKey(test, { scopes: ['tasks:work'] });
    for (const skill of ['issue-review', 'flaky']) {
      const response = await post('/agents', writer, {
        id: `agent-${skill}`,
        name: skill,
        skills: [{ id: skill, name: skill }],
      });
      expect(response.status).toBe(201);
    }
  }, 60_000);

  afterAll(async () => {
    await test?.close();
    await double?.stop();
  });

  it('an issue opened on GitHub starts a run whose agent review is posted on that issue', async () => {
    await define({
      key: 'issue-review',
      triggers: [{ source: 'github', event: 'issues' }],
      steps: [
        { key: 'review', skill: 'issue-review' },
        {
          key: 'reply',
          kind: 'github',
          action: 'comment',
          dependsOn: ['review'],
          body: '### Review\n{{steps.review.output.text}}\n\n_Issue:_ {{input.payload.issue.title}} · run `{{run.id}}`',
        },
      ],
    });
    const delivery = randomUUID();
    const body = Buffer.from(
      JSON.stringify({
        action: 'opened',
        issue: { number: 42, title: 'Crash on *save* <script>', body: 'It crashes.' },
        repository: { full_name: 'acme/widgets' },
        installation: { id: INSTALLATION },
      }),
    );
    const hook = await deliver('issues', delivery, body);
    expect(hook.status).toBeLessThan(300);
    const runId = await waitFor(
      async () =>
        ((await get('/workflows?type=issue-review')).body.data.workflows as Json[]).find(
          (run) => run.input.trigger.deliveryId === delivery,
        )?.id as string | undefined,
      20_000,
      'the triggered run',
    );
    await agentDoes('issue-review', runId, (input) => ({
      output: { text: `**${String(input.payload.issue.title).length} chars**: reproduce first.` },
    }));
    const run = await untilFinished(runId);
    expect(run.status).toBe('succeeded');

    const [comment, ...more] = double.commentsOn('acme/widgets', 42);
    expect(more).toEqual([]);
    expect(comment.body).toContain('### Review\n**24 chars**: reproduce first.');
    // The issue's title came from the sender: escaped, never raw HTML.
    expect(comment.body).toContain('Crash on \\*save\\* &lt;script&gt;');
    expect(comment.body).toContain(`<!-- agentmesh:run/${runId}/step/reply -->`);
    expect(run.output.reply).toEqual({ url: comment.html_url, id: comment.id });

    // The App's JWT bought an installation token, and only that token was used on the repo.
    expect(double.rejectedAuth).toEqual([]);
    const post_ = double.requests.find(
      (r) => r.method === 'POST' && r.path.endsWith('/42/comments'),
    );
    expect(post_?.authorization).toMatch(/^token ghs_/);

    const events = await eventsOf(runId);
    expect(events.map((event) => event.type)).toEqual(
      expect.arrayContaining([
        'github.comment.posted',
        'workflow.step.succeeded',
        'workflow.succeeded',
      ]),
    );
    const audit = await get(`/audit?action=github.comment&limit=50`);
    const entry = (audit.body.data.entries as Json[]).find((e) => e.after.workflowId === runId)!;
    expect(entry.after).toMatchObject({ repo: 'acme/widgets', issue: 42, commentId: comment.id });
    expect(JSON.stringify(audit.body)).not.toContain('ghs_');
  }, 60_000);

  it('a signed delivery whose body is not a JSON object is refused (400) and starts nothing', async () => {
    for (const text of ['[1,2]', '"text"', 'null', '42']) {
      const hook = await deliver('issues', randomUUID(), Buffer.from(text));
      expect([text, hook.status, hook.body.detail]).toEqual([
        text,
        400,
        expect.stringContaining('a JSON object'),
      ]);
    }
  });

  it('sets a commit status on the head of the pull request that started the run', async () => {
    await define({
      key: 'pr-status',
      steps: [
        {
          key: 'status',
          kind: 'github',
          action: 'status',
          context: 'agentmesh/review',
          description:
            'Reviewing {{input.payload.pull_request.title}} in run {{run.id}} ' + 'x'.repeat(200),
        },
      ],
    });
    const runId = await start(
      'pr-status',
      eventInput({ pull_request: { number: 9, title: 'Add cache', head: { sha: HEAD_SHA } } }),
    );
    const run = await untilFinished(runId);
    expect(run.status).toBe('succeeded');
    const status = double.statuses.find(
      (s) => s.sha === HEAD_SHA && s.context === 'agentmesh/review',
    )!;
    expect(status).toMatchObject({
      repo: 'acme/widgets',
      state: 'pending',
      target_url: `https://agentmesh.example.com/console/runs/${runId}`,
    });
    expect(status.description!.startsWith(`Reviewing Add cache in run ${runId} xxx`)).toBe(true);
    expect(status.description!.length).toBeLessThanOrEqual(140);
    expect(run.output.status).toMatchObject({ id: status.id, url: status.url, state: 'pending' });
  }, 60_000);

  it('a comment GitHub posts after its run was cancelled is still audited and in the history', async () => {
    await define({
      key: 'cancelled-comment',
      steps: [{ key: 'note', kind: 'github', action: 'comment', body: 'On its way', ...FAST }],
    });
    let release!: () => void;
    double.failNext('POST', /\/issues\/31\/comments$/, {
      kind: 'hold',
      until: new Promise<void>((done) => (release = done)),
    });
    const runId = await start('cancelled-comment', eventInput({ issue: { number: 31 } }));
    await waitFor(
      async () =>
        double.requests.some((r) => r.method === 'POST' && r.path.endsWith('/issues/31/comments'))
          ? true
          : undefined,
      20_000,
      'the comment to be sent',
    );
    expect((await post(`/workflows/${runId}/cancel`, writer, {})).status).toBe(200);
    release();
    // GitHub posted it: what the service did is on record, though the run had ended.
    const entry = await waitFor(
      async () =>
        ((await get(`/audit?action=github.comment&limit=50`)).body.data.entries as Json[]).find(
          (e) => e.after?.repo === 'acme/widgets' && e.after?.issue === 31,
        ),
      20_000,
      'the github.comment audit entry',
    );
    const [posted] = double.commentsOn('acme/widgets', 31);
    expect(entry.after).toMatchObject({ commentId: posted.id });
    expect((await eventsOf(runId)).map((e) => e.type)).toContain('github.comment.posted');
    expect((await get(`/workflows/${runId}`)).body.data.status).toBe('cancelled');
  }, 60_000);

  it("a paused definition's github steps wait until it resumes", async () => {
    await define({
      key: 'paused-comment',
      steps: [{ key: 'note', kind: 'github', action: 'comment', body: 'Held', ...FAST }],
    });
    expect(
      (await post('/workflow-definitions/paused-comment/pause', writer, undefined)).status,
    ).toBe(200);
    const runId = await start('paused-comment', eventInput({ issue: { number: 91 } }));
    // Several rounds of the runner pass: nothing is sent while paused.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(double.commentsOn('acme/widgets', 91)).toEqual([]);
    const held = (await get(`/workflows/${runId}`)).body.data;
    expect(held).toMatchObject({ status: 'running', waiting: { reason: 'paused' } });
    expect(
      (await post('/workflow-definitions/paused-comment/resume', writer, undefined)).status,
    ).toBe(200);
    expect((await untilFinished(runId)).status).toBe('succeeded');
    expect(double.commentsOn('acme/widgets', 91)).toHaveLength(1);
  }, 60_000);

  it('fetches an installation token once and reuses it across steps and runs', async () => {
    await define({
      key: 'two-comments',
      steps: [
        { key: 'first', kind: 'github', action: 'comment', body: 'one' },
        { key: 'second', kind: 'github', action: 'comment', body: 'two', dependsOn: ['first'] },
      ],
    });
    const runId = await start('two-comments', eventInput({ issue: { number: 43 } }));
    expect((await untilFinished(runId)).status).toBe('succeeded');
    expect(double.commentsOn('acme/widgets', 43).map((c) => c.body.split('\n')[0])).toEqual([
      'one',
      'two',
    ]);
    // Every run of this file so far used installation 777: one token for all of them.
    expect(double.tokenRequests).toEqual([INSTALLATION]);
  }, 60_000);

  describe('delivery', () => {
    beforeAll(async () => {
      await define({
        key: 'comment-once',
        steps: [
          { key: 'say', kind: 'github', action: 'comment', body: 'Done: {{run.id}}', ...FAST },
        ],
      });
    });

    it('retries a 502 and posts exactly one comment', async () => {
      double.failNext('POST', /\/issues\/50\/comments$/, {
        kind: 'answer',
        status: 502,
        body: { message: 'Server Error' },
      });
      const runId = await start('comment-once', eventInput({ issue: { number: 50 } }));
      const run = await untilFinished(runId);
      expect(run.status).toBe('succeeded');
      expect(double.commentsOn('acme/widgets', 50)).toHaveLength(1);
      const retrying = (await eventsOf(runId)).filter((e) => e.type === 'workflow.step.retrying');
      expect(retrying).toHaveLength(1);
      expect(retrying[0].data.error).toMatchObject({ code: 'github_502' });
      expect(run.steps[0].task.attempt).toBe(2);
    }, 60_000);

    it('does not post twice when the answer to a post is lost', async () => {
      double.failNext('POST', /\/issues\/51\/comments$/, { kind: 'drop-after-write' });
      const runId = await start('comment-once', eventInput({ issue: { number: 51 } }));
      const run = await untilFinished(runId);
      expect(run.status).toBe('succeeded');
      const comments = double.commentsOn('acme/widgets', 51);
      expect(comments).toHaveLength(1);
      // The retry found the comment by its marker instead of posting again.
      expect(run.output.say).toEqual({ url: comments[0].html_url, id: comments[0].id });
      expect(
        double.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/51/comments')).length,
      ).toBeGreaterThanOrEqual(1);
      const posted = (await eventsOf(runId)).filter((e) => e.type === 'github.comment.posted');
      expect(posted).toHaveLength(1);
    }, 60_000);

    it('waits out a secondary rate limit (Retry-After) and then posts', async () => {
      double.failNext('POST', /\/issues\/52\/comments$/, {
        kind: 'answer',
        status: 403,
        body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes.' },
        headers: { 'retry-after': '2' },
      });
      const runId = await start('comment-once', eventInput({ issue: { number: 52 } }));
      const run = await untilFinished(runId);
      expect(run.status).toBe('succeeded');
      expect(double.commentsOn('acme/widgets', 52)).toHaveLength(1);
      const [retrying] = (await eventsOf(runId)).filter((e) => e.type === 'workflow.step.retrying');
      expect(retrying.data.error.code).toBe('github_rate_limited');
      // The next attempt was put at GitHub's Retry-After (2 s after the 403), not at the 0.2 s
      // backoff, and the post came no earlier.
      const posts = double.requests.filter(
        (r) => r.method === 'POST' && r.path.endsWith('/52/comments'),
      );
      expect(posts).toHaveLength(2);
      expect(Date.parse(retrying.data.availableAt)).toBeGreaterThanOrEqual(posts[0].at + 1_990);
      expect(posts[1].at).toBeGreaterThanOrEqual(posts[0].at + 1_990);
    }, 60_000);

    it('fails the step with GitHub’s message on a 404, without retrying', async () => {
      await define({
        key: 'comment-missing',
        steps: [
          {
            key: 'say',
            kind: 'github',
            action: 'comment',
            body: 'hello',
            repo: 'acme/missing',
            issue: 3,
            ...FAST,
          },
        ],
      });
      const runId = await start('comment-missing', eventInput({}));
      const run = await untilFinished(runId);
      expect(run.status).toBe('failed');
      expect(run.error).toMatchObject({
        stepKey: 'say',
        code: 'github_404',
        message: 'GitHub answered 404: Not Found',
      });
      expect(run.steps[0].task.attempt).toBe(1);
      expect((await eventsOf(runId)).some((e) => e.type === 'workflow.step.retrying')).toBe(false);
    }, 60_000);
  });

  it('reports a run’s end as a commit status with onFinish, on success and on failure', async () => {
    await define({
      key: 'reported',
      steps: [{ key: 'work', skill: 'flaky' }],
      onFinish: {
        kind: 'github',
        action: 'status',
        context: 'agentmesh/run',
        description: 'Run {{run.status}}',
      },
    });
    const sha = (n: string) => n.repeat(40);
    const ok = await start(
      'reported',
      eventInput({ pull_request: { number: 1, head: { sha: sha('1') } } }),
    );
    await agentDoes('flaky', ok, () => ({ output: { fine: true } }));
    const bad = await start(
      'reported',
      eventInput({ pull_request: { number: 2, head: { sha: sha('2') } } }),
    );
    await agentDoes('flaky', bad, () => ({ fail: 'it broke' }));
    expect((await untilFinished(ok)).status).toBe('succeeded');
    expect((await untilFinished(bad)).status).toBe('failed');
    const reported = (wanted: string) =>
      waitFor(
        async () => double.statuses.find((s) => s.sha === wanted && s.context === 'agentmesh/run'),
        20_000,
        `the status of ${wanted}`,
      );
    expect(await reported(sha('1'))).toMatchObject({
      state: 'success',
      description: 'Run succeeded',
    });
    expect(await reported(sha('2'))).toMatchObject({ state: 'failure', description: 'Run failed' });
    // The run itself is as it ended; the report is its onFinish step, and in its history.
    const detail = await waitFor(
      async () => {
        const run = (await get(`/workflows/${ok}`)).body.data as Json;
        return run.onFinish?.status === 'succeeded' ? run : undefined;
      },
      10_000,
      'the onFinish step to succeed',
    );
    expect(detail.status).toBe('succeeded');
    expect(detail.onFinish).toMatchObject({ key: 'onFinish', kind: 'github', action: 'status' });
    expect(detail.onFinish.task.output).toMatchObject({ state: 'success' });
    await waitFor(
      async () =>
        (await eventsOf(bad)).some((e) => e.type === 'github.status.set') ? true : undefined,
      10_000,
      'the onFinish event',
    );
    // Each run's receipt verifies against the audit export: the report of its end is not one
    // of its steps, so its entries are not the receipt's (they were counted, at times).
    for (const runId of [ok, bad]) {
      const receipt = await waitFor(
        async () => {
          const response = await get(`/workflows/${runId}/receipt`);
          return response.status === 200 ? (response.body.data as Json) : undefined;
        },
        20_000,
        'the receipt',
      );
      const exported = await test.http.get('/api/v1/audit/export').set(test.admin);
      expect(verifyReceipt(receipt, exported.text.split('\n'))).toMatchObject({
        valid: true,
        reason: null,
      });
    }
  }, 60_000);

  it('rejects github steps that cannot work, at definition time', async () => {
    const bad = await post('/workflow-definitions', writer, {
      key: 'bad-github',
      steps: [
        { key: 'a', kind: 'github', action: 'comment' },
        { key: 'b', kind: 'github', action: 'comment', body: '{{process.env.GITHUB_TOKEN}}' },
        { key: 'd', kind: 'github', action: 'status', issue: 3 },
        { key: 'e', kind: 'github', body: 'x' },
      ],
      onFinish: { kind: 'github', action: 'status', context: 'x', sha: 'nope' },
    });
    expect(bad.status).toBe(400);
    const fields = (bad.body.errors as Json[]).map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining([
        'steps[0].body',
        'steps[1].body',
        'steps[2].issue',
        'steps[2].context',
        'steps[3].action',
      ]),
    );
    // A step's template may only read steps it depends on (their output exists by then).
    const unordered = await post('/workflow-definitions', writer, {
      key: 'bad-reference',
      steps: [
        { key: 'a', skill: 'x' },
        { key: 'c', kind: 'github', action: 'comment', body: '{{steps.a.output.url}}' },
      ],
    });
    expect(unordered.status).toBe(400);
    expect(unordered.body.errors).toEqual([expect.objectContaining({ field: 'steps[1].body' })]);
    const action = await post('/workflow-definitions', writer, {
      key: 'bad-action',
      steps: [{ key: 'a', kind: 'github', action: 'post', body: 'x' }],
    });
    expect(action.status).toBe(400);
    const onFinish = await post('/workflow-definitions', writer, {
      key: 'bad-on-finish',
      steps: [{ key: 'a', skill: 'x' }],
      onFinish: { kind: 'github', action: 'status', context: 'x', sha: 'nope' },
    });
    expect(onFinish.status).toBe(400);
    expect(onFinish.body.errors).toEqual([expect.objectContaining({ field: 'onFinish.sha' })]);
    // Without credentials a github step is refused with 422 (no call could ever succeed).
    const bare = new GithubCredentials(loadConfig({ GITHUB_API_URL: double.url }));
    expect(() => bare.assertConfiguredFor([{ key: 'x', kind: 'github' }])).toThrow(
      expect.objectContaining({ kind: 'unprocessable', code: 'github_not_configured' }),
    );
    expect(() => bare.assertConfiguredFor([{ key: 'x' }])).not.toThrow();
  });

  it('with two replicas working, each step posts exactly once', async () => {
    const replica = await startTestApp(
      {
        GITHUB_APP_ID: APP_ID,
        GITHUB_APP_PRIVATE_KEY: privateKey,
        GITHUB_API_URL: double.url,
      },
      { db: test.db },
    );
    try {
      await define({
        key: 'comment-replicas',
        steps: [{ key: 'say', kind: 'github', action: 'comment', body: 'Done: {{run.id}}' }],
      });
      const issues = [60, 61, 62, 63];
      const runs = await Promise.all(
        issues.map((issue) => start('comment-replicas', eventInput({ issue: { number: issue } }))),
      );
      for (const runId of runs) expect((await untilFinished(runId)).status).toBe('succeeded');
      for (const issue of issues) expect(double.commentsOn('acme/widgets', issue)).toHaveLength(1);
      for (const runId of runs) {
        const types = (await eventsOf(runId)).map((event) => event.type as string);
        expect(types.filter((type) => type === 'github.comment.posted')).toHaveLength(1);
      }
    } finally {
      await replica.app.close();
    }
  }, 90_000);

  it('counts the calls in /metrics', async () => {
    const metrics = await test.http.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/github_requests_total\{action="comment",outcome="ok"\} \d+/);
    expect(metrics.text).toMatch(
      /github_requests_total\{action="comment",outcome="retryable"\} \d+/,
    );
    expect(metrics.text).toMatch(/github_requests_total\{action="comment",outcome="failed"\} 1/);
  });
});

/** Sends the bytes as they are (superagent would serialise a Buffer as JSON otherwise). */
function sendRaw(request: Test, body: Buffer): Test {
  return request.serialize(() => body as unknown as string).send(body);
}
