import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, duration, loadConfig, parseSchedule } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      migrationsRun: true,
      workers: true,
      logLevel: 'info',
      trustProxy: false,
      rateLimitPerMinute: 1200,
      bodyLimitBytes: 1_048_576,
      inboundBodyLimitBytes: 5_242_880,
      inboundRateLimitPerMinute: 600,
      taskLeaseSeconds: 30,
      shutdownGraceMs: 10_000,
    });
    expect(config.webhookRetryScheduleMs).toEqual([
      0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(config).toMatchObject({
      webhookBreakerThreshold: 5,
      webhookBreakerCooldownMs: 60_000,
      webhookDisableAfterMs: 5 * 86_400_000,
      webhookRetentionMs: 30 * 86_400_000,
    });
    expect(config.metricsAllowedCidrs.contains('10.1.2.3')).toBe(true);
    expect(config.metricsAllowedCidrs.contains('8.8.8.8')).toBe(false);
    expect(config.adminAllowedCidrs.contains('8.8.8.8')).toBe(true);
    expect(config.githubHookCidrs.contains('140.82.115.1')).toBe(true);
  });

  it('names every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'abc',
        RATE_LIMIT_PER_MINUTE: '-1',
        ADMIN_ALLOWED_CIDRS: '10.0.0.0/99',
        LOG_LEVEL: 'loud',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of ['PORT', 'RATE_LIMIT_PER_MINUTE', 'ADMIN_ALLOWED_CIDRS', 'LOG_LEVEL']) {
      expect(message).toContain(name);
    }
  });

  it.each([
    ['DATABASE_URL', 'http://x'],
    ['REDIS_URL', 'not a url'],
    ['MIGRATIONS_RUN', 'maybe'],
    ['ADMIN_API_KEY', 'short'],
    ['TRUST_PROXY', 'somewhere'],
    ['BODY_LIMIT_BYTES', '1.5'],
    ['INBOUND_BODY_LIMIT_BYTES', '10'],
    ['INBOUND_RATE_LIMIT_PER_MINUTE', '0'],
    ['TASK_LEASE_SECONDS', '0'],
  ])('refuses %s=%s', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });

  it('keeps 4 idle connections per pool unless told otherwise, never more than the pool holds', () => {
    expect(loadConfig({})).toMatchObject({ dbPoolSize: 20, dbPoolMin: 4 });
    expect(loadConfig({ DB_POOL_MIN: '0' }).dbPoolMin).toBe(0);
    expect(loadConfig({ DB_POOL_SIZE: '2' }).dbPoolMin).toBe(2);
    // Blank is unset, as for every other setting: the default, which yields.
    expect(loadConfig({ DB_POOL_SIZE: '2', DB_POOL_MIN: ' ' }).dbPoolMin).toBe(2);
    expect(() => loadConfig({ DB_POOL_MIN: '-1' })).toThrow('DB_POOL_MIN');
    expect(() => loadConfig({ DB_POOL_SIZE: '5', DB_POOL_MIN: '6' })).toThrow(
      'DB_POOL_MIN (6) must not exceed DB_POOL_SIZE (5)',
    );
  });

  it("refuses the manifests' placeholder admin key, left in by mistake", () => {
    const placeholder = /ADMIN_API_KEY: (\S+)/.exec(
      readFileSync(join(__dirname, '..', '..', 'deploy', 'kubernetes', 'secret.yaml'), 'utf8'),
    )![1];
    expect(() => loadConfig({ ADMIN_API_KEY: placeholder })).toThrow(/ADMIN_API_KEY/);
  });

  it('never echoes a secret in the error', () => {
    expect(() => loadConfig({ ADMIN_API_KEY: 'short-secret' })).toThrow('ADMIN_API_KEY');
    expect(() => loadConfig({ ADMIN_API_KEY: 'short-secret' })).not.toThrow('short-secret');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@db/x' })).not.toThrow('hunter2');
  });

  it('parses TRUST_PROXY as the addresses or CIDRs of the proxies', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '::1',
    ]);
    expect(loadConfig({ TRUST_PROXY: '192.0.2.10' }).trustProxy).toEqual(['192.0.2.10']);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
  });

  it('refuses TRUST_PROXY as a hop count, naming what to give instead', () => {
    // A count cannot tell the proxy from a client that connects directly and writes the
    // hops itself: its X-Forwarded-For would be believed (CVE-2026-16732).
    for (const hops of ['1', '2', '64']) {
      expect(() => loadConfig({ TRUST_PROXY: hops })).toThrow(
        /TRUST_PROXY: a hop count .* addresses or CIDRs/,
      );
    }
  });

  it('reads AUDIT_TRUSTED_KEYS as base64 Ed25519 public keys', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadConfig({ AUDIT_TRUSTED_KEYS: `${key}, ${key}` }).auditTrustedKeys).toEqual([
      key,
      key,
    ]);
    expect(loadConfig({}).auditTrustedKeys).toEqual([]);
    expect(loadConfig({}).auditKeyFile).toBe('.data/audit-signing-key.pem');
    expect(() => loadConfig({ AUDIT_TRUSTED_KEYS: 'c2hvcnQ=' })).toThrow(/AUDIT_TRUSTED_KEYS/);
  });

  it('reads AUDIT_SIGNING_KEY and never echoes a bad one', () => {
    const seed = Buffer.alloc(32, 1).toString('base64');
    expect(loadConfig({ AUDIT_SIGNING_KEY: seed }).auditSigningKey?.asymmetricKeyType).toBe(
      'ed25519',
    );
    expect(loadConfig({}).auditSigningKey).toBeUndefined();
    expect(() => loadConfig({ AUDIT_SIGNING_KEY: 'c2VjcmV0LXNob3J0' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('c2VjcmV0LXNob3J0') }),
    );
  });

  it('reads PUBLIC_URL, falling back to the listen address', () => {
    expect(loadConfig({}).publicUrl).toBe('http://127.0.0.1:3000');
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://127.0.0.1:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://mesh.example.com/' }).publicUrl).toBe(
      'https://mesh.example.com',
    );
    expect(loadConfig({ PUBLIC_URL: 'http://Mesh.Example.com:8080/api//' }).publicUrl).toBe(
      'http://mesh.example.com:8080/api',
    );
  });

  it.each([
    'mesh.example.com',
    '/agentmesh',
    'ftp://mesh.example.com',
    'javascript:alert(1)',
    'https://mesh.example.com/?x=1',
    'https://mesh.example.com/?',
    'https://mesh.example.com/#top',
    'https://user:pass@mesh.example.com',
  ])('refuses PUBLIC_URL=%s, naming it', (value) => {
    expect(() => loadConfig({ PUBLIC_URL: value })).toThrow(/PUBLIC_URL/);
  });

  it('reads CORS_ORIGINS as origins, as browsers send them', () => {
    expect(
      loadConfig({ CORS_ORIGINS: 'https://console.example.com, http://localhost:5173' })
        .corsOrigins,
    ).toEqual(['https://console.example.com', 'http://localhost:5173']);
    // One a browser would send in lower case with no default port: the same origin.
    for (const same of ['HTTPS://Console.Example.com:443', 'https://console.example.com/']) {
      expect(loadConfig({ CORS_ORIGINS: same }).corsOrigins).toEqual([
        'https://console.example.com',
      ]);
    }
  });

  it.each([
    'notaurl',
    'console.example.com',
    'https://console.example.com/app',
    'https://console.example.com/?x=1',
    'ftp://console.example.com',
    '*',
    'https://ok.example.com,notaurl',
  ])(
    'refuses CORS_ORIGINS=%s, naming it (an origin that never matches turns CORS off)',
    (value) => {
      expect(() => loadConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS/);
    },
  );

  it('reads lists of secrets', () => {
    expect(loadConfig({ GITHUB_WEBHOOK_SECRETS: 'a, b,,c' }).githubWebhookSecrets).toEqual([
      'a',
      'b',
      'c',
    ]);
  });
});

