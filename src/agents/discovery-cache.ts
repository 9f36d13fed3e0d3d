import { Injectable, OnModuleInit, Optional } from '@nestjs/common';
import { Counter, register } from 'prom-client';
import type { Page } from '../common/pagination';
import type { AppConfig } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { PgNotifications } from '../database/pg-notifications';
import { ReadRouter } from '../database/read-router';

/** NOTIFY channel of registry changes; the payload is the tenant. */
export const AGENTS_CHANNEL = 'agentmesh_agents';

/** Bounds of what is kept: past either, everything is dropped and refilled on demand. */
const MAX_ENTRIES = 10_000;
const MAX_BYTES = 64 * 1024 * 1024;

/** Discovery requests by how the cache answered: hit, stale (refreshing), miss, off. */
const answered =
  (register.getSingleMetric('discovery_cache_requests_total') as Counter | undefined) ??
  new Counter({
    name: 'discovery_cache_requests_total',
    help: 'Discovery requests by how the page cache answered them (hit, stale, miss, off)',
    labelNames: ['result'],
  });

interface Entry {
  page?: Page<string>;
  bytes: number;
  /** When the query that produced `page` started. */
  loadedAt: number;
  /** How long `page` is fresh: the period less up to a quarter, at random (see `load`). */
  freshFor: number;
  loading?: Promise<Page<string>>;
}

/**
 * Discovery pages (rendered JSON) per tenant and query, as a registry read path is cached
 * (Eureka's response cache, Consul's agent cache): fleets ask the same few questions ("who has
 * skill X") far more often than the registry changes. Every registry change (register, update,
 * deregister, a status change, the sweeper marking agents offline) drops the tenant's pages at
 * once on its own replica and, through NOTIFY, on every other. What changes with a beat and
 * nothing else (`lastHeartbeatAt`, `inFlight`, `load`) may be up to `DISCOVERY_CACHE` old:
 * after that a page is refreshed in the background (one query, while the old page is served a
 * second period at most), and past twice that it is not served at all. Concurrent misses of one
 * page share one query. `DISCOVERY_CACHE=0` turns it off.
 */
/** The read-your-writes scope of a tenant's agent registry (see ReadRouter). */
export function discoveryScope(tenantId: string): string {
  return `agents:${tenantId}`;
}

@Injectable()
export class DiscoveryCache implements OnModuleInit {
  private readonly tenants = new Map<string, Map<string, Entry>>();
  /** Bumped by each change of a tenant: a query that started before is not kept. */
  private readonly generations = new Map<string, number>();
  private entries = 0;
  private bytes = 0;

  constructor(
    private readonly notifications: PgNotifications,
    @InjectConfig() private readonly config: AppConfig,
    @Optional() private readonly reads?: ReadRouter,
  ) {}

  onModuleInit(): void {
    this.notifications.subscribe(AGENTS_CHANNEL, (tenantId) => this.invalidate(tenantId));
    this.notifications.onReconnect(() => this.clear());
  }

  async page(
    tenantId: string,
    key: string,
    load: () => Promise<Page<string>>,
  ): Promise<Page<string>> {
    const ttl = this.config.discoveryCacheMs;
    if (ttl === 0) {
      answered.inc({ result: 'off' });
      return load();
    }
    const entry = this.tenants.get(tenantId)?.get(key);
    if (entry?.page) {
      const age = Date.now() - entry.loadedAt;
      if (age < entry.freshFor) {
        answered.inc({ result: 'hit' });
        return entry.page;
      }
      if (age < 2 * ttl) {
        answered.inc({ result: 'stale' });
        if (!entry.loading) this.load(tenantId, key, entry, load).catch(() => undefined);
        return entry.page;
      }
    }
    answered.inc({ result: 'miss' });
    if (entry?.loading) return entry.loading;
    return this.load(tenantId, key, entry ?? this.add(tenantId, key), load);
  }

  /** A change of the tenant's registry: its pages go, here at once. */
  invalidate(tenantId: string): void {
    // Pages filled from a read replica in the next moments could predate the change.
    this.reads?.noteWrite(discoveryScope(tenantId));
    this.generations.set(tenantId, (this.generations.get(tenantId) ?? 0) + 1);
    const pages = this.tenants.get(tenantId);
    if (!pages) return;
    this.tenants.delete(tenantId);
    for (const entry of pages.values()) this.forget(entry);
  }

  private add(tenantId: string, key: string): Entry {
    if (this.entries >= MAX_ENTRIES || this.bytes >= MAX_BYTES) this.clear();
    let pages = this.tenants.get(tenantId);
    if (!pages) {
      pages = new Map();
      this.tenants.set(tenantId, pages);
    }
    const entry: Entry = { bytes: 0, loadedAt: 0, freshFor: 0 };
    pages.set(key, entry);
    this.entries += 1;
    return entry;
  }

  private load(
    tenantId: string,
    key: string,
    entry: Entry,
    load: () => Promise<Page<string>>,
  ): Promise<Page<string>> {
    const generation = this.generations.get(tenantId) ?? 0;
    const startedAt = Date.now();
    const loading = load().then(
      (page) => {
        const current =
          this.tenants.get(tenantId)?.get(key) === entry &&
          (this.generations.get(tenantId) ?? 0) === generation;
        if (current) {
          const bytes = page.items.reduce((sum, item) => sum + item.length, 0);
          this.bytes += bytes - entry.bytes;
          // Pages loaded together (after a start, a change) would all go stale in the same
          // instant and refresh in one burst of queries every period: a random share keeps
          // their refreshes apart.
          const freshFor = this.config.discoveryCacheMs * (0.75 + Math.random() * 0.25);
          Object.assign(entry, { page, bytes, loadedAt: startedAt, freshFor, loading: undefined });
        }
        return page;
      },
      (error: unknown) => {
        entry.loading = undefined;
        // A page that could not be refreshed is not served past its time.
        if (!entry.page) this.remove(tenantId, key, entry);
        throw error;
      },
    );
    entry.loading = loading;
    return loading;
  }

  private remove(tenantId: string, key: string, entry: Entry): void {
    const pages = this.tenants.get(tenantId);
    if (pages?.get(key) !== entry) return;
    pages.delete(key);
    if (pages.size === 0) this.tenants.delete(tenantId);
    this.forget(entry);
  }

  private forget(entry: Entry): void {
    this.entries -= 1;
    this.bytes -= entry.bytes;
  }

  private clear(): void {
    for (const tenantId of [...this.tenants.keys()]) this.invalidate(tenantId);
  }
}
