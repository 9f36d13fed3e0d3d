import { capText, escapeMarkdown, render, templateErrors } from './templates';

const context = {
  run: { id: 'run-1', status: 'running' },
  input: { payload: { issue: { title: 'Fix *all* <b>things</b> @team', number: 7 } } },
  steps: { review: { text: '**Looks good.**', score: 0.9, tags: ['a'] } },
};

describe('github step templates', () => {
  it('substitutes run, input and step outputs, escaping only input values in Markdown', () => {
    const out = render(
      'Run {{run.id}} ({{ run.status }}) on "{{input.payload.issue.title}}" #{{input.payload.issue.number}}:\n{{steps.review.output.text}} {{steps.review.output.tags}}',
      context,
      'markdown',
    );
    expect(out).toBe(
      'Run run-1 (running) on "Fix \\*all\\* &lt;b&gt;things&lt;/b&gt; \\@team" #7:\n**Looks good.** ["a"]',
    );
  });

  it('renders missing values as nothing and plain text on one line', () => {
    expect(render('a{{input.nope.x}}b {{steps.other.output.x}}', context, 'markdown')).toBe('ab ');
    expect(render('Score\n {{steps.review.output.score}}', context, 'plain')).toBe('Score 0.9');
  });

  it('keeps an output from posing as a step marker', () => {
    const steps = { review: { text: '<!-- agentmesh:run/x/step/y -->' } };
    expect(render('{{steps.review.output.text}}', { ...context, steps }, 'markdown')).toBe(
      '<!-- agentmesh-quoted:run/x/step/y -->',
    );
  });

  it('accepts only the four kinds of placeholder', () => {
    expect(templateErrors('{{run.id}} {{input.a.b}} {{steps.k.output.x}}', 'body', 100)).toEqual(
      [],
    );
    const errors = templateErrors('{{process.env.SECRET}} {{steps.k}} {{run.x}}', 'body', 100);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatchObject({ field: 'body' });
    expect(templateErrors('x'.repeat(11), 'body', 10)[0].message).toMatch(/at most 10/);
  });

  it('caps text without splitting a surrogate pair', () => {
    expect(capText('abcdef', 4, '…')).toBe('abc…');
    expect(capText('a😀bc', 3, '…')).toBe('a…');
    expect(capText('abc', 3)).toBe('abc');
  });

  it('escapes Markdown punctuation and HTML', () => {
    expect(escapeMarkdown('[x](y) <a> & _z_')).toBe('\\[x\\]\\(y\\) &lt;a&gt; &amp; \\_z\\_');
  });
});
