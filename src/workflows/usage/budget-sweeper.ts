import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import { WakeLoop } from '../../common/workers/wake-loop';
import { ShutdownState } from '../../health/shutdown-state';
import { BudgetsService } from './budgets.service';

/** How often running runs are checked against their `wallSeconds` (the limit's precision). */
const CHECK_EVERY_MS = 1_000;
const BATCH = 100;

/**
 * Enforces `budget.wallSeconds`, which no report announces: every replica with WORKERS=on looks
 * each second for running runs past it (a partial index holds only running runs with a budget)
 * and turns them budget_exceeded, a batch per transaction, skipping runs another holds.
 */
@Injectable()
export class BudgetSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(BudgetSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private readonly loop = new WakeLoop({
    round: async () => (await this.budgets.exceedWallClock(BATCH)) === BATCH,
    canRun: () => !this.shutdown.isShuttingDown,
    onFailure: (error) => this.logger.warn(`Wall-clock budget check failed: ${error.message}`),
  });

  constructor(
    private readonly budgets: BudgetsService,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.timer = setInterval(() => this.loop.wake(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.loop.idle();
  }
}
