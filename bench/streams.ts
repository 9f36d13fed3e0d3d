import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Client } from 'pg';
import { ADMIN_KEY, freshDatabase, startService } from './harness';

const STREAMS = Number(process.env.BENCH_STREAMS ?? 200);
const COMMITS_PER_SECOND = 20;
const DURATION = Number(process.env.BENCH_DURATION ?? 10);

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** Opens one SSE stream; `onEvent` gets each event's data (parsed) as it arrives. */
function openStream(url: string, onEvent: (data: { data: { seq: number } }) => void) {
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(
      url,
      { headers: { authorization: `Bearer ${ADMIN_KEY}`, accept: 'text/event-stream' } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = frame.split('\n').find((line) => line.startsWith('data: '));
            if (data) onEvent(JSON.parse(data.slice(6)) as { data: { seq: number } });
          }
        });
        resolve(res);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * Commit → SSE client latency with BENCH_STREAMS (200) streams open on one replica. Events are
 * committed by a client of their own with a NOTIFY on the outbox channel, as a commit on
 * another replica wakes this one (the path with the most hops); latency is from the moment
 * COMMIT is sent (so it includes the commit itself) to each stream's receipt of the event, over
 * every (event, stream) pair.
 */
export async function benchStreams(): Promise<void> {
  const db = await freshDatabase();
  const server = await startService(db.url);
  const pg = new Client({ connectionString: db.url });
  await pg.connect();
  const committedAt = new Map<number, number>();
  const latencies: number[] = [];
  const streams: IncomingMessage[] = [];
  try {
    const url = `${server.base}/api/v1/events/stream?types=bench.*`;
    for (let index = 0; index < STREAMS; index += 1) {
      streams.push(
        await openStream(url, (event) => {
          const at = committedAt.get(event.data.seq);
          if (at !== undefined) latencies.push(performance.now() - at);
        }),
      );
    }
    // Every stream has caught up and gone live.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const total = COMMITS_PER_SECOND * DURATION;
    const started = performance.now();
    for (let seq = 0; seq < total; seq += 1) {
      const due = started + (seq * 1000) / COMMITS_PER_SECOND;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await pg.query('BEGIN');
      await pg.query(
        `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, data)
         VALUES (gen_random_uuid(), 'default', 'bench.tick', 'bench', 'bench', $1)`,
        [JSON.stringify({ seq })],
      );
      await pg.query(`SELECT pg_notify('agentmesh_events', '')`);
      // From the moment COMMIT is sent (the event may reach a stream before its answer does).
      committedAt.set(seq, performance.now());
      await pg.query('COMMIT');
    }
    // Late deliveries count too (up to 15 s): a stream held behind a gap shows in the tail.
    const expected = total * STREAMS;
    for (let waited = 0; latencies.length < expected && waited < 15_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    console.log('');
    console.log(
      `streams: ${STREAMS} open streams, ${total} events at ${COMMITS_PER_SECOND}/s, ` +
        `${latencies.length}/${expected} deliveries`,
    );
    console.log(
      `commit -> SSE client latency: p50 ${percentile(sorted, 50).toFixed(1)} ms, ` +
        `p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`,
    );
  } finally {
    for (const stream of streams) stream.destroy();
    await pg.end();
    await server.stop();
    await db.dispose();
  }
}
