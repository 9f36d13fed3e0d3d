import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `trace_context`: the W3C `traceparent` of the span that started a run, emitted an event or
 * fanned a message out, when tracing is on; later work (task attempts, dispatch, webhook
 * deliveries) continues or links to it, so one trace shows a run end to end.
 */
export class TraceContext1763800013000 implements MigrationInterface {
  name = 'TraceContext1763800013000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['workflow_runs', 'events', 'webhook_messages']) {
      await queryRunner.query(`ALTER TABLE "${table}" ADD COLUMN "trace_context" varchar(128)`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['webhook_messages', 'events', 'workflow_runs']) {
      await queryRunner.query(`ALTER TABLE "${table}" DROP COLUMN "trace_context"`);
    }
  }
}
