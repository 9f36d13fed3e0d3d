import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `workflow_tasks.claimed_after`: the task whose completion leased this one (`claimNext`), null
 * for a claim of its own. A repeated completion whose first answer was lost on its way back
 * answers the tasks it leased while the agent still holds them, instead of stranding them
 * until their lease runs out. Read by the agent's claimed tasks (`workflow_tasks_agent`); no
 * index of its own. A column without a default: no table rewrite.
 */
export class ClaimedAfter1763800290000 implements MigrationInterface {
  name = 'ClaimedAfter1763800290000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workflow_tasks" ADD COLUMN "claimed_after" uuid`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "workflow_tasks" DROP COLUMN "claimed_after"`);
  }
}
