import { normaliseOnFinish, normaliseSteps, ON_FINISH_KEY } from './dag';
import { commentMarker, planGithubCall } from './github-steps';

const input = {
  input: {
    payload: {
      repository: { full_name: 'acme/widgets' },
      installation: { id: 9 },
      issue: { number: 12, title: 'Hi *there*' },
      pull_request: { number: 13, head: { sha: 'A'.repeat(40) } },
    },
  },
  dependencies: {},
};
const context = (runStatus: 'running' | 'succeeded' | 'failed' | 'cancelled' = 'running') => ({
  runId: 'r1',
  runStatus,
  taskInput: input,
  outputs: { review: { text: 'ok' } },
  publicUrl: 'https://mesh.example',
});

describe('github steps', () => {
  const [comment, status] = normaliseSteps([
    { key: 'review', skill: 'review' },
    {
      key: 'say',
      kind: 'github',
      action: 'comment',
      body: '{{steps.review.output.text}} for {{input.payload.issue.title}}',
      dependsOn: ['review'],
    },
    { key: 'mark', kind: 'github', action: 'status', context: 'ci/agentmesh' },
  ]).slice(1);

  it('normalises with attempts and backoff of its own', () => {
    expect(comment).toMatchObject({ kind: 'github', action: 'comment', maxAttempts: 5, skill: '' });
  });

  it('comments on the event’s issue with a marker, input escaped', () => {
    const call = planGithubCall(comment, context());
    expect(call).toMatchObject({
      action: 'comment',
      target: { repo: 'acme/widgets', installationId: 9 },
      issue: 12,
    });
    if (call.action !== 'comment') throw new Error('a comment');
    expect(call.body).toBe(`ok for Hi \\*there\\*\n\n${commentMarker('r1', 'say')}`);
  });

  it('names the event’s installation only when it is an id GitHub could have sent', () => {
    const withInstallation = (id: unknown) => ({
      ...context(),
      taskInput: { ...input, input: { payload: { ...input.input.payload, installation: { id } } } },
    });
    for (const id of [-5, 0, 4.5, 1e30, 'abc', null]) {
      expect([id, planGithubCall(comment, withInstallation(id)).target.installationId]).toEqual([
        id,
        undefined,
      ]);
    }
    expect(planGithubCall(comment, withInstallation(77)).target.installationId).toBe(77);
  });

  it('caps a long comment below GitHub’s limit, keeping the marker', () => {
    const long = { ...context(), outputs: { review: { text: 'x'.repeat(70_000) } } };
    const call = planGithubCall(comment, long);
    if (call.action !== 'comment') throw new Error('a comment');
    expect(call.body.length).toBeLessThanOrEqual(65_536);
    expect(call.body.endsWith(commentMarker('r1', 'say'))).toBe(true);
  });

  it('sets a status on the pull request head; onFinish reports the outcome', () => {
    expect(planGithubCall(status, context())).toMatchObject({
      action: 'status',
      sha: 'a'.repeat(40),
      state: 'pending',
      context: 'ci/agentmesh',
      targetUrl: 'https://mesh.example/console/runs/r1',
    });
    const onFinish = normaliseOnFinish(
      { kind: 'github', action: 'status', context: 'x', description: 'Run {{run.status}}' },
      [],
    )!;
    expect(onFinish.key).toBe(ON_FINISH_KEY);
    expect(planGithubCall(onFinish, context('failed'))).toMatchObject({
      state: 'failure',
      description: 'Run failed',
    });
    expect(planGithubCall(onFinish, context('cancelled'))).toMatchObject({ state: 'error' });
  });

  it('fails clearly, without retry, when the run has no target', () => {
    const bare = { ...context(), taskInput: { input: {}, dependencies: {} } };
    expect(() => planGithubCall(comment, bare)).toThrow(
      expect.objectContaining({ code: 'github_target_unresolved', retryable: false }),
    );
  });
});
