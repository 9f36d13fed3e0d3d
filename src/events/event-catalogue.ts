/**
 * Every domain event type the service emits: its description and the JSON Schema of its
 * `data`. The one registry of them: `GET /event-types` answers it and webhook endpoints'
 * `eventTypes` are checked against it. Every e2e test file checks, as it closes, that each type
 * its app emitted is listed here (test/utils/test-app.ts), so a new event's tests fail until it
 * is added. To add an event, add one entry.
 *
 * A `family` entry (`inbound.*`) stands for types whose last segments are chosen at run time
 * (a sender's event names): any type under its prefix is known.
 */
export interface EventTypeEntry {
  type: string;
  description: string;
  /** JSON Schema (2020-12) of the event's `data`. */
  schema: JsonSchema;
  family?: true;
}

export type JsonSchema = { [key: string]: unknown };

const str = { type: 'string' };
const nullableStr = { type: ['string', 'null'] };
const int = { type: 'integer' };
const anyJson = {};

const object = (properties: Record<string, unknown>, required = Object.keys(properties)) => ({
  type: 'object',
  properties,
  required,
  additionalProperties: true,
});

const AGENT_CHANGE = object({
  agentId: str,
  before: { type: ['object', 'null'] },
  after: { type: ['object', 'null'] },
});

const RUN = object(
  {
    workflowId: { type: 'string', format: 'uuid' },
    type: str,
    definitionVersion: { type: ['integer', 'null'] },
    status: str,
    output: anyJson,
    error: { type: ['object', 'null'] },
  },
  ['workflowId', 'type', 'status'],
);

const USAGE = {
  type: ['object', 'null'],
  properties: {
    inputTokens: int,
    outputTokens: int,
    costUsd: { type: 'number' },
    reports: int,
  },
};

const BUDGET = (extra: Record<string, unknown>, required: string[]) =>
  object(
    {
      workflowId: { type: 'string', format: 'uuid' },
      type: str,
      definitionVersion: { type: ['integer', 'null'] },
      status: str,
      budget: { type: ['object', 'null'] },
      usage: USAGE,
      ...extra,
    },
    ['workflowId', 'type', 'status', 'budget', 'usage', ...required],
  );
/** A run's end: webhook deliveries add the hash of its receipt (see RECEIPT_HASH_NOTE). */
const RUN_END = {
  ...RUN,
  properties: { ...RUN.properties, receiptHash: nullableStr },
};

const RECEIPT_HASH_NOTE =
  ' Webhook deliveries carry `receiptHash`, the sha256 of the run receipt, or null when the' +
  ' receipt was not issued within WEBHOOK_RECEIPT_WAIT.';

const TASK_ERROR = object({ message: str, code: str }, ['message']);

const TASK = (extra: Record<string, unknown> = {}, required: string[] = []) =>
  object(
    {
      taskId: { type: 'string', format: 'uuid' },
      workflowId: { type: 'string', format: 'uuid' },
      stepKey: str,
      skill: str,
      agentId: nullableStr,
      attempt: int,
      durationMs: { type: ['integer', 'null'] },
      elementIndex: int,
      ...extra,
    },
    ['taskId', 'workflowId', 'stepKey', 'skill', 'attempt', ...required],
  );

const ENDPOINT = object(
  {
    endpointId: { type: 'string', format: 'uuid' },
    url: str,
    eventTypes: { type: 'array', items: str },
    enabled: { type: 'boolean' },
    disabledReason: nullableStr,
  },
  ['endpointId'],
);

const PUSH_CONFIG = object(
  {
    taskId: { type: 'string', format: 'uuid' },
    configId: str,
    endpointId: { type: 'string', format: 'uuid' },
    url: str,
    reason: { enum: ['task_ended'] },
  },
  ['taskId', 'configId', 'endpointId', 'url'],
);

