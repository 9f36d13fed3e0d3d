import fastify from 'fastify';
import { Pool } from 'pg';
import { serveBare } from './bare-serve';

/**
 * The heartbeat baseline: bare Fastify and pg doing the same single-row UPDATE as
 * POST /api/v1/agents/{id}/heartbeat, with none of our stack.
 */
async function main() {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
  const app = fastify();
  app.post<{ Params: { id: string }; Body: { status: string } }>(
    '/api/v1/agents/:id/heartbeat',
    async (request) => {
      const status = request.body.status === 'healthy' ? 'online' : request.body.status;
      const result = await pool.query(
        `UPDATE agents SET status = $3, in_flight = NULL, load = NULL, last_heartbeat_at = now()
        WHERE tenant_id = $1 AND id = $2 RETURNING status, heartbeat_interval_seconds`,
        ['default', request.params.id, status],
      );
      const row = result.rows[0] as { status: string; heartbeat_interval_seconds: number };
      return { data: { status: row.status, nextHeartbeatSeconds: row.heartbeat_interval_seconds } };
    },
  );
  await serveBare(app, pool);
}

void main();