describe('parseSchedule', () => {
  it('reads units and bare seconds', () => {
    expect(parseSchedule('0,1,2s,3m,1h,1d,250ms')).toEqual([
      0, 1000, 2000, 180_000, 3_600_000, 86_400_000, 250,
    ]);
  });

  it.each(['', '5x', '-1', '1.5s', 'soon'])('refuses %p', (raw) => {
    expect(() => parseSchedule(raw)).toThrow();
  });
});

describe('duration', () => {
  it('reads one delay', () => {
    expect(duration('5d')).toBe(432_000_000);
    expect(duration('30')).toBe(30_000);
  });

  it.each(['1s,2s', 'x', ''])('refuses %p', (raw) => {
    expect(() => duration(raw)).toThrow();
  });

  it('names a bad webhook variable', () => {
    expect(() => loadConfig({ WEBHOOK_RETENTION: '1s,2s' })).toThrow(/WEBHOOK_RETENTION/);
  });

  it('reads the history partitions: monthly, two ahead, unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({
      historyPartitionInterval: 'month',
      historyPartitionsAhead: 2,
    });
    expect(
      loadConfig({ HISTORY_PARTITION_INTERVAL: 'day', HISTORY_PARTITIONS_AHEAD: '7' }),
    ).toMatchObject({ historyPartitionInterval: 'day', historyPartitionsAhead: 7 });
    expect(() => loadConfig({ HISTORY_PARTITION_INTERVAL: 'hour' })).toThrow(
      /HISTORY_PARTITION_INTERVAL/,
    );
    expect(() => loadConfig({ HISTORY_PARTITIONS_AHEAD: '0' })).toThrow(/HISTORY_PARTITIONS_AHEAD/);
  });

  it('reads how long a scrape reuses its database reads: 5 s, at most a minute, 0 off', () => {
    expect(loadConfig({}).metricsCacheMs).toBe(5_000);
    expect(loadConfig({ METRICS_CACHE: '0' }).metricsCacheMs).toBe(0);
    expect(loadConfig({ METRICS_CACHE: '15s' }).metricsCacheMs).toBe(15_000);
    expect(() => loadConfig({ METRICS_CACHE: '2m' })).toThrow(/METRICS_CACHE/);
    expect(() => loadConfig({ METRICS_CACHE: 'soon' })).toThrow(/METRICS_CACHE/);
  });
});
