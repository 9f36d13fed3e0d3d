import { AsyncResource } from 'node:async_hooks';

/**
 * The loop of a woken worker (the outbox dispatcher, the webhook sender): `round` runs when
 * woken, one at a time. A wake during a round asks for one more; a round that answers `true`
 * (more is waiting) goes round again at once. An error ends the run and is reported once until
 * a run succeeds again; the next wake (a notification or the worker's poll) retries.
 */
export class WakeLoop {
  /**
   * Where rounds run: the async context the loop was made in (a worker's, at start), not that
   * of whoever wakes it. A round woken by a request's commit would otherwise run in the
   * request's context and write its lines with the request's logger and correlation id.
   */
  private readonly home = new AsyncResource('WakeLoop');
  private running: Promise<void> | undefined;
  private again = false;
  private failing = false;

  constructor(
    private readonly options: {
      round: () => Promise<boolean>;
      /** False while stopping: no new run starts and a running one ends after its round. */
      canRun: () => boolean;
      onFailure: (error: Error) => void;
    },
  ) {}

  wake(): void {
    if (!this.options.canRun()) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.home.runInAsyncScope(() =>
      this.loop()
        .then(
          () => {
            this.failing = false;
          },
          (error: Error) => {
            if (!this.failing) this.options.onFailure(error);
            this.failing = true;
          },
        )
        .finally(() => {
          this.running = undefined;
        }),
    );
  }

  /** Resolves once no round is running (for shutdown). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      if (await this.options.round()) this.again = true;
    } while (this.again && this.options.canRun());
  }
}
