import { fetch as undiciFetch, request, type Agent } from 'undici';
import { Worker, type FetchLike } from '../packages/sdk/src';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The tasks scenario driven by SDK Workers instead of a hand-written loop: `agents` workers,
 * each `concurrency` tasks at once (as the raw loop claims max 5), a handler that returns at
 * once, until `total` tasks are completed. Their HTTP goes through `dispatcher` (undici's fetch
 * on kept-alive connections; or the raw loop's own client, undici's request, so the ratio
 * measures the SDK rather than the HTTP client underneath). Answers the seconds it took from
 * the workers' start to the last completion, and the errors the workers reported.
 */
export async function sdkRound(options: {
  base: string;
  apiKey: string;
  agents: string[];
  concurrency: number;
  total: number;
  dispatcher: Agent;
  /** `fetch`: undici's fetch, as the SDK does by default; `request`: the raw loop's client. */
  transport: 'fetch' | 'request';
}): Promise<{ seconds: number; done: number; errors: number }> {
  const fetchVia: FetchLike =
    options.transport === 'request'
      ? viaRequest(options.dispatcher)
      : (url, init) =>
          undiciFetch(url, { ...init, dispatcher: options.dispatcher } as Parameters<
            typeof undiciFetch
          >[1]);
  let done = 0;
  let errors = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const workers = options.agents.map(
    (id) =>
      new Worker({
        baseUrl: options.base,
        apiKey: options.apiKey,
        agent: { id, name: id, heartbeatIntervalSeconds: 3600 },
        handlers: { bench: () => ({ ok: true }) },
        concurrency: options.concurrency,
        pollSeconds: 1,
        logger: quiet,
        fetch: fetchVia,
      }),
  );
  for (const worker of workers) {
    worker.on((event) => {
      if (event.kind === 'completed') {
        done += 1;
        if (done >= options.total) finish();
      } else if (event.kind === 'failed' || event.kind === 'abandoned') errors += 1;
    });
  }
  const started = performance.now();
  await Promise.all(workers.map((worker) => worker.start()));
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(workers.map((worker) => worker.stop({ graceMs: 2_000 })));
  return { seconds, done, errors };
}

/**
 * A FetchLike over undici's request API: the parts of a Response the SDK reads (status, ok,
 * statusText, headers.get, text), without WHATWG streams, which cost the load generator about
 * four times the CPU of the service's own work per request on this bench.
 */
function viaRequest(dispatcher: Agent): FetchLike {
  return async (url, init) => {
    const response = await request(url, {
      method: (init.method ?? 'GET') as 'GET',
      headers: init.headers as Record<string, string>,
      body: init.body as string | undefined,
      signal: init.signal ?? undefined,
      dispatcher,
    });
    const text = await response.body.text();
    const header = (name: string) => {
      const value = response.headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(', ') : (value ?? null);
    };
    return {
      status: response.statusCode,
      ok: response.statusCode >= 200 && response.statusCode < 300,
      statusText: '',
      headers: { get: header },
      text: () => Promise.resolve(text),
      json: () => Promise.resolve(JSON.parse(text) as unknown),
    } as unknown as Response;
  };
}
