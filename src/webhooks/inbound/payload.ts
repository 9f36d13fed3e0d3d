import {
  GITHUB_EVENT_NAME,
  INBOUND_EVENT_NAME,
  MAX_EVENT_LENGTH,
} from '../../common/inbound-names';

/** Deepest nesting accepted; deeper JSON cannot be serialised back safely (recursion). */
export const MAX_PAYLOAD_DEPTH = 256;

export type ParsedPayload = { ok: true; value: unknown } | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as JSON, or why it cannot be used: not UTF-8, not JSON, not an object when `kind`
 * asks for one, nested too deep, holding a NUL character (PostgreSQL's jsonb refuses
 * `\u0000`) or a lone surrogate, or a number past the largest double. Never throws.
 */
export function parsePayload(body: Buffer, kind?: 'object'): ParsedPayload {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    return { ok: false, reason: 'the body is not valid UTF-8' };
  }
  if (text.trim() === '') return { ok: false, reason: 'the body is empty' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the body is not valid JSON' };
  }
  if (kind === 'object' && (typeof value !== 'object' || value === null || Array.isArray(value)))
    return { ok: false, reason: 'the body is not a JSON object' };
  const problem = unstorable(value);
  return problem ? { ok: false, reason: problem } : { ok: true, value };
}

/** PostgreSQL's jsonb refuses `\ud800`-style escapes that do not pair up. */
export const LONE_SURROGATE =
  /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Walks the value without recursion (a hostile body may nest deeply). */
function unstorable(root: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return 'the JSON holds a NUL character (\\u0000)';
      if (LONE_SURROGATE.test(value))
        return 'the JSON holds a lone UTF-16 surrogate (\\ud800-\\udfff)';
    } else if (typeof value === 'number') {
      // JSON.parse makes such a literal Infinity, which JSON (and jsonb) can only hold as null.
      if (!Number.isFinite(value))
        return 'the JSON holds a number past the largest (about 1.8e308), which would be stored as null';
    } else if (value !== null && typeof value === 'object') {
      if (depth > MAX_PAYLOAD_DEPTH)
        return `the JSON nests deeper than ${MAX_PAYLOAD_DEPTH} levels`;
      const entries = Array.isArray(value) ? value : Object.entries(value).flat();
      for (const child of entries) stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/**
 * The event name of a Standard Webhooks delivery: the body's `type`, lower-cased, when it is a
 * dotted name of up to 55 characters; `received` otherwise.
 */
export function standardEventName(payload: unknown): string {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return 'received';
  const type = (payload as { type?: unknown }).type;
  if (typeof type !== 'string') return 'received';
  const name = type.toLowerCase();
  return name.length <= MAX_EVENT_LENGTH && INBOUND_EVENT_NAME.test(name) ? name : 'received';
}

/** The event name of a GitHub delivery: `X-GitHub-Event`, which must be a plain name. */
export function githubEventName(header: string | undefined): string | undefined {
  const name = header?.trim().toLowerCase();
  return name && name.length <= MAX_EVENT_LENGTH && GITHUB_EVENT_NAME.test(name) ? name : undefined;
}
