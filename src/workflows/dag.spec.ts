import { BadRequestError } from '../common/errors/domain-error';
import { backoffSeconds, normaliseSteps, readySteps, StepInput } from './dag';

function errorsOf(steps: StepInput[]) {
  try {
    normaliseSteps(steps);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return (error as BadRequestError).errors;
  }
  throw new Error('expected a BadRequestError');
}

describe('normaliseSteps', () => {
  it('fills defaults', () => {
    expect(normaliseSteps([{ key: 'a', skill: 's' }])).toEqual([
      {
        key: 'a',
        skill: 's',
        dependsOn: [],
        timeoutSeconds: null,
        maxAttempts: 3,
        retryBackoff: { initialSeconds: 1, factor: 2, maxSeconds: 300 },
      },
    ]);
  });

  it('names duplicates, unknown and self dependencies', () => {
    expect(
      errorsOf([
        { key: 'a', skill: 's' },
        { key: 'a', skill: 's' },
      ]),
    ).toEqual([{ field: 'steps[1].key', message: 'duplicate step key "a"' }]);
    expect(errorsOf([{ key: 'a', skill: 's', dependsOn: ['zz'] }])).toEqual([
      { field: 'steps[0].dependsOn', message: 'unknown step "zz"' },
    ]);
    expect(errorsOf([{ key: 'a', skill: 's', dependsOn: ['a'] }])).toEqual([
      { field: 'steps[0].dependsOn', message: 'step "a" depends on itself' },
    ]);
  });

  it('finds cycles', () => {
    const errors = errorsOf([
      { key: 'a', skill: 's' },
      { key: 'b', skill: 's', dependsOn: ['a', 'd'] },
      { key: 'c', skill: 's', dependsOn: ['b'] },
      { key: 'd', skill: 's', dependsOn: ['c'] },
    ]);
    expect(errors).toEqual([
      { field: 'steps[1].dependsOn', message: 'dependency cycle: b → d → c → b' },
    ]);
  });

  it('accepts a diamond', () => {
    const steps = normaliseSteps([
      { key: 'a', skill: 's' },
      { key: 'b', skill: 's', dependsOn: ['a'] },
      { key: 'c', skill: 's', dependsOn: ['a'] },
      { key: 'd', skill: 's', dependsOn: ['b', 'c'] },
    ]);
    expect(readySteps(steps, new Set(), new Set()).map((s) => s.key)).toEqual(['a']);
    expect(readySteps(steps, new Set(['a']), new Set(['a'])).map((s) => s.key)).toEqual(['b', 'c']);
    expect(
      readySteps(steps, new Set(['a', 'b']), new Set(['a', 'b', 'c'])).map((s) => s.key),
    ).toEqual([]);
  });
});

describe('backoffSeconds', () => {
  it('grows by the factor and stops at the cap', () => {
    const backoff = { initialSeconds: 2, factor: 3, maxSeconds: 30 };
    expect([1, 2, 3, 4].map((n) => backoffSeconds(backoff, n))).toEqual([2, 6, 18, 30]);
  });
});

describe('retryBackoff defaults', () => {
  it('keeps defaults for fields a DTO instance leaves undefined', () => {
    const [step] = normaliseSteps([
      { key: 'a', skill: 's', retryBackoff: { initialSeconds: 0, factor: undefined } },
    ]);
    expect(step.retryBackoff).toEqual({ initialSeconds: 0, factor: 2, maxSeconds: 300 });
  });
});

describe('github steps in a definition', () => {
  it('refuse fields of other kinds and other actions', () => {
    expect(
      errorsOf([
        { key: 'a', kind: 'github', action: 'comment', body: 'x', timeoutSeconds: 5 },
        { key: 'b', kind: 'github', action: 'comment', body: 'x', context: 'c' },
        { key: 'c', kind: 'github', action: 'status', context: 'c', body: 'x' },
        { key: 'd', kind: 'github', action: 'comment', body: 'x', repo: 'not a repo' },
      ]),
    ).toEqual([
      { field: 'steps[0].timeoutSeconds', message: 'a github step has no timeoutSeconds' },
      { field: 'steps[1].context', message: 'a github comment step has no context' },
      { field: 'steps[2].body', message: 'a github status step has no body' },
      {
        field: 'steps[3].repo',
        message: 'must be owner/name or a JSON path such as $.input.payload.repository.full_name',
      },
    ]);
  });

  it('let a template read only the steps it depends on, through others too', () => {
    const steps = normaliseSteps([
      { key: 'a', skill: 's' },
      { key: 'b', skill: 's', dependsOn: ['a'] },
      {
        key: 'say',
        kind: 'github',
        action: 'comment',
        body: '{{steps.a.output.x}}',
        dependsOn: ['b'],
      },
    ]);
    expect(steps[2]).toMatchObject({ kind: 'github', maxAttempts: 5, skill: '' });
  });
});

