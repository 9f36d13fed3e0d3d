import { Injectable } from '@nestjs/common';

/** Set on SIGTERM: readiness answers 503 from then on and workers take no new work. */
@Injectable()
export class ShutdownState {
  private since: number | undefined;

  begin(): void {
    this.since ??= Date.now();
  }

  get isShuttingDown(): boolean {
    return this.since !== undefined;
  }
}
