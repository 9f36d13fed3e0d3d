import {
  Global,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import type { AppConfig } from '../../config/config';
import { InjectConfig } from '../../config/config.module';
import { ShutdownState } from '../../health/shutdown-state';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyStore } from './idempotency.store';

const PURGE_EVERY_MS = 60_000;

/** Deletes expired keys once a minute; a plain DELETE, so any number of replicas may run it. */
@Injectable()
export class IdempotencyPurger implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(IdempotencyPurger.name);
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly store: IdempotencyStore,
    private readonly shutdown: ShutdownState,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.workers) return;
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  async purge(): Promise<number> {
    if (this.running || this.shutdown.isShuttingDown) return 0;
    this.running = true;
    let total = 0;
    try {
      for (let count = -1; count !== 0; total += count) count = await this.store.purgeExpired();
    } catch (error) {
      this.logger.warn(`Idempotency key purge failed: ${(error as Error).message}`);
    } finally {
      this.running = false;
    }
    return total;
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** The Idempotency-Key store and interceptor, for any module's `@Idempotent()` routes. */
@Global()
@Module({
  providers: [IdempotencyStore, IdempotencyInterceptor, IdempotencyPurger],
  exports: [IdempotencyStore, IdempotencyInterceptor],
})
export class IdempotencyModule {}
