/** The default window of "Recover": the last 24 hours. */
export const RECOVER_DEFAULT_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** A time as a `datetime-local` input shows it: local wall time to the minute. */
export function toLocalInput(at: number): string {
  const local = new Date(at - new Date(at).getTimezoneOffset() * MINUTE_MS);
  return local.toISOString().slice(0, 16);
}

/** The default window at `now`: from 24 h ago (to the minute) until the next minute. */
export function defaultWindow(now = Date.now()): { from: string; until: string } {
  return {
    from: toLocalInput(now - RECOVER_DEFAULT_MS),
    until: toLocalInput(Math.ceil((now + 1) / MINUTE_MS) * MINUTE_MS),
  };
}

export type RecoverBody = { since: string; until?: string };

/**
 * The body of `POST /webhooks/endpoints/{id}/recover` for a window of two `datetime-local`
 * values, or why there is none: the server's own limits (`since` not in the future, `until`
 * after `since`), checked before asking. An end not in the past is left out: up to now.
 */
export function recoverBody(
  from: string,
  until: string,
  now = Date.now(),
): { body: RecoverBody } | { problem: string } {
  const start = Date.parse(from);
  if (!from || Number.isNaN(start)) return { problem: 'Choose when the window starts.' };
  if (start > now) return { problem: 'The window cannot start in the future.' };
  if (!until) return { body: { since: new Date(start).toISOString() } };
  const end = Date.parse(until);
  if (Number.isNaN(end)) return { problem: 'Choose when the window ends.' };
  if (end <= start) return { problem: 'The window must end after it starts.' };
  const since = new Date(start).toISOString();
  return { body: end > now ? { since } : { since, until: new Date(end).toISOString() } };
}
