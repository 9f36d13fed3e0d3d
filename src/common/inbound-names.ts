/**
 * The names an inbound delivery carries, shared by the receivers that derive them and the
 * workflow triggers that match them: a trigger naming something no delivery can carry would
 * be stored and never fire.
 */

/** A Standard Webhooks source's key (`/hooks/{key}`); `github` matches it too. */
export const SOURCE_KEY_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * The longest event name a delivery carries: `inbound.` + a 64-character source key + `.` leaves
 * 55 characters of an event type (128).
 */
export const MAX_EVENT_LENGTH = 55;

/** A delivery's event name: a Standard Webhooks `type` lower-cased (dotted), or GitHub's. */
export const INBOUND_EVENT_NAME = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/;

/** GitHub's `X-GitHub-Event`: a plain name (`issues`, `pull_request`). */
export const GITHUB_EVENT_NAME = /^[a-z0-9_]+$/;

/** A payload's `action` a trigger may narrow to (GitHub's `opened`, `closed`, ...). */
export const TRIGGER_ACTION = /^[a-z0-9_]{1,64}$/;
