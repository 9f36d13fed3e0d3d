import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A signed head of the chain: rewriting history before `seq` no longer matches it. */
@Entity('audit_checkpoints')
export class AuditCheckpoint {
  @PrimaryColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'char', length: 64 })
  hash: string;

  @Column({ name: 'signed_at', type: 'varchar', length: 32 })
  signedAt: string;

  /** Raw Ed25519 public key, base64; verifiers pin the key they trust, not this column. */
  @Column({ name: 'public_key', type: 'varchar', length: 64 })
  publicKey: string;

  @Column({ type: 'varchar', length: 128 })
  signature: string;
}
