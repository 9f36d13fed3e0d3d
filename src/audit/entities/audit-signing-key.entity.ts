import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A key some replica's sealer signed checkpoints with. Online verification trusts these (and
 * AUDIT_TRUSTED_KEYS); a guarantee independent of the database needs the key pinned offline.
 */
@Entity('audit_signing_keys')
export class AuditSigningKey {
  /** Raw Ed25519 public key, base64. */
  @PrimaryColumn({ name: 'public_key', type: 'varchar', length: 64 })
  publicKey: string;

  @Column({ name: 'key_id', type: 'char', length: 16 })
  keyId: string;

  @Column({ name: 'registered_at', type: 'timestamptz', default: () => 'now()' })
  registeredAt: Date;
}