const SOURCE = object(
  { before: { type: ['object', 'null'] }, after: { type: ['object', 'null'] } },
  [],
);

const uuid = { type: 'string', format: 'uuid' };
const time = { type: 'string', format: 'date-time' };
const nullableTime = { type: ['string', 'null'], format: 'date-time' };

/** A step that is not a task (wait, approval, sleep) or a fan-out's own row changing state. */
const STEP = (extra: Record<string, unknown> = {}, required: string[] = []) =>
  object(
    {
      taskId: uuid,
      workflowId: uuid,
      stepKey: str,
      kind: { enum: ['wait', 'approval', 'sleep', 'fanout', 'github'] },
      status: str,
      error: TASK_ERROR,
      ...extra,
    },
    ['taskId', 'workflowId', 'stepKey', 'kind', 'status', ...required],
  );

const RATE_LIMIT = object({ key: str, perMinute: { type: 'number' }, burst: { type: 'number' } });

const SCHEDULE = object(
  {
    key: str,
    definitionKey: str,
    cron: str,
    timezone: str,
    overlap: { enum: ['skip', 'allow', 'cancel-previous'] },
    enabled: { type: 'boolean' },
  },
  ['key'],
);

const DEFINITION_DISPATCH = object({ key: str, pausedAt: time });

/** A run's concurrency key: its value (any JSON; null when the input lacks it). */
const CONCURRENCY = (extra: Record<string, unknown>, required: string[] = []) =>
  object(
    {
      workflowId: uuid,
      type: str,
      key: anyJson,
      limit: int,
      strategy: { enum: ['queue', 'cancel-newest', 'cancel-in-progress'] },
      ...extra,
    },
    ['workflowId', 'type', 'key', 'limit', 'strategy', ...required],
  );

