import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { ShutdownState } from '../health/shutdown-state';
import { AgentsService } from './agents.service';

const SWEEP_EVERY_MS = 1_000;

/**
 * Marks agents silent for three heartbeat intervals offline. Every replica with WORKERS=on
 * sweeps; the single UPDATE makes that safe (a row already offline is not matched again).
 */
@Injectable()
export class LivenessSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LivenessSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private failing = false;

  constructor(
    private readonly agents: AgentsService,
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
      const offline = await this.agents.sweepSilentAgents();
      for (const agent of offline) {
        this.logger.log(
          { event: 'agent.offline', tenantId: agent.tenantId, agentId: agent.id },
          'Agent went offline',
        );
      }
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`Liveness sweep failed: ${(error as Error).message}`);
      this.failing = true;
    } finally {
      this.running = false;
    }
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
