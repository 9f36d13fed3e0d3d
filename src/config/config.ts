import { createPrivateKey, type KeyObject } from 'node:crypto';
import { parseSigningKey } from '../audit/audit-signing';
import { parseCidrList, CidrList } from '../common/net/cidr';
import { PARTITION_INTERVALS, PartitionInterval } from '../database/partitions/partition-periods';
import { readTracingSettings, TracingSettings } from './tracing-settings';

/** Everything the process reads from its environment, parsed and checked once at start. */
export interface AppConfig {
  port: number;
  /** Base URL clients reach the service at (no trailing slash): links are built on it. */
  publicUrl: string;
  /** Anonymous callers get the default tenant's A2A AgentCard at /.well-known/agent-card.json. */
  a2aPublicCard: boolean;
  a2aSendWaitSeconds: number;
  databaseUrl: string | undefined;
  /** Where the embedded PostgreSQL keeps its cluster when DATABASE_URL is unset. */
  embeddedDataDir: string;
  /** A streaming replica for read-only routes; unset: every read goes to the primary. */
  databaseReadUrl: string | undefined;
  /** Reads go to the primary while the replica lags more than this. */
  databaseReadMaxLagMs: number;
  redisUrl: string | undefined;
  adminApiKey: string | undefined;
  migrationsRun: boolean;
  workers: boolean;
  logLevel: LogLevel;
  /** `false`, or the addresses and CIDRs of the proxies whose X-Forwarded-For is believed. */
  trustProxy: false | string[];
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  metricsAllowedCidrs: CidrList;
  /** How long a scrape's database reads are reused (0: every scrape reads). */
  metricsCacheMs: number;
  adminAllowedCidrs: CidrList;
  githubWebhookSecrets: string[];
  githubHookCidrs: CidrList;
  /** Credentials and API of the GitHub steps (comments, commit statuses); never logged. */
  github: GithubSettings;
  /** Body limit of the inbound webhook receivers (`/api/v1/hooks/*`); GitHub sends up to 25 MB. */
  inboundBodyLimitBytes: number;
  /** Verified deliveries accepted per inbound source (GitHub counts as one) and minute. */
  inboundRateLimitPerMinute: number;
  webhookAllowedCidrs: CidrList;
  webhookRetryScheduleMs: number[];
  /** Consecutive failed attempts that open an endpoint's circuit breaker. */
  webhookBreakerThreshold: number;
  /** How long an open breaker defers an endpoint's deliveries before one probe goes out. */
  webhookBreakerCooldownMs: number;
  /** An endpoint failing without a success for this long is disabled. */
  webhookDisableAfterMs: number;
  /** Finished deliveries, their attempts and dispatched events older than this are purged. */
  webhookRetentionMs: number;
  /** Period of each new partition of the history tables (events, webhook attempts). */
  historyPartitionInterval: PartitionInterval;
  /** Partitions kept created ahead of the current period. */
  historyPartitionsAhead: number;
  /** A run's end deliveries wait at most this long for its receipt's hash. */
  webhookReceiptWaitMs: number;
  taskLeaseSeconds: number;
  /** At most one stored `task.progress` event per task per this many ms (the latest always). */
  progressIntervalMs: number;
  /** A comment line on every idle live stream this often, so proxies keep it open. */
  streamKeepaliveMs: number;
  /** A live stream whose unsent output grows past this is dropped (its client is too slow). */
  streamBufferBytes: number;
  /** While streams are open, the shared outbox read also runs this often without a wake-up. */
  streamPollMs: number;
  /** How old a discovery page may be served (registry changes drop it at once); 0: off. */
  discoveryCacheMs: number;
  shutdownGraceMs: number;
  /** Time between readiness turning 503 and the listener closing, so load balancers notice. */
  shutdownDelayMs: number;
  /** Per-statement and per-connect limits: a database outage answers 503 fast, never hangs. */
  dbStatementTimeoutMs: number;
  dbConnectTimeoutMs: number;
  dbPoolSize: number;
  dbPoolMin: number;
  /** Statements running at least this long are logged with their route and correlation id. */
  dbSlowQueryMs: number;
  /** OpenTelemetry export (the standard OTEL_* variables); off without an endpoint. */
  tracing: TracingSettings;
  corsOrigins: string[];
  /** Ed25519 key that signs audit chain checkpoints; unset: the key in `auditKeyFile`. */
  auditSigningKey: KeyObject | undefined;
  /** Where the generated signing key (and the sealer's last signed head) are kept. */
  auditKeyFile: string;
  /** Public keys (raw Ed25519, base64) of earlier signing keys whose checkpoints still count. */
  auditTrustedKeys: string[];
}