export const EVENT_CATALOGUE: readonly EventTypeEntry[] = [
  {
    type: 'a2a.push_config.created',
    description: 'An A2A client registered a push notification config for a task.',
    schema: PUSH_CONFIG,
  },
  {
    type: 'a2a.push_config.updated',
    description: 'An A2A push notification config was given again: new URL, token or auth.',
    schema: PUSH_CONFIG,
  },
  {
    type: 'a2a.push_config.deleted',
    description:
      'An A2A push notification config was deleted, or removed once its task ended and its ' +
      'last update was delivered (reason task_ended).',
    schema: PUSH_CONFIG,
  },
  { type: 'agent.registered', description: 'An agent was registered.', schema: AGENT_CHANGE },
  {
    type: 'agent.updated',
    description: 'An agent was updated (upsert, re-registration).',
    schema: AGENT_CHANGE,
  },
  { type: 'agent.deregistered', description: 'An agent was deregistered.', schema: AGENT_CHANGE },
  {
    type: 'agent.online',
    description: 'An agent is online again (a healthy beat, a registration or a claim).',
    schema: AGENT_CHANGE,
  },
  {
    type: 'agent.status_changed',
    description: 'An agent reported another status (degraded, draining).',
    schema: AGENT_CHANGE,
  },
  {
    type: 'agent.offline',
    description: 'An agent was silent for three heartbeat intervals; its tasks are released.',
    schema: AGENT_CHANGE,
  },
  {
    type: 'agent.quarantined',
    description:
      "An agent's Wilson lower bound for a skill fell under its tenant's quarantineThreshold: " +
      "it gets none of that skill's tasks until `until` (or an operator releases it).",
    schema: object({
      agentId: str,
      skill: str,
      until: { type: 'string', format: 'date-time' },
      lowerBound: { type: 'number' },
      successes: int,
      samples: int,
      threshold: { type: 'number' },
    }),
  },
  {
    type: 'agent.released',
    description:
      "An agent's quarantine for a skill ended: its cool-down passed (reason cooldown), an " +
      'operator released it (reason operator), or the agent no longer has the skill: ' +
      'deregistered, or registered again without it (reason skill_gone). Its outcomes for the ' +
      'skill start afresh.',
    schema: object({
      agentId: str,
      skill: str,
      reason: { enum: ['cooldown', 'operator', 'skill_gone'] },
    }),
  },
  {
    type: 'agent.quarantine.deferred',
    description:
      "An agent's outcomes for a skill warrant a quarantine, but no other agent of the tenant " +
      'can take its tasks (online, having the skill, not quarantined from it), so it is not ' +
      'quarantined (reason last_healthy_agent): it keeps working the skill, and is quarantined ' +
      'once another agent can (agent.quarantine.deferral_ended, reason quarantined). Emitted ' +
      'once per deferral.',
    schema: object({
      agentId: str,
      skill: str,
      lowerBound: { type: 'number' },
      successes: int,
      samples: int,
      threshold: { type: 'number' },
      reason: { enum: ['last_healthy_agent'] },
    }),
  },
  {
    type: 'agent.quarantine.deferral_ended',
    description:
      'A deferred quarantine ended: the agent was quarantined now that another agent covers ' +
      'the skill (reason quarantined; agent.quarantined follows), its outcomes under the ' +
      "tenant's settings no longer warrant one (not_warranted), an operator released it " +
      '(operator; its outcomes start afresh) or it no longer has the skill (skill_gone).',
    schema: object({
      agentId: str,
      skill: str,
      reason: { enum: ['quarantined', 'not_warranted', 'operator', 'skill_gone'] },
    }),
  },
  {
    type: 'workflow_definition.created',
    description: 'A workflow definition (or a new version of one) was stored.',
    schema: object({ key: str, version: int }, []),
  },
  { type: 'workflow.created', description: 'A workflow run was created.', schema: RUN },
  {
    type: 'workflow.started',
    description: 'A run started: its first task was claimed.',
    schema: RUN,
  },
  {
    type: 'workflow.succeeded',
    description: `A run succeeded; \`output\` by step.${RECEIPT_HASH_NOTE}`,
    schema: RUN_END,
  },
  {
    type: 'workflow.failed',
    description: `A run failed; \`error\` says why.${RECEIPT_HASH_NOTE}`,
    schema: RUN_END,
  },
  {
    type: 'workflow.cancelled',
    description: `A run was cancelled.${RECEIPT_HASH_NOTE}`,
    schema: RUN_END,
  },
  {
    type: 'workflow.receipt.issued',
    description:
      "A finished run's signed receipt was issued (`GET /workflows/{id}/receipt`); " +
      '`finishedEventId`: the id of the event that finished the run.',
    schema: object({
      workflowId: uuid,
      status: str,
      receiptHash: str,
      keyId: str,
      finishedEventId: uuid,
    }),
  },
  {
    type: 'workflow.activated',
    description:
      'A run with a delayed start (`startAt`) reached its time: its first steps are queued.',
    schema: RUN,
  },
  {
    type: 'workflow.retried',
    description: 'A failed run runs again: its steps that did not succeed are queued anew.',
    schema: RUN,
  },
  {
    type: 'workflow.budget.exceeded',
    description:
      "A run's usage passed its budget (`exceeded`: tokens, costUsd, wallSeconds): it is budget_exceeded, its queued tasks are held (`heldTasks`) and no new task is dispatched until the budget is raised (POST /workflows/{id}/budget) or the run is cancelled.",
    schema: BUDGET({ exceeded: { type: 'array', items: str }, heldTasks: int }, [
      'exceeded',
      'heldTasks',
    ]),
  },
  {
    type: 'workflow.budget.changed',
    description:
      "A run's budget was set (POST /workflows/{id}/budget): a budget_exceeded run runs again and its held tasks are queued (`resumedTasks`).",
    schema: BUDGET({ previousBudget: { type: ['object', 'null'] }, resumedTasks: int }, [
      'resumedTasks',
    ]),
  },
  {
    type: 'workflow.concurrency.queued',
    description:
      'A run waits (pending, no tasks yet) for a slot of its concurrency key; `ahead`: runs queued before it.',
    schema: CONCURRENCY({ ahead: int }, ['ahead']),
  },
  {
    type: 'workflow.concurrency.started',
    description:
      'A run that waited for its concurrency key got a slot: its first steps are queued (`waitedMs`).',
    schema: CONCURRENCY({ waitedMs: int }, ['waitedMs']),
  },
  {
    type: 'workflow.concurrency.cancelled',
    description:
      'Its concurrency key cancelled a run: on arrival (`by: arrival`, cancel-newest) or for a newer run (`by: newer_run`, `cancelledBy`, cancel-in-progress).',
    schema: CONCURRENCY({ by: { enum: ['arrival', 'newer_run'] }, cancelledBy: uuid }, ['by']),
  },
  {
    type: 'workflow.step.waiting',
    description:
      'A step waits without an agent: for a signal, an event, an approval or a time (`waitingFor`, `deadline`).',
    schema: STEP({ waitingFor: anyJson, deadline: nullableTime }, ['waitingFor']),
  },
  {
    type: 'workflow.step.fanned_out',
    description:
      'A forEach step became ready: `elements` tasks are queued, one per element of the array at `forEach` (null: it did not resolve to an array of at most 1000, and the step fails).',
    schema: STEP({ forEach: str, elements: { type: ['integer', 'null'] } }, ['forEach']),
  },
  {
    type: 'workflow.step.succeeded',
    description:
      'A waiting step ended well: its signal or event came, it was approved, it slept; or every element of a fan-out succeeded.',
    schema: STEP(),
  },
  {
    type: 'workflow.step.failed',
    description:
      'A waiting step failed (an approval rejected), or a fan-out failed (its forEach did not resolve to an array of at most 1000, or an element ran out of attempts); its run fails.',
    schema: STEP({}, ['error']),
  },
  {
    type: 'workflow.step.timed_out',
    description: 'A waiting step reached its deadline with `onTimeout: fail`; its run fails.',
    schema: STEP({}, ['error']),
  },
  {
    type: 'workflow.step.retrying',
    description:
      'A github step attempt failed in a way worth retrying (5xx, network, rate limit): the next attempt is at `availableAt`.',
    schema: object(
      {
        taskId: uuid,
        workflowId: uuid,
        stepKey: str,
        kind: str,
        attempt: int,
        nextAttempt: int,
        availableAt: time,
        error: TASK_ERROR,
      },
      ['taskId', 'workflowId', 'stepKey', 'attempt', 'nextAttempt', 'availableAt', 'error'],
    ),
  },
  {
    type: 'github.comment.posted',
    description:
      'A github comment step posted (or, after a lost response, found) its comment: repo, issue, commentId, url.',
    schema: object(
      {
        workflowId: uuid,
        stepKey: str,
        taskId: uuid,
        attempt: int,
        repo: str,
        issue: int,
        commentId: int,
        url: str,
      },
      ['workflowId', 'stepKey', 'taskId', 'repo', 'issue', 'commentId', 'url'],
    ),
  },
  {
    type: 'github.status.set',
    description: 'A github status step set a commit status: repo, sha, state, context.',
    schema: object(
      {
        workflowId: uuid,
        stepKey: str,
        taskId: uuid,
        attempt: int,
        repo: str,
        sha: str,
        state: { enum: ['error', 'failure', 'pending', 'success'] },
        context: str,
        statusId: int,
        url: str,
      },
      ['workflowId', 'stepKey', 'taskId', 'repo', 'sha', 'state', 'context'],
    ),
  },
  {
    type: 'workflow.step.cancelled',
    description: 'A waiting step was cancelled with its run.',
    schema: STEP(),
  },
  {
    type: 'workflow.approval.requested',
    description: 'An approval step asks for a decision; carries the approve and reject URLs.',
    schema: object(
      {
        workflowId: uuid,
        type: str,
        stepKey: str,
        taskId: uuid,
        description: nullableStr,
        approvers: { type: 'array', items: str },
        deadline: nullableTime,
        approveUrl: str,
        rejectUrl: str,
      },
      ['workflowId', 'stepKey', 'taskId', 'approveUrl', 'rejectUrl'],
    ),
  },
  {
    type: 'workflow.approval.decided',
    description: 'An approval step was approved or rejected: by whom, with which comment.',
    schema: object({
      workflowId: uuid,
      stepKey: str,
      taskId: uuid,
      decision: { enum: ['approved', 'rejected'] },
      decidedBy: str,
      comment: nullableStr,
    }),
  },
  {
    type: 'workflow.signal.received',
    description: 'A signal was sent to a run; `consumedBy` lists the waiting steps it completed.',
    schema: object(
      {
        workflowId: uuid,
        name: str,
        signalId: nullableStr,
        payload: anyJson,
        consumedBy: { type: 'array', items: str },
      },
      ['workflowId', 'name'],
    ),
  },
  {
    type: 'workflow_definition.paused',
    description:
      "A definition's dispatch was paused: its queued tasks stay queued, none is claimed.",
    schema: DEFINITION_DISPATCH,
  },
  {
    type: 'workflow_definition.resumed',
    description: "A definition's dispatch was resumed.",
    schema: DEFINITION_DISPATCH,
  },
  {
    type: 'task.queued',
    description:
      "A step became ready: its task is queued (a fan-out: one per element, with `elementIndex`); also a held task queued again once its run's budget is raised, and a claimed task put back because its claim could not be answered (the client hung up meanwhile; the attempt is not spent).",
    schema: TASK(),
  },
  {
    type: 'task.held',
    description:
      "A task is held, not queued: its run's budget is spent (budget_exceeded), including a claimed task put back meanwhile because its claim could not be answered and the retry of an attempt that failed meanwhile (after its task.retried). It is queued again (task.queued) when the budget is raised.",
    schema: TASK(),
  },
  {
    type: 'task.claimed',
    description: 'An agent claimed a task (an attempt started).',
    schema: TASK(),
  },
  { type: 'task.succeeded', description: 'An attempt succeeded.', schema: TASK() },
  {
    type: 'task.failed',
    description: 'An attempt failed; retried after its backoff while attempts are left.',
    schema: TASK({ error: TASK_ERROR }),
  },
  {
    type: 'task.retried',
    description: 'A failed or timed-out attempt is queued again for the next attempt.',
    schema: TASK({ error: TASK_ERROR, nextAttempt: int, availableAt: str }, ['nextAttempt']),
  },
  {
    type: 'task.timed_out',
    description: 'An attempt ran out of time (lease or step timeout).',
    schema: TASK({ error: TASK_ERROR }),
  },
  { type: 'task.cancelled', description: 'A task was cancelled with its run.', schema: TASK() },
  {
    type: 'task.progress',
    description:
      'The holder of a task reported progress (coalesced per task; the latest report always).',
    schema: object(
      {
        taskId: uuid,
        workflowId: uuid,
        stepKey: str,
        agentId: nullableStr,
        attempt: int,
        message: str,
        percent: { type: 'number', minimum: 0, maximum: 100 },
        data: { type: 'object' },
        at: time,
      },
      ['taskId', 'workflowId', 'stepKey', 'attempt', 'at'],
    ),
  },
  {
    type: 'schedule.fired',
    description:
      'A schedule reached a tick: `outcome` started (a run, `workflowId`) or skipped (its overlap policy).',
    schema: object(
      {
        key: str,
        definitionKey: str,
        tickAt: time,
        firedAt: time,
        outcome: { enum: ['started', 'skipped'] },
        workflowId: { type: ['string', 'null'], format: 'uuid' },
        reason: str,
        nextFireAt: nullableTime,
      },
      ['key', 'definitionKey', 'tickAt', 'outcome'],
    ),
  },
  { type: 'rate_limit.created', description: 'A rate limit was created.', schema: RATE_LIMIT },
  { type: 'rate_limit.updated', description: 'A rate limit was changed.', schema: RATE_LIMIT },
  { type: 'rate_limit.deleted', description: 'A rate limit was deleted.', schema: RATE_LIMIT },
  { type: 'schedule.created', description: 'A schedule was created.', schema: SCHEDULE },
  { type: 'schedule.updated', description: 'A schedule was changed.', schema: SCHEDULE },
  { type: 'schedule.deleted', description: 'A schedule was deleted.', schema: SCHEDULE },
  { type: 'schedule.paused', description: 'A schedule was paused.', schema: SCHEDULE },
  { type: 'schedule.resumed', description: 'A schedule was resumed.', schema: SCHEDULE },
  {
    type: 'webhook.endpoint.created',
    description: 'A webhook endpoint was created.',
    schema: ENDPOINT,
  },
  {
    type: 'webhook.endpoint.updated',
    description: 'A webhook endpoint was changed.',
    schema: ENDPOINT,
  },
  {
    type: 'webhook.endpoint.enabled',
    description: 'A webhook endpoint was enabled.',
    schema: ENDPOINT,
  },
  {
    type: 'webhook.endpoint.disabled',
    description: 'A webhook endpoint was disabled (by hand, 410, or failing for days).',
    schema: ENDPOINT,
  },
  {
    type: 'webhook.endpoint.deleted',
    description: 'A webhook endpoint was deleted.',
    schema: ENDPOINT,
  },
  {
    type: 'webhook.endpoint.secret_rotated',
    description: "A webhook endpoint's secret was rotated.",
    schema: ENDPOINT,
  },
  {
    type: 'webhook.endpoint.recovered',
    description: "A webhook endpoint's failed deliveries were queued again.",
    schema: ENDPOINT,
  },
  {
    type: 'webhook.delivery.retried',
    description: 'A delivery was sent again by hand.',
    schema: object({ deliveryId: str, endpointId: str, previousStatus: str }),
  },
  {
    type: 'webhook_source.created',
    description: 'An inbound webhook source was registered.',
    schema: SOURCE,
  },
  {
    type: 'webhook_source.deleted',
    description: 'An inbound webhook source was deleted.',
    schema: SOURCE,
  },
  {
    type: 'webhook_source.secret_rotated',
    description: "An inbound webhook source's secret was rotated.",
    schema: SOURCE,
  },
  {
    type: 'inbound.*',
    family: true,
    description:
      'A delivery accepted from an inbound webhook sender: `inbound.<source>.<event>` ' +
      '(`inbound.github.issues`, `inbound.<sourceKey>.<type>`); `data` is its payload.',
    schema: anyJson,
  },
];

const EXACT = new Set(EVENT_CATALOGUE.filter((e) => !e.family).map((e) => e.type));
const FAMILIES = EVENT_CATALOGUE.filter((e) => e.family).map((e) => e.type.slice(0, -1));

/** Whether the service may emit this type: listed, or under a family's prefix. */
export function isCatalogued(type: string): boolean {
  return EXACT.has(type) || FAMILIES.some((prefix) => type.startsWith(prefix));
}

/**
 * Whether an endpoint's pattern (`*`, `a.b`, `a.*`) can ever match an event: it matches a
 * listed type, or it lies within a family, or a family lies within it.
 */
export function patternMatchesKnown(pattern: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) {
    const prefix = pattern.slice(0, -1);
    if ([...EXACT].some((type) => type.startsWith(prefix))) return true;
    return FAMILIES.some((family) => family.startsWith(prefix) || prefix.startsWith(family));
  }
  return isCatalogued(pattern);
}
