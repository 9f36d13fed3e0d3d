/**
 * Reads the due steps' runs: the runs of the first `limit` due steps, oldest due first, each
 * step answering its run (a run with several due steps comes more than once).
 */
export type DueReader = (limit: number) => Promise<string[]>;

/**
 * One sweep of the timer: hands out the runs whose steps are due, a batch at a time, to lanes
 * that take the next batch as soon as they finished theirs (no lane waits for the others).
 * Each run is handed out once per sweep: a run held elsewhere (another replica, a signal) is
 * skipped by its batch's SKIP LOCKED and looked at again by the next sweep.
 *
 * The due runs are read `batch * lanes` at a time, when a lane finds none left; a run read
 * again while its batch is still in flight (not committed yet), or after it was skipped, is
 * not handed out twice: the read asks for as many more rows as there are such runs, so it can
 * still reach new ones. The sweep ends when a read is not full (nothing due beyond it; what
 * falls due meanwhile is the next tick's) or brings no run it had not handed out already.
 */
export class WakeSweep {
  private readonly queue: string[] = [];
  private readonly seen = new Set<string>();
  /** Runs handed out (or to be) whose steps a read may still answer: queued, in flight, skipped. */
  private outstanding = 0;
  private exhausted = false;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly read: DueReader,
    private readonly batch: number,
    private readonly lanes: number,
  ) {}

  /** The next batch of runs (in id order, the order runs are locked in); none: the sweep ended. */
  async next(): Promise<string[] | undefined> {
    for (;;) {
      if (this.queue.length > 0) {
        return this.queue.splice(0, this.batch).sort();
      }
      if (this.exhausted) return undefined;
      await this.refill();
    }
  }

  /** A batch ended: its runs, but `skipped` of them (held elsewhere, still due), are done. */
  done(batch: string[], skipped: number): void {
    this.outstanding -= batch.length - skipped;
  }

  /** One read at a time: lanes that find the queue empty together wait for the same one. */
  private refill(): Promise<void> {
    this.reading ??= (async () => {
      try {
        const limit = this.batch * this.lanes + this.outstanding;
        const runIds = await this.read(limit);
        let fresh = 0;
        for (const runId of runIds) {
          if (this.seen.has(runId)) continue;
          this.seen.add(runId);
          this.queue.push(runId);
          fresh += 1;
        }
        this.outstanding += fresh;
        if (runIds.length < limit || fresh === 0) this.exhausted = true;
      } catch (error) {
        // The lanes waiting for it fail with it; the others end at their next batch.
        this.exhausted = true;
        throw error;
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }
}
