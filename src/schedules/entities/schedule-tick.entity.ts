import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Schedule } from './schedule.entity';

/**
 * One fired tick of a schedule. Its primary key is the claim: of the replicas that see a tick
 * due, only the one whose insert wins starts its run.
 */
@Entity('schedule_ticks')
@Check('schedule_ticks_outcome_check', `"outcome" IN ('started', 'skipped')`)
export class ScheduleTick {
  @PrimaryColumn({
    name: 'schedule_id',
    type: 'uuid',
    primaryKeyConstraintName: 'schedule_ticks_pkey',
  })
  scheduleId: string;

  @ManyToOne(() => Schedule, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'schedule_id', foreignKeyConstraintName: 'schedule_ticks_schedule_id_fkey' })
  schedule?: Schedule;

  @PrimaryColumn({
    name: 'tick_at',
    type: 'timestamptz',
    primaryKeyConstraintName: 'schedule_ticks_pkey',
  })
  tickAt: Date;

  @Column({ name: 'run_id', type: 'uuid', nullable: true })
  runId: string | null;

  @Column({ type: 'varchar', length: 16 })
  outcome: 'started' | 'skipped';

  @Column({ name: 'fired_at', type: 'timestamptz', default: () => 'now()' })
  firedAt: Date;
}
