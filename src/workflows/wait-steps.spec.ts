import { eventTypeMatches } from '../events/domain-event';
import { DEFAULT_BACKOFF, StepSpec } from './dag';
import { matchKey, patternsMatching, planWait, valueAt } from './wait-steps';

const step = (fields: Partial<StepSpec>): StepSpec => ({
  key: 's',
  skill: '',
  dependsOn: [],
  timeoutSeconds: null,
  maxAttempts: 1,
  retryBackoff: DEFAULT_BACKOFF,
  ...fields,
});

describe('wait steps', () => {
  it('reads dot paths, with or without $., and only own properties', () => {
    const data = { payload: { pull_request: { number: 42 }, list: [{ a: 1 }] } };
    expect(valueAt(data, 'payload.pull_request.number')).toBe(42);
    expect(valueAt(data, '$.payload.list.0.a')).toBe(1);
    expect(valueAt(data, 'payload.missing.number')).toBeUndefined();
    expect(valueAt(data, 'payload.toString')).toBeUndefined();
    expect(valueAt(null, 'a')).toBeUndefined();
    // JSON arrays have elements, not a length: a path naming one is missing.
    expect(valueAt(data, 'payload.list.length')).toBeUndefined();
    expect(valueAt(data, 'payload.list.00')).toBeUndefined();
    expect(valueAt(data, 'payload.list.1')).toBeUndefined();
    expect(valueAt({ length: 3 }, 'length')).toBe(3);
  });

  it('keys equal (path, value) sets equally, whatever their order; different ones differently', () => {
    const key = matchKey([
      ['a', { x: 1, y: [2, 3] }],
      ['b', 'closed'],
    ]);
    expect(
      matchKey([
        ['b', 'closed'],
        ['a', { y: [2, 3], x: 1 }],
      ]),
    ).toBe(key);
    expect(
      matchKey([
        ['b', 'closed'],
        ['a', { x: 1, y: [3, 2] }],
      ]),
    ).not.toBe(key);
    expect(matchKey([['a', 42]])).not.toBe(matchKey([['a', '42']]));
    expect(matchKey([])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lists every pattern an event type matches, as eventTypeMatches does', () => {
    expect(patternsMatching('inbound.github.pull_request').sort()).toEqual(
      ['*', 'inbound.*', 'inbound.github.*', 'inbound.github.pull_request'].sort(),
    );
    expect(patternsMatching('ping').sort()).toEqual(['*', 'ping']);
    for (const type of ['inbound.github.pull_request', 'workflow.step.waiting', 'ping']) {
      for (const pattern of patternsMatching(type))
        expect(eventTypeMatches(pattern, type)).toBe(true);
      expect(eventTypeMatches(`${type}.*`, type)).toBe(false);
    }
  });

  it('plans an event wait from the run input, and fails one whose reference is missing', () => {
    const wait = step({
      kind: 'wait',
      timeoutSeconds: 60,
      event: { type: 'inbound.*', match: { 'payload.number': '$.input.pr', action: 'closed' } },
    });
    const plan = planWait(wait, { input: { pr: 7 }, dependencies: {} }, Date.now());
    expect(plan).toMatchObject({
      wakeInSeconds: 60,
      waitFor: { event: { type: 'inbound.*', match: { 'payload.number': 7, action: 'closed' } } },
      event: { type: 'inbound.*', paths: ['action', 'payload.number'] },
    });
    expect(plan.event!.key).toBe(
      matchKey([
        ['payload.number', 7],
        ['action', 'closed'],
      ]),
    );
    expect(plan.error).toBeUndefined();
    const unresolved = planWait(wait, { input: {}, dependencies: {} }, Date.now());
    expect(unresolved.error).toMatchObject({ code: 'match_unresolved' });
    // Its waiting event shows the reference that did not resolve, not a match of nothing ({}).
    expect(unresolved.waitFor.event).toEqual({
      type: 'inbound.*',
      match: { 'payload.number': '$.input.pr', action: 'closed' },
    });
  });

  it('plans a sleep until a time, refusing what is not a time or is beyond 30 days', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const until = (value: string) =>
      planWait(
        step({ kind: 'sleep', until: value }),
        {
          input: { at: '2030-01-02T00:00:00Z', bad: 'soon' },
          dependencies: { d: { at: '2030-03-01T00:00:00Z' } },
        },
        now,
      );
    expect(until('$.input.at')).toMatchObject({
      wakeAt: '2030-01-02T00:00:00.000Z',
      wakeInSeconds: null,
    });
    expect(until('2030-01-01T01:00:00+01:00')).toMatchObject({
      wakeAt: '2030-01-01T00:00:00.000Z',
    });
    expect(until('$.input.bad').error).toMatchObject({ code: 'invalid_until' });
    for (const bad of [
      'Jan 2 2030',
      '2030-02-30T00:00:00Z',
      '2030-01-02T25:00:00Z',
      '2030-01-02',
      '0000-01-01T00:00:00Z',
      '0001-01-01T00:30:00+01:00',
      '9999-12-31T23:59:59-01:00',
    ]) {
      const planned = planWait(
        step({ kind: 'sleep', until: '$.input.at' }),
        { input: { at: bad } },
        now,
      );
      expect(planned.error).toMatchObject({ code: 'invalid_until' });
    }
    expect(until('$.dependencies.d.at').error).toMatchObject({ code: 'sleep_too_long' });
    expect(planWait(step({ kind: 'sleep', seconds: 5 }), {}, now)).toMatchObject({
      wakeInSeconds: 5,
    });
  });
});
