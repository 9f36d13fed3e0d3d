import { Client } from 'pg';

/** The database cannot be used: `exitCode` 78 (EX_CONFIG) or 69 (EX_UNAVAILABLE). */
export class DatabaseUnusableError extends Error {
  constructor(
    message: string,
    readonly exitCode: 69 | 78,
  ) {
    super(message);
  }
}

/**
 * What no retry mends: no such database (3D000), credentials refused (28P01, 28000), a role
 * that may not log in or connect (42501). The setting is wrong.
 */
const SETTING_WRONG = new Set(['3D000', '28P01', '28000', '42501']);

/**
 * Before the application starts: one connection to the database, so that one that cannot be
 * used is said in one line, at once, rather than by the ORM's retries (nine, with a stack trace
 * each, half a minute). A database that refuses the setting (no such database, credentials
 * refused) ends the start with exit code 78; one that does not answer is tried `attempts`
 * times, a second apart (it may be starting beside the service), then 69.
 */
export async function awaitDatabase(
  url: string,
  options: {
    connectTimeoutMs: number;
    warn: (message: string) => void;
    attempts?: number;
    pauseMs?: number;
  },
): Promise<void> {
  const attempts = options.attempts ?? 5;
  const where = describe(url);
  for (let attempt = 1; ; attempt += 1) {
    const client = new Client({
      connectionString: url,
      connectionTimeoutMillis: options.connectTimeoutMs,
    });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      const { code, message } = error as { code?: string; message?: string };
      const reason = (message ?? String(error)).split('\n')[0];
      if (code && SETTING_WRONG.has(code)) {
        throw new DatabaseUnusableError(
          `Cannot use the database ${where}: ${reason}. Check DATABASE_URL.`,
          78,
        );
      }
      if (attempt >= attempts) {
        throw new DatabaseUnusableError(
          `The database ${where} does not answer (${reason}) after ${attempts} tries; ` +
            'is it running, and reachable from here? Check DATABASE_URL.',
          69,
        );
      }
      options.warn(
        `The database ${where} does not answer (${reason}); trying again (${attempt} of ${attempts})`,
      );
      await new Promise((resolve) => setTimeout(resolve, options.pauseMs ?? 1_000));
    }
  }
}

/** host:port/database of a connection string, never its user or password. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
    return `${host}:${parsed.port || '5432'}${parsed.pathname || '/'}`;
  } catch {
    return 'of DATABASE_URL';
  }
}
