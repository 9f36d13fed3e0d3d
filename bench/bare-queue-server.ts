import fastify from 'fastify';
import { Pool } from 'pg';
import { serveBare } from './bare-serve';

/** The table the bare queue works (created by the dispatch scenario before it starts). */
export const BARE_QUEUE_TABLE = `
  CREATE TABLE bare_tasks (
    id bigserial PRIMARY KEY,
    status text NOT NULL DEFAULT 'queued',
    agent_id text,
    lease_token uuid,
    output jsonb,
    claimed_at timestamptz,
    finished_at timestamptz
  );
  CREATE INDEX bare_tasks_queued ON bare_tasks (id) WHERE status = 'queued';`;

/**
 * The dispatch floor: bare Fastify and pg answering the same two routes the plain loop calls
 * (claim, complete), one statement each, with none of our stack: no auth, no audit, no events,
 * no run, no skills, no lease expiry: the loop's two requests and two statements a task, and
 * nothing else. Its distance to graphile-worker is what HTTP alone costs here; ours to it is
 * what our stack costs.
 */
async function main() {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
  const app = fastify();
  app.post<{ Params: { id: string }; Body: { max?: number } }>(
    '/api/v1/agents/:id/tasks/claim',
    async (request) => {
      const { rows } = await pool.query<{ id: string; leaseToken: string }>(
        `UPDATE bare_tasks t
            SET status = 'claimed', agent_id = $1, lease_token = gen_random_uuid(), claimed_at = now()
           FROM (SELECT id FROM bare_tasks WHERE status = 'queued' ORDER BY id
                  LIMIT $2 FOR UPDATE SKIP LOCKED) q
          WHERE t.id = q.id
      RETURNING t.id::text AS id, t.lease_token AS "leaseToken"`,
        [request.params.id, request.body.max ?? 1],
      );
      return { data: { tasks: rows } };
    },
  );
  app.post<{ Params: { id: string }; Body: { leaseToken: string; output?: unknown } }>(
    '/api/v1/tasks/:id/complete',
    async (request, reply) => {
      const { rowCount } = await pool.query(
        `UPDATE bare_tasks SET status = 'succeeded', output = $3, finished_at = now()
          WHERE id = $1 AND lease_token = $2 AND status = 'claimed'`,
        [request.params.id, request.body.leaseToken, JSON.stringify(request.body.output ?? null)],
      );
      if (rowCount !== 1) return reply.code(409).send({ title: 'not leased' });
      return { data: {} };
    },
  );
  await serveBare(app, pool);
}

if (require.main === module) void main();
