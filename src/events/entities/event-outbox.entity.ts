import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An event still to be handed to its handlers (the EventOutbox migration): its row enters with
 * the event (a statement trigger on `events`) and leaves when the event is dispatched or set
 * aside, so the event's own row is written once.
 */
@Entity('event_outbox')
export class EventOutboxRow {
  /** The event's position: the order events are dispatched in. */
  @PrimaryColumn({ type: 'bigint', primaryKeyConstraintName: 'event_outbox_pkey' })
  position: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId: string;

  /** After a failure, not taken again before this; null: as soon as the dispatcher runs. */
  @Column({ name: 'next_dispatch_at', type: 'timestamptz', nullable: true })
  nextDispatchAt: Date | null;
}
