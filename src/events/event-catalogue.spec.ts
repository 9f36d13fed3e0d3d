import { EVENT_CATALOGUE, isCatalogued, patternMatchesKnown } from './event-catalogue';

describe('event catalogue', () => {
  it('lists each type once, each with a description and an object schema', () => {
    const types = EVENT_CATALOGUE.map((entry) => entry.type);
    expect(new Set(types).size).toBe(types.length);
    for (const entry of EVENT_CATALOGUE) {
      expect(entry.description.length).toBeGreaterThan(0);
      expect(typeof entry.schema).toBe('object');
    }
  });

  it.each([
    ['agent.offline', true],
    ['task.failed', true],
    ['inbound.github.issues', true],
    ['inbound.my-source.push', true],
    ['agent.gone', false],
    ['workflows.started', false],
    ['inbound', false],
  ])('isCatalogued(%s) → %s', (type, expected) => {
    expect(isCatalogued(type)).toBe(expected);
  });

  it.each([
    ['*', true],
    ['workflow.*', true],
    ['webhook.endpoint.*', true],
    ['inbound.*', true],
    ['inbound.github.*', true],
    ['agent.offline', true],
    ['workflows.*', false],
    ['agent.gone', false],
    ['agent.offline.*', false],
    ['nothing.*', false],
  ])('patternMatchesKnown(%s) → %s', (pattern, expected) => {
    expect(patternMatchesKnown(pattern)).toBe(expected);
  });
});
