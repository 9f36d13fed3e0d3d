import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { canonicalReceipt, receiptHashOf } from '../../audit/run-receipt';
import { requestContext } from '../../common/context/request-context';
import { uuidv7 } from '../../common/ids';
import { WakeLoop } from '../../common/workers/wake-loop';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import { Transaction, UnitOfWork } from '../../database/unit-of-work';
import { EventDispatcher } from '../../events/event-dispatcher';
import { EventsService } from '../../events/events.service';
import { ShutdownState } from '../../health/shutdown-state';
import { buildReceipt, ReceiptRun, ReceiptTask } from './receipt-builder';
import { receiptsIssued, receiptSigningSeconds } from './receipt-metrics';

const POLL_EVERY_MS = 250;
const BATCH = 50;
/** A run whose entries are not sealed yet is looked at again after this, doubling, capped. */
const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 5_000;
/** A run whose receipt failed to build (a defect or the database) waits this long. */
const ERROR_RETRY_MS = 30_000;

export const FINISHED_EVENT_TYPES = ['workflow.succeeded', 'workflow.failed', 'workflow.cancelled'];
const FINISHED_STATUSES = ['succeeded', 'failed', 'cancelled'];

type Outcome = 'issued' | 'unsealed' | 'not_finished';

/**
 * Issues a signed receipt for every run that finishes (succeeded, failed or cancelled). The
 * finishing event queues the run (in the dispatcher's transaction); this worker takes queued
 * runs with SKIP LOCKED, so N replicas share the queue, and issues a run's receipt once the
 * audit sealer has sealed all of its entries (the receipt names their seq range and the hash
 * at its end). The receipt, its audit entry and `workflow.receipt.issued` commit together; the
 * (run, finishedAt) key makes a second issuer's insert a no-op.
 */
