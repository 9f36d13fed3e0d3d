import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { requestContext } from '../../common/context/request-context';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { uuidv7 } from '../../common/ids';
import { withSpan } from '../../common/tracing/trace-context';
import { WakeLoop } from '../../common/workers/wake-loop';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import { PgNotifications } from '../../database/pg-notifications';
import { UnitOfWork } from '../../database/unit-of-work';
import { ShutdownState } from '../../health/shutdown-state';
import {
  AttemptRecord,
  ClaimedDelivery,
  DELIVERIES_CHANNEL,
  DeliveryStore,
} from './delivery-store';
import { afterAttempt, isSuccess } from './retry-policy';
import { retryTransaction } from './retry-transaction';
import { deliveryLatency, deliveryResults } from './webhook-metrics';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { SEND_TIMEOUT_MS, WebhookSender } from './webhook-sender';

/** Deliveries one endpoint may have in flight in this replica (about; claims come in batches). */
export const PER_ENDPOINT_IN_FLIGHT = 16;
/** An endpoint with this many in flight here is left out of claims until some answer. */
const CLAIMABLE_BELOW = PER_ENDPOINT_IN_FLIGHT / 2;
const MAX_IN_FLIGHT = 256;
const MAX_FAILING_REMEMBERED = 10_000;
/** A failing endpoint's next probe waits this long after the last answer. */
const FAILING_PROBE_GAP_MS = 100;
/** A claimed delivery is the sender's for this long; after a crash it is due again. */
export const LEASE_MS = SEND_TIMEOUT_MS + 5_000;
const POLL_EVERY_MS = 500;
const RECORD_BATCH = 500;
/** Writes of one batch of outcomes rolled back by a deadlock or serialization failure. */
const RECORD_ATTEMPTS = 5;
const RECORD_RETRY_DELAY_MS = 20;

interface Pending {
  record: AttemptRecord;
  done: () => void;
  fail: (error: Error) => void;
}

