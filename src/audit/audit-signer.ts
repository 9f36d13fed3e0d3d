import { Injectable, Logger } from '@nestjs/common';
import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AppConfig } from '../config/config';
import { ConfigError } from '../config/config';
import { InjectConfig } from '../config/config.module';
import { anchorKey } from './audit-anchor';
import {
  Checkpoint,
  keyIdOf,
  parseSigningKey,
  publicKeyBase64,
  signCheckpoint,
} from './audit-signing';

const MAX_ANCHORS = 16;

/** The last head this replica signed, kept outside the database. */
export interface Anchor {
  seq: string;
  hash: string;
  /** The database it was signed in (`DATABASE_IDENTITY_SQL`); absent when it could not be read. */
  database?: string;
}

export { keyIdOf } from './audit-signing';

/**
 * The Ed25519 key that signs checkpoints: AUDIT_SIGNING_KEY when set, else the PEM in
 * AUDIT_KEY_FILE, generated (mode 0600) on first start, so a chain is always signed. Trusted for
 * verification: this key, AUDIT_TRUSTED_KEYS (earlier keys, after a rotation) and the keys other
 * replicas' sealers registered in audit_signing_keys (replicas without a shared key each sign
 * with their own). Only a key pinned outside the database (the offline verifier's
 * `--public-key`) holds against someone who can write to the database.
 *
 * Beside the key it keeps an anchor: the last head this replica signed. A database restored from
 * an older backup (chain, entries and checkpoints all rolled back together) still verifies on
 * its own; against the anchor it shows as truncated. Offline, the same role is played by a
 * checkpoints file fetched earlier and kept elsewhere.
 */
@Injectable()
export class AuditSigner {
  private readonly logger = new Logger(AuditSigner.name);
  private readonly privateKey: KeyObject;
  readonly publicKey: string;
  readonly keyId: string;
  private readonly trusted: Set<string>;
  private readonly anchorFile: string;
  private anchors: Map<string, Anchor>;
  /** `anchorFileState()` when the anchors were last read or written. */
  private anchorFileSeen: string;

  constructor(@InjectConfig() config: AppConfig) {
    this.privateKey = config.auditSigningKey ?? this.loadOrCreate(config.auditKeyFile);
    this.publicKey = publicKeyBase64(this.privateKey);
    this.keyId = keyIdOf(this.publicKey);
    this.trusted = new Set([this.publicKey, ...config.auditTrustedKeys]);
    this.anchorFile = join(dirname(config.auditKeyFile), 'audit-anchor.json');
    this.anchorFileSeen = this.anchorFileState();
    // Unreadable at start: started afresh (said once), as a missing file would be.
    this.anchors = this.readAnchors() ?? this.unreadableAtStart();
  }

  /**
   * Records this key in audit_signing_keys, where the other replicas find it to trust what it
   * signed (checkpoints, receipts); a no-op once there.
   */
  get registration(): { sql: string; params: string[] } {
    return {
      sql: `INSERT INTO audit_signing_keys (public_key, key_id) VALUES ($1, $2)
            ON CONFLICT (public_key) DO NOTHING`,
      params: [this.publicKey, this.keyId],
    };
  }

  sign(fields: { seq: string; hash: string; signedAt: string }): Checkpoint {
    return signCheckpoint(this.privateKey, fields);
  }

  /** Ed25519 over `message` with the checkpoint key (run receipts), base64. */
  signBytes(message: Buffer): string {
    return sign(null, message, this.privateKey).toString('base64');
  }

  /** This key and AUDIT_TRUSTED_KEYS, plus `registered` (the keys the sealers recorded). */
  trusts(publicKey: string, registered: ReadonlySet<string> = new Set()): boolean {
    return this.trusted.has(publicKey) || registered.has(publicKey);
  }

  /**
   * The highest head this replica has signed for each chain, keyed by the hash at seq 1 (which
   * names a chain: a fresh database is another chain, not a truncated one) and the database it
   * was signed in (see `anchorBreak`). A copy: a verify takes it before its database snapshot,
   * so that each anchor is a head committed in what it reads.
   */
  anchorsNow(): ReadonlyMap<string, Anchor> {
    // The file moved aside (or replaced) since it was last read or written: an operator
    // accepting a restored chain (docs/operations.md) is not made to restart the replica.
    const state = this.anchorFileState();
    if (state !== this.anchorFileSeen) {
      this.anchorFileSeen = state;
      const read = this.readAnchors();
      // A file that is there but cannot be read (copied in place, cut short by a crash) does
      // not turn the anchors off: the ones known are kept until it reads again.
      if (read) this.anchors = read;
      else {
        this.logger.warn(
          `The audit anchor file ${this.anchorFile} cannot be read: keeping the anchors known; move it aside to drop them`,
        );
      }
    }
    return new Map(this.anchors);
  }