/** How github steps reach GitHub: a GitHub App (preferred), a token, or neither (steps refused). */
export interface GithubSettings {
  apiUrl: string;
  appId: string | undefined;
  /** The App's private key (PEM). */
  appPrivateKey: string | undefined;
  token: string | undefined;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_PRIVATE_CIDRS = [
  '127.0.0.0/8',
  '::1/128',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  'fc00::/7',
];

/** GitHub's published hook ranges (api.github.com/meta, "hooks"). */
export const GITHUB_HOOK_RANGES = [
  '192.30.252.0/22',
  '185.199.108.0/22',
  '140.82.112.0/20',
  '143.55.64.0/20',
  '2a0a:a440::/29',
  '2606:50c0::/32',
];

export const DEFAULT_RETRY_SCHEDULE = '0,5s,5m,30m,2h,5h,10h,10h';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates the environment; throws one ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  /** A setting's value, trimmed; undefined when unset or blank (both read as not given). */
  const given = (name: string): string | undefined => env[name]?.trim() || undefined;
  /** `secret`: the value is never echoed in the error (it would end up in logs). */
  const read = <T>(name: string, fallback: T, parse: (raw: string) => T, secret = false): T => {
    const value = given(name);
    if (value === undefined) return fallback;
    try {
      return parse(value);
    } catch (err) {
      const got = secret ? '' : ` (got ${JSON.stringify(env[name])})`;
      problems.push(`${name}: ${(err as Error).message}${got}`);
      return fallback;
    }
  };

