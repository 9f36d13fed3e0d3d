import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { AuditService } from '../src/audit/audit.service';
import { createApp } from '../src/bootstrap';
import { requestContext } from '../src/common/context/request-context';
import { loadConfig } from '../src/config/config';
import { UnitOfWork } from '../src/database/unit-of-work';
import { receiptBench } from './receipts';

const WRITERS = Number(process.env.BENCH_AUDIT_WRITERS ?? 100);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/**
 * Audited writes: WRITERS concurrent loops, each committing transactions that hold one audit
 * entry (the cost every audited change pays), in the service process itself with its sealer
 * running. Meanwhile the oldest unsealed entry's age is sampled every 100 ms (seal lag). Then
 * the whole chain is verified as GET /audit/verify does it. Last, what signing a run receipt
 * costs per run (bench/receipts.ts).
 */
export async function auditBench(databaseUrl: string, seconds: number): Promise<string[]> {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    DB_POOL_SIZE: String(Math.min(WRITERS, 50)),
    AUDIT_KEY_FILE: join(mkdtempSync(join(tmpdir(), 'agentmesh-bench-key-')), 'key.pem'),
  });
  const app = await createApp(config);
  const unitOfWork = app.get(UnitOfWork);
  const audit = app.get(AuditService);
  const probe = new Client({ connectionString: databaseUrl });
  await probe.connect();
  const lags: number[] = [];
  let written = 0;
  let stop = false;
  try {
    const sampler = (async () => {
      while (!stop) {
        const { rows } = await probe.query<{ age: number }>(
          `SELECT COALESCE(EXTRACT(EPOCH FROM now() - min(e.occurred_at::timestamptz)), 0)::float8 AS age
             FROM audit_entries e
            WHERE e.txid >= COALESCE((SELECT h.txid FROM audit_chain c JOIN audit_entries h ON h.id = c.entry_id
                                       ORDER BY c.seq DESC LIMIT 1), 0)
              AND NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)`,
        );
        lags.push(rows[0].age * 1000);
        await new Promise((done) => setTimeout(done, 100));
      }
    })();
    const started = Date.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: WRITERS }, (_, writer) =>
        requestContext.run(
          { correlationId: `bench-${writer}`, tenantId: 'default', ip: '127.0.0.1' },
          async () => {
            for (let i = 0; Date.now() < deadline; i += 1) {
              await unitOfWork.run((tx) =>
                audit.record(tx, {
                  action: 'bench.write',
                  resource: { type: 'bench', id: `${writer}-${i}` },
                  after: { writer, i },
                }),
              );
              written += 1;
            }
          },
        ),
      ),
    );
    const elapsed = (Date.now() - started) / 1000;
    // Let the sealer catch up, still sampling, then stop sampling.
    for (let attempt = 0; attempt < 300; attempt += 1) {
      const { rows } = await probe.query<{ unsealed: number }>(
        `SELECT count(*)::int AS unsealed FROM audit_entries e
          WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.entry_id = e.id)`,
      );
      if (rows[0].unsealed === 0) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    stop = true;
    await sampler;
    const verifyStarted = process.hrtime.bigint();
    const verified = await audit.verify();
    const verifySeconds = Number(process.hrtime.bigint() - verifyStarted) / 1e9;
    const sorted = [...lags].sort((a, b) => a - b);
    return [
      `audited writes, ${WRITERS} writers: ${Math.round(written / elapsed)}/s (goal >= 3000/s)`,
      `seal lag (oldest unsealed entry, sampled every 100 ms): p50 ${Math.round(percentile(sorted, 50))} ms, p99 ${Math.round(percentile(sorted, 99))} ms (goal p99 < 1000 ms)`,
      `verify: ${verified.checked} entries in ${verifySeconds.toFixed(2)} s = ${Math.round(verified.checked / verifySeconds)} entries/s, valid=${verified.valid} (goal >= 200000/s)`,
      ...receiptBench(audit),
    ];
  } finally {
    stop = true;
    await probe.end();
    await app.close();
  }
}
