import { Injectable, OnModuleInit } from '@nestjs/common';
import { PgNotifications } from '../database/pg-notifications';
import { API_KEYS_CHANNEL } from './api-key-cache';

/** A watch on one key: `changed` once the key was revoked, rotated or changed. */
export interface KeyWatch {
  readonly changed: boolean;
  /** Aborted when the key changes (and when `signal`, if given, aborts). */
  readonly signal: AbortSignal;
  dispose(): void;
}

/**
 * Requests that outlive their authentication (a claim waiting for work, a live stream) watch
 * their key here: a revoke, rotation or change of it (on any replica, through the same
 * notification the key cache hears) ends them, so nothing is handed or sent to a key that was
 * revoked meanwhile. Should notifications have been missed (the listening connection was
 * lost), every watch fires.
 */
@Injectable()
export class KeyChanges implements OnModuleInit {
  private readonly watching = new Map<string, Set<Watch>>();

  constructor(private readonly notifications: PgNotifications) {}

  onModuleInit(): void {
    this.notifications.subscribe(API_KEYS_CHANNEL, (keyId) => {
      for (const watch of this.watching.get(keyId) ?? []) watch.fire();
    });
    this.notifications.onReconnect(() => {
      for (const watches of this.watching.values()) for (const watch of watches) watch.fire();
    });
  }

  watch(keyId: string, signal?: AbortSignal): KeyWatch {
    const watch = new Watch(signal, () => {
      const watches = this.watching.get(keyId);
      watches?.delete(watch);
      if (watches?.size === 0) this.watching.delete(keyId);
    });
    let watches = this.watching.get(keyId);
    if (!watches) {
      watches = new Set();
      this.watching.set(keyId, watches);
    }
    watches.add(watch);
    return watch;
  }
}

class Watch implements KeyWatch {
  changed = false;
  private readonly controller = new AbortController();
  private readonly forward = () => this.controller.abort();

  constructor(
    private readonly outer: AbortSignal | undefined,
    private readonly release: () => void,
  ) {
    if (outer?.aborted) this.controller.abort();
    else outer?.addEventListener('abort', this.forward, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  fire(): void {
    this.changed = true;
    this.controller.abort();
  }

  dispose(): void {
    this.outer?.removeEventListener('abort', this.forward);
    this.release();
  }
}
