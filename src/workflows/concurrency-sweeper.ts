import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
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
  private running = false;
  private failing = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: WorkflowEngine,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.timer = setInterval(() => void this.tick(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async tick(): Promise<void> {
    if (this.running || this.shutdown.isShuttingDown) return;
    this.running = true;
    try {
      await this.sweep();
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(`Concurrency sweep failed: ${(error as Error).message}`);
      this.failing = true;
    } finally {
      this.running = false;
    }
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
