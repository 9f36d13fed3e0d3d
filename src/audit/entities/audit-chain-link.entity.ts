import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The position and hash the sealer gave one entry; append-only, gap-free in `seq`. */
@Entity('audit_chain')
export class AuditChainLink {
  @PrimaryColumn({ type: 'bigint' })
  seq: string;

  @Column({ name: 'entry_id', type: 'uuid', unique: true })
  entryId: string;

  @Column({ name: 'prev_hash', type: 'char', length: 64 })
  prevHash: string;

  @Column({ type: 'char', length: 64 })
  hash: string;
}
