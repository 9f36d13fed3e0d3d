import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The events still to dispatch get a table of their own, `event_outbox` (an event's position
 * and id, and when a backed-off one may be taken again), filled by a statement trigger on
 * `events` and emptied as the dispatcher hands events to their handlers. An event row is
 * written once and never again: marking it dispatched used to write it a second time, with
 * its data, in every index of its partition (`dispatched_at` is in two partial indexes, so the
 * update could not be HOT), about a sixth of the write-ahead log of a dispatched task and
 * dead rows for vacuum in the largest table. The take now reads the outbox's primary key in
 * position order, a small table's index, instead of a partial index in every partition.
 *
 * `events.dispatched_at` and `next_dispatch_at` go (an event is dispatched when it is not in
 * the outbox); `dispatch_attempts` and `dispatch_error` stay on the event, where an operator
 * looks for why one was set aside. The trigger, not the statements that write events, fills
 * the outbox: every way an event is written (a hand-written INSERT too) is dispatched. A dump
 * restores the outbox as it was: its data is loaded before the trigger is made. A statement
 * trigger with a transition table runs once per statement, whatever the number of rows; the
 * partitioned table's trigger sees the rows of every partition.
 */
export class EventOutbox1763800280000 implements MigrationInterface {
  name = 'EventOutbox1763800280000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "event_outbox" (
        "position" bigint PRIMARY KEY,
        "event_id" uuid NOT NULL,
        "next_dispatch_at" timestamptz
      )`);
    await queryRunner.query(`
      INSERT INTO "event_outbox" ("position", "event_id", "next_dispatch_at")
      SELECT "position", "id", "next_dispatch_at" FROM "events" WHERE "dispatched_at" IS NULL`);
    await queryRunner.query(`
      CREATE FUNCTION "events_enter_outbox"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO event_outbox (position, event_id) SELECT position, id FROM entered;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "events_enter_outbox" AFTER INSERT ON "events"
        REFERENCING NEW TABLE AS entered
        FOR EACH STATEMENT EXECUTE FUNCTION "events_enter_outbox"()`);
    await queryRunner.query(`DROP INDEX "events_undispatched"`);
    await queryRunner.query(`DROP INDEX "events_dispatched_at"`);
    await queryRunner.query(
      `ALTER TABLE "events" DROP COLUMN "dispatched_at", DROP COLUMN "next_dispatch_at"`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "events" ADD COLUMN "dispatched_at" timestamptz,
                            ADD COLUMN "next_dispatch_at" timestamptz`,
    );
    // When an event went out is not kept: the time it occurred stands for it.
    await queryRunner.query(`
      UPDATE "events" e SET "dispatched_at" = e."occurred_at"
       WHERE NOT EXISTS (SELECT 1 FROM "event_outbox" o WHERE o."event_id" = e."id")`);
    await queryRunner.query(`
      UPDATE "events" e SET "next_dispatch_at" = o."next_dispatch_at"
        FROM "event_outbox" o WHERE o."event_id" = e."id" AND o."next_dispatch_at" IS NOT NULL`);
    await queryRunner.query(
      `CREATE INDEX "events_undispatched" ON "events" ("position") WHERE "dispatched_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "events_dispatched_at" ON "events" ("dispatched_at") WHERE "dispatched_at" IS NOT NULL`,
    );
    await queryRunner.query(`DROP TRIGGER "events_enter_outbox" ON "events"`);
    await queryRunner.query(`DROP FUNCTION "events_enter_outbox"()`);
    await queryRunner.query(`DROP TABLE "event_outbox"`);
  }
}