describe("paths that name a dependency's output the other way", () => {
  const fanOutForm =
    "names a dependency's output as a task's input does; a fan-out reads it from the run";
  const inputForm = "names a dependency's output as a fan-out does; a task's input holds it at";

  it('are refused with the path rewritten as the field reads it', () => {
    expect(
      errorsOf([
        { key: 'plan', skill: 'p' },
        { key: 'fan', skill: 'f', dependsOn: ['plan'], forEach: '$.dependencies.plan.files' },
        { key: 'nap', kind: 'sleep', dependsOn: ['plan'], until: '$.steps.plan.output.at' },
        {
          key: 'paced',
          skill: 'f',
          dependsOn: ['plan'],
          rateLimit: { key: 'llm', units: '$.steps.plan.output.tokens' },
        },
        {
          key: 'say',
          kind: 'github',
          action: 'comment',
          body: 'x',
          dependsOn: ['plan'],
          repo: '$.steps.plan.output.repo',
          issue: '$.steps.plan.output.pr.number',
        },
      ]),
    ).toEqual([
      { field: 'steps[1].forEach', message: `${fanOutForm}: $.steps.plan.output.files` },
      { field: 'steps[2].until', message: `${inputForm} $.dependencies.plan.at` },
      { field: 'steps[3].rateLimit.units', message: `${inputForm} $.dependencies.plan.tokens` },
      { field: 'steps[4].repo', message: `${inputForm} $.dependencies.plan.repo` },
      { field: 'steps[4].issue', message: `${inputForm} $.dependencies.plan.pr.number` },
    ]);
  });

  it('are not rewritten into a path the field refuses in turn', () => {
    // A sleep reads a time at a path within an output, never a whole output.
    expect(
      errorsOf([
        { key: 'plan', skill: 'p' },
        { key: 'nap', kind: 'sleep', dependsOn: ['plan'], until: '$.steps.plan.output' },
      ]),
    ).toEqual([
      {
        field: 'steps[1].until',
        message:
          "must be a JSON path into the run input ($.input.<path>) or a dependency's output ($.dependencies.<step>.<path>)",
      },
    ]);
  });

  it('github paths read the task input only: another root never resolves', () => {
    expect(
      errorsOf([
        {
          key: 'mark',
          kind: 'github',
          action: 'status',
          context: 'agentmesh/x',
          sha: '$.payload.pull_request.head.sha',
        },
      ]),
    ).toEqual([
      {
        field: 'steps[0].sha',
        message:
          'must be a JSON path into the task input ($.input.<path> or $.dependencies.<step>.<path>) such as $.input.payload.pull_request.head.sha',
      },
    ]);
    // A dependency's output only: the task's input holds no other step's.
    expect(
      errorsOf([
        { key: 'find', skill: 'f' },
        {
          key: 'mark',
          kind: 'github',
          action: 'status',
          context: 'agentmesh/x',
          sha: '$.dependencies.find.sha',
          repo: '$.dependencies.other.repo',
        },
      ]),
    ).toEqual([
      {
        field: 'steps[1].repo',
        message: expect.stringMatching(/^reads step "other", which is not in dependsOn/),
      },
      {
        field: 'steps[1].sha',
        message: expect.stringMatching(/^reads step "find", which is not in dependsOn/),
      },
    ]);
    const [, step] = normaliseSteps([
      { key: 'find', skill: 'f' },
      {
        key: 'mark',
        kind: 'github',
        action: 'status',
        context: 'agentmesh/x',
        sha: '$.input.sha',
        repo: '$.dependencies.find.repo',
        dependsOn: ['find'],
      },
    ]);
    expect(step).toMatchObject({ sha: '$.input.sha', repo: '$.dependencies.find.repo' });
  });
});
