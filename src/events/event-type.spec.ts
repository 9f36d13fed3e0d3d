import { eventTypeMatches } from './domain-event';

describe('eventTypeMatches', () => {
  it.each([
    ['*', 'agent.offline', true],
    ['agent.offline', 'agent.offline', true],
    ['agent.offline', 'agent.offlined', false],
    ['workflow.*', 'workflow.started', true],
    ['workflow.*', 'workflow.step.done', true],
    ['workflow.*', 'workflow', false],
    ['workflow.*', 'workflows.started', false],
    ['inbound.github.*', 'inbound.github.issues', true],
    ['inbound.github.*', 'inbound.gitlab.push', false],
  ])('%s ~ %s → %s', (pattern, type, expected) => {
    expect(eventTypeMatches(pattern, type)).toBe(expected);
  });
});
