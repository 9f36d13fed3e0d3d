import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { ShutdownState } from '../health/shutdown-state';
import { QuarantineService } from './quarantine.service';

const SWEEP_EVERY_MS = 1_000;

/**
 * Releases quarantines whose cool-down has passed (`agent.released`, reason cooldown). Every
 * replica with WORKERS=on sweeps; rows are taken with SKIP LOCKED and deleted, so each is
 * released once. Dispatch does not wait for it: a quarantine past its `until` no longer holds.
 */
@Injectable()
export class QuarantineSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(QuarantineSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private failing = false;

  constructor(
    private readonly quarantines: QuarantineService,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    if (this.running || this.shutdown.isShuttingDown) return;
    this.running = true;
    try {
      await this.quarantines.releaseExpired();
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`Quarantine sweep failed: ${(error as Error).message}`);
      this.failing = true;
    } finally {
      this.running = false;
    }
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
