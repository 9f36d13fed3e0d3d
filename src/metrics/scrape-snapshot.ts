import { Gauge, register } from 'prom-client';

/**
 * What a group of gauges reads at a scrape: one round of queries shared by every gauge of the
 * group (prom-client collects them together), reused for `cacheMs` when set (`METRICS_CACHE`:
 * several Prometheus servers, or a fast interval, share one round). prom-client's registry is
 * process-wide: each gauge is made once and reads the source of the application that registered
 * last (tests build several); with no source, or when it fails, the last value.
 */
export class ScrapeSnapshot<T> {
  private source: (() => Promise<T>) | undefined;
  private readAt = 0;
  private pending: Promise<T> | undefined;

  private cacheMs = 0;

  constructor(private latest: T) {}

  /** The application's reader, its reads reused for `cacheMs`; the next scrape reads through it. */
  readFrom(source: () => Promise<T>, cacheMs = 0): void {
    this.source = source;
    this.cacheMs = cacheMs;
    this.readAt = 0;
  }

  stopReading(): void {
    this.source = undefined;
  }

  get(): Promise<T> {
    if (this.cacheMs > 0 && Date.now() - this.readAt < this.cacheMs) {
      return Promise.resolve(this.latest);
    }
    this.pending ??= (
      this.source ? this.source().catch(() => this.latest) : Promise.resolve(this.latest)
    ).then((value) => {
      this.latest = value;
      this.readAt = Date.now();
      this.pending = undefined;
      return value;
    });
    return this.pending;
  }

  /**
   * A gauge filled from the snapshot at each scrape, reset first: a label whose series is gone
   * (a skill whose queue emptied) disappears instead of sticking at its last value.
   */
  gauge(
    name: string,
    help: string,
    labelNames: string[],
    fill: (gauge: Gauge, value: T) => void,
  ): void {
    if (register.getSingleMetric(name)) return;
    const read = () => this.get();
    new Gauge({
      name,
      help,
      labelNames,
      async collect() {
        const value = await read();
        this.reset();
        fill(this, value);
      },
    });
  }
}
