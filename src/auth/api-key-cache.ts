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

interface Entry {
  principal: Principal | null;
  until: number;
}

/**
 * Key hash → principal, so authenticating a request costs no database round trip. A revoked
 * or rotated key is dropped here at once on its own replica and, through NOTIFY, on every
 * other; the TTL bounds staleness should a notification ever be missed.
 */
@Injectable()
export class ApiKeyCache implements OnModuleInit {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly notifications: PgNotifications) {}

  onModuleInit(): void {
    this.notifications.subscribe(API_KEYS_CHANNEL, (keyId) => this.evictKey(keyId));
    this.notifications.onReconnect(() => this.entries.clear());
  }

  get(hash: string): Principal | null | undefined {
    const entry = this.entries.get(hash);
    if (!entry) return undefined;
    if (entry.until <= Date.now()) {
      this.entries.delete(hash);
      return undefined;
    }
    return entry.principal;
  }

  set(hash: string, principal: Principal | null): void {
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const ttl = principal ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS;
    this.entries.set(hash, { principal, until: Date.now() + ttl });
  }

  evictKey(keyId: string): void {
    for (const [hash, entry] of this.entries) {
      if (entry.principal?.keyId === keyId) this.entries.delete(hash);
    }
  }
}
