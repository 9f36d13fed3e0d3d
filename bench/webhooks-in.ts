import { createHmac } from 'node:crypto';
import { freshDatabase, load, printTable, Row, startService } from './harness';

const SECRET = 'bench-github-secret';

/**
 * Inbound GitHub deliveries through the full stack: every request a new delivery id (signature
 * check, insert of the raw body, its domain event, one transaction), then the same delivery id
 * again and again (the duplicate path: signature check, one conflicting insert, one read).
 */
export async function benchInboundWebhooks(databaseUrl: string): Promise<Row[]> {
  const server = await startService(databaseUrl, {
    INBOUND_RATE_LIMIT_PER_MINUTE: '10000000',
    GITHUB_WEBHOOK_SECRETS: SECRET,
    GITHUB_HOOK_CIDRS: '127.0.0.0/8,::1',
  });
  try {
    // A typical "issues" payload is a few KiB.
    const body = JSON.stringify({
      action: 'opened',
      issue: { number: 1, title: 'Bench', body: 'x'.repeat(4000), labels: [] },
      repository: { full_name: 'acme/widgets' },
    });
    const headers = {
      'content-type': 'application/json',
      'x-github-event': 'issues',
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    };
    let sent = 0;
    const url = `${server.base}/`;
    const run = Date.now().toString(36);
    const fresh = await load(
      'POST /api/v1/hooks/github (new deliveries)',
      url,
      {},
      {
        method: 'POST',
        body,
        perConnection: () => ({
          path: '/api/v1/hooks/github',
          headers: { ...headers, 'x-github-delivery': `bench-${run}-${(sent += 1)}` },
        }),
      },
    );
    const repeated = await load(
      'POST /api/v1/hooks/github (redeliveries)',
      url,
      {},
      {
        method: 'POST',
        body,
        perConnection: () => ({
          path: '/api/v1/hooks/github',
          headers: { ...headers, 'x-github-delivery': `bench-${run}-1` },
        }),
      },
    );
    return [fresh, repeated];
  } finally {
    await server.stop();
  }
}

/** `BENCH_ONLY=webhooks-in npm run bench`: these scenarios alone, on a fresh database. */
export async function runInboundWebhooksAlone(): Promise<void> {
  const db = await freshDatabase();
  try {
    printTable(await benchInboundWebhooks(db.url));
  } finally {
    await db.dispose();
  }
}