  const port = read('PORT', 3000, int(0, 65535));
  const config: AppConfig = {
    port,
    // Never a request's Host header, which any caller writes.
    publicUrl: read('PUBLIC_URL', `http://127.0.0.1:${port}`, publicUrl),
    a2aPublicCard: read('A2A_PUBLIC_CARD', false, bool),
    a2aSendWaitSeconds: read('A2A_SEND_WAIT_SECONDS', 30, int(0, 300)),
    databaseUrl: read('DATABASE_URL', undefined, postgresUrl, true),
    embeddedDataDir: read('AGENTMESH_DATA_DIR', '.data', (raw) => {
      if (raw.trim() === '') throw new Error('must be a directory path');
      return raw;
    }),
    databaseReadUrl: read('DATABASE_READ_URL', undefined, postgresUrl, true),
    databaseReadMaxLagMs: read('DATABASE_READ_MAX_LAG_MS', 1_000, int(0, 600_000)),
    redisUrl: read('REDIS_URL', undefined, redisUrl, true),
    adminApiKey: read('ADMIN_API_KEY', undefined, adminKey, true),
    migrationsRun: read('MIGRATIONS_RUN', true, bool),
    workers: read('WORKERS', true, bool),
    logLevel: read('LOG_LEVEL', 'info', oneOf(LOG_LEVELS)),
    trustProxy: read('TRUST_PROXY', false, trustProxy),
    rateLimitPerMinute: read('RATE_LIMIT_PER_MINUTE', 1200, int(1, 10_000_000)),
    bodyLimitBytes: read('BODY_LIMIT_BYTES', 1_048_576, int(1024, 100 * 1024 * 1024)),
    metricsAllowedCidrs: read('METRICS_ALLOWED_CIDRS', parseCidrList(DEFAULT_PRIVATE_CIDRS), cidrs),
    metricsCacheMs: read('METRICS_CACHE', 5_000, (raw) => {
      const ms = duration(raw);
      if (ms > 60_000) throw new Error('must be at most 60s');
      return ms;
    }),
    adminAllowedCidrs: read('ADMIN_ALLOWED_CIDRS', parseCidrList(['0.0.0.0/0', '::/0']), cidrs),
    githubWebhookSecrets: read('GITHUB_WEBHOOK_SECRETS', [], list, true),
    githubHookCidrs: read('GITHUB_HOOK_CIDRS', parseCidrList(GITHUB_HOOK_RANGES), cidrs),
    github: {
      apiUrl: read('GITHUB_API_URL', 'https://api.github.com', githubApiUrl),
      appId: read('GITHUB_APP_ID', undefined, (raw) => String(int(1, 2 ** 53 - 1)(raw))),
      appPrivateKey: read('GITHUB_APP_PRIVATE_KEY', undefined, privateKeyPem, true),
      token: read('GITHUB_TOKEN', undefined, githubToken, true),
    },
    inboundBodyLimitBytes: read(
      'INBOUND_BODY_LIMIT_BYTES',
      5 * 1024 * 1024,
      int(1024, 100 * 1024 * 1024),
    ),
    inboundRateLimitPerMinute: read('INBOUND_RATE_LIMIT_PER_MINUTE', 600, int(1, 10_000_000)),
    webhookAllowedCidrs: read('WEBHOOK_ALLOWED_CIDRS', parseCidrList([]), cidrs),
    webhookRetryScheduleMs: read(
      'WEBHOOK_RETRY_SCHEDULE',
      parseSchedule(DEFAULT_RETRY_SCHEDULE),
      parseSchedule,
    ),
    webhookBreakerThreshold: read('WEBHOOK_BREAKER_THRESHOLD', 5, int(1, 1_000_000)),
    webhookBreakerCooldownMs: read('WEBHOOK_BREAKER_COOLDOWN', 60_000, duration),
    webhookDisableAfterMs: read('WEBHOOK_DISABLE_AFTER', 5 * 86_400_000, duration),
    webhookRetentionMs: read('WEBHOOK_RETENTION', 30 * 86_400_000, duration),
    historyPartitionInterval: read(
      'HISTORY_PARTITION_INTERVAL',
      'month',
      oneOf(PARTITION_INTERVALS),
    ),
    historyPartitionsAhead: read('HISTORY_PARTITIONS_AHEAD', 2, int(1, 60)),
    webhookReceiptWaitMs: read('WEBHOOK_RECEIPT_WAIT', 30_000, (raw) => {
      const ms = duration(raw);
      if (ms > 3_600_000) throw new Error('must be at most 1h');
      return ms;
    }),
    taskLeaseSeconds: read('TASK_LEASE_SECONDS', 30, int(1, 86_400)),
    progressIntervalMs: read('PROGRESS_INTERVAL_MS', 250, int(0, 60_000)),
    streamKeepaliveMs: read('STREAM_KEEPALIVE_MS', 15_000, int(100, 600_000)),
    streamBufferBytes: read('STREAM_BUFFER_BYTES', 1_048_576, int(4096, 256 * 1024 * 1024)),
    streamPollMs: read('STREAM_POLL_MS', 500, int(10, 60_000)),
    discoveryCacheMs: read('DISCOVERY_CACHE', 1_000, (raw) => {
      const ms = duration(raw);
      if (ms > 60_000) throw new Error('must be at most 60s');
      return ms;
    }),
    shutdownGraceMs: read('SHUTDOWN_GRACE_MS', 10_000, int(0, 600_000)),
    shutdownDelayMs: read('SHUTDOWN_DELAY_MS', 0, int(0, 600_000)),
    dbStatementTimeoutMs: read('DB_STATEMENT_TIMEOUT_MS', 5_000, int(100, 600_000)),
    dbConnectTimeoutMs: read('DB_CONNECT_TIMEOUT_MS', 2_000, int(100, 60_000)),
    dbPoolSize: read('DB_POOL_SIZE', 20, int(1, 1000)),
    dbPoolMin: read('DB_POOL_MIN', 4, int(0, 1000)),
    dbSlowQueryMs: read('DB_SLOW_QUERY_MS', 200, int(1, 600_000)),
    tracing: (() => {
      try {
        return readTracingSettings(env);
      } catch (error) {
        problems.push((error as Error).message);
        return readTracingSettings({});
      }
    })(),
    corsOrigins: read('CORS_ORIGINS', [], origins),
    auditSigningKey: read<KeyObject | undefined>(
      'AUDIT_SIGNING_KEY',
      undefined,
      parseSigningKey,
      true,
    ),
    auditKeyFile: read('AUDIT_KEY_FILE', '.data/audit-signing-key.pem', (raw) => raw),
    auditTrustedKeys: read('AUDIT_TRUSTED_KEYS', [], publicKeys),
  };
  if ((config.github.appId === undefined) !== (config.github.appPrivateKey === undefined))
    problems.push('GITHUB_APP_ID and GITHUB_APP_PRIVATE_KEY: set both (a GitHub App) or neither');
  if (config.dbPoolMin > config.dbPoolSize) {
    // The default yields to a smaller pool; a minimum asked for does not.
    if (given('DB_POOL_MIN') === undefined) config.dbPoolMin = config.dbPoolSize;
    else
      problems.push(
        `DB_POOL_MIN (${config.dbPoolMin}) must not exceed DB_POOL_SIZE (${config.dbPoolSize})`,
      );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function int(min: number, max: number) {
  return (raw: string): number => {
    if (!/^-?\d+$/.test(raw)) throw new Error('must be a whole number');
    const value = Number(raw);
    if (value < min || value > max) throw new Error(`must be between ${min} and ${max}`);
    return value;
  };
}

function bool(raw: string): boolean {
  const value = raw.toLowerCase();
  if (['true', '1', 'on', 'yes'].includes(value)) return true;
  if (['false', '0', 'off', 'no'].includes(value)) return false;
  throw new Error('must be true/false (or on/off)');
}

function oneOf<T extends string>(allowed: readonly T[]) {
  return (raw: string): T => {
    if (!(allowed as readonly string[]).includes(raw)) {
      throw new Error(`must be one of ${allowed.join(', ')}`);
    }
    return raw as T;
  };
}

function url(protocols: string[]) {
  return (raw: string): string => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error('must be a URL');
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new Error(`must use ${protocols.join(' or ')}`);
    }
    return raw;
  };
}