  /** Records a newly signed head; best effort (a read-only disk only loses the anchor). */
  recordAnchor(firstHash: string, anchor: Anchor): void {
    // What another process sharing the file wrote since is kept, not overwritten.
    this.anchorsNow();
    const key = anchorKey(firstHash, anchor.database);
    const known = this.anchors.get(key);
    if (known && BigInt(known.seq) >= BigInt(anchor.seq)) return;
    this.anchors.delete(key);
    // Signed before databases were recorded: this chain's anchor from now on is the keyed one
    // (not when it names another database, whose anchor it is).
    const legacy = this.anchors.get(firstHash);
    if (key !== firstHash && legacy && (legacy.database ?? anchor.database) === anchor.database) {
      this.anchors.delete(firstHash);
    }
    this.anchors.set(key, anchor);
    // The chains most recently signed; one in practice, a few on a developer's machine.
    while (this.anchors.size > MAX_ANCHORS) this.anchors.delete(this.anchors.keys().next().value!);
    try {
      const temporary = `${this.anchorFile}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(Object.fromEntries(this.anchors)), { mode: 0o600 });
      renameSync(temporary, this.anchorFile);
      this.anchorFileSeen = this.anchorFileState();
    } catch (error) {
      this.logger.warn(
        `Cannot keep the audit anchor in ${this.anchorFile}: ${(error as Error).message}`,
      );
    }
  }

  private unreadableAtStart(): Map<string, Anchor> {
    this.logger.warn(
      `The audit anchor file ${this.anchorFile} cannot be read: starting without anchors`,
    );
    return new Map();
  }

  /** What identifies the file's content (inode, size, mtime), or 'absent'. */
  private anchorFileState(): string {
    try {
      const stat = statSync(this.anchorFile);
      return `${stat.ino}/${stat.size}/${stat.mtimeMs}`;
    } catch {
      return 'absent';
    }
  }

  /** The anchors in the file: none when there is no file; undefined when it cannot be read. */
  private readAnchors(): Map<string, Anchor> | undefined {
    const anchors = new Map<string, Anchor>();
    let text: string;
    try {
      text = readFileSync(this.anchorFile, 'utf8');
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ENOENT' ? anchors : undefined;
    }
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      for (const [key, value] of Object.entries(parsed)) {
        const anchor = value as Partial<Anchor> | null;
        if (
          typeof anchor?.seq === 'string' &&
          /^\d+$/.test(anchor.seq) &&
          typeof anchor.hash === 'string'
        ) {
          anchors.set(key, {
            seq: anchor.seq,
            hash: anchor.hash,
            ...(typeof anchor.database === 'string' ? { database: anchor.database } : {}),
          });
        }
      }
    } catch {
      return undefined;
    }
    return anchors;
  }

  private loadOrCreate(file: string): KeyObject {
    const kept = readSigningKeyFile(file);
    if (kept) return kept;
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    try {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      // `wx`: two processes starting together on one disk keep the first key written.
      writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        return parseSigningKey(readFileSync(file, 'utf8'));
      }
      this.logger.warn(
        `Cannot save the generated audit signing key to ${file} (${(error as Error).message}): ` +
          'checkpoints are signed with a key that lasts until this process exits; set AUDIT_SIGNING_KEY',
      );
      return privateKey;
    }
    this.logger.log(
      { keyId: keyIdOf(publicKeyBase64(privateKey)), publicKey: publicKeyBase64(privateKey), file },
      'Generated the audit signing key; pin its public key to verify exports offline',
    );
    return privateKey;
  }
}

/**
 * The key kept in AUDIT_KEY_FILE; undefined when there is none yet (it is generated there). A
 * file that cannot be read or holds no Ed25519 key is a ConfigError: the process was started
 * with a setting it cannot use (main checks this before the application starts, so that it is
 * said in one line).
 */
export function readSigningKeyFile(file: string): KeyObject | undefined {
  try {
    return parseSigningKey(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError([
      `AUDIT_KEY_FILE ${file} is not a usable Ed25519 key: ${(error as Error).message}`,
    ]);
  }
}
