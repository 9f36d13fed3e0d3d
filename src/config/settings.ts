/** One setting as an operator reads about it. */
export interface Setting {
  name: string;
  /** What applies when the variable is unset (or empty). */
  default: string;
  meaning: string;
}

/** Every setting the service reads, as operators see it: docs/configuration.md is rendered from this. */
export const SETTINGS: readonly Setting[] = [
  {
    name: 'PORT',
    default: '3000',
    meaning: 'HTTP port',
  },
  {
    name: 'PUBLIC_URL',
    default: 'unset: `http://127.0.0.1:$PORT`',
    meaning:
      "base URL clients reach the service at (absolute http(s), no query or fragment; a trailing slash is dropped): A2A card links, never the request's `Host`",
  },
  {
    name: 'A2A_PUBLIC_CARD',
    default: 'off',
    meaning:
      "anonymous callers of `/.well-known/agent-card.json` get the `default` tenant's A2A AgentCard (off: 401 without a key)",
  },
  {
    name: 'A2A_SEND_WAIT_SECONDS',
    default: '30',
    meaning:
      'longest a blocking A2A `message:send` (no `configuration.returnImmediately`) waits for its task to finish or need input before answering it as it is (0-300)',
  },
  {
    name: 'DATABASE_URL',
    default: 'unset: embedded',
    meaning:
      'PostgreSQL connection string; at start, a database that does not exist or refuses the credentials stops the process with exit code 78, one that does not answer is tried five times a second apart, then exit code 69',
  },
  {
    name: 'AGENTMESH_DATA_DIR',
    default: '.data',
    meaning:
      'where the embedded PostgreSQL (DATABASE_URL unset) keeps its cluster, kept across restarts; relative to the working directory',
  },
  {
    name: 'DATABASE_READ_URL',
    default: 'unset: reads on the primary',
    meaning:
      'a streaming replica for read-only routes (agent discovery, run lists, audit queries and exports); reads fall back to the primary while it lags or is down, and a key that wrote recently reads its own writes from the primary',
  },
  {
    name: 'DATABASE_READ_MAX_LAG_MS',
    default: '1000',
    meaning:
      'replica lag past which reads go to the primary; also how long after its last write a key reads from the primary',
  },
  {
    name: 'REDIS_URL',
    default: 'unset: in memory',
    meaning: 'rate-limit counters shared by replicas (falls back to memory while Redis is down)',
  },
  {
    name: 'ADMIN_API_KEY',
    default: 'unset: generated once',
    meaning: 'platform admin key of the `default` tenant (16+ printable characters)',
  },
  {
    name: 'MIGRATIONS_RUN',
    default: 'true',
    meaning: 'run pending migrations at start',
  },
  {
    name: 'WORKERS',
    default: 'on',
    meaning: 'run background workers in this replica',
  },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    meaning: 'pino level (`fatal` \u2026 `trace`, `silent`)',
  },
  {
    name: 'TRUST_PROXY',
    default: 'unset',
    meaning:
      'addresses or CIDRs of the proxies whose `X-Forwarded-For` is believed (not a hop count)',
  },
  {
    name: 'RATE_LIMIT_PER_MINUTE',
    default: '1200',
    meaning:
      'per API key (per address when anonymous); creating and rotating keys is held to 30 a minute per key on top (or this limit, if lower)',
  },
  {
    name: 'BODY_LIMIT_BYTES',
    default: '1048576',
    meaning: 'larger bodies get 413',
  },
  {
    name: 'METRICS_ALLOWED_CIDRS',
    default: 'loopback and private ranges',
    meaning: 'who may read `/metrics`',
  },
  {
    name: 'METRICS_CACHE',
    default: '5s',
    meaning:
      'how long the database reads behind the `/metrics` gauges are reused: several Prometheus servers, or a short interval, share one round of queries; at most 60s; `0` off',
  },
  {
    name: 'ADMIN_ALLOWED_CIDRS',
    default: 'any',
    meaning: 'who may call key and tenant administration',
  },
  {
    name: 'GITHUB_WEBHOOK_SECRETS',
    default: 'unset',
    meaning: 'comma-separated; any may sign',
  },
  {
    name: 'GITHUB_HOOK_CIDRS',
    default: "GitHub's hook ranges",
    meaning: 'source addresses allowed on `/hooks/github`',
  },
  {
    name: 'GITHUB_APP_ID',
    default: 'unset',
    meaning:
      'GitHub App id for github steps (with `GITHUB_APP_PRIVATE_KEY`): each call uses an installation token for the `installation.id` of the event that started the run',
  },
  {
    name: 'GITHUB_APP_PRIVATE_KEY',
    default: 'unset',
    meaning: "the App's private key, PEM (`\\n` escapes allowed); never logged",
  },
  {
    name: 'GITHUB_TOKEN',
    default: 'unset',
    meaning:
      'a token for github steps when no App is set (or the event carries no installation); never logged. Neither set: definitions with github steps get 422',
  },
  {
    name: 'GITHUB_API_URL',
    default: '`https://api.github.com`',
    meaning: 'GitHub REST API root; GitHub Enterprise Server: `https://HOST/api/v3`',
  },
  {
    name: 'INBOUND_BODY_LIMIT_BYTES',
    default: '5242880',
    meaning:
      'body limit of the receivers `/api/v1/hooks/*` (GitHub sends up to 25 MB); larger bodies get 413',
  },
  {
    name: 'INBOUND_RATE_LIMIT_PER_MINUTE',
    default: '600',
    meaning:
      'verified deliveries per inbound source (GitHub is one) and minute; then 429 with `Retry-After`',
  },
  {
    name: 'WEBHOOK_ALLOWED_CIDRS',
    default: 'none',
    meaning: 'private ranges outbound webhooks may reach anyway',
  },
  {
    name: 'WEBHOOK_RETRY_SCHEDULE',
    default: '`0,5s,5m,30m,2h,5h,10h,10h`',
    meaning:
      'delays between delivery attempts (with jitter); after a 429 or 503, never sooner than its `Retry-After`, read up to an hour',
  },
  {
    name: 'WEBHOOK_BREAKER_THRESHOLD',
    default: '5',
    meaning:
      "consecutive failed attempts that open an endpoint's circuit breaker (before that, a failing endpoint gets one delivery at a time, 100 ms apart, until one succeeds)",
  },
  {
    name: 'WEBHOOK_BREAKER_COOLDOWN',
    default: '60s',
    meaning: "an open breaker defers the endpoint's deliveries this long, then one probe goes",
  },
  {
    name: 'WEBHOOK_DISABLE_AFTER',
    default: '5d',
    meaning:
      'an endpoint failing without a success this long is disabled (`webhook.endpoint.disabled`); `0`: at its first failed attempt',
  },
  {
    name: 'WEBHOOK_RETENTION',
    default: '30d',
    meaning:
      "finished deliveries, their attempts and dispatched events (not a run's history, nor an event set aside after its handlers failed) older than this are purged, a whole partition at a time (`HISTORY_PARTITION_INTERVAL`)",
  },
  {
    name: 'HISTORY_PARTITION_INTERVAL',
    default: 'month',
    meaning:
      '`day`, `week` or `month` (UTC): the period of each new partition of the history tables (`events`, `webhook_attempts`); retention drops a partition once all of it is older than `WEBHOOK_RETENTION`',
  },
  {
    name: 'HISTORY_PARTITIONS_AHEAD',
    default: '2',
    meaning: 'partitions the retention worker keeps created ahead of the current period (1-60)',
  },
  {
    name: 'WEBHOOK_RECEIPT_WAIT',
    default: '30s',
    meaning:
      "how long a run's `workflow.succeeded|failed|cancelled` deliveries wait for its signed receipt, whose hash they carry (`receiptHash`); after that they go out with `receiptHash: null`; at most 1h",
  },
  {
    name: 'TASK_LEASE_SECONDS',
    default: '30',
    meaning: 'lease of a claimed task',
  },
  {
    name: 'PROGRESS_INTERVAL_MS',
    default: '250',
    meaning:
      "a task's progress reports are coalesced: at most one `task.progress` event per task per interval is stored, and the latest report always (a trailing write, or before the attempt ends: completed, failed, timed out or cancelled); `0` stores every report",
  },
  {
    name: 'STREAM_KEEPALIVE_MS',
    default: '15000',
    meaning: 'a `: keepalive` comment goes to every live stream (SSE) this often',
  },
  {
    name: 'STREAM_BUFFER_BYTES',
    default: '1048576',
    meaning:
      'what a live stream leaves unread in its socket at most; later events wait their turn, and a client whose unread output does not drain within two keepalive intervals, or that falls 16 times this behind, is cut off (it resumes with `Last-Event-ID`)',
  },
  {
    name: 'STREAM_POLL_MS',
    default: '500',
    meaning:
      "while streams are open, the replica's one shared outbox read also runs this often: the bound on how late an event committed on another replica (whose workers took its wake-up) reaches them",
  },
  {
    name: 'DISCOVERY_CACHE',
    default: '1s',
    meaning:
      "how old a discovery page (`GET /agents`) may be served; registry changes drop it at once on every replica; a beat's figures may show up to twice this late; `0` off",
  },
  {
    name: 'SHUTDOWN_GRACE_MS',
    default: '10000',
    meaning: 'drain time after SIGTERM',
  },
  {
    name: 'SHUTDOWN_DELAY_MS',
    default: '0',
    meaning:
      'after SIGTERM, readiness is 503 for this long before the listener closes (set ~5000 behind a load balancer)',
  },
  {
    name: 'DB_STATEMENT_TIMEOUT_MS',
    default: '5000',
    meaning:
      "per statement; a stuck database answers 503, never hangs. A completion that ran out of it putting outputs together (a fan-out's end, its run's finish: work that grows with them) goes again at once with ten times as much",
  },
  {
    name: 'DB_CONNECT_TIMEOUT_MS',
    default: '2000',
    meaning: 'per connection attempt',
  },
  {
    name: 'DB_POOL_SIZE',
    default: '20',
    meaning: 'connections per replica',
  },
  {
    name: 'DB_POOL_MIN',
    default: '4 (at most `DB_POOL_SIZE`)',
    meaning:
      'connections per replica opened at start, each readied for claims (its first claim is otherwise 10-90 ms slower), and kept open through quiet spells with their prepared statements; the others open on demand and close after 30 s idle',
  },
  {
    name: 'DB_SLOW_QUERY_MS',
    default: '200',
    meaning:
      'statements running this long or longer are logged (warn) with their statement name, route and correlation id',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    default: 'unset: tracing off (no SDK, no patches)',
    meaning: 'OpenTelemetry collector base URL (OTLP/HTTP); spans go to `<endpoint>/v1/traces`',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    default: 'unset: derived from `OTEL_EXPORTER_OTLP_ENDPOINT`',
    meaning: 'full traces URL (used as is); setting it alone turns tracing on',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_PROTOCOL',
    default: '`http/protobuf` (the OpenTelemetry default)',
    meaning: '`http/json` or `http/protobuf` (grpc is not supported)',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
    default: '`OTEL_EXPORTER_OTLP_PROTOCOL`',
    meaning: 'the same, for traces only',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_HEADERS',
    default: 'none',
    meaning: 'headers sent with every export, `key=value,key=value` (percent-encoded values)',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
    default: 'none',
    meaning: 'the same, for traces only (added to `OTEL_EXPORTER_OTLP_HEADERS`)',
  },
  {
    name: 'OTEL_SERVICE_NAME',
    default: '`service.name` of `OTEL_RESOURCE_ATTRIBUTES`, else `agentmesh`',
    meaning: 'the `service.name` resource attribute of every span',
  },
  {
    name: 'OTEL_RESOURCE_ATTRIBUTES',
    default: 'none',
    meaning:
      'resource attributes, `key=value,key=value` (e.g. `deployment.environment.name=prod,service.version=1.4.0`)',
  },
  {
    name: 'OTEL_TRACES_SAMPLER',
    default: '`parentbased_always_on`',
    meaning:
      '`always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off` or `parentbased_traceidratio`',
  },
  {
    name: 'OTEL_TRACES_SAMPLER_ARG',
    default: '`1`',
    meaning: 'the ratio (0..1) of the `traceidratio` samplers',
  },
  {
    name: 'TRACING_STATEMENT_SPANS_MAX',
    default: '`100`',
    meaning:
      'database statement spans one request (or background job) makes at most; past it its statements run untraced and the span they ran in counts them (`agentmesh.db.statements_untraced`); `0` makes none, `unlimited` lifts the cap',
  },
  {
    name: 'CORS_ORIGINS',
    default: 'unset: CORS off',
    meaning:
      'comma-separated allowed origins, each as a browser sends it (`https://console.example.com`: scheme, host, port; no path; `*` not taken)',
  },
  {
    name: 'AUDIT_SIGNING_KEY',
    default: 'unset: the key in `AUDIT_KEY_FILE`',
    meaning:
      'Ed25519 key (PKCS#8 PEM, or base64 of a 32-byte seed) signing audit chain checkpoints',
  },
  {
    name: 'AUDIT_KEY_FILE',
    default: '`.data/audit-signing-key.pem`',
    meaning:
      'Where the signing key is generated (mode 0600) on first start when `AUDIT_SIGNING_KEY` is unset; the sealer keeps its last signed head (`audit-anchor.json`) beside it',
  },
  {
    name: 'AUDIT_TRUSTED_KEYS',
    default: 'none',
    meaning:
      "Public keys (base64, as `GET /audit/checkpoints` shows) of signing keys whose checkpoints verify besides this replica's own and those the sealers recorded in the database (which already include earlier keys of this deployment): keys the database does not record, such as one from before a restore",
  },
];

export const CONFIGURATION_DOC = 'docs/configuration.md';

/** docs/configuration.md: rendered from SETTINGS by `npm run docs:config`; a test fails on drift. */
export function renderConfigurationDoc(): string {
  const lines = [
    '# Configuration',
    '',
    '<!-- Rendered from src/config/settings.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    'Every variable is read once at start and validated; a bad value stops the process with a',
    'message naming it (exit code 78). Unset or empty means the default.',
    '',
  ];
  for (const setting of SETTINGS) {
    lines.push(
      `## \`${setting.name}\``,
      '',
      `Default: ${setting.default}.`,
      '',
      `${capitalise(setting.meaning)}.`,
      '',
    );
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

function capitalise(text: string): string {
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return sentence.endsWith('.') ? sentence.slice(0, -1) : sentence;
}