/** An absolute http(s) URL without query, fragment or credentials; the trailing slash trimmed. */
function publicUrl(raw: string): string {
  const parsed = new URL(url(['http:', 'https:'])(raw));
  if (raw.includes('?') || raw.includes('#')) throw new Error('must not have a query or fragment');
  if (parsed.username || parsed.password) throw new Error('must not contain credentials');
  return parsed.href.replace(/\/+$/, '');
}

/** GitHub's REST API root (GitHub Enterprise Server: `https://host/api/v3`); no trailing slash. */
function githubApiUrl(raw: string): string {
  const parsed = new URL(url(['http:', 'https:'])(raw));
  if (parsed.username || parsed.password) throw new Error('must not contain credentials');
  if (parsed.search || parsed.hash) throw new Error('must not have a query or fragment');
  return parsed.href.replace(/\/+$/, '');
}

/** A PEM private key; `\n` escapes (one-line environment values) become newlines. */
function privateKeyPem(raw: string): string {
  const pem = raw.includes('\\n') ? raw.replace(/\\n/g, '\n') : raw;
  try {
    createPrivateKey(pem);
  } catch {
    throw new Error('must be a PEM private key (the .pem file GitHub generates for the App)');
  }
  return pem;
}

function githubToken(raw: string): string {
  if (!/^[\x21-\x7e]{8,512}$/.test(raw)) throw new Error('must be a token of printable characters');
  return raw;
}

