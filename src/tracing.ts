/* eslint-disable @typescript-eslint/no-require-imports */
import type { Sampler, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { FrameContextManager } from './common/tracing/context-manager';
import { TRACER_NAME, tracingState } from './common/tracing/trace-context';
import { readTracingSettings, TracingSettings } from './config/tracing-settings';

let provider: NodeTracerProvider | undefined;

/**
 * Starts OpenTelemetry tracing when an OTLP endpoint is set (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`): the tracer provider, W3C trace-context propagation,
 * and the undici instrumentation (outgoing webhooks). It must run before anything loads
 * `undici` or Nest (it is the first import of main.ts) so that its patch applies, and so that
 * `tracingState.enabled` is set before the Fastify hooks and the pool are set up. Without an
 * endpoint nothing is loaded or patched. A bad OTEL_* value is left to the config loader,
 * which names it and stops the process.
 *
 * Server spans and statement spans are ours, not the generic http and pg instrumentations':
 * a Fastify hook makes the request's span (`common/tracing/http-span.ts`; probes and scrapes
 * pay nothing) and the pool's statement wrapper a span per statement under a recorded span
 * (`database/db-metrics.ts`). The generic ones cost a quarter to a third of the throughput of
 * every route, untraced ones included (`BENCH_ONLY=tracing npm run bench`).
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): boolean {
  let settings: TracingSettings;
  try {
    settings = readTracingSettings(env);
  } catch {
    return false;
  }
  if (!settings.tracesUrl || provider) return false;

  const { NodeTracerProvider: Provider } =
    require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { BatchSpanProcessor } =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } =
    require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } =
    require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { UndiciInstrumentation } =
    require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');

  provider = new Provider({
    resource: resourceFromAttributes({
      ...settings.resourceAttributes,
      'service.name': settings.serviceName,
    }),
    sampler: sampler(settings),
    // Batches exported in the background; OTEL_BSP_* tune it (the SDK reads them).
    spanProcessors: [new BatchSpanProcessor(exporter(settings))],
  });
  // Registers the context manager (the active context in the request context's store, see
  // FrameContextManager) and the W3C traceparent/tracestate (and baggage) propagator.
  const contextManager = new FrameContextManager();
  provider.register({ contextManager });
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new UndiciInstrumentation()],
  });
  tracingState.tracer = provider.getTracer(TRACER_NAME);
  tracingState.contextManager = contextManager;
  tracingState.statementSpansMax = settings.statementSpansMax;
  tracingState.enabled = true;
  return true;
}

/** Exports what is buffered and stops; called once the application has closed. */
export async function stopTracing(): Promise<void> {
  const current = provider;
  provider = undefined;
  tracingState.enabled = false;
  tracingState.tracer = undefined;
  tracingState.contextManager = undefined;
  await current?.shutdown().catch(() => undefined);
}

function sampler(settings: TracingSettings): Sampler {
  const base =
    require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const ratio = new base.TraceIdRatioBasedSampler(settings.samplerRatio);
  switch (settings.sampler) {
    case 'always_on':
      return new base.AlwaysOnSampler();
    case 'always_off':
      return new base.AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new base.ParentBasedSampler({ root: new base.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new base.ParentBasedSampler({ root: ratio });
    case 'parentbased_always_on':
      return new base.ParentBasedSampler({ root: new base.AlwaysOnSampler() });
  }
}

/**
 * OTLP over HTTP: `http/json` is the exporter package's own; `http/protobuf` is the same
 * delegate (what the `exporter-trace-otlp-proto` package does) with our protobuf serializer
 * (`common/tracing/span-serializer.ts`: the bytes of `@opentelemetry/otlp-transformer`'s, in a
 * third of the time or less).
 */
function exporter(settings: TracingSettings): SpanExporter {
  const options = { url: settings.tracesUrl, headers: settings.headers };
  if (settings.protocol === 'http/json') {
    const { OTLPTraceExporter } =
      require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(options);
  }
  const { OTLPExporterBase } =
    require('@opentelemetry/otlp-exporter-base') as typeof import('@opentelemetry/otlp-exporter-base');
  const { createOtlpHttpExportDelegate, convertLegacyHttpOptions } =
    require('@opentelemetry/otlp-exporter-base/node-http') as typeof import('@opentelemetry/otlp-exporter-base/node-http');
  const { TraceExporterMetricsHelper } =
    require('@opentelemetry/otlp-transformer') as typeof import('@opentelemetry/otlp-transformer');
  const { spanSerializer } =
    require('./common/tracing/span-serializer') as typeof import('./common/tracing/span-serializer');
  return new OTLPExporterBase(
    createOtlpHttpExportDelegate(
      convertLegacyHttpOptions(options, 'TRACES', 'v1/traces', {
        'Content-Type': 'application/x-protobuf',
      }),
      spanSerializer,
      'otlp_http_span_exporter',
      TraceExporterMetricsHelper,
      undefined,
    ),
  );
}

startTracing();
