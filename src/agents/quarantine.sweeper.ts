import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { WakeLoop } from '../common/workers/wake-loop';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { ShutdownState } from '../health/shutdown-state';
import { QuarantineService } from './quarantine.service';

const SWEEP_EVERY_MS = 1_000;

/**
 * Releases quarantines whose cool-down has passed (`agent.released`, reason cooldown), then
 * reviews deferred quarantines (quarantined once another agent covers the skill, dropped once
 * no longer warranted). Every replica with WORKERS=on sweeps; rows are taken with SKIP LOCKED
 * and deleted, so each is released once, and each skill's deferrals are decided under its
 * advisory lock. Dispatch does not wait for it: a quarantine past its `until` no longer holds.
 */
@Injectable()
export class QuarantineSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(QuarantineSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private readonly loop = new WakeLoop({
    round: async () => {
      await this.quarantines.releaseExpired();
      await this.quarantines.reviewDeferrals();
      return false;
    },
    canRun: () => !this.shutdown.isShuttingDown,
    onFailure: (error) => this.logger.warn(`Quarantine sweep failed: ${error.message}`),
  });

  constructor(
    private readonly quarantines: QuarantineService,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.timer = setInterval(() => this.loop.wake(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.loop.idle();
  }
}