const postgresUrl = url(['postgres:', 'postgresql:']);
const redisUrl = url(['redis:', 'rediss:']);

function adminKey(raw: string): string {
  if (raw.length < 16) throw new Error('must be at least 16 characters');
  if (!/^[\x21-\x7e]+$/.test(raw)) throw new Error('must be printable ASCII without spaces');
  // The Kubernetes Secret template's placeholder (deploy/kubernetes/secret.yaml), long enough
  // to pass the rest. (docker-compose.yml's local default is lower case, and meant to work.)
  if (raw.includes('CHANGE-ME'))
    throw new Error('is still the placeholder "CHANGE-ME…": set a key');
  return raw;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * Comma list of origins (`https://console.example.com`), each as a browser sends it in
 * `Origin` (lower case, no default port): one that can never match (`notaurl`, a path, `*`)
 * would leave CORS off for it without a word.
 */
function origins(raw: string): string[] {
  return list(raw).map((item) => {
    let url: URL | undefined;
    try {
      url = new URL(item);
    } catch {
      url = undefined;
    }
    if (
      !url ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.pathname !== '/' ||
      url.search !== '' ||
      url.hash !== '' ||
      url.username !== '' ||
      url.password !== '' ||
      item.includes('?') ||
      item.includes('#')
    ) {
      throw new Error(
        `"${item}" is not an origin like https://console.example.com (scheme, host and port ` +
          'only; list each one, "*" is not taken)',
      );
    }
    return url.origin;
  });
}

/** Comma list of raw Ed25519 public keys, base64 (what GET /audit/checkpoints shows). */
function publicKeys(raw: string): string[] {
  const keys = list(raw);
  for (const key of keys) {
    if (Buffer.from(key, 'base64').length !== 32 || !/^[A-Za-z0-9+/]{43}=$/.test(key)) {
      throw new Error('must be base64 Ed25519 public keys (32 bytes each), comma-separated');
    }
  }
  return keys;
}

function cidrs(raw: string): CidrList {
  return parseCidrList(list(raw));
}

/**
 * The proxies whose `X-Forwarded-For` is believed, by address or CIDR. A hop count is refused:
 * it cannot tell the proxy from a client that connects directly and writes the hops itself,
 * whose forged address would then pass the IP allowlists and the per-address limits
 * (CVE-2026-16732; Fastify 5.12 trusts nobody for a count). `0` stays a way to say off.
 */
function trustProxy(raw: string): false | string[] {
  const lower = raw.toLowerCase();
  if (lower === 'false' || lower === 'off' || /^0+$/.test(raw)) return false;
  if (/^\d+$/.test(raw)) {
    throw new Error(
      'a hop count cannot tell the proxy from a client that connects directly with a forged ' +
        'X-Forwarded-For; give the addresses or CIDRs of the proxies (e.g. 10.0.0.0/8)',
    );
  }
  const ranges = list(raw);
  parseCidrList(ranges);
  return ranges;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** One delay like `30s`, `5m`, `5d` (a bare number means seconds), in milliseconds. */
export function duration(raw: string): number {
  const delays = parseSchedule(raw);
  if (delays.length !== 1) throw new Error('must be one duration like 30s, 5m, 2h, 5d');
  return delays[0];
}

/** `0,5s,5m,30m` → delays in milliseconds; a bare number means seconds. */
export function parseSchedule(raw: string): number[] {
  const items = list(raw);
  if (items.length === 0 || items.length > 50) throw new Error('must list 1 to 50 delays');
  return items.map((item) => {
    const match = /^(\d+)(ms|s|m|h|d)?$/.exec(item);
    if (!match) throw new Error(`"${item}" is not a delay like 0, 5s, 5m, 2h`);
    return Number(match[1]) * UNIT_MS[match[2] ?? 's'];
  });
}
