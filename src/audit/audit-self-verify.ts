import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { BadRequestError } from '../common/errors/domain-error';
import { AuditVerifier, VerifyResult } from './audit-verifier';

export const SELF_VERIFY_INTERVAL_MS = 30_000;
/** Links one round re-hashes at most (a few tens of ms of database time). */
export const SELF_VERIFY_MAX_LINKS = 20_000;

interface State {
  verifiedSeq: number;
  valid: boolean;
  /** How far the sweep over links verified before has re-hashed them again this pass. */
  sweptSeq: number;
}

// prom-client's registry is process-wide: the gauges read the verifier that started last.
let current: State | undefined;

function gauge(name: string, help: string, value: (state: State) => number): void {
  if (register.getSingleMetric(name)) return;
  new Gauge({
    name,
    help,
    collect() {
      if (current) this.set(value(current));
    },
  });
}

/**
 * Re-verifies the audit chain in the background on worker replicas. Each round re-hashes the
 * links sealed since the last verified seq (the whole chain on the first rounds) and checks the
 * head against the signed checkpoints and the sealer's anchor, so a rewritten or truncated
 * history turns `audit_chain_valid` to 0; and it sweeps the links verified before once more,
 * SELF_VERIFY_MAX_LINKS at a time, starting over at seq 1 when the sweep reaches them all, so
 * an entry changed after it was verified is found too (within chain length / 20,000 rounds).
 * A failure stays 0 (it is re-checked from the same seq every round) until the chain verifies
 * again.
 */
@Injectable()
export class AuditSelfVerify implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(AuditSelfVerify.name);
  private readonly state: State = { verifiedSeq: 0, valid: true, sweptSeq: 0 };
  /** Whether the last head round and the last sweep found the chain intact. */
  private headValid = true;
  private sweepValid = true;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    @InjectConfig() private readonly config: AppConfig,
    private readonly verifier: AuditVerifier,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    gauge(
      'audit_chain_verified_seq',
      'Highest audit chain seq the background self-verify has re-hashed',
      (s) => s.verifiedSeq,
    );
    gauge(
      'audit_chain_valid',
      'Whether the background self-verify found the audit chain intact: 1, else 0',
      (s) => (s.valid ? 1 : 0),
    );
    current = this.state;
    this.schedule(1_000);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (current === this.state) current = undefined;
  }

  /** One round; answers the verification result. Rounds never overlap. */
  verifyOnce(): Promise<VerifyResult> {
    const round = this.last.then(() => this.round());
    this.last = round.catch(() => undefined);
    return round;
  }

  private async round(): Promise<VerifyResult> {
    const verifiedBefore = this.state.verifiedSeq;
    const head = await this.headRound();
    // A head that fails (a cut tail) is what the round reports; the sweep waits for it.
    const sweep =
      head.valid && verifiedBefore > 0 ? await this.sweepRound(verifiedBefore) : undefined;
    const valid = this.headValid && this.sweepValid;
    if (valid && !this.state.valid) this.logger.log('Audit chain verifies again');
    if (!valid && this.state.valid) {
      const failed = head.valid && sweep ? sweep : head;
      this.logger.error(
        { firstInvalidSeq: failed.firstInvalidSeq, reason: failed.reason },
        'Audit chain self-verify failed: the chain was altered',
      );
    }
    this.state.valid = valid;
    return !head.valid || !sweep ? head : sweep.valid ? head : sweep;
  }

  /**
   * The next SELF_VERIFY_MAX_LINKS of the links verified before (up to `upTo`), from where the
   * sweep stands; it stays there while they fail, and starts over at seq 1 once it has done them.
   */
  private async sweepRound(upTo: number): Promise<VerifyResult> {
    if (this.state.sweptSeq >= upTo) this.state.sweptSeq = 0;
    const fromSeq = this.state.sweptSeq + 1;
    const toSeq = Math.min(upTo, fromSeq + SELF_VERIFY_MAX_LINKS - 1);
    // With maxLinks, on one pooled connection (as the head round), not an admin call's several.
    const result = await this.verifier.verify({
      fromSeq,
      toSeq,
      maxLinks: SELF_VERIFY_MAX_LINKS,
    });
    this.sweepValid = result.valid;
    if (result.valid) this.state.sweptSeq = toSeq;
    return result;
  }

  /** The links sealed since the last verified seq, and the head. */
  private async headRound(): Promise<VerifyResult> {
    const fromSeq = this.state.verifiedSeq + 1;
    const result = await this.verifier
      .verify({ fromSeq, maxLinks: SELF_VERIFY_MAX_LINKS })
      .catch((error: unknown): VerifyResult => {
        // The head is now below what was verified: the chain lost its tail.
        if (!(error instanceof BadRequestError)) throw error;
        return {
          valid: false,
          checked: 0,
          firstInvalidSeq: fromSeq - 1,
          reason: 'chain_truncated',
          head: null,
        };
      });
    if (result.valid) this.state.verifiedSeq = fromSeq - 1 + result.checked;
    this.headValid = result.valid;
    return result;
  }

  get status(): Readonly<State> {
    return this.state;
  }

  private schedule(delayMs = SELF_VERIFY_INTERVAL_MS): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.verifyOnce()
        .then(
          () => undefined,
          (error: unknown) => this.logger.warn({ err: error }, 'Audit self-verify did not run'),
        )
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, delayMs);
    this.timer.unref();
  }
}
