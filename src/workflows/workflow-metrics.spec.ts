import {
  boundedBySkill,
  countRateLimited,
  RATE_LIMIT_KEY_LABELS_MAX,
  rateLimitedClaims,
  SKILL_LABELS_MAX,
} from './workflow-metrics';

describe('boundedBySkill', () => {
  it('keeps the deepest queues by name and sums the rest as other', () => {
    const rows = Array.from({ length: SKILL_LABELS_MAX + 5 }, (_, i) => ({
      skill: `s${String(i).padStart(2, '0')}`,
      depth: i + 1,
      age: i * 10,
    }));
    const queues = boundedBySkill(rows);
    expect(queues).toHaveLength(SKILL_LABELS_MAX + 1);
    expect(queues[0]).toEqual({ skill: 's24', depth: 25, oldestAgeSeconds: 240 });
    // s00..s04 are the shallowest five: summed depth 1+2+3+4+5, their oldest age 40.
    expect(queues[queues.length - 1]).toEqual({ skill: 'other', depth: 15, oldestAgeSeconds: 40 });
  });

  it('answers other = 0 when nothing is queued, and folds a skill named other into it', () => {
    expect(boundedBySkill([])).toEqual([{ skill: 'other', depth: 0, oldestAgeSeconds: 0 }]);
    expect(
      boundedBySkill([
        { skill: 'other', depth: 2, age: 5 },
        { skill: 'a', depth: 1, age: null },
      ]),
    ).toEqual([
      { skill: 'a', depth: 1, oldestAgeSeconds: 0 },
      { skill: 'other', depth: 2, oldestAgeSeconds: 5 },
    ]);
  });
});

describe('countRateLimited', () => {
  it('labels the first RATE_LIMIT_KEY_LABELS_MAX keys by name and the rest as other', async () => {
    rateLimitedClaims.reset();
    for (let i = 0; i < RATE_LIMIT_KEY_LABELS_MAX + 30; i += 1) countRateLimited(`key-${i}`);
    countRateLimited('key-0');
    const { values } = await rateLimitedClaims.get();
    expect(values).toHaveLength(RATE_LIMIT_KEY_LABELS_MAX + 1);
    expect(values.find((v) => v.labels.key === 'key-0')?.value).toBe(2);
    expect(values.find((v) => v.labels.key === 'other')?.value).toBe(30);
  });
});