@Injectable()
export class ReceiptIssuer implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ReceiptIssuer.name);
  private timer: NodeJS.Timeout | undefined;
  /** Set when the module stops: a backlog of finished runs must not hold the shutdown up. */
  private stopped = false;
  private readonly loop = new WakeLoop({
    round: async () => (await this.issueDue()) === BATCH,
    canRun: () => !this.stopped && !this.shutdown.isShuttingDown,
    onFailure: (error) => this.logger.warn(`Issuing run receipts failed: ${error.message}`),
  });

  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly dispatcher: EventDispatcher,
    private readonly audit: AuditService,
    private readonly events: EventsService,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.dispatcher.subscribe({
      name: 'workflows.receipts',
      types: FINISHED_EVENT_TYPES,
      handle: async (tx, events) => {
        const finished = events.filter((event) => typeof event.data.workflowId === 'string');
        if (finished.length === 0) return;
        // A later finish (a retried run) replaces the earlier one's event.
        await tx.manager.query(
          `INSERT INTO workflow_receipt_queue (run_id, event_id)
           SELECT q.run_id, q.event_id FROM unnest($1::uuid[], $2::uuid[]) AS q(run_id, event_id)
             JOIN workflow_runs r ON r.id = q.run_id
           ON CONFLICT (run_id) DO UPDATE
             SET event_id = EXCLUDED.event_id, attempts = 0, next_try_at = now()`,
          [finished.map((event) => event.data.workflowId), finished.map((event) => event.id)],
        );
      },
    });
  }

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.timer = setInterval(() => this.loop.wake(), POLL_EVERY_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.loop.idle();
  }

  /** Takes up to BATCH due runs, each in its own transaction; returns how many it looked at. */
  async issueDue(): Promise<number> {
    let looked = 0;
    while (looked < BATCH && !this.stopped && !this.shutdown.isShuttingDown) {
      const taken = await this.issueNext();
      if (!taken) break;
      looked += 1;
    }
    return looked;
  }

  /** One due run, under its queue row's lock; false when none is due (or all are taken). */
  private async issueNext(): Promise<boolean> {
    let runId: string | undefined;
    try {
      return await requestContext.run(
        { correlationId: `receipts-${uuidv7()}`, actor: { type: 'system', id: 'agentmesh' } },
        () =>
          this.unitOfWork.run(async (tx) => {
            const [item] = await tx.manager.query<
              Array<{ runId: string; eventId: string; attempts: number }>
            >(
              `SELECT run_id AS "runId", event_id AS "eventId", attempts
                 FROM workflow_receipt_queue WHERE next_try_at <= now()
                ORDER BY next_try_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
            );
            if (!item) return false;
            runId = item.runId;
            const outcome = await this.issue(tx, item.runId, item.eventId);
            if (outcome === 'unsealed') {
              const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** item.attempts);
              await tx.manager.query(
                `UPDATE workflow_receipt_queue
                    SET attempts = attempts + 1, next_try_at = now() + $2 * interval '1 millisecond'
                  WHERE run_id = $1`,
                [item.runId, delay],
              );
            } else {
              await tx.manager.query(`DELETE FROM workflow_receipt_queue WHERE run_id = $1`, [
                item.runId,
              ]);
            }
            return true;
          }),
      );
    } catch (error) {
      if (runId === undefined) throw error;
      // Set aside for a while so that one run cannot hold up the others behind it.
      this.logger.warn({ runId, err: error }, 'Issuing a run receipt failed; retrying later');
      await this.unitOfWork.run((tx) =>
        tx.manager.query(
          `UPDATE workflow_receipt_queue
              SET attempts = attempts + 1, last_error = $2,
                  next_try_at = now() + $3 * interval '1 millisecond'
            WHERE run_id = $1`,
          [runId, (error as Error).message.slice(0, 2000), ERROR_RETRY_MS],
        ),
      );
      return true;
    }
  }

  /** The run's receipt, if it is finished and its entries are sealed. */
  private async issue(tx: Transaction, runId: string, eventId: string): Promise<Outcome> {
    // FOR SHARE: a retry (which locks the run to change it) waits until the receipt is written.
    // `finishedKey`: the finish as PostgreSQL prints it (a Date would lose its microseconds, and
    // the receipt would never match its run's finish again).
    const [run] = await tx.manager.query<Array<ReceiptRun & { finishedKey: string }>>(
      `SELECT r.id, r.tenant_id AS "tenantId", r.type, r.definition_version AS "definitionVersion",
              r.status, r.input, r.output, r.usage, r.steps, r.created_at AS "createdAt",
              r.started_at AS "startedAt", r.finished_at AS "finishedAt",
              r.finished_at::text AS "finishedKey"
         FROM workflow_runs r WHERE r.id = $1 FOR SHARE`,
      [runId],
    );
    if (!run || !FINISHED_STATUSES.includes(run.status) || !run.finishedAt) return 'not_finished';
    const tasks = await tx.manager.query<ReceiptTask[]>(
      `SELECT t.id, t.step_key AS "stepKey", t.kind, t.status, t.element_index AS "elementIndex"
         FROM workflow_tasks t WHERE t.run_id = $1`,
      [runId],
    );
    const entries = await this.audit.runEntries(
      tx.manager,
      run.tenantId,
      run.id,
      tasks.map((task) => task.id),
    );
    if (!entries) return 'unsealed';
    const [definition] =
      run.definitionVersion === null
        ? []
        : await tx.manager.query<unknown[]>(
            `SELECT d.key, d.version, d.name, d.steps, d.triggers, d.concurrency,
                    d.on_finish AS "onFinish"
               FROM workflow_definitions d
              WHERE d.tenant_id = $1 AND d.key = $2 AND d.version = $3`,
            [run.tenantId, run.type, run.definitionVersion],
          );
    const started = performance.now();
    const receipt = buildReceipt({
      run: { ...run, finishedAt: new Date(run.finishedAt) },
      tasks,
      entries,
      definitionDocument: definition ?? null,
      issuedAt: new Date(),
    });
    const signed = this.audit.signWithAuditKey(canonicalReceipt(receipt));
    const receiptHash = receiptHashOf(receipt);
    receiptSigningSeconds.observe((performance.now() - started) / 1000);
    const inserted = await tx.manager.query<unknown[]>(
      `INSERT INTO workflow_receipts (run_id, finished_at, tenant_id, receipt, signature, key_id,
                                      public_key, receipt_hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (run_id, finished_at) DO NOTHING RETURNING 1`,
      [
        run.id,
        run.finishedKey,
        run.tenantId,
        JSON.stringify(receipt),
        signed.signature,
        signed.keyId,
        signed.publicKey,
        receiptHash,
      ],
    );
    if (inserted.length === 0) return 'issued';
    // A subject of its own: a run's history (and its stream) ends with its terminal event.
    const subject = { type: 'workflow_receipt', id: run.id };
    await this.audit.record(tx, {
      action: 'workflow_receipt.issue',
      resource: { type: 'workflow_receipt', id: run.id },
      after: { receiptHash, keyId: signed.keyId, status: run.status },
      tenantId: run.tenantId,
    });
    await this.events.emit(tx, {
      type: 'workflow.receipt.issued',
      subject,
      tenantId: run.tenantId,
      data: {
        workflowId: run.id,
        status: run.status,
        receiptHash,
        keyId: signed.keyId,
        finishedEventId: eventId,
      },
    });
    tx.afterCommit(() => receiptsIssued.inc({ status: run.status }));
    return 'issued';
  }
}
