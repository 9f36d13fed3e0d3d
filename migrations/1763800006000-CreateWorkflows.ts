import { MigrationInterface, QueryRunner } from 'typeorm';

/** Workflow definitions (immutable versions), runs, and the task queue agents claim from. */
export class CreateWorkflows1763800006000 implements MigrationInterface {
  name = 'CreateWorkflows1763800006000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "workflow_definitions" (
        "tenant_id" varchar(64) NOT NULL REFERENCES "tenants" ("id"),
        "key" varchar(64) NOT NULL,
        "version" integer NOT NULL,
        "name" varchar(200),
        "steps" jsonb NOT NULL,
        "triggers" jsonb NOT NULL DEFAULT '[]',
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "workflow_definitions_pkey" PRIMARY KEY ("tenant_id", "key", "version")
      )`);
    await queryRunner.query(`
      CREATE TABLE "workflow_runs" (
        "id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL REFERENCES "tenants" ("id"),
        "type" varchar(64) NOT NULL,
        "definition_version" integer,
        "status" varchar(16) NOT NULL,
        "priority" integer NOT NULL DEFAULT 0,
        "input" jsonb,
        "steps" jsonb NOT NULL,
        "output" jsonb,
        "error" jsonb,
        "trigger_key" varchar(300),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "started_at" timestamptz,
        "finished_at" timestamptz,
        CONSTRAINT "workflow_runs_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "workflow_runs_status_check"
          CHECK ("status" IN ('pending', 'running', 'succeeded', 'failed', 'cancelled'))
      )`);
    await queryRunner.query(
      `CREATE INDEX "workflow_runs_tenant_id" ON "workflow_runs" ("tenant_id", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "workflow_runs_tenant_status" ON "workflow_runs" ("tenant_id", "status", "id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "workflow_runs_tenant_type" ON "workflow_runs" ("tenant_id", "type", "id")`,
    );
    // One run per (definition, trigger delivery): a delivery handled twice starts nothing new.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "workflow_runs_trigger" ON "workflow_runs" ("tenant_id", "type", "trigger_key")
        WHERE "trigger_key" IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "workflow_tasks" (
        "id" uuid NOT NULL,
        "tenant_id" varchar(64) NOT NULL REFERENCES "tenants" ("id"),
        "run_id" uuid NOT NULL,
        "step_key" varchar(64) NOT NULL,
        "skill" varchar(64) NOT NULL,
        "status" varchar(16) NOT NULL,
        "priority" integer NOT NULL DEFAULT 0,
        "input" jsonb NOT NULL,
        "output" jsonb,
        "error" jsonb,
        "attempt" integer NOT NULL DEFAULT 1,
        "max_attempts" integer NOT NULL,
        "timeout_seconds" integer,
        "retry_backoff" jsonb NOT NULL,
        "available_at" timestamptz NOT NULL DEFAULT now(),
        "agent_id" varchar(64),
        "lease_token" varchar(64),
        "lease_expires_at" timestamptz,
        "claimed_at" timestamptz,
        "deadline_at" timestamptz,
        "result_hash" varchar(64),
        "prev_lease_token" varchar(64),
        "prev_result_hash" varchar(64),
        "finished_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "workflow_tasks_pkey" PRIMARY KEY ("id"),
        CONSTRAINT "workflow_tasks_run_id_fkey" FOREIGN KEY ("run_id")
          REFERENCES "workflow_runs" ("id") ON DELETE CASCADE,
        CONSTRAINT "workflow_tasks_run_step" UNIQUE ("run_id", "step_key"),
        CONSTRAINT "workflow_tasks_status_check"
          CHECK ("status" IN ('queued', 'claimed', 'succeeded', 'failed', 'cancelled', 'timed_out'))
      )`);
    // The claim query: queued tasks of a tenant and skill, highest priority then oldest.
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_queue" ON "workflow_tasks"
        ("tenant_id", "skill", "priority" DESC, "available_at", "id") WHERE "status" = 'queued'`,
    );
    // The lease reaper and agent-death release: claimed tasks only (a small set).
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_leases" ON "workflow_tasks" ("lease_expires_at")
        WHERE "status" = 'claimed'`,
    );
    await queryRunner.query(
      `CREATE INDEX "workflow_tasks_agent" ON "workflow_tasks" ("tenant_id", "agent_id")
        WHERE "status" = 'claimed'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "workflow_tasks"`);
    await queryRunner.query(`DROP TABLE "workflow_runs"`);
    await queryRunner.query(`DROP TABLE "workflow_definitions"`);
  }
}
