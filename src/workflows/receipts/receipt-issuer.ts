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

/**
 * Issues a signed receipt for every run that finishes (succeeded, failed or cancelled). The
 * finishing event queues the run (in the dispatcher's transaction); this worker takes queued
 * runs a batch at a time with SKIP LOCKED, so N replicas share the queue, and issues a run's
 * receipt once the audit sealer has sealed all of its entries (the receipt names their seq
 * range and the hash at its end). The receipts of a batch, their audit entries and
 * `workflow.receipt.issued` events commit together; the (run, finishedAt) key makes a second
 * issuer's insert a no-op.
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

  /**
   * Takes up to BATCH due runs and issues their receipts in one transaction (a handful of
   * statements for the whole batch); returns how many it looked at. When the batch fails, its
   * runs are taken again one by one, each in its own transaction, so that one run that cannot
   * be issued is set aside without holding up the others.
   */
  async issueDue(): Promise<number> {
    if (this.stopped || this.shutdown.isShuttingDown) return 0;
    let taken: QueueItem[] = [];
    try {
      return await requestContext.run(issuerContext(), () =>
        this.unitOfWork.run(async (tx) => {
          taken = await tx.manager.query<QueueItem[]>(
            `SELECT run_id AS "runId", event_id AS "eventId", attempts
               FROM workflow_receipt_queue WHERE next_try_at <= now()
              ORDER BY next_try_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
            [BATCH],
          );
          if (taken.length > 0) await this.issueBatch(tx, taken);
          return taken.length;
        }),
      );
    } catch (error) {
      if (taken.length === 0) throw error;
      this.logger.warn(
        { err: error, runs: taken.length },
        'Issuing a batch of run receipts failed; issuing them one by one',
      );
      let looked = 0;
      for (const item of taken) {
        if (this.stopped || this.shutdown.isShuttingDown) break;
        if (await this.issueAlone(item.runId)) looked += 1;
      }
      return looked;
    }
  }

  /** One run, under its queue row's lock; false when it is no longer due (or taken). */
  private async issueAlone(runId: string): Promise<boolean> {
    try {
      return await requestContext.run(issuerContext(), () =>
        this.unitOfWork.run(async (tx) => {
          const taken = await tx.manager.query<QueueItem[]>(
            `SELECT run_id AS "runId", event_id AS "eventId", attempts
               FROM workflow_receipt_queue WHERE run_id = $1 AND next_try_at <= now()
                FOR UPDATE SKIP LOCKED`,
            [runId],
          );
          if (taken.length === 0) return false;
          await this.issueBatch(tx, taken);
          return true;
        }),
      );
    } catch (error) {
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

  /**
   * The receipts of the taken runs that are finished and whose entries are sealed; the others
   * are dropped from the queue (not finished: a later finish queues the run again) or looked
   * at again after a backoff (not sealed yet).
   */
  private async issueBatch(tx: Transaction, items: QueueItem[]): Promise<void> {
    const ids = items.map((item) => item.runId);
    // FOR SHARE, in id order as every run lock is taken: a retry (which locks the run to change
    // it) waits until the receipt is written. `finishedKey`: the finish as PostgreSQL prints it
    // (a Date would lose its microseconds, and the receipt would never match its run's finish).
    const runs = await tx.manager.query<Array<ReceiptRun & { finishedKey: string }>>(
      `SELECT r.id, r.tenant_id AS "tenantId", r.type, r.definition_version AS "definitionVersion",
              r.status, r.input, r.output, r.usage, r.steps, r.created_at AS "createdAt",
              r.started_at AS "startedAt", r.finished_at AS "finishedAt",
              r.finished_at::text AS "finishedKey"
         FROM workflow_runs r WHERE r.id = ANY($1::uuid[]) ORDER BY r.id FOR SHARE`,
      [ids],
    );
    const finished = runs.filter(
      (run) => FINISHED_STATUSES.includes(run.status) && run.finishedAt !== null,
    );
    const tasksOf = new Map<string, ReceiptTask[]>(finished.map((run) => [run.id, []]));
    if (finished.length > 0) {
      const tasks = await tx.manager.query<Array<ReceiptTask & { runId: string }>>(
        `SELECT t.run_id AS "runId", t.id, t.step_key AS "stepKey", t.kind, t.status,
                t.element_index AS "elementIndex"
           FROM workflow_tasks t WHERE t.run_id = ANY($1::uuid[])`,
        [finished.map((run) => run.id)],
      );
      // The run's own steps only: its onFinish report runs after its end and is not one of
      // them (the receipt's steps, and what a verifier counts as the run's entries).
      const stepsOf = new Map(
        finished.map((run) => [run.id, new Set(run.steps.map((step) => step.key))]),
      );
      for (const { runId, ...task } of tasks) {
        if (stepsOf.get(runId)?.has(task.stepKey)) tasksOf.get(runId)?.push(task);
      }
    }
    const entries = await this.audit.runsEntries(
      tx.manager,
      finished.map((run) => ({
        tenantId: run.tenantId,
        runId: run.id,
        taskIds: tasksOf.get(run.id)!.map((task) => task.id),
      })),
    );
    const sealed = finished.filter((run) => entries.get(run.id));
    const definitions = await this.definitionsOf(tx, sealed);
    const eventOf = new Map(items.map((item) => [item.runId, item.eventId]));
    const issued = sealed.map((run) => {
      const started = performance.now();
      const receipt = buildReceipt({
        run: { ...run, finishedAt: new Date(run.finishedAt) },
        tasks: tasksOf.get(run.id)!,
        entries: entries.get(run.id)!,
        definitionDocument:
          definitions.get(definitionKey(run.tenantId, run.type, run.definitionVersion)) ?? null,
        issuedAt: new Date(),
      });
      const signed = this.audit.signWithAuditKey(canonicalReceipt(receipt));
      const receiptHash = receiptHashOf(receipt);
      receiptSigningSeconds.observe((performance.now() - started) / 1000);
      return { run, receipt, signed, receiptHash };
    });
    // Its key is registered with its first receipts, so that every replica serves them (see
    // AuditService.receiptHolds), this one having sealed nothing or not.
    if (issued.length > 0) await this.audit.registerSigningKey(tx);
    // The (run, finishedAt) key makes a second issuer's insert (or a finish handled twice) a
    // no-op: only what this one inserted is audited and announced.
    const inserted =
      issued.length === 0
        ? []
        : await tx.manager.query<Array<{ runId: string }>>(
            `INSERT INTO workflow_receipts (run_id, finished_at, tenant_id, receipt, signature,
                                            key_id, public_key, receipt_hash)
             SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::varchar[], $4::jsonb[],
                                  $5::text[], $6::text[], $7::text[], $8::text[])
             ON CONFLICT (run_id, finished_at) DO NOTHING RETURNING run_id AS "runId"`,
            [
              issued.map((item) => item.run.id),
              issued.map((item) => item.run.finishedKey),
              issued.map((item) => item.run.tenantId),
              issued.map((item) => JSON.stringify(item.receipt)),
              issued.map((item) => item.signed.signature),
              issued.map((item) => item.signed.keyId),
              issued.map((item) => item.signed.publicKey),
              issued.map((item) => item.receiptHash),
            ],
          );
    const fresh = new Set(inserted.map((row) => row.runId));
    for (const { run, signed, receiptHash } of issued) {
      if (!fresh.has(run.id)) continue;
      // Each receipt in a context of its own, as if issued alone.
      await requestContext.run(issuerContext(), async () => {
        // A subject of its own: a run's history (and its stream) ends with its terminal event.
        await this.audit.record(tx, {
          action: 'workflow_receipt.issue',
          resource: { type: 'workflow_receipt', id: run.id },
          after: { receiptHash, keyId: signed.keyId, status: run.status },
          tenantId: run.tenantId,
        });
        await this.events.emit(tx, {
          type: 'workflow.receipt.issued',
          subject: { type: 'workflow_receipt', id: run.id },
          tenantId: run.tenantId,
          data: {
            workflowId: run.id,
            status: run.status,
            receiptHash,
            keyId: signed.keyId,
            finishedEventId: eventOf.get(run.id),
          },
        });
      });
      tx.afterCommit(() => receiptsIssued.inc({ status: run.status }));
    }
    // Runs finished but not sealed yet are looked at again after a backoff, doubling.
    const unsealed = items.filter((item) => {
      const list = entries.get(item.runId);
      return list === null;
    });
    if (unsealed.length > 0) {
      await tx.manager.query(
        `UPDATE workflow_receipt_queue q
            SET attempts = q.attempts + 1, next_try_at = now() + u.delay * interval '1 millisecond'
           FROM unnest($1::uuid[], $2::int[]) AS u(run_id, delay)
          WHERE q.run_id = u.run_id`,
        [
          unsealed.map((item) => item.runId),
          unsealed.map((item) => Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** item.attempts)),
        ],
      );
    }
    const gone = items.filter((item) => entries.get(item.runId) !== null);
    if (gone.length > 0) {
      await tx.manager.query(`DELETE FROM workflow_receipt_queue WHERE run_id = ANY($1::uuid[])`, [
        gone.map((item) => item.runId),
      ]);
    }
  }

  /** The stored definition versions the sealed runs were started from, by definitionKey. */
  private async definitionsOf(tx: Transaction, runs: ReceiptRun[]): Promise<Map<string, unknown>> {
    const versioned = runs.filter((run) => run.definitionVersion !== null);
    if (versioned.length === 0) return new Map();
    const rows = await tx.manager.query<Array<{ tenantId: string; document: unknown } & Json>>(
      `SELECT DISTINCT ON (d.tenant_id, d.key, d.version) d.tenant_id AS "tenantId",
              json_build_object('key', d.key, 'version', d.version, 'name', d.name,
                                'steps', d.steps, 'triggers', d.triggers,
                                'concurrency', d.concurrency, 'onFinish', d.on_finish) AS document
         FROM unnest($1::varchar[], $2::varchar[], $3::int[]) AS k(tenant_id, key, version)
         JOIN workflow_definitions d
           ON d.tenant_id = k.tenant_id AND d.key = k.key AND d.version = k.version`,
      [
        versioned.map((run) => run.tenantId),
        versioned.map((run) => run.type),
        versioned.map((run) => run.definitionVersion),
      ],
    );
    return new Map(
      rows.map((row) => {
        const document = row.document as { key: string; version: number };
        return [definitionKey(row.tenantId, document.key, document.version), document];
      }),
    );
  }
}

interface QueueItem {
  runId: string;
  eventId: string;
  attempts: number;
}

type Json = Record<string, unknown>;

function definitionKey(tenantId: string, key: string, version: number | null): string {
  return `${tenantId}\n${key}\n${version}`;
}

/** The context a receipt's audit entry and event are written in: the system, on its own. */
function issuerContext() {
  return {
    correlationId: `receipts-${uuidv7()}`,
    actor: { type: 'system' as const, id: 'agentmesh' },
  };
}
