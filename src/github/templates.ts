/**
 * The templates of github steps: `{{run.id}}`, `{{run.status}}`, `{{input.<path>}}` and
 * `{{steps.<key>.output.<path>}}` are substituted, nothing else (no expressions, no code). In a
 * comment, values from the run input (text a webhook sender wrote: an issue's title) are escaped
 * for Markdown and HTML; step outputs (an agent's Markdown answer) go in as they are.
 */

export interface FieldProblem {
  field: string;
  message: string;
}

export interface TemplateContext {
  run: { id: string; status: string };
  input: unknown;
  /** Outputs of the run's succeeded steps, by key. */
  steps: Record<string, unknown>;
}

/** `markdown`: a comment body; `plain`: one line of text (a status description). */
export type RenderMode = 'markdown' | 'plain';

const PLACEHOLDER = /\{\{([\s\S]*?)\}\}/g;
const SEGMENT = '[A-Za-z0-9_-]+';
const EXPRESSION = new RegExp(
  `^(run\\.id|run\\.status|input(\\.${SEGMENT}){0,16}|steps\\.${SEGMENT}\\.output(\\.${SEGMENT}){0,15})$`,
);
const MAX_PLACEHOLDERS = 100;

/** What is wrong with a template; empty when it is fine. */
export function templateErrors(
  template: unknown,
  field: string,
  maxLength: number,
): FieldProblem[] {
  if (typeof template !== 'string') return [{ field, message: 'must be a string' }];
  if (template.length > maxLength)
    return [{ field, message: `must be at most ${maxLength} characters` }];
  const problems: FieldProblem[] = [];
  let count = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    count += 1;
    const expression = match[1].trim();
    if (!EXPRESSION.test(expression)) {
      problems.push({
        field,
        message: `{{${expression.slice(0, 60)}}}: only {{run.id}}, {{run.status}}, {{input.<path>}} and {{steps.<key>.output.<path>}} are substituted`,
      });
    }
  }
  if (count > MAX_PLACEHOLDERS)
    problems.push({ field, message: `at most ${MAX_PLACEHOLDERS} placeholders` });
  return problems;
}

/** The template with its placeholders substituted. */
export function render(template: string, context: TemplateContext, mode: RenderMode): string {
  const rendered = template.replace(PLACEHOLDER, (_, inner: string) => {
    const expression = inner.trim();
    const [root, ...rest] = expression.split('.');
    if (root === 'run') return text(rest[0] === 'id' ? context.run.id : context.run.status);
    if (root === 'input') {
      const value = text(at(context.input, rest));
      return mode === 'markdown' ? escapeMarkdown(value) : value;
    }
    // steps.<key>.output.<path>
    const [key, , ...path] = rest;
    const value = text(at(context.steps[key], path));
    return mode === 'markdown' ? unmark(value) : value;
  });
  return mode === 'plain' ? rendered.replace(/\s+/g, ' ').trim() : rendered;
}

/** At most `max` characters (never half a surrogate pair), with a mark when cut. */
export function capText(value: string, max: number, mark = '…'): string {
  if (value.length <= max) return value;
  let cut = value.slice(0, Math.max(0, max - mark.length));
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut + mark;
}

/** Markdown's punctuation backslash-escaped, and `<`, `>`, `&` as entities (no raw HTML). */
export function escapeMarkdown(value: string): string {
  return value
    .replace(/[\\`*_{}[\]()#+\-.!|~@]/g, (char) => `\\${char}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** An output cannot pose as another step's idempotency marker. */
function unmark(value: string): string {
  return value.replace(/<!--\s*agentmesh:/g, '<!-- agentmesh-quoted:');
}

function at(root: unknown, path: string[]): unknown {
  let value = root;
  for (const part of path) {
    if (value === null || typeof value !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}
