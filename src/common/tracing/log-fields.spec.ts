import { context, trace, TraceFlags } from '@opentelemetry/api';
import pino from 'pino';
import { Writable } from 'node:stream';
import { FrameContextManager } from './context-manager';
import { mergeTraceFields, traceFields } from './log-fields';

/** A pino logger with the service's trace mixin, and the lines it wrote. */
function logger(): { log: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ mixin: traceFields, mixinMergeStrategy: mergeTraceFields }, sink);
  return { log, lines };
}

const sampled = trace.wrapSpanContext({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
});
const unsampled = trace.wrapSpanContext({
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  traceFlags: TraceFlags.NONE,
});

describe('trace fields of log lines', () => {
  const manager = new FrameContextManager().enable();
  beforeAll(() => context.setGlobalContextManager(manager));
  afterAll(() => context.disable());

  it("names the active span's trace in each line written inside it, and nothing outside", async () => {
    const { log, lines } = logger();
    await context.with(trace.setSpan(context.active(), sampled), async () => {
      await Promise.resolve();
      log.info({ step: 1 }, 'inside');
    });
    context.with(trace.setSpan(context.active(), unsampled), () => log.info('unsampled'));
    log.info({ step: 2 }, 'outside');
    await new Promise((done) => setImmediate(done));
    expect(lines[0]).toMatchObject({
      msg: 'inside',
      step: 1,
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
      trace_flags: '01',
    });
    expect(lines[1]).toMatchObject({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      trace_flags: '00',
    });
    expect(lines[2]).toEqual(expect.objectContaining({ msg: 'outside', step: 2 }));
    expect(lines[2]).not.toHaveProperty('trace_id');
    expect(lines[2]).not.toHaveProperty('span_id');
  });

  it("keeps a line's own trace fields (the request line names its request's span)", () => {
    const { log, lines } = logger();
    context.with(trace.setSpan(context.active(), sampled), () =>
      log.info(
        {
          trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
          span_id: '00f067aa0ba902b7',
          trace_flags: '00',
        },
        'request completed',
      ),
    );
    expect(lines[0]).toMatchObject({
      trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      span_id: '00f067aa0ba902b7',
      trace_flags: '00',
    });
  });

  it('never carries one line into the next', () => {
    const { log, lines } = logger();
    log.info({ route: '/api/v1/agents', statusCode: 200 }, 'request completed');
    log.info('later');
    expect(lines[1]).not.toHaveProperty('route');
    expect(lines[1]).not.toHaveProperty('statusCode');
  });
});
