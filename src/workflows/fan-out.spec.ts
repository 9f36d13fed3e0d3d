import { BadRequestError } from '../common/errors/domain-error';
import { forEachSource, normaliseSteps, StepInput } from './dag';
import { elementInput, MAX_FAN_OUT, planFanOut } from './fan-out';

function errorsOf(steps: StepInput[]) {
  try {
    normaliseSteps(steps);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return (error as BadRequestError).errors;
  }
  throw new Error('expected a BadRequestError');
}

describe('forEachSource', () => {
  it('splits the run input and dependency outputs, matching step keys with dots whole', () => {
    expect(forEachSource('$.input', [])).toEqual({ step: null, path: '' });
    expect(forEachSource('$.input.files.0.hunks', [])).toEqual({
      step: null,
      path: 'files.0.hunks',
    });
    expect(forEachSource('$.steps.plan.output.items', ['plan'])).toEqual({
      step: 'plan',
      path: 'items',
    });
    expect(forEachSource('$.steps.plan.output', ['plan'])).toEqual({ step: 'plan', path: '' });
    expect(forEachSource('$.steps.a.b.output.x', ['a', 'a.b'])).toEqual({
      step: 'a.b',
      path: 'x',
    });
  });

  it('refuses what is neither, and steps that are not dependencies', () => {
    for (const path of [
      'items',
      '$.inputs.items',
      '$.input.',
      '$.input..x',
      '$.dependencies.plan',
      '$.steps.plan.items',
      '$.steps.plan.outputs',
      `$.input${'.a'.repeat(17)}`,
      `$.input.${'a'.repeat(260)}`,
    ])
      expect(forEachSource(path, ['plan'])).toBeUndefined();
    expect(forEachSource('$.steps.plan.output.items', ['other'])).toBeUndefined();
  });
});

describe('forEach in a definition', () => {
  it('is kept on a task step', () => {
    const [plan, fan] = normaliseSteps([
      { key: 'plan', skill: 'p' },
      { key: 'fan', skill: 'f', dependsOn: ['plan'], forEach: '$.steps.plan.output.items' },
    ]);
    expect(plan).not.toHaveProperty('forEach');
    expect(fan.forEach).toBe('$.steps.plan.output.items');
  });

  it('names the step a forEach reads that is not a dependency', () => {
    expect(
      errorsOf([
        { key: 'plan', skill: 'p' },
        { key: 'fan', skill: 'f', forEach: '$.steps.plan.output.items' },
      ]),
    ).toEqual([
      {
        field: 'steps[1].forEach',
        message: expect.stringMatching(/reads step "plan", which is not in dependsOn/),
      },
    ]);
    expect(errorsOf([{ key: 'fan', skill: 'f', forEach: '$.payload' }])).toEqual([
      { field: 'steps[0].forEach', message: expect.stringMatching(/must be a JSON path/) },
    ]);
  });

  it('is refused on waits, approvals and sleeps', () => {
    expect(
      errorsOf([
        { key: 'w', kind: 'wait', signal: 'go', timeoutSeconds: 5, forEach: '$.input.x' },
        { key: 'a', kind: 'approval', forEach: '$.input.x' },
        { key: 's', kind: 'sleep', seconds: 5, forEach: '$.input.x' },
      ]),
    ).toEqual([
      { field: 'steps[0].forEach', message: 'a wait step has no forEach' },
      { field: 'steps[1].forEach', message: 'an approval step has no forEach' },
      { field: 'steps[2].forEach', message: 'a sleep step has no forEach' },
    ]);
  });
});

describe('planFanOut', () => {
  const outputs = new Map<string, unknown>([
    ['plan', { items: ['a', 'b'], none: [], text: 'abc', nothing: null }],
  ]);
  const fan = (forEach: string) => ({ forEach, dependsOn: ['plan'] });

  it('reads the array from a dependency output or the run input', () => {
    expect(planFanOut(fan('$.steps.plan.output.items'), {}, outputs)).toEqual({
      items: ['a', 'b'],
    });
    expect(planFanOut(fan('$.steps.plan.output.none'), {}, outputs)).toEqual({ items: [] });
    expect(planFanOut(fan('$.input.list.1'), { list: [[0], [1, 2]] }, outputs)).toEqual({
      items: [1, 2],
    });
    expect(planFanOut(fan('$.input'), [3], outputs)).toEqual({ items: [3] });
  });

  it('says why a path gives no array', () => {
    expect(planFanOut(fan('$.steps.plan.output.missing'), {}, outputs)).toEqual({
      error: {
        message:
          "forEach $.steps.plan.output.missing resolved to nothing: the run's context has no value there.",
        code: 'foreach_unresolved',
      },
    });
    expect(planFanOut(fan('$.input.x'), null, outputs).error?.code).toBe('foreach_unresolved');
    expect(planFanOut(fan('$.steps.plan.output.text'), {}, outputs).error).toEqual({
      message: 'forEach $.steps.plan.output.text resolved to a string, not an array.',
      code: 'foreach_not_array',
    });
    expect(planFanOut(fan('$.steps.plan.output.nothing'), {}, outputs).error?.message).toMatch(
      /resolved to null, not an array/,
    );
    expect(planFanOut(fan('$.steps.plan.output'), {}, outputs).error?.message).toMatch(
      /resolved to an object, not an array/,
    );
  });

  it('runs at most MAX_FAN_OUT elements', () => {
    const input = (n: number) => ({ items: Array.from({ length: n }, (_, i) => i) });
    expect(planFanOut(fan('$.input.items'), input(MAX_FAN_OUT), outputs)).toEqual({
      items: input(MAX_FAN_OUT).items,
    });
    expect(planFanOut(fan('$.input.items'), input(MAX_FAN_OUT + 1), outputs).error).toEqual({
      message: 'forEach $.input.items resolved to 1001 elements; a fan-out runs at most 1000.',
      code: 'foreach_too_many',
    });
  });

  it('stores an element as its item and index', () => {
    expect(elementInput({ file: 'a.ts' }, 4)).toEqual({ item: { file: 'a.ts' }, index: 4 });
  });
});
