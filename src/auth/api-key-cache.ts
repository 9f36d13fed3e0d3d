import { Injectable, OnModuleInit } from '@nestjs/common';
import { PgNotifications } from '../database/pg-notifications';

export interface Principal {
  keyId: string;
  tenantId: string;
  scopes: readonly string[];
  agentId: string | null;
  expiresAt: number | null;
}

export const API_KEYS_CHANNEL = 'agentmesh_api_keys';

const POSITIVE_TTL_MS = 60_000;
const NEGATIVE_TTL_MS = 10_000;
const MAX_ENTRIES = 50_000;
/**
 * How long after its last successful use a key counts as in use on this replica: while its
 * address is blocked for failed authentications, such a key is still looked up (see
 * AuthGuard), where its cache entry (loaded up to POSITIVE_TTL_MS ago) may have lapsed.
 */
const IN_USE_MS = 10 * 60_000;
/** Evictions remembered while loads are in flight, past which the oldest ones are pruned. */
const MAX_REMEMBERED_EVICTIONS = 10_000;

interface Entry {
  principal: Principal | null;
  until: number;
}

/**
 * Key hash → principal, with a generation counter so that a load can never store what it read
 * before an eviction of the same key. Without it a revoke committing between a cache miss's
 * database read and its cache write would be undone by that write, and the revoked key would
 * work for the whole TTL. Every eviction takes a new generation; a load remembers the
 * generation it began at and stores its result only if its key was not evicted since.
 */
export class PrincipalCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  /** Key id → generation of its last eviction, kept only while some load may predate it. */
  private readonly evictedAt = new Map<string, number>();
  private clearedAt = 0;
  /** Start generation → loads in flight that began at it. */
  private readonly loading = new Map<number, number>();

  /** Key hash → when a found key was last served (its use, not its load, slides this). */
  private readonly used = new Map<string, number>();

  get(hash: string): Principal | null | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    const now = Date.now();
    if (entry.until <= now) {
      this.entries.delete(hash);
      return undefined;
    }
    if (entry.principal) this.markUsed(hash, now);
    return entry.principal;
  }

  /**
   * Whether a key that a load found was served within IN_USE_MS: only a key that exists (or
   * existed) can be, so a guesser never gets here. It grants a lookup, not access: a key
   * revoked since is refused by that lookup.
   */
  inUse(hash: string): boolean {
    const last = this.used.get(hash);
    return last !== undefined && Date.now() - last < IN_USE_MS;
  }

  private markUsed(hash: string, now: number): void {
    if (this.used.size >= MAX_ENTRIES && !this.used.has(hash)) {
      for (const [key, last] of this.used) if (now - last >= IN_USE_MS) this.used.delete(key);
      if (this.used.size >= MAX_ENTRIES) this.used.clear();
    }
    this.used.set(hash, now);
  }

  /**
   * The cached principal, or what `load` reads (null: no such valid key). The caller gets the
   * load's answer even when it is not stored: it was true when the read began.
   */
  async resolve(hash: string, load: () => Promise<Principal | null>): Promise<Principal | null> {
    const cached = this.get(hash);
    if (cached !== undefined) return cached;
    const started = this.generation;
    this.loading.set(started, (this.loading.get(started) ?? 0) + 1);
    try {
      const principal = await load();
      if (!this.evictedSince(started, principal)) this.store(hash, principal);
      if (principal) this.markUsed(hash, Date.now());
      return principal;
    } finally {
      this.loadEnded(started);
    }
  }

  evictKey(keyId: string): void {
    this.generation += 1;
    if (this.loading.size > 0) {
      this.evictedAt.set(keyId, this.generation);
      if (this.evictedAt.size > MAX_REMEMBERED_EVICTIONS) this.pruneEvictions();
    }
    for (const [hash, entry] of this.entries) {
      if (entry.principal?.keyId === keyId) this.entries.delete(hash);
    }
  }

  /** Forgets everything, including what loads in flight have read. */
  clear(): void {
    this.generation += 1;
    this.clearedAt = this.generation;
    this.entries.clear();
  }

  private evictedSince(started: number, principal: Principal | null): boolean {
    if (this.clearedAt > started) return true;
    return principal !== null && (this.evictedAt.get(principal.keyId) ?? 0) > started;
  }

  private store(hash: string, principal: Principal | null): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const ttl = principal ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS;
    this.entries.set(hash, { principal, until: Date.now() + ttl });
  }

  private loadEnded(started: number): void {
    const remaining = (this.loading.get(started) ?? 1) - 1;
    if (remaining > 0) this.loading.set(started, remaining);
    else this.loading.delete(started);
    if (this.loading.size === 0) this.evictedAt.clear();
  }

  /** Drops evictions no load in flight began before: they can refuse nothing any more. */
  private pruneEvictions(): void {
    const oldest = Math.min(...this.loading.keys());
    for (const [keyId, generation] of this.evictedAt) {
      if (generation <= oldest) this.evictedAt.delete(keyId);
    }
  }
}

/**
 * The process's cache of authenticated keys. A revoked or rotated key is dropped here at once on
 * its own replica and, through NOTIFY, on every other; the TTL bounds staleness should a
 * notification ever be missed, and a lost LISTEN connection clears everything.
 */
@Injectable()
export class ApiKeyCache extends PrincipalCache implements OnModuleInit {
  constructor(private readonly notifications: PgNotifications) {
    super();
  }

  onModuleInit(): void {
    this.notifications.subscribe(API_KEYS_CHANNEL, (keyId) => this.evictKey(keyId));
    this.notifications.onReconnect(() => this.clear());
  }
}
