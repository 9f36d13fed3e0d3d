import { createValidationPipe } from '../common/errors/validation';
import { HeartbeatDto } from './dto/agent-query.dto';
import { HeartbeatBodyPipe } from './heartbeat-body.pipe';

/** What a pipe makes of a body: the fields it hands on, or the 400 it answers. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: { ...((await run()) as object) } };
  } catch (error) {
    return { error: (error as { getResponse?: () => unknown }).getResponse?.() ?? String(error) };
  }
}

const BODIES: unknown[] = [
  { status: 'healthy' },
  { status: 'degraded', inFlight: 0, load: 0 },
  { status: 'draining', inFlight: 1_000_000, load: 1 },
  { status: 'healthy', inFlight: 3, load: 0.25 },
  { status: 'healthy', inFlight: null, load: null },
  { status: 'zombie' },
  { status: 'HEALTHY' },
  { status: ['healthy'] },
  { status: 'healthy', load: 2 },
  { status: 'healthy', load: -0.1 },
  { status: 'healthy', load: '0.5' },
  { status: 'healthy', inFlight: 1.5 },
  { status: 'healthy', inFlight: -1 },
  { status: 'healthy', inFlight: 1_000_001 },
  { status: 'healthy', inFlight: '3' },
  { status: 'healthy', inFlight: true },
  { status: 'healthy', extra: 1 },
  { status: 'healthy', toString: 'x' },
  {},
  [],
  [{ status: 'healthy' }],
  null,
  'healthy',
  42,
  undefined,
];

describe('HeartbeatBodyPipe', () => {
  const full = createValidationPipe();
  const fast = new HeartbeatBodyPipe();

  it.each(BODIES.map((body) => [JSON.stringify(body) ?? 'undefined', body]))(
    'answers %s exactly as the validation pipe does',
    async (_, body) => {
      const metadata = { type: 'body' as const, metatype: HeartbeatDto, data: undefined };
      expect(await outcome(() => fast.transform(body))).toEqual(
        await outcome(() => full.transform(body, metadata) as Promise<unknown>),
      );
    },
  );
});
