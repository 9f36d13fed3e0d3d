import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `events` and `webhook_attempts` become range partitions on their UUIDv7 id, whose first 48
 * bits are the creation time: one partition per month, so retention drops whole partitions.
 * The primary key stays `(id)` (the partition key), so every lookup, upsert and foreign key by
 * id is unchanged and prunes to one partition. Existing rows are copied into a partition for each
 * month they were made in (at most three years back), the current month and the next two; ids
 * that are not UUIDv7 or older land in the default partition. The retention worker creates partitions
 * ahead from then on (HISTORY_PARTITION_INTERVAL). `down` copies everything back into a plain
 * table. Both hold an exclusive lock on the table while they copy it.
 */
export class PartitionHistory1763800070000 implements MigrationInterface {
  name = 'PartitionHistory1763800070000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of TABLES) await partition(queryRunner, table);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [...TABLES].reverse()) await unpartition(queryRunner, table);
  }
}

interface HistoryTable {
  name: string;
  /** A `GENERATED ALWAYS AS IDENTITY` column whose values are kept. */
  identity?: string;
  /** Constraints and indexes, recreated on the new table under their own names. */
  constraints: string[];
  indexes: string[];
}

const TABLES: HistoryTable[] = [
  {
    name: 'events',
    identity: 'position',
    constraints: [
      `CONSTRAINT "events_pkey" PRIMARY KEY ("id")`,
      `CONSTRAINT "events_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants" ("id")`,
    ],
    indexes: [
      `CREATE INDEX "events_undispatched" ON "events" ("position") WHERE "dispatched_at" IS NULL`,
      `CREATE INDEX "events_subject" ON "events" ("tenant_id", "subject_type", "subject_id", "position")`,
      `CREATE INDEX "events_dispatched_at" ON "events" ("dispatched_at") WHERE "dispatched_at" IS NOT NULL`,
      `CREATE INDEX "events_position" ON "events" ("position")`,
    ],
  },
  {
    name: 'webhook_attempts',
    constraints: [
      `CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("id")`,
      `CONSTRAINT "webhook_attempts_delivery_id_fkey" FOREIGN KEY ("delivery_id") REFERENCES "webhook_deliveries" ("id") ON DELETE CASCADE`,
    ],
    indexes: [
      `CREATE INDEX "webhook_attempts_delivery" ON "webhook_attempts" ("delivery_id", "attempted_at")`,
    ],
  },
];

const MONTHS_AHEAD = 2;
/** Older ids (hand-made ones, say) go to the default partition rather than to many months. */
const MONTHS_BACK_AT_MOST = 36;

function uuidBound(ms: number): string {
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-0000-0000-000000000000`;
}

function monthStart(ms: number, plus = 0): number {
  const date = new Date(ms);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + plus, 1);
}

async function partition(queryRunner: QueryRunner, table: HistoryTable): Promise<void> {
  const { name } = table;
  const staging = `${name}_partitioned`;
  await queryRunner.query(`LOCK TABLE "${name}" IN ACCESS EXCLUSIVE MODE`);
  await queryRunner.query(
    `CREATE TABLE "${staging}" (LIKE "${name}" INCLUDING DEFAULTS INCLUDING IDENTITY)
       PARTITION BY RANGE ("id")`,
  );
  // The months the table's UUIDv7 ids (version nibble 7) were made in, up to now and at most
  // three years back, then the current month and the next ones.
  const now = Date.now();
  const held = (await queryRunner.query(
    `SELECT DISTINCT (extract(epoch FROM date_trunc('month', to_timestamp(
              ('x' || substr(replace(id::text, '-', ''), 1, 12))::bit(48)::bigint / 1000.0)
              AT TIME ZONE 'UTC')) * 1000)::bigint::text AS month
       FROM "${name}"
      WHERE substr(id::text, 15, 1) = '7' AND id >= $1::uuid AND id < $2::uuid`,
    [uuidBound(monthStart(now, -MONTHS_BACK_AT_MOST)), uuidBound(monthStart(now))],
  )) as Array<{ month: string }>;
  const months = new Set(held.map((row) => Number(row.month)));
  for (let ahead = 0; ahead <= MONTHS_AHEAD; ahead += 1) months.add(monthStart(now, ahead));
  for (const from of [...months].sort((a, b) => a - b)) {
    const to = monthStart(from, 1);
    const day = new Date(from).toISOString().slice(0, 10).replace(/-/g, '');
    await queryRunner.query(
      `CREATE TABLE "${name}_p${day}" PARTITION OF "${staging}"
         FOR VALUES FROM ('${uuidBound(from)}') TO ('${uuidBound(to)}')`,
    );
  }
  await queryRunner.query(`CREATE TABLE "${name}_default" PARTITION OF "${staging}" DEFAULT`);
  await copyAndSwap(queryRunner, table, staging);
}

async function unpartition(queryRunner: QueryRunner, table: HistoryTable): Promise<void> {
  const { name } = table;
  const staging = `${name}_unpartitioned`;
  await queryRunner.query(`LOCK TABLE "${name}" IN ACCESS EXCLUSIVE MODE`);
  await queryRunner.query(
    `CREATE TABLE "${staging}" (LIKE "${name}" INCLUDING DEFAULTS INCLUDING IDENTITY)`,
  );
  await copyAndSwap(queryRunner, table, staging);
}

/** Copies every row into `staging`, drops the old table and gives `staging` its name. */
async function copyAndSwap(
  queryRunner: QueryRunner,
  table: HistoryTable,
  staging: string,
): Promise<void> {
  const { name, identity } = table;
  const overriding = identity ? 'OVERRIDING SYSTEM VALUE' : '';
  await queryRunner.query(`INSERT INTO "${staging}" ${overriding} SELECT * FROM "${name}"`);
  // Where the identity had got to (past the last row if later ones were deleted): positions
  // are never handed out twice, streams resume from them.
  const [sequence] = (
    identity
      ? await queryRunner.query(
          `SELECT greatest(pg_sequence_last_value('"${name}_${identity}_seq"'),
                           (SELECT max("${identity}") FROM "${name}"))::text AS last`,
        )
      : []
  ) as Array<{ last: string | null }>;
  await queryRunner.query(`DROP TABLE "${name}"`);
  await queryRunner.query(`ALTER TABLE "${staging}" RENAME TO "${name}"`);
  for (const constraint of table.constraints) {
    await queryRunner.query(`ALTER TABLE "${name}" ADD ${constraint}`);
  }
  for (const index of table.indexes) await queryRunner.query(index);
  if (identity) {
    // The identity's sequence was made for `staging`: give it the usual name.
    await queryRunner.query(
      `ALTER SEQUENCE "${staging}_${identity}_seq" RENAME TO "${name}_${identity}_seq"`,
    );
    if (sequence.last !== null) {
      await queryRunner.query(`SELECT setval('"${name}_${identity}_seq"', $1::bigint)`, [
        sequence.last,
      ]);
    }
  }
}
