import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('tenants')
@Check('tenants_id_format', `"id" ~ '^[a-z0-9][a-z0-9-]{0,63}$'`)
export class Tenant {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
