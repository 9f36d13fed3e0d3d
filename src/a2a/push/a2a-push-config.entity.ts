import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Unique } from 'typeorm';
import { Tenant } from '../../auth/entities/tenant.entity';
import { WebhookEndpoint } from '../../webhooks/outbound/entities/webhook-endpoint.entity';

/**
 * An A2A TaskPushNotificationConfig: a task's (run's) receiver of its status and artifact
 * updates. The receiver is a webhook endpoint of kind `a2a_push` (URL, secret, breaker,
 * deliveries); this row holds what A2A says about it and what was last queued for it.
 */
@Entity('a2a_push_configs')
@Unique('a2a_push_configs_task_config_key', ['tenantId', 'taskId', 'configId'])
@Index('a2a_push_configs_task', ['taskId'])
@Index('a2a_push_configs_terminal', ['endpointId'], { where: '"pushed_terminal"' })
export class A2aPushConfig {
  @PrimaryColumn({
    name: 'endpoint_id',
    type: 'uuid',
    primaryKeyConstraintName: 'a2a_push_configs_pkey',
  })
  endpointId: string;

  @ManyToOne(() => WebhookEndpoint, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'endpoint_id',
    foreignKeyConstraintName: 'a2a_push_configs_endpoint_id_fkey',
  })
  endpoint?: WebhookEndpoint;

  @Column({ name: 'tenant_id', type: 'varchar', length: 64 })
  tenantId: string;

  @ManyToOne(() => Tenant)
  @JoinColumn({ name: 'tenant_id', foreignKeyConstraintName: 'a2a_push_configs_tenant_id_fkey' })
  tenant?: Tenant;

  /** The run id (runs are not referenced: a config goes with its task's end, see the sweeper). */
  @Column({ name: 'task_id', type: 'uuid' })
  taskId: string;

  /** The A2A config id: the client's, or the endpoint id when it gave none. */
  @Column({ name: 'config_id', type: 'varchar', length: 64 })
  configId: string;

  @Column({ type: 'varchar', length: 512, nullable: true })
  token: string | null;

  @Column({ name: 'auth_scheme', type: 'varchar', length: 64, nullable: true })
  authScheme: string | null;

  @Column({ name: 'auth_credentials', type: 'varchar', length: 4096, nullable: true })
  authCredentials: string | null;

  /** The task status last queued (state and message, as JSON): the next update differs. */
  @Column({ name: 'pushed_status', type: 'text' })
  pushedStatus: string;

  /** A terminal status was queued: once delivered (or dead), the config is removed. */
  @Column({ name: 'pushed_terminal', type: 'boolean', default: false })
  pushedTerminal: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
