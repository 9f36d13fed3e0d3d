/** What a batch answers for one of its items. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Natural batching (group commit): items submitted while `concurrency` batches are running
 * wait and go together in the next one, up to `maxBatch`; an item submitted when a slot is
 * free goes at once, alone. Nothing waits on a timer: under light load each item is its own
 * batch, under heavy load one round trip serves many. `run` answers one outcome per item, in
 * order; if it throws, every item of the batch fails with that error, or, with `retryAlone`,
 * each item of a larger batch goes again in a batch of its own (one that cannot be done does
 * not fail the others). Those retries take their turns like any batch, ahead of newer items:
 * a failed batch of 100 never becomes 100 transactions at once.
 */
interface Entry<I, R> {
  item: I;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

export class Batcher<I, R> {
  private readonly queue: Array<Entry<I, R>> = [];
  /** Items of failed batches, each to go again alone, before anything queued later. */
  private readonly retries: Array<Entry<I, R>> = [];
  private running = 0;

  constructor(
    private readonly options: {
      run: (items: I[]) => Promise<Array<Settled<R>>>;
      maxBatch: number;
      concurrency: number;
      retryAlone?: boolean;
    },
  ) {}

  submit(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.next();
    });
  }

  /** Batches running now (for tests and metrics). */
  get inFlight(): number {
    return this.running;
  }

  private next(): void {
    while (
      this.running < this.options.concurrency &&
      (this.retries.length > 0 || this.queue.length > 0)
    ) {
      const batch =
        this.retries.length > 0
          ? this.retries.splice(0, 1)
          : this.queue.splice(0, this.options.maxBatch);
      this.running += 1;
      void this.settle(batch).finally(() => {
        this.running -= 1;
        this.next();
      });
    }
  }

  private async settle(batch: Array<Entry<I, R>>): Promise<void> {
    let outcomes: Array<Settled<R>>;
    try {
      outcomes = await this.options.run(batch.map((entry) => entry.item));
    } catch (error) {
      if (this.options.retryAlone && batch.length > 1) {
        // Taken by `next` once this batch has given its slot back.
        this.retries.push(...batch);
        return;
      }
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => {
      const outcome = outcomes[index];
      if (!outcome) entry.reject(new Error('The batch answered no outcome for this item'));
      else if (outcome.ok) entry.resolve(outcome.value);
      else entry.reject(outcome.error);
    });
  }
}

/** The outcome of a promise, as a batch answers it. */
export async function settled<R>(promise: Promise<R>): Promise<Settled<R>> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error };
  }
}
