import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { WakeLoop } from '../common/workers/wake-loop';
import { ShutdownState } from '../health/shutdown-state';
import { stalledGroups } from './concurrency-slots';
import { WorkflowEngine } from './engine';

const SWEEP_EVERY_MS = 2_000;
const BATCH = 100;

/**
 * The backstop of concurrency keys: a run that frees a slot promotes the next in its key's
 * queue right after its commit; when that promotion is lost (the process died after the
 * commit, or it lost a deadlock), a waiting run would wait for ever. Every replica with
 * WORKERS=on sweeps: groups with a run waiting while a slot is free are promoted, each in its
 * own transaction under the group's lock, so two sweepers (or a sweeper and a finishing run)
 * never promote past the limit.
 */
@Injectable()
export class ConcurrencySweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ConcurrencySweeper.name);
  private timer: NodeJS.Timeout | undefined;
  /** One sweep at a time, none while shutting down; a failure is logged once until one succeeds. */
  private readonly loop = new WakeLoop({
    round: async () => (await this.sweep(), false),
    canRun: () => !this.shutdown.isShuttingDown,
    onFailure: (error) => this.logger.warn(`Concurrency sweep failed: ${error.message}`),
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: WorkflowEngine,
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

  /** Promotes the queues of stalled groups; answers how many runs started. */
  async sweep(): Promise<number> {
    let started = 0;
    for (const group of await stalledGroups(this.dataSource.manager, BATCH)) {
      if (this.shutdown.isShuttingDown) break;
      started += await this.engine.promoteAlone(group);
    }
    return started;
  }
}
