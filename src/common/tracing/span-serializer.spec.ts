import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { serializeSpans } from './span-serializer';

/**
 * The serializer is held to the library's bytes: whatever the exporter's own serializer
 * writes for a batch, ours writes the same, for every kind of field a span can carry.
 */
describe('span serializer', () => {
  function provider(attributes: Record<string, string>) {
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new BasicTracerProvider({
      resource: resourceFromAttributes(attributes),
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    return { exporter, tracerProvider };
  }

  const library = (spans: ReadableSpan[]) =>
    Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
  const ours = (spans: ReadableSpan[]) => Buffer.from(serializeSpans(spans));

  /** Spans of every shape: kinds, parents local and remote, events, links, statuses, values. */
  function variedSpans(): ReadableSpan[] {
    const { exporter, tracerProvider } = provider({
      'service.name': 'agentmesh',
      'service.version': '1.2.3',
      'deployment.environment.name': 'tést',
    });
    const tracer = tracerProvider.getTracer('agentmesh', '1.0.0');
    const other = tracerProvider.getTracer('other');
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: new TraceState('vendor=value,other=x'),
    });
    const server = tracer.startSpan('GET /api/v1/agents', { kind: SpanKind.SERVER }, remote);
    server.setAttributes({
      'http.request.method': 'GET',
      'url.path': '/api/v1/agents',
      'http.response.status_code': 200,
      'client.port': 65535,
      'big.int': 2 ** 40 + 7,
      'huge.int': 2 ** 62,
      'negative.int': -42,
      'very.negative': -(2 ** 40) - 3,
      'a.double': 1.5,
      'a.nan': Number.NaN,
      'a.bool': true,
      'a.false': false,
      strings: ['one', 'twö', ''],
      numbers: [1, 2.5, -3],
      bools: [true, false],
      'empty.string': '',
      unicode: 'ünïcödé ✓ 😀',
      'long.text': 'select '.repeat(400),
      'longer.text': 'x'.repeat(20_000),
    });
    const child = tracer.startSpan(
      'select agents',
      { kind: SpanKind.CLIENT },
      trace.setSpan(remote, server),
    );
    child.setAttribute('db.query.text', 'select * from agents where id = $1');
    child.addEvent('retry', { attempt: 2, 'reason.text': 'busy' });
    child.addEvent('bare');
    child.recordException(new Error('connection reset'));
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
    child.end();
    const linked = other.startSpan('outbox.dispatch', {
      kind: SpanKind.CONSUMER,
      links: [
        { context: server.spanContext() },
        {
          context: {
            traceId: 'ffffffffffffffffffffffffffffffff',
            spanId: '0000000000000001',
            traceFlags: TraceFlags.NONE,
            isRemote: true,
            traceState: new TraceState('a=b'),
          },
          attributes: { 'link.kind': 'caused-by', 'link.count': 3 },
        },
        {
          // Not hex: what a malformed stored context would give.
          context: {
            traceId: '0af7651916cd43dd8448eb211c80zz9c',
            spanId: 'B7AD6B71692033x1',
            traceFlags: TraceFlags.SAMPLED,
          },
        },
      ],
    });
    linked.setStatus({ code: SpanStatusCode.OK });
    linked.end();
    tracer.startSpan('internal', { kind: SpanKind.INTERNAL }).end();
    tracer.startSpan('x').end();
    server.end();
    const spans = exporter.getFinishedSpans();
    // A second resource in the same batch.
    const second = provider({ 'service.name': 'agentmesh-worker' });
    second.tracerProvider.getTracer('agentmesh').startSpan('worker span').end();
    return [...spans, ...second.exporter.getFinishedSpans()];
  }

  it('writes the bytes the library writes, for every kind of field', () => {
    const spans = variedSpans();
    expect(spans.length).toBeGreaterThan(5);
    expect(ours(spans)).toEqual(library(spans));
    // Again: this time from its caches of encoded attributes, resources and scopes.
    expect(ours(spans)).toEqual(library(spans));
  });

  it('writes each span alone as the library does, and an empty batch', () => {
    const spans = variedSpans();
    for (const span of spans) expect(ours([span])).toEqual(library([span]));
    expect(ours([])).toEqual(library([]));
  });

  it('writes times as the library does, across the range of seconds and nanoseconds', () => {
    const { exporter, tracerProvider } = provider({ 'service.name': 'agentmesh' });
    const tracer = tracerProvider.getTracer('agentmesh');
    const seconds = [0, 1, 0xffff, 0x10000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 17e9];
    let state = 7;
    const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 400; i += 1) {
      const second = i < seconds.length ? seconds[i] : Math.floor(random() * 2 ** 34);
      const nanos = i % 3 === 0 ? 999_999_999 : Math.floor(random() * 1e9);
      tracer
        .startSpan('timed', { startTime: [second, nanos] })
        .end([second + 1, 999_999_999 - nanos]);
    }
    const spans = exporter.getFinishedSpans();
    expect(ours(spans)).toEqual(library(spans));
  });

  it('writes batches too large for its first guess (many spans, long values)', () => {
    const { exporter, tracerProvider } = provider({ 'service.name': 'agentmesh' });
    const tracer = tracerProvider.getTracer('agentmesh');
    for (let i = 0; i < 3_000; i += 1) {
      const span = tracer.startSpan(`span ${i}`);
      // Values past the cache's bound, and more distinct values than it keeps.
      span.setAttribute('unique', `value ${i}`);
      if (i % 100 === 0) span.setAttribute('text', 'y'.repeat(5_000 + i));
      span.end();
    }
    const spans = exporter.getFinishedSpans();
    const bytes = ours(spans);
    expect(bytes.length).toBeGreaterThan(3_000 * 40);
    expect(bytes).toEqual(library(spans));
  });
});