/**
 * Sends due deliveries. Every replica with WORKERS=on claims with SKIP LOCKED and a lease, so
 * N replicas share the queue and a crashed sender's deliveries go out again (at least once).
 * Each endpoint has its own lane of at most PER_ENDPOINT_IN_FLIGHT sends: a dead endpoint
 * occupies its own lane only, and while its attempts fail the lane narrows to one send at a
 * time, 100 ms apart, until one succeeds (the breaker, when it opens, defers even that). Woken by NOTIFY when
 * deliveries become due, and every 500 ms for scheduled retries. Outcomes are written in
 * batches (one transaction for many attempts).
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeliveryWorker.name);
  private readonly sender: WebhookSender;
  private readonly inFlight = new Map<string, number>();
  /** Endpoints whose last attempt here failed: when the next probe may start (epoch ms). */
  private readonly failing = new Map<string, number>();
  private readonly sends = new Set<Promise<void>>();
  private total = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly loop = new WakeLoop({
    round: () => this.fill(),
    canRun: () => !this.stopped && !this.shutdown.isShuttingDown,
    onFailure: (error) => this.logger.warn(`Claiming webhook deliveries failed: ${error.message}`),
  });
  private readonly unrecorded: Pending[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly store: DeliveryStore,
    private readonly endpoints: WebhookEndpointsService,
    private readonly unitOfWork: UnitOfWork,
    private readonly notifications: PgNotifications,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.sender = new WebhookSender(config.webhookAllowedCidrs);
  }

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.notifications.subscribe(DELIVERIES_CHANNEL, () => this.wake(), { drains: true });
    this.notifications.onReconnect(() => this.wake());
    this.timer = setInterval(() => this.wake(), POLL_EVERY_MS);
    this.timer.unref();
    this.wake();
  }

  /** Claims what is due, or asks the running claim loop to go round once more. */
  wake(): void {
    this.loop.wake();
  }

  /** One claim into the free room; true when it filled the room (more may be due). */
  private async fill(): Promise<boolean> {
    const room = MAX_IN_FLIGHT - this.total;
    if (room <= 0) return false;
    const endpoints = new Set([...this.inFlight.keys(), ...this.failing.keys()]);
    const busy = [...endpoints].filter(
      (endpointId) => (this.inFlight.get(endpointId) ?? 0) >= this.claimableBelow(endpointId),
    );
    const claimed = await this.store.claim({
      busyEndpoints: busy,
      perEndpoint: PER_ENDPOINT_IN_FLIGHT,
      total: room,
      leaseMs: LEASE_MS,
      breakerThreshold: this.config.webhookBreakerThreshold,
    });
    for (const delivery of claimed) this.start(delivery);
    return claimed.length > 0 && claimed.length >= room;
  }

  /**
   * An endpoint is claimed for again below this many in flight: half its lane. One whose last
   * attempt here failed is probed one delivery at a time, FAILING_PROBE_GAP_MS after the last
   * answer, until an attempt succeeds: a dead receiver costs at most a few requests a second,
   * not a lane's worth. (Claims also take one delivery of an endpoint with failures on record,
   * whichever replica saw them.)
   */
  private claimableBelow(endpointId: string): number {
    const nextProbe = this.failing.get(endpointId);
    if (nextProbe === undefined) return CLAIMABLE_BELOW;
    return Date.now() >= nextProbe ? 1 : 0;
  }

  private start(delivery: ClaimedDelivery): void {
    const lane = delivery.endpointId;
    this.inFlight.set(lane, (this.inFlight.get(lane) ?? 0) + 1);
    this.total += 1;
    // The lane is the endpoint's HTTP concurrency: freed when the answer is in, while the
    // outcome waits for its batch write (the lease keeps the delivery from being claimed again).
    // The next claim goes once the endpoint is claimable again (`claimableBelow`: a claim
    // takes up to a lane's worth) or the replica's room opens again, not after every answer:
    // claims are what a busy or failing endpoint costs the database. What becomes due
    // otherwise is woken by NOTIFY or the poll.
    const freeLane = (succeeded: boolean) => {
      const before = this.claimableBelow(lane);
      if (succeeded) this.failing.delete(lane);
      else {
        // Endpoints deleted while failing never succeed here: keep the map bounded.
        if (this.failing.size >= MAX_FAILING_REMEMBERED) this.failing.clear();
        this.failing.set(lane, Date.now() + FAILING_PROBE_GAP_MS);
      }
      const left = (this.inFlight.get(lane) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(lane);
      else this.inFlight.set(lane, left);
      const wasFull = this.total === MAX_IN_FLIGHT;
      this.total -= 1;
      const opened = left + 1 >= before && left < this.claimableBelow(lane);
      if (opened || wasFull) this.wake();
      else if (!succeeded && left === 0)
        setTimeout(() => this.wake(), FAILING_PROBE_GAP_MS).unref();
    };
    const send: Promise<void> = this.deliver(delivery, freeLane)
      .catch((error: Error) => {
        // The lease runs out and the delivery is sent again: at least once.
        this.logger.warn(
          { deliveryId: delivery.id, err: error },
          'Recording a webhook attempt failed',
        );
      })
      .finally(() => this.sends.delete(send));
    this.sends.add(send);
  }

  private async deliver(
    delivery: ClaimedDelivery,
    freeLane: (succeeded: boolean) => void,
  ): Promise<void> {
    let result;
    try {
      result = await this.sendTraced(delivery);
    } finally {
      freeLane(isSuccess(result?.statusCode));
    }
    const outcome = afterAttempt({
      statusCode: result.statusCode,
      retryAfter: result.retryAfter,
      attemptsMade: delivery.attempts + 1,
      maxAttempts: delivery.maxAttempts,
      schedule: this.config.webhookRetryScheduleMs,
    });
    await this.record({ delivery, ...result, outcome });
    deliveryResults.inc({ result: outcome.kind });
    if (outcome.kind === 'succeeded') {
      deliveryLatency.observe(Math.max(0, Date.now() - delivery.occurredAt.getTime()) / 1000);
    }
  }

  /**
   * One attempt in a `webhook.deliver` span, continuing the trace of the span that emitted the
   * event (a run's); the POST carries its `traceparent` (the undici instrumentation's).
   */
  private sendTraced(delivery: ClaimedDelivery) {
    return withSpan(
      'webhook.deliver',
      {
        kind: SpanKind.PRODUCER,
        parent: delivery.traceContext,
        attributes: {
          'agentmesh.webhook.delivery_id': delivery.id,
          'agentmesh.webhook.endpoint_id': delivery.endpointId,
          'agentmesh.webhook.message_id': delivery.messageId,
          'agentmesh.webhook.event_type': delivery.eventType,
          'agentmesh.webhook.attempt': delivery.attempts + 1,
        },
      },
      async (span) => {
        const result = await this.sender.send(delivery);
        if (span) {
          if (result.statusCode !== null) {
            span.setAttribute('http.response.status_code', result.statusCode);
          }
          if (!isSuccess(result.statusCode)) {
            span.setStatus({ code: SpanStatusCode.ERROR, message: result.error ?? 'not 2xx' });
          }
        }
        return result;
      },
    );
  }

  /** Queues an outcome for the next batch write; resolves once it is committed. */
  private record(record: AttemptRecord): Promise<void> {
    return new Promise<void>((done, fail) => {
      this.unrecorded.push({ record, done, fail });
      this.flush();
    });
  }

  private flush(): void {
    if (this.flushing) return;
    this.flushing = (async () => {
      while (this.unrecorded.length > 0) {
        const batch = this.unrecorded.splice(0, RECORD_BATCH);
        try {
          await this.writeBatch(batch.map((entry) => entry.record));
          for (const entry of batch) entry.done();
        } catch (error) {
          for (const entry of batch) entry.fail(error as Error);
        }
      }
    })().finally(() => {
      this.flushing = undefined;
    });
  }

  private writeBatch(records: AttemptRecord[]): Promise<void> {
    const context = {
      correlationId: `webhook-worker-${uuidv7()}`,
      actor: { type: 'system' as const, id: 'agentmesh' },
    };
    // A batch that loses a deadlock (or a serialization failure) is written again: dropped, its
    // deliveries would be sent again once their leases ran out and their endpoints' failure
    // counts would never be stored.
    return requestContext.run(context, () =>
      retryTransaction(
        () =>
          this.unitOfWork.run(async (tx) => {
            const disable = await this.store.record(tx, records, {
              threshold: this.config.webhookBreakerThreshold,
              cooldownMs: this.config.webhookBreakerCooldownMs,
              disableAfterMs: this.config.webhookDisableAfterMs,
            });
            for (const { endpointId, reason } of disable) {
              await this.endpoints.disableInTransaction(tx, endpointId, reason);
              this.logger.warn({ endpointId, reason }, 'Webhook endpoint disabled');
            }
          }),
        {
          attempts: RECORD_ATTEMPTS,
          baseDelayMs: RECORD_RETRY_DELAY_MS,
          onRetry: (error, attempt) =>
            this.logger.warn(
              { err: error, attempt, outcomes: records.length },
              'Recording webhook attempts was rolled back; writing the batch again',
            ),
        },
      ),
    );
  }

  /** Stops claiming and lets what is in flight finish and be recorded. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.loop.idle();
    await Promise.allSettled([...this.sends]);
    await this.flushing?.catch(() => undefined);
    await this.sender.close();
  }
}
