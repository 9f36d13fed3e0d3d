import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The list of agents whose claim waits for work (`agent_claim_waits`) is unlogged: every
 * long-poll that finds nothing writes its row and takes it off again when it ends, and as a
 * logged table each of those was a commit that waited for the write-ahead log to reach the
 * disk (two per wait, about a millisecond at the median on a quiet machine, ten at the tail).
 * What the table holds is only who may be offered a routed task, and lapses at its `until`
 * anyway: a crash empties it (PostgreSQL truncates unlogged tables in recovery), and a standby
 * promoted in a failover starts with it empty. Either way the draw sees no waiting agent until
 * the agents wait again, and queues the task for whoever claims first, as with nobody waiting:
 * the waiting claims are still woken by the queue's notifications, so no task waits on it.
 * Only the primary reads it (outcome routing, in the transaction that queues a task).
 */
export class ClaimWaitsUnlogged1763800270000 implements MigrationInterface {
  name = 'ClaimWaitsUnlogged1763800270000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "agent_claim_waits" SET UNLOGGED`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "agent_claim_waits" SET LOGGED`);
  }
}
