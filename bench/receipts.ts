import { AuditService } from '../src/audit/audit.service';
import { canonicalReceipt, ReceiptEntry, receiptHashOf } from '../src/audit/run-receipt';
import { uuidv7 } from '../src/common/ids';
import { buildReceipt, ReceiptTask } from '../src/workflows/receipts/receipt-builder';

const ROUNDS = Number(process.env.BENCH_RECEIPT_ROUNDS ?? 2000);

/**
 * What issuing a receipt costs the issuer's CPU per run, the database aside: building it from
 * the run's rows and audit entries, its canonical JSON, its sha256 and the Ed25519 signature
 * with the service's own key. A run of `steps` steps of `tasksPerStep` tasks each (a fan-out
 * step's elements), every task with four entries (queue, claim, retry... succeed).
 */
function receiptCost(audit: AuditService, steps: number, tasksPerStep: number, rounds: number) {
  const runId = uuidv7();
  const tasks: ReceiptTask[] = [];
  const entries: ReceiptEntry[] = [];
  let seq = 1_000_000;
  const entry = (resourceType: string, resourceId: string, action: string, after: unknown) => {
    seq += 1;
    entries.push({
      seq: String(seq),
      hash: seq.toString(16).padStart(64, '0'),
      occurredAt: new Date(1_764_000_000_000 + seq).toISOString().replace('Z', '000Z'),
      tenantId: 'default',
      action,
      resourceType,
      resourceId,
      after: JSON.stringify(after),
    });
  };
  entry('workflow', runId, 'workflow.create', { status: 'pending' });
  for (let s = 0; s < steps; s += 1) {
    for (let t = 0; t < tasksPerStep; t += 1) {
      const id = uuidv7();
      tasks.push({
        id,
        stepKey: `step-${s}`,
        kind: 'task',
        status: 'succeeded',
        elementIndex: tasksPerStep > 1 ? t : null,
      });
      entry('task', id, 'task.queue', { status: 'queued', attempt: 1, agentId: null });
      entry('task', id, 'task.claim', { status: 'claimed', attempt: 1, agentId: `agent-${t % 7}` });
      entry('task', id, 'task.retry', { status: 'queued', attempt: 2, agentId: null });
      entry('task', id, 'task.succeed', { status: 'succeeded', attempt: 2, agentId: 'agent-1' });
    }
  }
  entry('workflow', runId, 'workflow.succeed', { status: 'succeeded' });
  const run = {
    id: runId,
    tenantId: 'default',
    type: 'bench',
    definitionVersion: 1,
    status: 'succeeded',
    input: { topic: 'receipts', items: Array.from({ length: 20 }, (_, i) => i) },
    output: Object.fromEntries(
      Array.from({ length: steps }, (_, s) => [`step-${s}`, { text: 'x'.repeat(200) }]),
    ),
    steps: Array.from({ length: steps }, (_, s) => ({ key: `step-${s}`, kind: 'task' })),
    createdAt: new Date(),
    startedAt: new Date(),
    finishedAt: new Date(),
  };
  const definition = { key: 'bench', version: 1, steps: run.steps, triggers: [] };
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i += 1) {
    const receipt = buildReceipt({
      run,
      tasks,
      entries,
      definitionDocument: definition,
      issuedAt: new Date(),
    });
    audit.signWithAuditKey(canonicalReceipt(receipt));
    receiptHashOf(receipt);
  }
  return Number(process.hrtime.bigint() - started) / 1e3 / rounds;
}

/** Lines for the `audit` group: µs of issuer CPU per receipt, for a small and a fan-out run. */
export function receiptBench(audit: AuditService): string[] {
  receiptCost(audit, 10, 1, 50); // warm-up
  const small = receiptCost(audit, 10, 1, ROUNDS);
  const fanOut = receiptCost(audit, 2, 1000, Math.max(5, Math.round(ROUNDS / 200)));
  return [
    `receipt signing per run (build, canonical JSON, sha256, Ed25519; no database): 10 steps, 42 entries ${small.toFixed(0)} µs; fan-out of 1000 elements, 8002 entries ${(fanOut / 1000).toFixed(1)} ms`,
  ];
}
