// Generated from the service's /docs-json by packages/sdk/scripts/generate-types.mjs
// (npm run sdk:types). Do not edit: a test fails when this file and the API drift apart.

export interface paths {
  '/health/live': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Liveness: the process answers (never touches the database)
     * @description Answered by the HTTP layer before guards and handlers run (see LiveProbe); it has the security headers, correlation id, log line and metrics of any request.
     */
    get: operations['HealthController_live'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health/ready': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness: database reachable, migrations applied, not shutting down */
    get: operations['HealthController_ready'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/audit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List the tenant's audit entries, newest first */
    get: operations['AuditController_list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/audit/verify': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Recompute the hash chain (all tenants) over a seq range
     * @description Platform admins verify the whole chain by default. Other keys verify at most 10000 links per call: without bounds the newest ones; with one bound, that many from it; a wider fromSeq..toSeq range is 400.
     */
    get: operations['AuditController_verify'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/audit/checkpoints': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Ed25519-signed heads of the chain (all tenants), newest first */
    get: operations['AuditController_checkpoints'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/audit/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Stream the tenant's sealed entries as NDJSON, with the exact hashed fields */
    get: operations['AuditController_export'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/event-types': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Every event type with a description and the JSON Schema of its data
     * @description Webhook endpoints subscribe with patterns (`*`, `a.b`, `a.*`) that must match at least one of these. The list is short and fixed by the service version: one page unless `limit` says less.
     */
    get: operations['EventTypesController_list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tenants': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List tenants (platform admins) */
    get: operations['TenantsController_list'];
    put?: never;
    /** Create a tenant (platform admins) */
    post: operations['TenantsController_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/api-keys': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List the tenant's API keys (never a key or its hash) */
    get: operations['ApiKeysController_list'];
    put?: never;
    /**
     * Create an API key; the key is in this response only
     * @description Only scopes the calling key holds may be granted; "*" by platform admins only. A key that expires creates only keys that expire no later (403 expiry-not-grantable).
     */
    post: operations['ApiKeysController_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/api-keys/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Read one API key */
    get: operations['ApiKeysController_get'];
    put?: never;
    post?: never;
    /**
     * Revoke an API key, at once on every replica
     * @description Only a key holding every scope of the revoked key (403 otherwise).
     */
    delete: operations['ApiKeysController_revoke'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/api-keys/{id}/rotate': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Issue a successor key; the old one stays valid for overlapSeconds
     * @description Only a key holding every scope of the rotated key (403 otherwise), and, when it expires, expiring no earlier than the rotated key (403 expiry-not-grantable). A revoked, expired or already rotated key is not rotated (409): rotate its successor.
     */
    post: operations['ApiKeysController_rotate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/whoami': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The presented key: its tenant, scopes and agent binding */
    get: operations['WhoAmIController_whoami'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agents': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Discover agents by skill (id or name), tag, status or text
     * @description Pages are cached per tenant and query: registry changes (register, update, deregister, status changes) show at once; heartbeat figures (lastHeartbeatAt, inFlight, load) may be up to twice DISCOVERY_CACHE (1 s by default) old.
     */
    get: operations['AgentsController_list'];
    put?: never;
    /** Register an agent; 409 if the id exists in this tenant */
    post: operations['AgentsController_register'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agents/import': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Register an agent from an A2A AgentCard */
    post: operations['AgentsController_import'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agents/leaderboard': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Agents ranked by the Wilson lower bound of their success rate, then p50 latency
     * @description Counts come from task outcomes (succeeded; failed and timed out count as failures) within the window; with `skill`, only agents having it, by their outcomes for it. Agents without outcomes rank last with zero counts.
     */
    get: operations['AgentsController_leaderboard'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agents/summary': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Exact counts of the tenant's agents by status, and by skill
     * @description Counts every agent of the tenant, not a page of them: by status, how many are quarantined from at least one skill, and per skill (the most widely held first, at most `skills` of them; `skillCount` counts them all) how many are healthy (online, not quarantined from it), unhealthy (degraded, draining or offline) and quarantined from it. Served by index-only scans, and by the read replica when one is current.
     */
    get: operations['AgentsController_summary'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agents/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Read an agent */
    get: operations['AgentsController_get'];
    /** Create or update an agent (201 created, 200 updated); counts as a heartbeat */
    put: operations['AgentsController_upsert'];
    post?: never;
    /** Deregister an agent */
    delete: operations['AgentsController_deregister'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agents/{id}/heartbeat': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Report liveness: healthy | degraded | draining
     * @description Answered once the beat is written. Beats arriving while one write runs are written together in the next (one statement): a 200 always means the beat is stored, an error that it may not be. A beat that changes the status is written and audited on its own.
     */
    post: operations['AgentsController_heartbeat'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agents/{id}/release': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * End an agent's quarantine, for one skill or all of them
     * @description The agent gets tasks of the skill again and starts a fresh window of outcomes for it. Each skill released is audited (agent.release) and emits agent.released (reason operator). A deferred quarantine (quarantineDeferrals) is dropped alike, its window emptied (agent.quarantine.deferral_ended, reason operator), and listed too. Releasing an agent that holds neither answers an empty list; naming a skill the agent neither has nor holds either for, 404 skill-not-found. An agent's own key may not release it (403).
     */
    post: operations['AgentsController_release'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agents/{id}/card': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The agent as an A2A AgentCard (1.0 unless ?version=0.3)
     * @description Without an endpoint of its own, the card's interface url is the agent's resource under PUBLIC_URL (default: the listen address), whatever Host header the request carries. Fields of an imported card that AgentMesh does not model come back unchanged.
     */
    get: operations['AgentsController_card'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/routing/settings': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's quarantine and outcome-routing settings */
    get: operations['RoutingSettingsController_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Change the tenant's quarantine and outcome-routing settings
     * @description The fields given replace the current ones; outcomeWindow must stay at least quarantineMinSamples. Audited (routing.settings.update). An agent's own key may not change them (403).
     */
    patch: operations['RoutingSettingsController_update'];
    trace?: never;
  };
  '/api/v1/hooks/github': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Receive a GitHub webhook delivery (public: authenticated by X-Hub-Signature-256)
     * @description Configure the GitHub webhook with content type `application/json`. The signature is checked against every secret of GITHUB_WEBHOOK_SECRETS (rotation); the client address against GITHUB_HOOK_CIDRS (X-Forwarded-For only through TRUST_PROXY). Deliveries belong to the `default` tenant and become `inbound.github.<X-GitHub-Event>` events. 404 when no secret is configured. 202 `{data: {id, duplicate: false}}` when stored for the first time; 200 `{data: {id, duplicate: true}}` for a delivery id received before (nothing new stored).
     */
    post: operations['HooksController_github'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/hooks/{sourceKey}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Receive a Standard Webhooks delivery (public: authenticated by webhook-signature)
     * @description For a source registered with POST /webhooks/sources; source keys are unique across tenants, so the key alone names the tenant. `webhook-timestamp` must be within the source's tolerance (default 300 s) either way; any `v1,<base64>` entry of `webhook-signature` signed with the secret (or the previous one during a rotation overlap) is accepted. Deliveries become `inbound.<sourceKey>.<type>` events, `type` being the body's "type" (lower case; `received` when absent). 202 `{data: {id, duplicate: false}}` when stored for the first time; 200 `{data: {id, duplicate: true}}` for a delivery id received before (nothing new stored).
     */
    post: operations['HooksController_standard'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/sources': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's Standard Webhooks senders (never their secrets) */
    get: operations['InboundAdminController_list'];
    put?: never;
    /**
     * Register a Standard Webhooks sender; the answer shows its secret
     * @description The sender delivers to `POST /api/v1/hooks/{key}`. Keys are unique across ALL tenants (the receiving route carries no tenant): 409 when any tenant holds the key. The answer carries the secret: Cache-Control: no-store.
     */
    post: operations['InboundAdminController_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/sources/{key}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Read a sender (never its secret) */
    get: operations['InboundAdminController_get'];
    put?: never;
    post?: never;
    /** Remove a sender; its deliveries stay, further ones get 404 */
    delete: operations['InboundAdminController_remove'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/sources/{key}/rotate-secret': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * New secret (given or generated); the old one still verifies for overlapSeconds
     * @description The answer carries the secret: Cache-Control: no-store. At most 10 secrets verify at once: one more rotation is 409 too-many-secrets until the oldest retires.
     */
    post: operations['InboundAdminController_rotate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/inbound': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Deliveries received for this tenant, newest first (GitHub ones: default tenant) */
    get: operations['InboundAdminController_inbound'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/inbound/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One delivery with its body exactly as received (base64) */
    get: operations['InboundAdminController_inboundOne'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflow-definitions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List definitions (latest version of each key) */
    get: operations['DefinitionsController_list'];
    put?: never;
    /**
     * Create a definition, or the next version of its key
     * @description The steps must form a DAG: unknown or repeated dependencies, duplicate keys and cycles answer 400 naming the step. Sending the same content as the latest version again creates no new version: 200 with that version. Otherwise 201 with the new version. A step whose skill no agent has ever registered is accepted with a `warnings` entry naming it.
     */
    post: operations['DefinitionsController_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflow-definitions/{key}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Read a definition: the latest version, or ?version= */
    get: operations['DefinitionsController_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflow-definitions/{key}/pause': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Pause a definition's dispatch: queued tasks of its runs stay queued, none is claimed
     * @description Every version, and inline runs of that type. Claimed tasks finish; runs still start and queue their first steps. Pausing a paused key changes nothing.
     */
    post: operations['DefinitionsController_pause'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflow-definitions/{key}/resume': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Resume a paused definition's dispatch: waiting agents are woken */
    post: operations['DefinitionsController_resume'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List runs, newest first, by status and type
     * @description At most `limit` runs a page. A page stops early once its items hold 4 MiB of stored values (the first item always shows): follow `meta.nextCursor` until it is null.
     */
    get: operations['WorkflowsController_list'];
    put?: never;
    /**
     * Start a run from a definition or from inline steps
     * @description Body: {definitionKey, definitionVersion?, input?, priority?, startAt?, budget?} or inline {type, steps, input?, priority?, startAt?, budget?}. Each task gets as input {input: <run input>, dependencies: {<stepKey>: <output>}}; a forEach step runs one task per element (at most 1000), whose input adds {item, index}, and its output is the array of their outputs in element order. A step whose skill no agent has ever registered is accepted with a `warnings` entry naming it. With startAt in the future the run waits `scheduled` (no task claimable) until then. With budget {tokens?, costUsd?, wallSeconds?} the run turns budget_exceeded once the usage its agents report (or its running time) passes it: no new task is dispatched until POST /workflows/{id}/budget raises it.
     */
    post: operations['WorkflowsController_start'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Cancel every unfinished run matching the filters (at least one), in batches
     * @description Each batch of runs is cancelled in its own transaction, each run as a single cancel would be (its audit entries and events). Answers how many runs were cancelled.
     */
    post: operations['WorkflowsController_cancelMatching'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/summary': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Exact counts of runs created and finished since a time, by status
     * @description Counts every run of the tenant, not a page of them: runs created since `since` by their status now, and runs that finished since `since` by outcome. `since` is required, ISO 8601 with a zone, not in the future and at most 31 days ago (else 400). Served by indexes on the creation and finish times, and by the read replica when one is current.
     */
    get: operations['WorkflowsController_summary'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A run with its steps and their tasks */
    get: operations['WorkflowsController_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/{id}/events': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The run's history (workflow.* and task.* events), oldest first */
    get: operations['WorkflowsController_events'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/{id}/steps/{stepKey}/elements': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A fan-out step's element tasks, by index
     * @description Every element task of a forEach step (the run view shows at most 20), in index order, optionally of one status. 404 when the run has no forEach step of that key. A page stops early once its items hold 4 MiB of stored values (the first item always shows): follow `meta.nextCursor` until it is null.
     */
    get: operations['WorkflowsController_elements'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/{id}/cancel': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel a run: queued and claimed tasks are cancelled; their holders get 409 next */
    post: operations['WorkflowsController_cancel'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/{id}/budget': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Set a run's budget; a budget_exceeded run runs again
     * @description Body {tokens?, costUsd?, wallSeconds?}, at least one: the limits given replace the run's, the others are kept. A budget_exceeded run turns running and its held tasks are queued again. 409 budget-below-usage (nothing changes) when the run has already used more than the new budget allows (tokens: input + output; wallSeconds: seconds since it started running), 409 when the run has finished. Audited; workflow.budget.changed.
     */
    post: operations['WorkflowsController_budget'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/{id}/retry': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Retry a failed run: its steps that did not succeed run again; outputs are kept
     * @description The failed step and the steps cancelled because of it are queued again from attempt 1 (as their dependencies allow); succeeded steps keep their outputs. A fan-out step runs again only its elements that did not succeed (same element and index). The run is running again. 409 when the run did not fail; 422 `run-value-too-large` when the outputs it keeps make a value larger than PostgreSQL stores (the run's error said so): nothing changes.
     */
    post: operations['WorkflowsController_retry'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/{id}/signals': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Send a signal to a run
     * @description Completes every step of the run waiting for a signal of this name, the payload as their output; with none waiting it is kept, and the next step to wait for it takes it at once. A repeated signalId answers the first reception (409 if its name or payload differ). 409 once the run has finished.
     */
    post: operations['WaitsController_signal'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/{id}/steps/{stepKey}/approve': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Approve a waiting approval step
     * @description Needs the scope workflows:approve (a platform admin has it), or a key the step lists in its approvers (as key:<id>, or by a scope it holds); others get 403. The step succeeds with {approvedBy, keyId, comment}. 409 when the step is not waiting.
     */
    post: operations['WaitsController_approve'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/{id}/steps/{stepKey}/reject': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Reject a waiting approval step: it fails (no retry), and so does the run
     * @description Same permissions as approve. The comment is the step’s error message.
     */
    post: operations['WaitsController_reject'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tasks/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One task with its attempts (who ran each, how it ended)
     * @description Also a task a retry of its run replaced, as it ended, with `retiredAt` (the run goes on with a new task for that step).
     */
    get: operations['TasksController_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agents/{id}/tasks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * An agent's recent tasks, latest claim first
     * @description The tasks this agent holds or whose last attempt it ran (a task retried since by another agent is listed there), optionally of one status; keyset pages. 404 when there is no such agent. A page stops early once its items hold 4 MiB of stored values (the first item always shows): follow `meta.nextCursor` until it is null.
     */
    get: operations['TasksController_ofAgent'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/agents/{id}/tasks/claim': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Claim tasks for this agent; long-polls up to waitSeconds for work
     * @description Only tasks whose skill the agent has, highest priority then oldest, each with a fresh leaseToken valid for TASK_LEASE_SECONDS (extend it with heartbeat). A claim from an agent marked offline counts as a beat and brings it back online; a draining agent gets 409 agent-draining at once; every waiting claim gets an empty list when the server shuts down. Tasks leased while the client hung up are put back at once; with a claimId, a claim whose answer was lost on its way back can be sent again and answers the same tasks.
     */
    post: operations['TasksController_claim'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tasks/{id}/heartbeat': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Extend the lease (holder only: 409 otherwise, and once the lease has expired) */
    post: operations['TasksController_heartbeat'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tasks/{id}/progress': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Report progress (holder only): extends the lease; task.progress in the history
     * @description Coalesced per task: at most one task.progress event per PROGRESS_INTERVAL_MS is written, and the latest report always (at the end of the interval, or before the completion). 409 when not the lease holder, as for heartbeat. `usage` (what was used since the last report) is counted at once, into the run's budget too.
     */
    post: operations['TasksController_progress'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tasks/{id}/complete': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Report success (holder only); the same payload again answers the same
     * @description With claimNext, the next tasks are leased to the agent that held this one once the completion has committed, long-polling up to claimNext.waitSeconds, and the answer is {task: <attempt result>, next: {tasks}}; without it, the attempt result alone. A repeat answers the tasks the first one leased while the agent still holds them (a lost answer strands nothing), and claims anew only when it holds none. `usage` is summed into the task's, the run's and the tenant's usage; a run it takes over its budget turns budget_exceeded (this task stays succeeded).
     */
    post: operations['TasksController_complete'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tasks/{id}/fail': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Report failure (holder only); retried after its backoff while attempts are left */
    post: operations['TasksController_fail'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/skills': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Each skill with its agents (online/total), queued tasks and the oldest wait
     * @description Every skill an agent of the tenant has or a queued task needs, by name, 200 a page unless `limit` says less. A skill with queued tasks and no agent online is work nobody will do.
     */
    get: operations['SkillsController_list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/rate-limits': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List rate limits by key */
    get: operations['RateLimitsController_list'];
    put?: never;
    /**
     * Create a rate limit shared by the fleet (a token bucket)
     * @description Tasks of steps naming it (`rateLimit`) are claimed only while it holds their units; the bucket starts full and refills at perMinute, up to burst, across every replica.
     */
    post: operations['RateLimitsController_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/rate-limits/{key}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A rate limit with the tokens it holds now */
    get: operations['RateLimitsController_get'];
    put?: never;
    post?: never;
    /**
     * Delete a rate limit
     * @description Tasks of steps still naming it wait queued until a rate limit of that key exists again.
     */
    delete: operations['RateLimitsController_delete'];
    options?: never;
    head?: never;
    /**
     * Change the rate or burst of a rate limit (from now on)
     * @description Body {perMinute?, burst?}, at least one (400 otherwise). A smaller burst drops the tokens above it; a higher rate refills faster from now.
     */
    patch: operations['RateLimitsController_update'];
    trace?: never;
  };
  '/api/v1/usage': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The tenant's usage (tokens, dollars) over a period, summed per group
     * @description Sums what agents reported with completions and progress, from `from` (inclusive, default 30 days before `to`) until `to` (exclusive, default now), at most 366 days, grouped by `groupBy`: day (UTC date, the default), definition, agent, skill or model; `workflowId` narrows it to one run. Groups come in key order, a page at a time.
     */
    get: operations['UsageController_report'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/{id}/receipt': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A finished run's signed receipt
     * @description Issued for every finished run (succeeded, failed or cancelled) within seconds of its end, once its audit entries are sealed: the definition (key, version, content hash), input and output hashes, each step's agents, attempts and timing, and the seq range of the run's audit entries with the chain hash at its end, signed (Ed25519) with the audit signing key over the canonical JSON of `receipt`. 404 `receipt_not_issued` until then (and while a retried run runs again). 409 `receipt_invalid` when the stored receipt no longer verifies against the keys the service trusts (changed in the database). Verify offline, against the key you pinned, with `npm run audit:verify -- --receipt r.json --file export.ndjson`.
     */
    get: operations['ReceiptsController_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/schedules': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List schedules by key */
    get: operations['SchedulesController_list'];
    put?: never;
    /**
     * Create a cron schedule that starts runs of a definition's latest version
     * @description One run per tick across any number of replicas; ticks missed while every replica was down fire once on recovery. Each tick emits schedule.fired.
     */
    post: operations['SchedulesController_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/schedules/{key}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A schedule with its next five fire times */
    get: operations['SchedulesController_get'];
    put?: never;
    post?: never;
    /** Delete a schedule (its runs stay) */
    delete: operations['SchedulesController_delete'];
    options?: never;
    head?: never;
    /**
     * Change a schedule
     * @description A new cron or timezone, or enabling it, sets its next tick from now. Enabling a schedule with no tick left (a one-shot that fired) is 409 schedule-exhausted.
     */
    patch: operations['SchedulesController_update'];
    trace?: never;
  };
  '/api/v1/schedules/{key}/pause': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Pause a schedule: no tick fires until it is resumed */
    post: operations['SchedulesController_pause'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/schedules/{key}/resume': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Resume a schedule from its next tick after now
     * @description A schedule with no tick left (a one-shot that fired) is 409 schedule-exhausted.
     */
    post: operations['SchedulesController_resume'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/endpoints': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List the tenant's endpoints (never a secret) */
    get: operations['WebhookEndpointsController_list'];
    put?: never;
    /**
     * Register an endpoint; the signing secret is in this response only
     * @description The URL must be http(s) and reach a public address (WEBHOOK_ALLOWED_CIDRS excepted). The answer carries the secret: Cache-Control: no-store.
     */
    post: operations['WebhookEndpointsController_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/endpoints/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Read an endpoint with its breaker state */
    get: operations['WebhookEndpointsController_get'];
    put?: never;
    post?: never;
    /** Delete an endpoint and its deliveries */
    delete: operations['WebhookEndpointsController_delete'];
    options?: never;
    head?: never;
    /** Change url, event types, description or enabled */
    patch: operations['WebhookEndpointsController_update'];
    trace?: never;
  };
  '/api/v1/webhooks/endpoints/{id}/rotate-secret': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * New signing secret; the old one keeps signing (a second signature) for 24 h
     * @description The answer carries the secret: Cache-Control: no-store. At most 10 secrets sign at once: one more rotation is 409 too-many-secrets until the oldest retires.
     */
    post: operations['WebhookEndpointsController_rotate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/endpoints/{id}/recover': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Queue its failed and dead deliveries of a time window for an attempt now
     * @description The deliveries created from `since` (not in the future) up to `until` (after `since`; absent: now). A window the wrong way round is a 400 and requeues nothing.
     */
    post: operations['WebhookEndpointsController_recover'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/deliveries': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Deliveries, newest first; filter by endpoint, status, event type */
    get: operations['WebhookDeliveriesController_list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/deliveries/summary': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Exact counts of deliveries created since a time, by status
     * @description Counts every delivery of the tenant created since `since`, by its status now. `since` is required, ISO 8601 with a zone, not in the future and at most 31 days ago (else 400). Served by an index on the creation time, and by the read replica when one is current.
     */
    get: operations['WebhookDeliveriesController_summary'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/deliveries/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A delivery with its payload and every attempt */
    get: operations['WebhookDeliveriesController_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/webhooks/deliveries/{id}/retry': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send it again now (one more attempt when it was dead or succeeded) */
    post: operations['WebhookDeliveriesController_retry'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/workflows/{id}/stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Live stream (SSE) of a run: its history, then its events as they commit
     * @description Ends after the run's terminal event (at once if the client has seen it).
     */
    get: operations['StreamsController_runStream'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/events/stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Live stream (SSE) of the tenant's domain events as they commit
     * @description Without Last-Event-ID, from now on; with it, everything after that event first. Filtered by type patterns and by run.
     */
    get: operations['StreamsController_tenantStream'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/a2a/v1/message:send': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * A2A SendMessage: start a run of the skill (definition key) as a task
     * @description message.metadata.skillId names the workflow definition; the first data part’s data is the run input (text parts become {text}). Answers {task} once the task is terminal or input-required (at most A2A_SEND_WAIT_SECONDS, then as it is), or at once, submitted, with configuration.returnImmediately.
     */
    post: operations['A2aController_send'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/a2a/v1/message:stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** A2A SendStreamingMessage: start a run as a task and stream its updates (SSE) */
    post: operations['A2aController_stream'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/a2a/v1/tasks': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A2A ListTasks: the tenant’s runs as tasks, newest first
     * @description Answers {tasks, nextPageToken, pageSize, totalSize}; artifacts only with includeArtifacts=true.
     */
    get: operations['A2aController_list'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/a2a/v1/tasks/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A2A GetTask: the run as a Task; tasks/{id}:subscribe streams it (SSE)
     * @description GET tasks/{id}:subscribe (SubscribeToTask) answers text/event-stream as message:stream does, from the task as it is now; a task in a terminal state is refused (UnsupportedOperationError).
     */
    get: operations['A2aController_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/a2a/v1/tasks/{idAndVerb}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** A2A CancelTask: POST tasks/{id}:cancel cancels the run and answers the Task */
    post: operations['A2aController_cancel'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/a2a/v1/tasks/{id}/pushNotificationConfigs': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A2A ListTaskPushNotificationConfigs: {configs, nextPageToken}, oldest first */
    get: operations['A2aController_listPushConfigs'];
    put?: never;
    /**
     * A2A CreateTaskPushNotificationConfig: POST the task’s updates to a URL
     * @description Answers the TaskPushNotificationConfig (never its credentials). From now on, each change of the task’s status is POSTed to the URL as the StreamResponse objects message:stream sends (artifactUpdate, then statusUpdate), one at a time in order, signed as webhooks are (webhook-id, webhook-timestamp, webhook-signature) with the secret in the Webhook-Secret response header, with the token in X-A2A-Notification-Token and authentication as Authorization. The config goes once the terminal update is delivered.
     */
    post: operations['A2aController_createPushConfig'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/a2a/v1/tasks/{id}/pushNotificationConfigs/{configId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A2A GetTaskPushNotificationConfig */
    get: operations['A2aController_getPushConfig'];
    put?: never;
    post?: never;
    /**
     * A2A DeleteTaskPushNotificationConfig: answers {} (google.protobuf.Empty)
     * @description Updates not yet delivered to the config are dropped with it.
     */
    delete: operations['A2aController_deletePushConfig'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/.well-known/agent-card.json': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The A2A 1.0 AgentCard of the key's tenant: one skill per workflow definition
     * @description Any valid key gets its tenant's card. Without a key: the default tenant's card when A2A_PUBLIC_CARD=true, else 401.
     */
    get: operations['WellKnownController_card'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    FieldErrorDto: {
      /** @example skills[0].name */
      field: string;
      /** @example name should not be empty */
      message: string;
    };
    ProblemDto: {
      /** @example urn:agentmesh:problem:validation */
      type: string;
      /** @example Validation failed */
      title: string;
      /** @example 400 */
      status: number;
      /** @example The request body has 1 invalid field. */
      detail: string;
      /** @example /api/v1/agents */
      instance: string;
      /** @example 2b0c7f1e-3f0b-4c1e-9a55-5c3f7a1d2e90 */
      correlationId: string;
      errors?: components['schemas']['FieldErrorDto'][];
    };
    AuditActorDto: {
      /** @enum {string} */
      type: 'apiKey' | 'agent' | 'system';
      id: string;
    };
    AuditResourceDto: {
      type: string;
      id: string;
    };
    AuditEntryDto: {
      /** @description null until the sealer reaches it */
      seq: number | null;
      /** Format: uuid */
      id: string;
      /** @example 2026-11-22T05:00:00.123456Z */
      occurredAt: string;
      tenantId: string | null;
      actor: components['schemas']['AuditActorDto'];
      action: string;
      resource: components['schemas']['AuditResourceDto'];
      correlationId: string | null;
      ip: string | null;
      userAgent: string | null;
      before?: Record<string, never>;
      after?: Record<string, never>;
      prevHash: string | null;
      hash: string | null;
    };
    ChainHeadDto: {
      seq: number;
      hash: string;
    };
    VerifyResultDto: {
      valid: boolean;
      /** @description Links checked and found valid */
      checked: number;
      firstInvalidSeq: number | null;
      /**
       * @description chain_truncated: a signed head (a checkpoint, or the anchor the sealer keeps outside the database) lies beyond the chain, e.g. its tail was deleted or an older backup restored; anchor_mismatch: the chain no longer holds the head the sealer last signed (at that seq, or from seq 1 when the chain in this database was replaced)
       * @enum {string|null}
       */
      reason:
        | 'missing_link'
        | 'missing_entry'
        | 'prev_hash_mismatch'
        | 'hash_mismatch'
        | 'bad_checkpoint_signature'
        | 'checkpoint_mismatch'
        | 'chain_truncated'
        | 'anchor_mismatch'
        | null;
      head: components['schemas']['ChainHeadDto'] | null;
    };
    CheckpointDto: {
      seq: number;
      /** @description Chain hash at seq */
      hash: string;
      /** @example 2026-11-22T05:00:00.123456Z */
      signedAt: string;
      /** @description Raw Ed25519 public key, base64: pin the one you trust */
      publicKey: string;
      /** @description First 16 hex digits of the SHA-256 of the public key */
      keyId: string;
      /** @description Ed25519 signature (base64) of the RFC 8785 JSON of {seq (string), hash, signedAt, publicKey} */
      signature: string;
    };
    EventTypeDto: {
      /** @example workflow.succeeded */
      type: string;
      description: string;
      /** @description JSON Schema (2020-12) of the event’s `data` */
      schema: {
        [key: string]: unknown;
      };
      /** @description true: a family (`inbound.*`) whose last segments are chosen at run time */
      family?: boolean;
    };
    TenantDto: {
      /** @example acme */
      id: string;
      /** @example Acme Corp */
      name: string;
      /** Format: date-time */
      createdAt: string;
    };
    CreateTenantDto: {
      /** @example acme */
      id: string;
      /** @example Acme Corp */
      name: string;
    };
    IssuedApiKeyDto: {
      /** Format: uuid */
      id: string;
      tenantId: string;
      name: string;
      scopes: string[];
      agentId: string | null;
      /**
       * @description The first characters of the key; "ADMIN_API_KEY" for the key that variable sets
       * @example amk_3fQ9xk2B
       */
      prefix: string;
      /** Format: date-time */
      expiresAt: string | null;
      /** Format: date-time */
      revokedAt: string | null;
      /** Format: uuid */
      rotatedTo: string | null;
      /** Format: date-time */
      createdAt: string;
      /** @description The key itself. Shown only in this response: store it now. */
      key: string;
    };
    CreateApiKeyDto: {
      /** @example ci deployer */
      name: string;
      /**
       * @example [
       *       "agents:read",
       *       "agents:write"
       *     ]
       */
      scopes: (
        | 'agents:read'
        | 'agents:write'
        | 'workflows:read'
        | 'workflows:write'
        | 'workflows:approve'
        | 'tasks:work'
        | 'webhooks:admin'
        | 'audit:read'
        | 'keys:admin'
        | '*'
      )[];
      /** @description Bind the key to one agent: it may only act as it */
      agentId?: string;
      /**
       * Format: date-time
       * @description When the key stops working, with its zone (`Z` or an offset); in the future
       */
      expiresAt?: string;
      /** @description Platform admins only: create the key in this tenant */
      tenantId?: string;
    };
    ApiKeyDto: {
      /** Format: uuid */
      id: string;
      tenantId: string;
      name: string;
      scopes: string[];
      agentId: string | null;
      /**
       * @description The first characters of the key; "ADMIN_API_KEY" for the key that variable sets
       * @example amk_3fQ9xk2B
       */
      prefix: string;
      /** Format: date-time */
      expiresAt: string | null;
      /** Format: date-time */
      revokedAt: string | null;
      /** Format: uuid */
      rotatedTo: string | null;
      /** Format: date-time */
      createdAt: string;
    };
    RotateApiKeyDto: {
      /** @default 86400 */
      overlapSeconds?: number;
    };
    WhoAmIDto: {
      /**
       * @description Tenant the request acts in (X-Tenant-Id)
       * @example default
       */
      tenantId: string;
      /**
       * @description Tenant the key belongs to
       * @example default
       */
      keyTenantId: string;
      /**
       * @example [
       *       "workflows:read",
       *       "agents:read"
       *     ]
       */
      scopes: string[];
      /** @example key_01J... */
      keyId: string;
      /** @example null */
      agentId: string | null;
      /** @description Holds "*": may act in every tenant */
      platformAdmin: boolean;
    };
    AgentSkillDto: {
      id: string;
      name: string;
      description?: string | null;
      tags: string[];
      examples: string[];
    };
    AgentQuarantineDto: {
      /** @description The skill (id) it gets no tasks of */
      skill: string;
      /** Format: date-time */
      since: string;
      /**
       * Format: date-time
       * @description When its cool-down ends
       */
      until: string;
      /** @description Its Wilson lower bound for the skill when quarantined */
      lowerBound: number;
      successes: number;
      /** @description The outcomes it was judged on */
      samples: number;
    };
    AgentQuarantineDeferralDto: {
      /** @description The skill (id) it would be quarantined from */
      skill: string;
      /**
       * Format: date-time
       * @description Since when it is held back
       */
      since: string;
      /** @description Its Wilson lower bound for the skill, last judged */
      lowerBound: number;
      successes: number;
      /** @description The outcomes it was judged on */
      samples: number;
      /**
       * @description Why: no other agent of the tenant can take the skill's tasks
       * @enum {string}
       */
      reason: 'last_healthy_agent';
    };
    AgentDto: {
      /** @example agent-a */
      id: string;
      name: string;
      description?: string | null;
      endpoint?: string | null;
      version?: string | null;
      skills: components['schemas']['AgentSkillDto'][];
      labels: {
        [key: string]: unknown;
      };
      /** @enum {string} */
      status: 'online' | 'degraded' | 'draining' | 'offline';
      /** @description Skills it is quarantined from now (POST /agents/{id}/release ends one) */
      quarantines: components['schemas']['AgentQuarantineDto'][];
      /** @description Skills whose outcomes warrant a quarantine it is spared, being the last agent that can take their tasks; quarantined once another agent can */
      quarantineDeferrals: components['schemas']['AgentQuarantineDeferralDto'][];
      heartbeatIntervalSeconds: number;
      inFlight?: number | null;
      load?: number | null;
      /** Format: date-time */
      lastHeartbeatAt: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    SkillDto: {
      /**
       * @description Defaults to a slug of name
       * @example echo
       */
      id?: string;
      /** @example Echo */
      name: string;
      description?: string;
      tags?: string[];
      examples?: string[];
    };
    RegisterAgentDto: {
      /** @example Agent A */
      name: string;
      description?: string;
      /** @example https://agent-a.internal/a2a */
      endpoint?: string;
      /** @example 1.2.0 */
      version?: string;
      skills: components['schemas']['SkillDto'][];
      labels?: {
        [key: string]: unknown;
      };
      /** @default 10 */
      heartbeatIntervalSeconds?: number;
      /**
       * @description Generated when absent
       * @example agent-a
       */
      id?: string;
    };
    ImportAgentDto: {
      /** @description An A2A AgentCard, 0.3 (url) or 1.0 (supportedInterfaces) */
      card: {
        [key: string]: unknown;
      };
      /** @description Defaults to a slug of the card name */
      id?: string;
    };
    LeaderboardEntryDto: {
      /** @example 1 */
      rank: number;
      agentId: string;
      name: string;
      /** @enum {string} */
      status: 'online' | 'degraded' | 'draining' | 'offline';
      /** @description The skill asked for, if any */
      skill: string | null;
      successes: number;
      /** @description Failed and timed-out tasks */
      failures: number;
      total: number;
      successRate: number | null;
      /** @description Lower bound of the 95% Wilson interval of the success rate */
      wilsonLowerBound: number;
      /** @description Median claim-to-finish time in the window (within ±19%: √2-wide buckets) */
      p50LatencyMs: number | null;
      /** @description Skills (the one asked for, or any) it is quarantined from now */
      quarantined: string[];
      /** @description Skills (the one asked for, or any) whose quarantine it is spared, being the last agent that can take their tasks */
      quarantineDeferred: string[];
    };
    AgentSkillCountsDto: {
      /** @description The skill id */
      skill: string;
      /** @description Agents that have the skill */
      total: number;
      /** @description Of them, online and not quarantined from the skill */
      healthy: number;
      /** @description Of them, degraded, draining or offline, not quarantined */
      unhealthy: number;
      /** @description Of them, quarantined from the skill now (whatever their status) */
      quarantined: number;
    };
    AgentSummaryDto: {
      /**
       * Format: date-time
       * @description When it was counted
       */
      asOf: string;
      /** @description The tenant's agents */
      total: number;
      /** @description Agents by status (every status, 0 included) */
      byStatus?: {
        online: number;
        degraded: number;
        draining: number;
        offline: number;
      };
      /** @description Agents quarantined now from at least one of their skills */
      quarantined: number;
      /** @description Distinct skills the agents have (bySkill may list fewer) */
      skillCount: number;
      /** @description Per skill, the most widely held first (then by id), at most `skills` of them */
      bySkill: components['schemas']['AgentSkillCountsDto'][];
    };
    AgentRegistrationDto: {
      /** @example Agent A */
      name: string;
      description?: string;
      /** @example https://agent-a.internal/a2a */
      endpoint?: string;
      /** @example 1.2.0 */
      version?: string;
      skills: components['schemas']['SkillDto'][];
      labels?: {
        [key: string]: unknown;
      };
      /** @default 10 */
      heartbeatIntervalSeconds?: number;
    };
    HeartbeatResultDto: {
      /** @enum {string} */
      status: 'online' | 'degraded' | 'draining' | 'offline';
      nextHeartbeatSeconds: number;
    };
    HeartbeatDto: {
      /** @enum {string} */
      status: 'healthy' | 'degraded' | 'draining';
      inFlight?: number;
      load?: number;
    };
    ReleasedDto: {
      agentId: string;
      /** @description The skills whose quarantine or deferred quarantine ended (empty: none was held) */
      released: string[];
    };
    ReleaseAgentDto: {
      /**
       * @description The skill (id) to release; absent: every skill the agent is quarantined from
       * @example code-review
       */
      skill?: string;
    };
    RoutingSettingsDto: {
      /**
       * @description An agent whose Wilson lower bound (95%) of its success rate for a skill, over its latest outcomes for it, falls under this is quarantined from that skill (deferred while no other agent can take the skill); 0: quarantine off. Default 0.2
       * @example 0.2
       */
      quarantineThreshold: number;
      /**
       * @description Outcomes needed before an agent can be quarantined
       * @example 20
       */
      quarantineMinSamples: number;
      /**
       * @description How many of an agent's latest outcomes for a skill are kept: what quarantine and outcome routing judge it by (at least quarantineMinSamples)
       * @example 50
       */
      outcomeWindow: number;
      /**
       * @description How long a quarantine lasts
       * @example 900
       */
      quarantineCooldownSeconds: number;
      /**
       * @description How long an outcome-routed task waits for the agent it was drawn for before any agent with the skill may claim it
       * @example 1000
       */
      reservationMs: number;
      /**
       * Format: date-time
       * @description null: never changed (the defaults)
       */
      updatedAt?: string | null;
    };
    UpdateRoutingSettingsDto: {
      /** @description 0 turns quarantine off */
      quarantineThreshold?: number;
      quarantineMinSamples?: number;
      outcomeWindow?: number;
      /** @description At most 30 days */
      quarantineCooldownSeconds?: number;
      reservationMs?: number;
    };
    HookReceiptDto: {
      /**
       * Format: uuid
       * @description The stored delivery (GET /webhooks/inbound)
       */
      id: string;
      /** @description true: this delivery id was received before; nothing new stored */
      duplicate: boolean;
    };
    SourceWithSecretDto: {
      /** @example billing */
      key: string;
      /**
       * @description Where the sender delivers
       * @example /api/v1/hooks/billing
       */
      hookPath: string;
      description: string | null;
      /** @description Empty: any address */
      allowedCidrs: string[];
      /** @example 300 */
      toleranceSeconds: number;
      /**
       * Format: date-time
       * @description Until when the secret before the last rotation is still accepted
       */
      previousSecretExpiresAt: string | null;
      /** @description Until when each secret retired before that one is still accepted (a rotation within the overlap keeps them, ten secrets verify at most) */
      olderSecretsExpireAt: string[];
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      /** @example whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw */
      secret: string;
    };
    CreateSourceDto: {
      /**
       * @description Names the receiver `POST /api/v1/hooks/{key}`. Unique across ALL tenants (the route carries no tenant): a key another tenant holds is a 409. `github` and `schedule` are reserved.
       * @example billing
       */
      key: string;
      /** @description `whsec_` + base64 of 24-64 bytes (the Standard Webhooks format); omitted: generated */
      secret?: string;
      /**
       * @description Addresses the sender delivers from; omitted or empty: any
       * @example [
       *       "203.0.113.0/24",
       *       "2001:db8::/32"
       *     ]
       */
      allowedCidrs?: string[];
      /**
       * @description How far webhook-timestamp may be from now, either way
       * @default 300
       */
      toleranceSeconds?: number;
      description?: string;
    };
    SourceDto: {
      /** @example billing */
      key: string;
      /**
       * @description Where the sender delivers
       * @example /api/v1/hooks/billing
       */
      hookPath: string;
      description: string | null;
      /** @description Empty: any address */
      allowedCidrs: string[];
      /** @example 300 */
      toleranceSeconds: number;
      /**
       * Format: date-time
       * @description Until when the secret before the last rotation is still accepted
       */
      previousSecretExpiresAt: string | null;
      /** @description Until when each secret retired before that one is still accepted (a rotation within the overlap keeps them, ten secrets verify at most) */
      olderSecretsExpireAt: string[];
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    RotateSourceSecretDto: {
      /** @description `whsec_` + base64 of 24-64 bytes (the Standard Webhooks format); omitted: generated */
      secret?: string;
      /**
       * @description How long the current secret stays valid beside the new one (0: not at all)
       * @default 86400
       */
      overlapSeconds?: number;
    };
    InboundEventDto: {
      /** Format: uuid */
      id: string;
      /**
       * @description `github` or a source key
       * @example github
       */
      source: string;
      /** @example 72d3162e-cc78-11e3-81ab-4c9367dc0958 */
      deliveryId: string;
      /**
       * @description X-GitHub-Event, or the body's "type"
       * @example issues
       */
      event: string;
      /**
       * @description The domain event emitted (accepted deliveries only)
       * @example inbound.github.issues
       */
      eventType: string | null;
      /** @enum {string} */
      status: 'accepted' | 'rejected';
      /** @description Why a signed delivery was refused */
      reason: string | null;
      /** @description The headers that matter, as received */
      headers: {
        [key: string]: string;
      };
      /** @example 140.82.115.1 */
      sourceIp: string | null;
      /** @description Size of the body in bytes */
      bodyBytes: number;
      /** Format: date-time */
      receivedAt: string;
    };
    InboundEventDetailDto: {
      /** Format: uuid */
      id: string;
      /**
       * @description `github` or a source key
       * @example github
       */
      source: string;
      /** @example 72d3162e-cc78-11e3-81ab-4c9367dc0958 */
      deliveryId: string;
      /**
       * @description X-GitHub-Event, or the body's "type"
       * @example issues
       */
      event: string;
      /**
       * @description The domain event emitted (accepted deliveries only)
       * @example inbound.github.issues
       */
      eventType: string | null;
      /** @enum {string} */
      status: 'accepted' | 'rejected';
      /** @description Why a signed delivery was refused */
      reason: string | null;
      /** @description The headers that matter, as received */
      headers: {
        [key: string]: string;
      };
      /** @example 140.82.115.1 */
      sourceIp: string | null;
      /** @description Size of the body in bytes */
      bodyBytes: number;
      /** Format: date-time */
      receivedAt: string;
      /** @description The body exactly as received, base64 */
      bodyBase64: string;
      /** @description The body as JSON (null when it was refused) */
      payload?: Record<string, never>;
    };
    WaitEventDto: {
      /**
       * @description The event type: exact, `prefix.*`, or `*` (as for webhook endpoints)
       * @example inbound.github.pull_request
       */
      type: string;
      /**
       * @description Dot paths into the event's data → the value each must equal: a constant, or `$.input...` (a path into the run input, read when the step starts waiting)
       * @example {
       *       "payload.action": "closed",
       *       "payload.pull_request.number": "$.input.pr"
       *     }
       */
      match?: {
        [key: string]: unknown;
      };
    };
    RetryBackoffDto: {
      /**
       * @description Delay before the first retry
       * @default 1
       */
      initialSeconds?: number;
      /**
       * @description Each retry waits this many times longer
       * @default 2
       */
      factor?: number;
      /**
       * @description Cap on any one delay
       * @default 300
       */
      maxSeconds?: number;
    };
    StepViewDto: {
      key: string;
      /**
       * @description Absent: task
       * @enum {string}
       */
      kind?: 'task' | 'wait' | 'approval' | 'sleep' | 'github';
      /** @description The task's skill; '' for steps of other kinds */
      skill: string;
      signal?: string;
      event?: components['schemas']['WaitEventDto'];
      /** @enum {string} */
      onTimeout?: 'fail' | 'succeed';
      approvers?: string[];
      description?: string;
      seconds?: number;
      until?: string;
      /** @description task: the array it fans out over */
      forEach?: string;
      /** @enum {string} */
      action?: 'comment' | 'status';
      body?: string;
      repo?: string;
      issue?: number | string;
      /** @enum {string} */
      state?: 'error' | 'failure' | 'pending' | 'success';
      context?: string;
      sha?: string;
      targetUrl?: string;
      dependsOn: string[];
      timeoutSeconds?: number | null;
      maxAttempts: number;
      retryBackoff: components['schemas']['RetryBackoffDto'];
      /** @description task: the shared rate limit its claims take tokens from */
      rateLimit?: {
        key?: string;
        units?: string;
      };
      /**
       * @description task: absent for fifo routing
       * @enum {string}
       */
      routing?: 'outcome';
    };
    TriggerDto: {
      /**
       * @description `github`, or the key of a Standard Webhooks source
       * @example github
       */
      source: string;
      /**
       * @description The event name as deliveries carry it: GitHub’s `X-GitHub-Event` (`issues`, `pull_request`: no dots), a Standard Webhooks source’s `type` lower-cased (`invoice.paid`), or `received` for its deliveries without one
       * @example issues
       */
      event: string;
      /**
       * @description Only deliveries whose payload `action` is this one (GitHub’s `opened`, `closed`, ...); omitted: every action
       * @example opened
       */
      action?: string;
    };
    ConcurrencyDto: {
      /**
       * @description A JSON path into the run's input (`$.input` or a dot path in it). Runs whose input lacks it (or holds null there) share the key value null.
       * @example $.input.repo
       */
      key: string;
      /** @example 1 */
      limit: number;
      /**
       * @description When the key value has `limit` runs running: queue (the run waits pending, in arrival order), cancel-newest (the arriving run is cancelled), cancel-in-progress (the oldest running one is cancelled and the arriving run starts)
       * @default queue
       * @enum {string}
       */
      strategy?: 'queue' | 'cancel-newest' | 'cancel-in-progress';
    };
    DefinitionDto: {
      key: string;
      version: number;
      name?: string | null;
      steps: components['schemas']['StepViewDto'][];
      triggers: components['schemas']['TriggerDto'][];
      /** @description null: no limit */
      concurrency?: components['schemas']['ConcurrencyDto'] | null;
      /** @description The github step run when a run finishes (key `onFinish`) */
      onFinish?: components['schemas']['StepViewDto'] | null;
      /** Format: date-time */
      createdAt: string;
    };
    WarningDto: {
      /** @example steps[1].skill */
      field: string;
      /** @example no agent has registered skill "reveiw": its tasks wait until one does */
      message: string;
    };
    StepDto: {
      /** @example scaffold */
      key: string;
      /**
       * @description task: an agent does it; wait: a signal or an event; approval: a person (or key) decides; sleep: time passes; github: the service comments or sets a commit status. Only task steps occupy an agent.
       * @default task
       * @enum {string}
       */
      kind?: 'task' | 'wait' | 'approval' | 'sleep' | 'github';
      /**
       * @description task: an agent skill id
       * @example code.scaffold
       */
      skill?: string;
      /**
       * @description wait: the signal name
       * @example deploy-approved
       */
      signal?: string;
      /** @description wait: the domain event it waits for */
      event?: components['schemas']['WaitEventDto'];
      /**
       * @description wait: what its timeout does to the step
       * @default fail
       * @enum {string}
       */
      onTimeout?: 'fail' | 'succeed';
      /** @description approval: who may decide besides keys with workflows:approve: scopes (a key holding one) or single keys as key:<id>. Key names are refused: they are not unique. */
      approvers?: string[];
      /**
       * @description github: `comment` on an issue or pull request, or a commit `status`
       * @enum {string}
       */
      action?: 'comment' | 'status';
      /**
       * @description github comment: the body, a template: {{run.id}}, {{run.status}}, {{input.<path>}}, {{steps.<key>.output.<path>}} (input values Markdown-escaped); capped at 65,536 characters
       * @example {{steps.review.output.text}}
       */
      body?: string;
      /**
       * @description github: `owner/name` or a JSON path; default: the repository of the event that started the run
       * @example $.input.payload.repository.full_name
       */
      repo?: string;
      /**
       * @description github comment: an issue or pull request number or a JSON path; default: `issue.number` or `pull_request.number` of the event
       * @example $.input.payload.issue.number
       */
      issue?: number | string;
      /**
       * @description github status: the state; default `pending` in a run, the outcome in `onFinish`
       * @enum {string}
       */
      state?: 'error' | 'failure' | 'pending' | 'success';
      /**
       * @description github status: its context
       * @example agentmesh/review
       */
      context?: string;
      /**
       * @description github status: a commit sha or a JSON path; default: the pull request head of the event
       * @example $.input.payload.pull_request.head.sha
       */
      sha?: string;
      /** @description github status: the link shown with it; default: the run in the console */
      targetUrl?: string;
      /** @description approval: what is to be approved; github status: the description template (rendered text capped at 140 characters) */
      description?: string;
      /** @description sleep: for this long */
      seconds?: number;
      /**
       * @description sleep: until this ISO 8601 time, or the time at a JSON path ($.input..., $.dependencies...)
       * @example $.input.wakeAt
       */
      until?: string;
      /**
       * @description task: fan out: one task per element (at most 1000) of the array at this JSON path, read when the step becomes ready: $.input... or $.steps.<dependency>.output...; each task gets {input, dependencies, item, index}; the step's output is the array of their outputs
       * @example $.steps.plan.output.items
       */
      forEach?: string;
      /** @description Keys of steps that must succeed first */
      dependsOn?: string[];
      /** @description task: an attempt running longer times out (at most 86400); wait (required), approval: the step times out after this long (at most 30 days) */
      timeoutSeconds?: number;
      /**
       * @description task (3), github (5)
       * @default 3
       */
      maxAttempts?: number;
      /** @description Delay before retry n: min(maxSeconds, initialSeconds × factor^(n-1)) */
      retryBackoff?: components['schemas']['RetryBackoffDto'];
      /** @description task: a shared rate limit (POST /rate-limits) its tasks take tokens from when claimed: its key, or {key, units} with units a JSON path to a positive number in the task input (default 1 unit). Its tasks wait queued while the bucket lacks the units, or while no rate limit of that key exists. */
      rateLimit?:
        | string
        | {
            /** @example openai */
            key: string;
            /** @example $.input.tokens */
            units?: string;
          };
      /**
       * @description task: how its tasks reach agents. fifo: whoever claims first. outcome: when agents with the skill are waiting, one drawn by Thompson sampling over each one's recent outcomes for the skill is offered the task first, for the tenant's reservationMs. Absent: the definition's routing (default fifo).
       * @enum {string}
       */
      routing?: 'fifo' | 'outcome';
    };
    OnFinishDto: {
      /**
       * @description task: an agent does it; wait: a signal or an event; approval: a person (or key) decides; sleep: time passes; github: the service comments or sets a commit status. Only task steps occupy an agent.
       * @default task
       * @enum {string}
       */
      kind?: 'task' | 'wait' | 'approval' | 'sleep' | 'github';
      /**
       * @description github: `comment` on an issue or pull request, or a commit `status`
       * @enum {string}
       */
      action?: 'comment' | 'status';
      /**
       * @description github comment: the body, a template: {{run.id}}, {{run.status}}, {{input.<path>}}, {{steps.<key>.output.<path>}} (input values Markdown-escaped); capped at 65,536 characters
       * @example {{steps.review.output.text}}
       */
      body?: string;
      /**
       * @description github: `owner/name` or a JSON path; default: the repository of the event that started the run
       * @example $.input.payload.repository.full_name
       */
      repo?: string;
      /**
       * @description github comment: an issue or pull request number or a JSON path; default: `issue.number` or `pull_request.number` of the event
       * @example $.input.payload.issue.number
       */
      issue?: number | string;
      /**
       * @description github status: the state; default `pending` in a run, the outcome in `onFinish`
       * @enum {string}
       */
      state?: 'error' | 'failure' | 'pending' | 'success';
      /**
       * @description github status: its context
       * @example agentmesh/review
       */
      context?: string;
      /**
       * @description github status: a commit sha or a JSON path; default: the pull request head of the event
       * @example $.input.payload.pull_request.head.sha
       */
      sha?: string;
      /** @description github status: the link shown with it; default: the run in the console */
      targetUrl?: string;
      /** @description approval: what is to be approved; github status: the description template (rendered text capped at 140 characters) */
      description?: string;
      /**
       * @description task: fan out: one task per element (at most 1000) of the array at this JSON path, read when the step becomes ready: $.input... or $.steps.<dependency>.output...; each task gets {input, dependencies, item, index}; the step's output is the array of their outputs
       * @example $.steps.plan.output.items
       */
      forEach?: string;
      /**
       * @description task (3), github (5)
       * @default 3
       */
      maxAttempts?: number;
      /** @description Delay before retry n: min(maxSeconds, initialSeconds × factor^(n-1)) */
      retryBackoff?: components['schemas']['RetryBackoffDto'];
      /** @description task: a shared rate limit (POST /rate-limits) its tasks take tokens from when claimed: its key, or {key, units} with units a JSON path to a positive number in the task input (default 1 unit). Its tasks wait queued while the bucket lacks the units, or while no rate limit of that key exists. */
      rateLimit?:
        | string
        | {
            /** @example openai */
            key: string;
            /** @example $.input.tokens */
            units?: string;
          };
    };
    CreateDefinitionDto: {
      /** @example sdlc */
      key: string;
      /** @example Scaffold, validate, deploy */
      name?: string;
      steps: components['schemas']['StepDto'][];
      /**
       * @description The routing of its task steps that do not name one (stored on each step: `outcome` appears on the steps it applies to)
       * @default fifo
       * @enum {string}
       */
      routing?: 'fifo' | 'outcome';
      /**
       * @description A github step run when a run finishes (succeeded, failed or cancelled), so it always reports
       * @example {
       *       "kind": "github",
       *       "action": "status",
       *       "context": "agentmesh/review"
       *     }
       */
      onFinish?: components['schemas']['OnFinishDto'];
      /** @description Inbound events that start a run */
      triggers?: components['schemas']['TriggerDto'][];
      /** @description A concurrency key: at most `limit` runs per key value at once */
      concurrency?: components['schemas']['ConcurrencyDto'];
    };
    DispatchStateDto: {
      key: string;
      /** @description true: queued tasks of its runs are not claimed */
      paused: boolean;
      /** Format: date-time */
      pausedAt?: string | null;
    };
    RunErrorDto: {
      /** @description failed, timed_out */
      stepKey?: string;
      /**
       * Format: uuid
       * @description failed, timed_out
       */
      taskId?: string;
      /** @description failed, timed_out */
      attempt?: number;
      /** @enum {string} */
      reason: 'failed' | 'timed_out' | 'concurrency';
      message: string;
      code?: string;
      /** @description A fan-out step: the element that ran out of attempts */
      elementIndex?: number;
      /** @description concurrency: the key value */
      key?: Record<string, never>;
      /** @enum {string} */
      strategy?: 'cancel-newest' | 'cancel-in-progress';
      /**
       * Format: uuid
       * @description concurrency (cancel-in-progress): the newer run that took its slot
       */
      cancelledBy?: string;
    };
    UsageTotalsDto: {
      inputTokens: number;
      outputTokens: number;
      /** @description US dollars (0 when no report gave a cost) */
      costUsd: number;
      /** @description How many reports were summed */
      reports: number;
    };
    BudgetDto: {
      /** @description Input + output tokens the run may use */
      tokens?: number;
      /** @description US dollars the run may cost */
      costUsd?: number;
      /** @description Seconds the run may be running (from its first claim), checked every second */
      wallSeconds?: number;
    };
    TaskErrorDto: {
      message: string;
      code?: string;
    };
    TaskViewDto: {
      /** Format: uuid */
      id: string;
      /** @enum {string} */
      status:
        | 'queued'
        | 'held'
        | 'claimed'
        | 'waiting'
        | 'succeeded'
        | 'failed'
        | 'cancelled'
        | 'timed_out';
      attempt: number;
      maxAttempts: number;
      agentId?: string | null;
      input: {
        [key: string]: unknown;
      };
      output?:
        | (
            | {
                [key: string]: unknown;
              }
            | unknown[]
            | string
            | number
            | boolean
          )
        | null;
      error?: components['schemas']['TaskErrorDto'] | null;
      /** Format: date-time */
      availableAt: string;
      /** Format: date-time */
      leaseExpiresAt?: string | null;
      /** Format: date-time */
      claimedAt?: string | null;
      /** Format: date-time */
      finishedAt?: string | null;
      /** @description What its holders reported, summed over its attempts; null: nothing reported */
      usage?: components['schemas']['UsageTotalsDto'] | null;
    };
    FanOutTaskViewDto: {
      /** Format: uuid */
      id: string;
      /** @enum {string} */
      status:
        | 'queued'
        | 'held'
        | 'claimed'
        | 'waiting'
        | 'succeeded'
        | 'failed'
        | 'cancelled'
        | 'timed_out';
      attempt: number;
      maxAttempts: number;
      agentId?: string | null;
      /** @description {item, index}: the element's own part of its input (the rest is its step's input, on the step's task; GET /tasks/{id} shows it whole) */
      input: {
        [key: string]: unknown;
      };
      output?:
        | (
            | {
                [key: string]: unknown;
              }
            | unknown[]
            | string
            | number
            | boolean
          )
        | null;
      error?: components['schemas']['TaskErrorDto'] | null;
      /** Format: date-time */
      availableAt: string;
      /** Format: date-time */
      leaseExpiresAt?: string | null;
      /** Format: date-time */
      claimedAt?: string | null;
      /** Format: date-time */
      finishedAt?: string | null;
      /** @description What its holders reported, summed over its attempts; null: nothing reported */
      usage?: components['schemas']['UsageTotalsDto'] | null;
      /** @description The element's index in the forEach array */
      index: number;
    };
    FanOutViewDto: {
      /** @example $.steps.plan.output.items */
      forEach: string;
      /** @description How many elements the forEach resolved to (null: it did not resolve to an array) */
      elements?: number | null;
      /** @description Elements waiting to be claimed (or for their retry backoff) */
      queued: number;
      /** @description Elements an agent holds now */
      running: number;
      succeeded: number;
      /** @description Elements that ran out of attempts (failed or timed out) */
      failed: number;
      cancelled: number;
      /** @description At most 20 element tasks: failed first, then running, queued, cancelled, succeeded, each by index; GET /workflows/{id}/steps/{stepKey}/elements pages through all of them */
      tasks: components['schemas']['FanOutTaskViewDto'][];
    };
    RunStepDto: {
      key: string;
      /**
       * @description Absent: task
       * @enum {string}
       */
      kind?: 'task' | 'wait' | 'approval' | 'sleep' | 'github';
      /** @description The task's skill; '' for steps of other kinds */
      skill: string;
      signal?: string;
      event?: components['schemas']['WaitEventDto'];
      /** @enum {string} */
      onTimeout?: 'fail' | 'succeed';
      approvers?: string[];
      description?: string;
      seconds?: number;
      until?: string;
      /** @description task: the array it fans out over */
      forEach?: string;
      /** @enum {string} */
      action?: 'comment' | 'status';
      body?: string;
      repo?: string;
      issue?: number | string;
      /** @enum {string} */
      state?: 'error' | 'failure' | 'pending' | 'success';
      context?: string;
      sha?: string;
      targetUrl?: string;
      dependsOn: string[];
      timeoutSeconds?: number | null;
      maxAttempts: number;
      retryBackoff: components['schemas']['RetryBackoffDto'];
      /** @description task: the shared rate limit its claims take tokens from */
      rateLimit?: {
        key?: string;
        units?: string;
      };
      /**
       * @description task: absent for fifo routing
       * @enum {string}
       */
      routing?: 'outcome';
      /**
       * @description pending: waiting for its dependencies; waiting: a wait, approval or sleep under way, or a fan-out's elements running; else its task status
       * @enum {string}
       */
      status:
        | 'pending'
        | 'queued'
        | 'held'
        | 'claimed'
        | 'waiting'
        | 'succeeded'
        | 'failed'
        | 'cancelled'
        | 'timed_out';
      /** @description While waiting: {signal?, event?: {type, match}, onTimeout} (wait), {approval, approvers, description?} (approval) or {sleep: {seconds} | {until}} (sleep); else null */
      waitingFor?: {
        [key: string]: unknown;
      } | null;
      /**
       * Format: date-time
       * @description While waiting: when it times out or its sleep ends (null: no deadline)
       */
      deadline?: string | null;
      /** @description The step's task (a fan-out: its own row, whose output is the array) */
      task?: components['schemas']['TaskViewDto'] | null;
      /** @description A forEach step once ready: its elements; else null */
      fanOut?: components['schemas']['FanOutViewDto'] | null;
    };
    RunWaitingDto: {
      /**
       * @description budget: its usage passed its budget (exceeded: the limits passed; POST /workflows/{id}/budget raises it); schedule: a delayed start (until); concurrency: a slot of its concurrency key (key, limit, ahead, since); paused: its definition is paused (since); rate_limit: a ready task (stepKey) waits for units of a rate limit (until they are back, a claim may take them first; defined false: no rate limit of that key exists)
       * @enum {string}
       */
      reason: 'schedule' | 'concurrency' | 'paused' | 'rate_limit' | 'budget';
      /** @description budget: the limits its usage passed */
      exceeded?: ('tokens' | 'costUsd' | 'wallSeconds')[];
      /** Format: date-time */
      until?: string;
      /**
       * Format: date-time
       * @description paused: since the pause; concurrency: since it joined the queue
       */
      since?: string;
      /** @description concurrency: the key value the run waits for (any JSON value; null: absent) */
      key?: Record<string, never>;
      /** @description concurrency: runs of that key value allowed at once */
      limit?: number;
      /** @description concurrency: runs of that key value queued before it */
      ahead?: number;
      /** @description rate_limit: its key */
      rateLimit?: string;
      /** @description rate_limit: the step whose task waits */
      stepKey?: string;
      /** @description rate_limit: the units the task takes */
      units?: number;
      /** @description rate_limit: false when no rate limit of that key exists */
      defined?: boolean;
    };
    RunDetailDto: {
      /** Format: uuid */
      id: string;
      type: string;
      definitionKey?: string | null;
      definitionVersion?: number | null;
      /** @enum {string} */
      status:
        | 'scheduled'
        | 'pending'
        | 'running'
        | 'budget_exceeded'
        | 'succeeded'
        | 'failed'
        | 'cancelled';
      priority: number;
      input?: {
        [key: string]: unknown;
      } | null;
      /** @description Step key → output, once succeeded */
      output?: {
        [key: string]: unknown;
      } | null;
      error?: components['schemas']['RunErrorDto'] | null;
      /** Format: date-time */
      createdAt: string;
      /**
       * Format: date-time
       * @description The delayed start asked for, if any
       */
      startAt?: string | null;
      /** Format: date-time */
      startedAt?: string | null;
      /** Format: date-time */
      finishedAt?: string | null;
      /** @description What its agents reported, summed over its tasks; null: nothing reported */
      usage?: components['schemas']['UsageTotalsDto'] | null;
      /** @description Its limits (null: none); budget_exceeded once its usage passes one */
      budget?: components['schemas']['BudgetDto'] | null;
      steps: components['schemas']['RunStepDto'][];
      /** @description Why the run waits (null when it does not) */
      waiting?: components['schemas']['RunWaitingDto'] | null;
      /** @description The definition's onFinish github step (key `onFinish`): pending until the run finishes; null when there is none */
      onFinish?: components['schemas']['RunStepDto'] | null;
    };
    CreateRunDto: {
      /**
       * @description Start from this definition…
       * @example sdlc
       */
      definitionKey?: string;
      /** @description …at this version (latest when absent) */
      definitionVersion?: number;
      /** @description Inline run: its type (instead of definitionKey) */
      type?: string;
      /** @description Inline run: its steps */
      steps?: components['schemas']['StepDto'][];
      /** @description Run input */
      input?: {
        [key: string]: unknown;
      };
      /**
       * @description Higher first
       * @default 0
       */
      priority?: number;
      /**
       * Format: date-time
       * @description Delayed start: the run waits `scheduled` (no task claimable) until then; a time past starts now
       */
      startAt?: string;
      /** @description Limits on the usage agents report for the run and on its running time: once passed, the run is budget_exceeded and no new task is dispatched until the budget is raised */
      budget?: components['schemas']['BudgetDto'];
    };
    CancelledRunsDto: {
      /** @description How many runs were cancelled */
      cancelled: number;
    };
    CancelRunsDto: {
      /** @description Runs of this definition key (or inline type) */
      definitionKey?: string;
      /**
       * @description Runs in this status (else any unfinished)
       * @enum {string}
       */
      status?: 'scheduled' | 'pending' | 'running' | 'budget_exceeded';
      /**
       * Format: date-time
       * @description Runs created before this time
       */
      createdBefore?: string;
    };
    RunDto: {
      /** Format: uuid */
      id: string;
      type: string;
      definitionKey?: string | null;
      definitionVersion?: number | null;
      /** @enum {string} */
      status:
        | 'scheduled'
        | 'pending'
        | 'running'
        | 'budget_exceeded'
        | 'succeeded'
        | 'failed'
        | 'cancelled';
      priority: number;
      input?: {
        [key: string]: unknown;
      } | null;
      /** @description Step key → output, once succeeded */
      output?: {
        [key: string]: unknown;
      } | null;
      error?: components['schemas']['RunErrorDto'] | null;
      /** Format: date-time */
      createdAt: string;
      /**
       * Format: date-time
       * @description The delayed start asked for, if any
       */
      startAt?: string | null;
      /** Format: date-time */
      startedAt?: string | null;
      /** Format: date-time */
      finishedAt?: string | null;
      /** @description What its agents reported, summed over its tasks; null: nothing reported */
      usage?: components['schemas']['UsageTotalsDto'] | null;
      /** @description Its limits (null: none); budget_exceeded once its usage passes one */
      budget?: components['schemas']['BudgetDto'] | null;
    };
    RunSummaryDto: {
      /**
       * Format: date-time
       * @description Start of the window (in UTC)
       */
      since: string;
      /**
       * Format: date-time
       * @description End of the window: when it was counted
       */
      asOf: string;
      /** @description Runs created in the window */
      created: number;
      /** @description Runs created in the window, by their status now (every status, 0 included) */
      createdByStatus?: {
        scheduled: number;
        pending: number;
        running: number;
        budget_exceeded: number;
        succeeded: number;
        failed: number;
        cancelled: number;
      };
      /** @description Runs that finished in the window (whenever they were created) */
      finished: number;
      /** @description Runs that finished in the window, by outcome */
      finishedByStatus?: {
        succeeded: number;
        failed: number;
        cancelled: number;
      };
    };
    WorkflowEventDto: {
      /** Format: uuid */
      id: string;
      /**
       * @description workflow.*, task.*, or schedule.fired (the schedule tick that started the run)
       * @example task.succeeded
       */
      type: string;
      /** Format: date-time */
      occurredAt: string;
      /** @description task.*: {taskId, workflowId, stepKey, skill, agentId, attempt, durationMs, error?}; workflow.*: {workflowId, type, definitionVersion, status, startAt?, output?, error?} (workflow.activated: a delayed start came; workflow.retried: a failed run runs again); schedule.fired: {key, definitionKey, tickAt, firedAt, outcome, workflowId, nextFireAt} */
      data: {
        [key: string]: unknown;
      };
      correlationId?: string | null;
    };
    SignalResultDto: {
      /** Format: uuid */
      workflowId: string;
      signalId: string;
      name: string;
      /** @description Step keys it completed; empty: kept until a step starts waiting for it */
      consumedBy: string[];
      /** @description true: a repeat of a signalId already received; nothing changed */
      duplicate: boolean;
      /** Format: date-time */
      receivedAt: string;
    };
    SignalDto: {
      /**
       * @description Completes the steps waiting for it
       * @example deploy-approved
       */
      name: string;
      /** @description Any JSON value: the waiting steps' output */
      payload?:
        | (
            | {
                [key: string]: unknown;
              }
            | unknown[]
            | string
            | number
            | boolean
          )
        | null;
      /**
       * @description Your id for this signal: a repeat is answered as the first (generated if absent)
       * @example build-4711-done
       */
      signalId?: string;
    };
    ApproveDto: {
      comment?: string;
    };
    RejectDto: {
      /** @description Why: the step’s error message */
      comment: string;
    };
    TaskAttemptDto: {
      /** @example 1 */
      attempt: number;
      /**
       * @description claimed while it runs; else how it ended
       * @enum {string}
       */
      status: 'claimed' | 'succeeded' | 'failed' | 'timed_out' | 'cancelled';
      agentId?: string | null;
      /** Format: date-time */
      claimedAt?: string | null;
      /** Format: date-time */
      finishedAt?: string | null;
      durationMs?: number | null;
      error?: components['schemas']['TaskErrorDto'] | null;
    };
    TaskDetailDto: {
      /** Format: uuid */
      id: string;
      /** @enum {string} */
      status:
        | 'queued'
        | 'held'
        | 'claimed'
        | 'waiting'
        | 'succeeded'
        | 'failed'
        | 'cancelled'
        | 'timed_out';
      attempt: number;
      maxAttempts: number;
      agentId?: string | null;
      input: {
        [key: string]: unknown;
      };
      output?:
        | (
            | {
                [key: string]: unknown;
              }
            | unknown[]
            | string
            | number
            | boolean
          )
        | null;
      error?: components['schemas']['TaskErrorDto'] | null;
      /** Format: date-time */
      availableAt: string;
      /** Format: date-time */
      leaseExpiresAt?: string | null;
      /** Format: date-time */
      claimedAt?: string | null;
      /** Format: date-time */
      finishedAt?: string | null;
      /** @description What its holders reported, summed over its attempts; null: nothing reported */
      usage?: components['schemas']['UsageTotalsDto'] | null;
      /** Format: uuid */
      workflowId: string;
      stepKey: string;
      skill: string;
      /** @description Oldest first */
      attempts: components['schemas']['TaskAttemptDto'][];
      /**
       * Format: date-time
       * @description When a retry of its run replaced it with a new task for its step (kept as it ended, no longer part of the run); null for a task of the run as it is
       */
      retiredAt: string | null;
    };
    AgentTaskDto: {
      /** Format: uuid */
      id: string;
      /** @enum {string} */
      status:
        | 'queued'
        | 'held'
        | 'claimed'
        | 'waiting'
        | 'succeeded'
        | 'failed'
        | 'cancelled'
        | 'timed_out';
      attempt: number;
      maxAttempts: number;
      agentId?: string | null;
      input: {
        [key: string]: unknown;
      };
      output?:
        | (
            | {
                [key: string]: unknown;
              }
            | unknown[]
            | string
            | number
            | boolean
          )
        | null;
      error?: components['schemas']['TaskErrorDto'] | null;
      /** Format: date-time */
      availableAt: string;
      /** Format: date-time */
      leaseExpiresAt?: string | null;
      /** Format: date-time */
      claimedAt?: string | null;
      /** Format: date-time */
      finishedAt?: string | null;
      /** @description What its holders reported, summed over its attempts; null: nothing reported */
      usage?: components['schemas']['UsageTotalsDto'] | null;
      /** Format: uuid */
      workflowId: string;
      stepKey: string;
      skill: string;
    };
    ClaimedTaskDto: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      workflowId: string;
      stepKey: string;
      skill: string;
      /** @description {input: <run input>, dependencies: {<stepKey>: <output>}} */
      input: {
        [key: string]: unknown;
      };
      attempt: number;
      leaseToken: string;
      /** Format: date-time */
      leaseExpiresAt: string;
      /**
       * @description The lease's length in seconds (TASK_LEASE_SECONDS), what a heartbeat extends it to: time renewals from it (every third, say) rather than from leaseExpiresAt against the agent's own clock, which may be off.
       * @example 30
       */
      leaseSeconds: number;
      /**
       * @description W3C traceparent of this attempt's `invoke_agent` span, in the trace of the run that queued the task. Present when the service exports traces: send it as the `traceparent` header of the task's heartbeat, complete and fail calls, and continue it in the agent's own spans.
       * @example 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
       */
      traceparent?: string;
    };
    ClaimResultDto: {
      tasks: components['schemas']['ClaimedTaskDto'][];
    };
    ClaimDto: {
      /** @default 1 */
      max?: number;
      /**
       * @description Long-poll: wait up to this long for work
       * @default 0
       */
      waitSeconds?: number;
      /**
       * Format: uuid
       * @description Names this claim, so that it can be sent again when its answer is lost (a connection error): the claim sent again with the same claimId answers the tasks the first one leased, with their leases, while the agent still holds them, and claims anew only when it holds none of them. A new one for each claim.
       */
      claimId?: string;
    };
    LeaseStateDto: {
      /** Format: uuid */
      id: string;
      /** Format: date-time */
      leaseExpiresAt: string;
    };
    LeaseDto: {
      /** @description The leaseToken from the claim */
      leaseToken: string;
    };
    ProgressStateDto: {
      /** Format: uuid */
      id: string;
      /** Format: date-time */
      leaseExpiresAt: string;
      /** @description true: written to the history now; false: kept as the latest report, written within PROGRESS_INTERVAL_MS (reports are coalesced per task) */
      emitted: boolean;
    };
    UsageDto: {
      /**
       * @description Prompt tokens (an integer)
       * @example 1200
       */
      inputTokens: number;
      /**
       * @description Completion tokens (an integer)
       * @example 350
       */
      outputTokens: number;
      /**
       * @description Cost in US dollars
       * @example 0.0042
       */
      costUsd?: number;
      /** @example gpt-4.1-mini */
      model?: string;
    };
    ProgressDto: {
      /** @description The leaseToken from the claim */
      leaseToken: string;
      /** @example Summarising chapter 3 of 12 */
      message?: string;
      /** @example 25 */
      percent?: number;
      /** @description Any JSON object (at most 16 KiB serialised): partial output, counters */
      data?: {
        [key: string]: unknown;
      };
      /** @description Usage since the last report (each report is added, not a running total): counted at once, for the budget too */
      usage?: components['schemas']['UsageDto'];
    };
    AttemptResultDto: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      workflowId: string;
      stepKey: string;
      /** @description The attempt reported on */
      attempt: number;
      /** @enum {string} */
      status: 'succeeded' | 'failed';
      /** @description true: queued again for attempt + 1 after its backoff */
      willRetry: boolean;
    };
    CompleteAndClaimResultDto: {
      task: components['schemas']['AttemptResultDto'];
      next: components['schemas']['ClaimResultDto'];
    };
    ClaimNextDto: {
      /** @default 1 */
      max?: number;
      /**
       * @description Long-poll: wait up to this long for work
       * @default 0
       */
      waitSeconds?: number;
    };
    CompleteDto: {
      /** @description The leaseToken from the claim */
      leaseToken: string;
      /** @description Any JSON value; passed to dependent steps */
      output?:
        | (
            | {
                [key: string]: unknown;
              }
            | unknown[]
            | string
            | number
            | boolean
          )
        | null;
      /** @description Also claim the next tasks for the agent that held this one, once the completion has committed: the answer is then {task, next: {tasks}}, one request per task in steady state. Long-polls up to waitSeconds when none is queued. */
      claimNext?: components['schemas']['ClaimNextDto'];
      /** @description What this attempt used (or its part since its last progress report): summed into the task's, the run's and the tenant's usage; may stop the run when it passes its budget */
      usage?: components['schemas']['UsageDto'];
    };
    FailDto: {
      /** @description The leaseToken from the claim */
      leaseToken: string;
      error: components['schemas']['TaskErrorDto'];
      /**
       * @description false: no retry, the run fails
       * @default true
       */
      retryable?: boolean;
    };
    SkillSummaryDto: {
      /** @example write */
      skill: string;
      /** @description Agents with this skill that can claim now (online or degraded) */
      agentsOnline: number;
      /** @description Agents registered with this skill, whatever their status */
      agentsTotal: number;
      /** @description Queued tasks of this skill (claimable now or after a backoff) */
      queuedTasks: number;
      /** @description Seconds the oldest claimable queued task has waited; null when none is */
      oldestQueuedAgeSeconds?: number | null;
    };
    RateLimitDto: {
      key: string;
      perMinute: number;
      burst: number;
      /** @description Units in the bucket now (claims take them; time refills them) */
      tokens: number;
      /** @description Ready queued tasks of steps naming it (held back while it lacks their units) */
      queued: number;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    CreateRateLimitDto: {
      /**
       * @description Named by steps as `rateLimit`
       * @example openai
       */
      key: string;
      /**
       * @description Units refilled per minute, spread evenly (60: one a second); a whole burst must refill within ten years (burst / perMinute <= 5,259,600)
       * @example 60
       */
      perMinute: number;
      /** @description Bucket size: the most units claimable at once after an idle spell; default perMinute */
      burst?: number;
    };
    UpdateRateLimitDto: {
      /**
       * @description Units refilled per minute, spread evenly (60: one a second); a whole burst must refill within ten years (burst / perMinute <= 5,259,600)
       * @example 60
       */
      perMinute?: number;
      /** @description Bucket size: the most units claimable at once after an idle spell */
      burst?: number;
    };
    UsageGroupDto: {
      inputTokens: number;
      outputTokens: number;
      /** @description US dollars (0 when no report gave a cost) */
      costUsd: number;
      /** @description How many reports were summed */
      reports: number;
      /** @description The group: a UTC date (YYYY-MM-DD), a definition key, an agent id, a skill or a model; null: reports that named no model (groupBy=model) */
      key?: string | null;
      /** @description inputTokens + outputTokens */
      tokens: number;
    };
    ReceiptDefinitionDto: {
      key: string;
      /** @description null for an inline run */
      version: number | null;
      /** @description sha256 (hex) of the canonical JSON of the stored definition version (an inline run: {key, steps}) */
      contentHash: string;
    };
    ReceiptStepDto: {
      key: string;
      /** @example task */
      kind: string;
      /** @description The step's status at the run's end; `not_started` without a task */
      status: string;
      /** @description Its task's id (and its fan-out elements') */
      taskIds: string[];
      /** @description Agents whose claims the audit recorded, sorted */
      agentIds: string[];
      /** @description Claims recorded: one per attempt an agent took */
      attempts: number;
      /** @description Its first audit entry's time */
      startedAt: string | null;
      /** @description Its last audit entry's time */
      finishedAt: string | null;
    };
    ReceiptAuditDto: {
      /** @description Seq of the run's first sealed entry (its own or its tasks') */
      fromSeq: string;
      /** @description Seq of the run's last sealed entry */
      toSeq: string;
      /** @description How many of the run's entries lie in fromSeq..toSeq */
      entries: number;
      /** @description The chain position the receipt covers (its toSeq) */
      headSeq: string;
      /** @description The chain hash at headSeq: it commits to every entry before it */
      headHash: string;
    };
    RunReceiptDto: {
      /** @example 1 */
      receiptVersion: number;
      tenantId: string;
      /** Format: uuid */
      workflowId: string;
      /** @enum {string} */
      status: 'succeeded' | 'failed' | 'cancelled';
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      startedAt: string | null;
      /** Format: date-time */
      finishedAt: string;
      definition: components['schemas']['ReceiptDefinitionDto'];
      /** @description sha256 (hex) of the canonical JSON of the run input (null: of null) */
      inputHash: string;
      /** @description sha256 (hex) of the canonical JSON of the run output (null: of null) */
      outputHash: string;
      /** @description What the run's agents reported using, summed (null: nothing was reported) */
      usage: {
        inputTokens?: number;
        outputTokens?: number;
        costUsd?: number;
        reports?: number;
      } | null;
      steps: components['schemas']['ReceiptStepDto'][];
      audit: components['schemas']['ReceiptAuditDto'];
      /** Format: date-time */
      issuedAt: string;
    };
    SignedReceiptDto: {
      receipt: components['schemas']['RunReceiptDto'];
      /** @description Ed25519 over the RFC 8785 canonical JSON of `receipt`, base64 */
      signature: string;
      /** @description First 16 hex digits of the SHA-256 of the public key */
      keyId: string;
      /** @description The raw Ed25519 public key, base64 (pin it to verify offline) */
      publicKey: string;
      /** @description sha256 (hex) of the canonical JSON of `receipt`; webhooks carry it */
      receiptHash: string;
    };
    ScheduleDetailDto: {
      key: string;
      definitionKey: string;
      cron: string;
      timezone: string;
      input?: {
        [key: string]: unknown;
      } | null;
      /** @enum {string} */
      overlap: 'skip' | 'allow' | 'cancel-previous';
      /** @description false: paused, no tick fires */
      enabled: boolean;
      /**
       * Format: date-time
       * @description The next tick (null while paused)
       */
      nextFireAt?: string | null;
      /** Format: date-time */
      lastFiredAt?: string | null;
      /** Format: uuid */
      lastRunId?: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      /** @description The next five fire times, from `nextFireAt` (a due tick not fired yet fires once; the rest from now on); empty while paused */
      nextFireTimes: string[];
    };
    CreateScheduleDto: {
      /** @example nightly-report */
      key: string;
      /**
       * @description Definition whose latest version each tick starts
       * @example sdlc
       */
      definitionKey: string;
      /**
       * @description Five fields (minute hour day-of-month month day-of-week), six (seconds first), seven (seconds first, a year last) or a nickname (`@daily`), read in `timezone`; DST-correct: a fixed time repeated by a fall-back fires once, an interval keeps its spacing
       * @example 0 9 * * 1-5
       */
      cron: string;
      /**
       * @description IANA time zone
       * @default UTC
       * @example Europe/Paris
       */
      timezone?: string;
      /** @description Run input */
      input?: {
        [key: string]: unknown;
      };
      /**
       * @description When the schedule's previous run has not finished at a tick: skip the tick, allow another run, or cancel the previous run and start
       * @default skip
       * @enum {string}
       */
      overlap?: 'skip' | 'allow' | 'cancel-previous';
      /**
       * @description false: created paused
       * @default true
       */
      enabled?: boolean;
    };
    ScheduleDto: {
      key: string;
      definitionKey: string;
      cron: string;
      timezone: string;
      input?: {
        [key: string]: unknown;
      } | null;
      /** @enum {string} */
      overlap: 'skip' | 'allow' | 'cancel-previous';
      /** @description false: paused, no tick fires */
      enabled: boolean;
      /**
       * Format: date-time
       * @description The next tick (null while paused)
       */
      nextFireAt?: string | null;
      /** Format: date-time */
      lastFiredAt?: string | null;
      /** Format: uuid */
      lastRunId?: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    UpdateScheduleDto: {
      /** @example sdlc */
      definitionKey?: string;
      /**
       * @description Five fields (minute hour day-of-month month day-of-week), six (seconds first), seven (seconds first, a year last) or a nickname (`@daily`), read in `timezone`; DST-correct: a fixed time repeated by a fall-back fires once, an interval keeps its spacing
       * @example 0 9 * * 1-5
       */
      cron?: string;
      /** @example Europe/Paris */
      timezone?: string;
      input?: {
        [key: string]: unknown;
      } | null;
      /**
       * @description When the schedule's previous run has not finished at a tick: skip the tick, allow another run, or cancel the previous run and start
       * @enum {string}
       */
      overlap?: 'skip' | 'allow' | 'cancel-previous';
      enabled?: boolean;
    };
    BreakerDto: {
      /** @enum {string} */
      state: 'closed' | 'open' | 'half_open';
      consecutiveFailures: number;
      /** Format: date-time */
      failingSince?: string | null;
      /** Format: date-time */
      openUntil?: string | null;
    };
    EndpointWithSecretDto: {
      /** Format: uuid */
      id: string;
      url: string;
      description?: string | null;
      eventTypes: string[];
      enabled: boolean;
      /** @enum {string|null} */
      disabledReason?: 'manual' | 'gone' | 'failing' | null;
      /**
       * Format: date-time
       * @description Until then the secret before the last rotation still signs
       */
      previousSecretExpiresAt?: string | null;
      /** @description When each secret retired before that one stops signing (a rotation within the overlap keeps them, ten secrets sign at most) */
      olderSecretsExpireAt: string[];
      breaker: components['schemas']['BreakerDto'];
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      /**
       * @description Shown on create and rotate only
       * @example whsec_…
       */
      secret: string;
    };
    CreateEndpointDto: {
      /** @example https://example.com/hooks/agentmesh */
      url: string;
      /**
       * @description Event types to receive: exact, `prefix.*`, or `*` for all (1-100 patterns); each must match at least one type of GET /event-types
       * @example [
       *       "workflow.*",
       *       "agent.offline"
       *     ]
       */
      eventTypes: string[];
      description?: string;
      /**
       * @description `whsec_` + base64 of 24-64 bytes; generated when absent
       * @example whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
       */
      secret?: string;
      /** @default true */
      enabled?: boolean;
    };
    EndpointDto: {
      /** Format: uuid */
      id: string;
      url: string;
      description?: string | null;
      eventTypes: string[];
      enabled: boolean;
      /** @enum {string|null} */
      disabledReason?: 'manual' | 'gone' | 'failing' | null;
      /**
       * Format: date-time
       * @description Until then the secret before the last rotation still signs
       */
      previousSecretExpiresAt?: string | null;
      /** @description When each secret retired before that one stops signing (a rotation within the overlap keeps them, ten secrets sign at most) */
      olderSecretsExpireAt: string[];
      breaker: components['schemas']['BreakerDto'];
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    UpdateEndpointDto: {
      url?: string;
      /**
       * @description Event types to receive: exact, `prefix.*`, or `*` for all (1-100 patterns); each must match at least one type of GET /event-types
       * @example [
       *       "workflow.*",
       *       "agent.offline"
       *     ]
       */
      eventTypes?: string[];
      description?: string | null;
      /** @description Enabling clears the failure count and the breaker */
      enabled?: boolean;
    };
    RotateSecretDto: {
      /** @description The new secret; generated when absent */
      secret?: string;
    };
    RecoverResultDto: {
      /** @description Deliveries queued again */
      requeued: number;
    };
    RecoverDto: {
      /**
       * Format: date-time
       * @description Requeue failed and dead deliveries created at or after this time (not in the future)
       */
      since: string;
      /**
       * Format: date-time
       * @description And created before this time (after `since`); absent: up to now
       */
      until?: string;
    };
    DeliveryDto: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      endpointId: string;
      /**
       * Format: uuid
       * @description Also the `webhook-id` header
       */
      eventId: string;
      eventType: string;
      /** @enum {string} */
      status: 'pending' | 'succeeded' | 'failed' | 'dead';
      attemptCount: number;
      /** Format: date-time */
      nextAttemptAt?: string | null;
      lastStatusCode?: number | null;
      lastError?: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      /** Format: date-time */
      succeededAt?: string | null;
    };
    DeliverySummaryDto: {
      /**
       * Format: date-time
       * @description Start of the window (in UTC)
       */
      since: string;
      /**
       * Format: date-time
       * @description End of the window: when it was counted
       */
      asOf: string;
      /** @description Deliveries created in the window */
      total: number;
      /** @description Deliveries created in the window, by their status now: succeeded (delivered), failed (an attempt failed, more are scheduled), dead (out of attempts), pending (not yet sent) */
      byStatus?: {
        pending: number;
        succeeded: number;
        failed: number;
        dead: number;
      };
    };
    AttemptDto: {
      /** Format: date-time */
      attemptedAt: string;
      statusCode?: number | null;
      durationMs: number;
      /** @description First 16 KiB of the response body */
      responseBody?: string | null;
      error?: string | null;
    };
    DeliveryDetailDto: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      endpointId: string;
      /**
       * Format: uuid
       * @description Also the `webhook-id` header
       */
      eventId: string;
      eventType: string;
      /** @enum {string} */
      status: 'pending' | 'succeeded' | 'failed' | 'dead';
      attemptCount: number;
      /** Format: date-time */
      nextAttemptAt?: string | null;
      lastStatusCode?: number | null;
      lastError?: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      /** Format: date-time */
      succeededAt?: string | null;
      /** @description The body sent: {type, timestamp, data} */
      payload: {
        [key: string]: unknown;
      };
      /** @description Every attempt, oldest first */
      attempts: components['schemas']['AttemptDto'][];
    };
    SendMessageRequestDto: {
      /** @description Ignored: the tenant is the API key’s */
      tenant?: string;
      /** @description A2A Message {messageId, role: "ROLE_USER", parts, metadata: {skillId}}: skillId is the workflow definition key; the input is the first data part’s data (an object), else the text parts as {text}. */
      message: {
        [key: string]: unknown;
      };
      /** @description SendMessageConfiguration; the task is always answered at once (submitted) */
      configuration?: {
        [key: string]: unknown;
      };
      /** @description Request metadata; skillId here when the message does not carry it */
      metadata?: {
        [key: string]: unknown;
      };
    };
    AuthenticationInfoDto: {
      /** @description HTTP authentication scheme, e.g. "Bearer" */
      scheme: string;
      /** @description Sent as "Authorization: <scheme> <credentials>"; never answered back */
      credentials?: string;
    };
    TaskPushNotificationConfigDto: {
      /** @description Ignored: the tenant is the API key’s */
      tenant?: string;
      /** @description The config id (1-64 of A-Z a-z 0-9 . _ ~ -); generated when absent. A config id the task already has replaces that config’s URL, token and authentication. */
      id?: string;
      /** @description Empty, or the task of the path */
      taskId?: string;
      /** @description Where the task’s updates are POSTed: http(s), checked as webhook endpoint URLs are (SSRF guard, WEBHOOK_ALLOWED_CIDRS) */
      url: string;
      /** @description Sent in the X-A2A-Notification-Token header of every notification */
      token?: string;
      authentication?: components['schemas']['AuthenticationInfoDto'];
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  HealthController_live: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
    };
  };
  HealthController_ready: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': unknown;
        };
      };
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AuditController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
        resourceType?: string;
        resourceId?: string;
        actorId?: string;
        action?: string;
        /** @description Inclusive lower bound, with its zone (`Z` or an offset); before `to` */
        from?: string;
        /** @description Exclusive upper bound, with its zone (`Z` or an offset) */
        to?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              entries?: components['schemas']['AuditEntryDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AuditController_verify: {
    parameters: {
      query?: {
        fromSeq?: number;
        /** @description Defaults to the head of the chain */
        toSeq?: number;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['VerifyResultDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AuditController_checkpoints: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              checkpoints?: components['schemas']['CheckpointDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AuditController_export: {
    parameters: {
      query?: {
        /** @description Platform admins: the whole chain, every tenant (verifiable with --complete) */
        all?: 'true' | 'false';
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One sealed entry a line (JSON), oldest first, as `audit:verify` reads them; a chain link whose entry was deleted is a line of `seq`, `prevHash`, `hash` and `missingEntry: true`, in every export */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/x-ndjson': string;
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  EventTypesController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              eventTypes?: components['schemas']['EventTypeDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  TenantsController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              tenants?: components['schemas']['TenantDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  TenantsController_create: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateTenantDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['TenantDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Idempotency-Key reused with a different body */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  ApiKeysController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              apiKeys?: components['schemas']['ApiKeyDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  ApiKeysController_create: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. The change is made once per key within 24 h: the secret it issues is shown once and never kept, so a repeat by the same API key with the same body is 409 idempotency-key-committed (list the keys, and revoke one whose secret never reached you); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateApiKeyDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['IssuedApiKeyDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Idempotency-Key reused with a different body */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  ApiKeysController_get: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['ApiKeyDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  ApiKeysController_revoke: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Revoked: no body */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  ApiKeysController_rotate: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. The change is made once per key within 24 h: the secret it issues is shown once and never kept, so a repeat by the same API key with the same body is 409 idempotency-key-committed (list the keys, and revoke one whose secret never reached you); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RotateApiKeyDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['IssuedApiKeyDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Idempotency-Key reused with a different body */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WhoAmIController_whoami: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['WhoAmIDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AgentsController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
        /** @description Skill id or name */
        skill?: string;
        tag?: string;
        status?: 'online' | 'degraded' | 'draining' | 'offline';
        /** @description Text in name or description */
        q?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              agents?: components['schemas']['AgentDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AgentsController_register: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RegisterAgentDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['AgentDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Idempotency-Key reused with a different body */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AgentsController_import: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ImportAgentDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['AgentDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Idempotency-Key reused with a different body */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AgentsController_leaderboard: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
        skill?: string;
        /** @description How far back outcomes count: hours (`24h`, or a bare number of hours) or days (`7d`); at most 90 days */
        window?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              leaderboard?: components['schemas']['LeaderboardEntryDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AgentsController_summary: {
    parameters: {
      query?: {
        /** @description Skills listed at most, those the most agents have first (skillCount counts all) */
        skills?: number;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['AgentSummaryDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AgentsController_get: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['AgentDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AgentsController_upsert: {
    parameters: {
      query?: never;
      header?: {
        /** @description ETag from a previous read: 412 if changed */
        'If-Match'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['AgentRegistrationDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['AgentDto'];
          };
        };
      };
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['AgentDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description If-Match does not match the current ETag */
      412: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AgentsController_deregister: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deregistered: no body */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AgentsController_heartbeat: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['HeartbeatDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['HeartbeatResultDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AgentsController_release: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ReleaseAgentDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['ReleasedDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description The key lacks the scope, or the address is not allowed
       *
       *     The key lacks the scope, or the address is not allowed
       */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Idempotency-Key reused with a different body */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  AgentsController_card: {
    parameters: {
      query?: {
        /** @description A2A version of the card: 1.0 (supportedInterfaces) or 0.3 (url, protocolVersion) */
        version?: '1.0' | '0.3';
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The AgentCard */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            name: string;
            description?: string;
            version?: string;
            skills: {
              [key: string]: unknown;
            }[];
          } & {
            [key: string]: unknown;
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  RoutingSettingsController_get: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RoutingSettingsDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  RoutingSettingsController_update: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['UpdateRoutingSettingsDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RoutingSettingsDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description The key lacks the scope, or the address is not allowed
       *
       *     The key lacks the scope, or the address is not allowed
       */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  HooksController_github: {
    parameters: {
      query?: never;
      header: {
        'X-GitHub-Event': string;
        /** @description deduplication key */
        'X-GitHub-Delivery': string;
        /** @description sha256=<hex HMAC> */
        'X-Hub-Signature-256': string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          [key: string]: unknown;
        };
      };
    };
    responses: {
      /** @description A repeat of a delivery already received */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['HookReceiptDto'];
          };
        };
      };
      /** @description Stored */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['HookReceiptDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  HooksController_standard: {
    parameters: {
      query?: never;
      header: {
        /** @description v1,<base64> ... */
        'webhook-signature': string;
        /** @description unix seconds */
        'webhook-timestamp': string;
        /** @description deduplication key */
        'webhook-id': string;
      };
      path: {
        sourceKey: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': {
          [key: string]: unknown;
        };
      };
    };
    responses: {
      /** @description A repeat of a delivery already received */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['HookReceiptDto'];
          };
        };
      };
      /** @description Stored */
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['HookReceiptDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  InboundAdminController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              sources?: components['schemas']['SourceDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  InboundAdminController_create: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateSourceDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['SourceWithSecretDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Idempotency-Key reused with a different body */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  InboundAdminController_get: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['SourceDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  InboundAdminController_remove: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted: no body */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  InboundAdminController_rotate: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RotateSourceSecretDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['SourceWithSecretDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  InboundAdminController_inbound: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
        /** @description `github` or a source key */
        source?: string;
        /** @description X-GitHub-Delivery or webhook-id */
        deliveryId?: string;
        status?: 'accepted' | 'rejected';
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              events?: components['schemas']['InboundEventDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  InboundAdminController_inboundOne: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['InboundEventDetailDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  DefinitionsController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              definitions?: components['schemas']['DefinitionDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  DefinitionsController_create: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateDefinitionDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['DefinitionDto'];
            /** @description Present when something was accepted that will probably not run as meant */
            warnings?: components['schemas']['WarningDto'][];
          };
        };
      };
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['DefinitionDto'];
            /** @description Present when something was accepted that will probably not run as meant */
            warnings?: components['schemas']['WarningDto'][];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Idempotency-Key reused with a different body
       *
       *     Idempotency-Key reused with a different body
       */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  DefinitionsController_get: {
    parameters: {
      query?: {
        /** @description A version; the latest when absent */
        version?: number;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['DefinitionDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  DefinitionsController_pause: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['DispatchStateDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  DefinitionsController_resume: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['DispatchStateDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WorkflowsController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
        status?:
          | 'scheduled'
          | 'pending'
          | 'running'
          | 'budget_exceeded'
          | 'succeeded'
          | 'failed'
          | 'cancelled';
        /** @description Definition key or inline type */
        type?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              workflows?: components['schemas']['RunDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WorkflowsController_start: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateRunDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RunDetailDto'];
            /** @description Present when something was accepted that will probably not run as meant */
            warnings?: components['schemas']['WarningDto'][];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Idempotency-Key reused with a different body
       *
       *     Idempotency-Key reused with a different body
       */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WorkflowsController_cancelMatching: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CancelRunsDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['CancelledRunsDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Idempotency-Key reused with a different body
       *
       *     Idempotency-Key reused with a different body
       */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WorkflowsController_summary: {
    parameters: {
      query: {
        /** @description Start of the window (ISO 8601 with Z or an offset; not in the future, at most 31 days ago). The window ends now. */
        since: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RunSummaryDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WorkflowsController_get: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RunDetailDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WorkflowsController_events: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              events?: components['schemas']['WorkflowEventDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WorkflowsController_elements: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
        /** @description Only elements in this status */
        status?:
          | 'queued'
          | 'held'
          | 'claimed'
          | 'waiting'
          | 'succeeded'
          | 'failed'
          | 'cancelled'
          | 'timed_out';
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
        stepKey: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              elements?: components['schemas']['FanOutTaskViewDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WorkflowsController_cancel: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RunDetailDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Idempotency-Key reused with a different body
       *
       *     Idempotency-Key reused with a different body
       */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WorkflowsController_budget: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['BudgetDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RunDetailDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Idempotency-Key reused with a different body
       *
       *     Idempotency-Key reused with a different body
       */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WorkflowsController_retry: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RunDetailDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Idempotency-Key reused with a different body
       *
       *     Idempotency-Key reused with a different body
       */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WaitsController_signal: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['SignalDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['SignalResultDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Idempotency-Key reused with a different body
       *
       *     Idempotency-Key reused with a different body
       */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WaitsController_approve: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
        stepKey: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ApproveDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RunDetailDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description The key lacks the scope, or the address is not allowed
       *
       *     The key lacks the scope, or the address is not allowed
       */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Idempotency-Key reused with a different body
       *
       *     Idempotency-Key reused with a different body
       */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WaitsController_reject: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
        stepKey: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RejectDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RunDetailDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description The key lacks the scope, or the address is not allowed
       *
       *     The key lacks the scope, or the address is not allowed
       */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Idempotency-Key reused with a different body
       *
       *     Idempotency-Key reused with a different body
       */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  TasksController_get: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['TaskDetailDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  TasksController_ofAgent: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
        /** @description Only tasks in this status */
        status?:
          | 'queued'
          | 'held'
          | 'claimed'
          | 'waiting'
          | 'succeeded'
          | 'failed'
          | 'cancelled'
          | 'timed_out';
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              tasks?: components['schemas']['AgentTaskDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  TasksController_claim: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ClaimDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['ClaimResultDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  TasksController_heartbeat: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['LeaseDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['LeaseStateDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  TasksController_progress: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ProgressDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['ProgressStateDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  TasksController_complete: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CompleteDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data:
              | components['schemas']['AttemptResultDto']
              | components['schemas']['CompleteAndClaimResultDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  TasksController_fail: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['FailDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['AttemptResultDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  SkillsController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              skills?: components['schemas']['SkillSummaryDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  RateLimitsController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              rateLimits?: components['schemas']['RateLimitDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  RateLimitsController_create: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateRateLimitDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RateLimitDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Idempotency-Key reused with a different body
       *
       *     Idempotency-Key reused with a different body
       */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  RateLimitsController_get: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RateLimitDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  RateLimitsController_delete: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted: no body */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  RateLimitsController_update: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['UpdateRateLimitDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RateLimitDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  UsageController_report: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
        /** @description From this time (inclusive); default: 30 days before `to` */
        from?: string;
        /** @description Until this time (exclusive); default: now */
        to?: string;
        /** @description day (UTC date), definition (key or inline type), agent, skill or model */
        groupBy?: 'day' | 'definition' | 'agent' | 'skill' | 'model';
        /** @description Only the usage of this run */
        workflowId?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              usage?: components['schemas']['UsageGroupDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  ReceiptsController_get: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['SignedReceiptDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  SchedulesController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              schedules?: components['schemas']['ScheduleDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  SchedulesController_create: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateScheduleDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['ScheduleDetailDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Idempotency-Key reused with a different body
       *
       *     Idempotency-Key reused with a different body
       */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  SchedulesController_get: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['ScheduleDetailDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  SchedulesController_delete: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted (its runs are not touched): no body */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  SchedulesController_update: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['UpdateScheduleDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['ScheduleDetailDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  SchedulesController_pause: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['ScheduleDetailDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  SchedulesController_resume: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['ScheduleDetailDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WebhookEndpointsController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              endpoints?: components['schemas']['EndpointDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WebhookEndpointsController_create: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateEndpointDto'];
      };
    };
    responses: {
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['EndpointWithSecretDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Idempotency-Key reused with a different body */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WebhookEndpointsController_get: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['EndpointDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WebhookEndpointsController_delete: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted: no body */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WebhookEndpointsController_update: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['UpdateEndpointDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['EndpointDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WebhookEndpointsController_rotate: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RotateSecretDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['EndpointWithSecretDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WebhookEndpointsController_recover: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['RecoverDto'];
      };
    };
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['RecoverResultDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WebhookDeliveriesController_list: {
    parameters: {
      query?: {
        limit?: number;
        /** @description Opaque cursor from meta.nextCursor of the previous page */
        cursor?: string;
        endpointId?: string;
        status?: 'pending' | 'succeeded' | 'failed' | 'dead';
        /** @description Exact event type */
        eventType?: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: {
              deliveries?: components['schemas']['DeliveryDto'][];
            };
            meta: {
              nextCursor?: string | null;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WebhookDeliveriesController_summary: {
    parameters: {
      query: {
        /** @description Start of the window (ISO 8601 with Z or an offset; not in the future, at most 31 days ago). The window ends now. */
        since: string;
      };
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['DeliverySummaryDto'];
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WebhookDeliveriesController_get: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['DeliveryDetailDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WebhookDeliveriesController_retry: {
    parameters: {
      query?: never;
      header?: {
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      202: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            data: components['schemas']['DeliveryDetailDto'];
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  StreamsController_runStream: {
    parameters: {
      query?: {
        /** @description Resume after this position (for clients that cannot send the Last-Event-ID header; the header wins when both are given) */
        lastEventId?: string;
      };
      header?: {
        /** @description Resume after this event (the `id:` of the last event received) */
        'Last-Event-ID'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description text/event-stream: one event per committed domain event (`id:` its position, `event:` its type, `data:` JSON {id, position, type, occurredAt, subject, data, correlationId}), in position order; `: keepalive` comments while idle. Resume after a dropped connection with the Last-Event-ID header: nothing is lost or repeated. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/event-stream': string;
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  StreamsController_tenantStream: {
    parameters: {
      query?: {
        /** @description Resume after this position (for clients that cannot send the Last-Event-ID header; the header wins when both are given) */
        lastEventId?: string;
        /** @description Comma-separated event type patterns: `*`, `a.b` or `a.*` (as for webhooks); all when unset */
        types?: string;
        /** @description Only this run's events */
        workflowId?: string;
      };
      header?: {
        /** @description Resume after this event (the `id:` of the last event received) */
        'Last-Event-ID'?: string;
        /** @description A platform admin's key acts in this tenant instead of its own (404 `tenant-not-found` when there is none); any other key naming a tenant not its own is refused (403). */
        'X-Tenant-Id'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description text/event-stream: one event per committed domain event (`id:` its position, `event:` its type, `data:` JSON {id, position, type, occurredAt, subject, data, correlationId}), in position order; `: keepalive` comments while idle. Resume after a dropped connection with the Last-Event-ID header: nothing is lost or repeated. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/event-stream': string;
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  A2aController_send: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['SendMessageRequestDto'];
      };
    };
    responses: {
      /** @description A SendMessageResponse: {task} */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description An A2A Task: a run of the workflow definition its message named */
            task: {
              /** @description The run id */
              id: string;
              contextId: string;
              status: {
                /** @enum {string} */
                state:
                  | 'TASK_STATE_SUBMITTED'
                  | 'TASK_STATE_WORKING'
                  | 'TASK_STATE_INPUT_REQUIRED'
                  | 'TASK_STATE_COMPLETED'
                  | 'TASK_STATE_FAILED'
                  | 'TASK_STATE_CANCELED';
                /** Format: date-time */
                timestamp: string;
                message?: {
                  messageId: string;
                  /** @description The task's contextId */
                  contextId?: string;
                  /** @description The task's id */
                  taskId?: string;
                  /** @enum {string} */
                  role: 'ROLE_USER' | 'ROLE_AGENT';
                  parts: {
                    text?: string;
                    data?: unknown;
                    mediaType?: string;
                  }[];
                };
              };
              /** @description The run output, once completed (ListTasks: with includeArtifacts=true) */
              artifacts?: {
                artifactId?: string;
                name?: string;
                parts?: {
                  text?: string;
                  data?: unknown;
                  mediaType?: string;
                }[];
              }[];
              metadata: {
                [key: string]: unknown;
              };
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Conflicts with the current state */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Idempotency-Key reused with a different body */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  A2aController_stream: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['SendMessageRequestDto'];
      };
    };
    responses: {
      /** @description text/event-stream of A2A StreamResponse objects (`data:` one JSON line each): the Task first, then a statusUpdate (TaskStatusUpdateEvent) at each change of state or status message, an artifactUpdate with the output before the completed status, and the end of the stream at a terminal state; `: keepalive` comments while idle. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/event-stream': string;
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  A2aController_list: {
    parameters: {
      query?: {
        /** @description A run id: each task is its own context */
        contextId?: string;
        /** @description Only tasks in this state */
        status?:
          | 'TASK_STATE_UNSPECIFIED'
          | 'TASK_STATE_SUBMITTED'
          | 'TASK_STATE_WORKING'
          | 'TASK_STATE_COMPLETED'
          | 'TASK_STATE_FAILED'
          | 'TASK_STATE_CANCELED'
          | 'TASK_STATE_INPUT_REQUIRED'
          | 'TASK_STATE_REJECTED'
          | 'TASK_STATE_AUTH_REQUIRED';
        pageSize?: number;
        /** @description nextPageToken of the previous page */
        pageToken?: string;
        /** @description Accepted; tasks carry no message history, so none is returned */
        historyLength?: number;
        /** @description Only tasks whose status timestamp (the last change of state: start, an approval or wait step beginning or ending, the end) is after this time (with its zone); the timestamp of a task already seen passes it over */
        statusTimestampAfter?: string;
        /** @description Include artifacts (default false) */
        includeArtifacts?: 'true' | 'false';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A ListTasksResponse */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            tasks: {
              /** @description The run id */
              id: string;
              contextId: string;
              status: {
                /** @enum {string} */
                state:
                  | 'TASK_STATE_SUBMITTED'
                  | 'TASK_STATE_WORKING'
                  | 'TASK_STATE_INPUT_REQUIRED'
                  | 'TASK_STATE_COMPLETED'
                  | 'TASK_STATE_FAILED'
                  | 'TASK_STATE_CANCELED';
                /** Format: date-time */
                timestamp: string;
                message?: {
                  messageId: string;
                  /** @description The task's contextId */
                  contextId?: string;
                  /** @description The task's id */
                  taskId?: string;
                  /** @enum {string} */
                  role: 'ROLE_USER' | 'ROLE_AGENT';
                  parts: {
                    text?: string;
                    data?: unknown;
                    mediaType?: string;
                  }[];
                };
              };
              /** @description The run output, once completed (ListTasks: with includeArtifacts=true) */
              artifacts?: {
                artifactId?: string;
                name?: string;
                parts?: {
                  text?: string;
                  data?: unknown;
                  mediaType?: string;
                }[];
              }[];
              metadata: {
                [key: string]: unknown;
              };
            }[];
            /** @description Empty on the last page */
            nextPageToken: string;
            pageSize: number;
            totalSize: number;
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  A2aController_get: {
    parameters: {
      query?: {
        /** @description Accepted; tasks carry no message history, so none is returned */
        historyLength?: number;
      };
      header?: never;
      path: {
        /** @description The task id (the run id), or {id}:subscribe */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The Task; for {id}:subscribe, text/event-stream of A2A StreamResponse objects (`data:` one JSON line each): the Task first, then a statusUpdate (TaskStatusUpdateEvent) at each change of state or status message, an artifactUpdate with the output before the completed status, and the end of the stream at a terminal state; `: keepalive` comments while idle. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description The run id */
            id: string;
            contextId: string;
            status: {
              /** @enum {string} */
              state:
                | 'TASK_STATE_SUBMITTED'
                | 'TASK_STATE_WORKING'
                | 'TASK_STATE_INPUT_REQUIRED'
                | 'TASK_STATE_COMPLETED'
                | 'TASK_STATE_FAILED'
                | 'TASK_STATE_CANCELED';
              /** Format: date-time */
              timestamp: string;
              message?: {
                messageId: string;
                /** @description The task's contextId */
                contextId?: string;
                /** @description The task's id */
                taskId?: string;
                /** @enum {string} */
                role: 'ROLE_USER' | 'ROLE_AGENT';
                parts: {
                  text?: string;
                  data?: unknown;
                  mediaType?: string;
                }[];
              };
            };
            /** @description The run output, once completed (ListTasks: with includeArtifacts=true) */
            artifacts?: {
              artifactId?: string;
              name?: string;
              parts?: {
                text?: string;
                data?: unknown;
                mediaType?: string;
              }[];
            }[];
            metadata: {
              [key: string]: unknown;
            };
          };
          'text/event-stream': string;
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  A2aController_cancel: {
    parameters: {
      query?: never;
      header?: {
        /** @description 1-255 characters. A repeat by the same API key with the same body within 24 h answers the first response (header Idempotent-Replayed: true); another body, or another API key, 422; while the first is in flight 409. */
        'Idempotency-Key'?: string;
      };
      path: {
        /** @description {id}:cancel */
        idAndVerb: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The Task, cancelled */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /** @description The run id */
            id: string;
            contextId: string;
            status: {
              /** @enum {string} */
              state:
                | 'TASK_STATE_SUBMITTED'
                | 'TASK_STATE_WORKING'
                | 'TASK_STATE_INPUT_REQUIRED'
                | 'TASK_STATE_COMPLETED'
                | 'TASK_STATE_FAILED'
                | 'TASK_STATE_CANCELED';
              /** Format: date-time */
              timestamp: string;
              message?: {
                messageId: string;
                /** @description The task's contextId */
                contextId?: string;
                /** @description The task's id */
                taskId?: string;
                /** @enum {string} */
                role: 'ROLE_USER' | 'ROLE_AGENT';
                parts: {
                  text?: string;
                  data?: unknown;
                  mediaType?: string;
                }[];
              };
            };
            /** @description The run output, once completed (ListTasks: with includeArtifacts=true) */
            artifacts?: {
              artifactId?: string;
              name?: string;
              parts?: {
                text?: string;
                data?: unknown;
                mediaType?: string;
              }[];
            }[];
            metadata: {
              [key: string]: unknown;
            };
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /**
       * @description Conflicts with the current state
       *
       *     Conflicts with the current state
       */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Idempotency-Key reused with a different body */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  A2aController_listPushConfigs: {
    parameters: {
      query?: {
        pageSize?: number;
        /** @description nextPageToken of the previous page */
        pageToken?: string;
      };
      header?: never;
      path: {
        /** @description The task id (the run id) */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The configs */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            configs: {
              id: string;
              taskId: string;
              url: string;
              token?: string;
              authentication?: {
                scheme?: string;
              };
            }[];
            /** @description Empty on the last page */
            nextPageToken: string;
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  A2aController_createPushConfig: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The task id (the run id) */
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['TaskPushNotificationConfigDto'];
      };
    };
    responses: {
      /** @description The config; its signing secret in the Webhook-Secret header, shown once */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id: string;
            taskId: string;
            url: string;
            token?: string;
            authentication?: {
              scheme?: string;
            };
          };
        };
      };
      /** @description Invalid input (problem+json with field errors) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Body too large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The body is not sent as application/json */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  A2aController_getPushConfig: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The task id (the run id) */
        id: string;
        /** @description The config id */
        configId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The config */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            id: string;
            taskId: string;
            url: string;
            token?: string;
            authentication?: {
              scheme?: string;
            };
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  A2aController_deletePushConfig: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The task id (the run id) */
        id: string;
        /** @description The config id */
        configId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description {} */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': Record<string, never>;
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Not found (or belongs to another tenant) */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
  WellKnownController_card: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The AgentCard */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            name: string;
            description?: string;
            version?: string;
            skills: {
              [key: string]: unknown;
            }[];
          } & {
            [key: string]: unknown;
          };
        };
      };
      /** @description Missing, unknown, expired or revoked API key */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description The key lacks the scope, or the address is not allowed */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Rate limited; see Retry-After */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
      /** @description Database unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/problem+json': components['schemas']['ProblemDto'];
        };
      };
    };
  };
}
