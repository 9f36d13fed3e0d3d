import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { requestContext } from '../../common/context/request-context';
import { uuidv7 } from '../../common/ids';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import { ShutdownState } from '../../health/shutdown-state';
import { A2aPushService } from './a2a-push.service';

/** How often finished tasks' push configs are looked for. */
export const PUSH_SWEEP_EVERY_MS = 5_000;

/**
 * Removes the push configs of ended tasks once their last update is delivered (or dead), on
 * every replica with WORKERS=on (SKIP LOCKED: replicas never take the same config).
 */
@Injectable()
export class A2aPushSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(A2aPushSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly push: A2aPushService,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.timer = setInterval(() => {
      if (this.running || this.shutdown.isShuttingDown) return;
      this.running = this.sweep()
        .catch((error: Error) =>
          this.logger.warn(`Removing ended tasks' push configs failed: ${error.message}`),
        )
        .finally(() => (this.running = undefined));
    }, PUSH_SWEEP_EVERY_MS);
    this.timer.unref();
  }

  /** Sweeps until a batch comes back short. */
  async sweep(): Promise<number> {
    const context = {
      correlationId: `a2a-push-sweep-${uuidv7()}`,
      actor: { type: 'system' as const, id: 'agentmesh' },
    };
    return requestContext.run(context, async () => {
      let total = 0;
      for (;;) {
        const removed = await this.push.sweep(100);
        total += removed;
        if (removed < 100 || this.shutdown.isShuttingDown) return total;
      }
    });
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
