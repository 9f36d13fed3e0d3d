import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';

/**
 * What the bare baselines share around their routes: `/health/live` (the harness waits for it),
 * listening on $PORT, and on SIGTERM the server closed, then the pool, then the process.
 */
export async function serveBare(app: FastifyInstance, pool: Pool): Promise<void> {
  app.get('/health/live', async () => ({ status: 'ok' }));
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  process.once(
    'SIGTERM',
    () =>
      void app
        .close()
        .then(() => pool.end())
        .then(() => process.exit(0)),
  );
}
