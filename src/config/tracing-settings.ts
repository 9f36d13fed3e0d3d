/** The standard OpenTelemetry variables the service honours, parsed once (see src/tracing.ts). */
export interface TracingSettings {
  /** Where spans are POSTed (the traces URL); undefined: tracing is off. */
  tracesUrl: string | undefined;
  protocol: OtlpProtocol;
  serviceName: string;
  /** `OTEL_RESOURCE_ATTRIBUTES`, decoded. */
  resourceAttributes: Record<string, string>;
  sampler: SamplerName;
  /** Ratio of the trace-id-ratio samplers, 0..1. */
  samplerRatio: number;
  /** `OTEL_EXPORTER_OTLP_HEADERS` (and `..._TRACES_HEADERS`), decoded. */
  headers: Record<string, string>;
  /** `TRACING_STATEMENT_SPANS_MAX`: statement spans per request or job (Infinity: no cap). */
  statementSpansMax: number;
}

/** The default cap on statement spans per request or job. */
export const STATEMENT_SPANS_MAX = 100;

export const OTLP_PROTOCOLS = ['http/json', 'http/protobuf'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

type Env = Record<string, string | undefined>;

/**
 * Reads the OTEL_* variables; throws an Error naming every bad one. Every variable is read
 * (also when tracing is off) so that the settings documentation can list them.
 */
export function readTracingSettings(env: Env): TracingSettings {
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
  };
  const base = get('OTEL_EXPORTER_OTLP_ENDPOINT');
  const traces = get('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const protocolRaw =
    get('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ??
    get('OTEL_EXPORTER_OTLP_PROTOCOL') ??
    // The OpenTelemetry exporter specification's default, and half the bytes of http/json
    // (the CPU either way is within the bench's spread: docs/operations.md).
    'http/protobuf';
  const serviceName = get('OTEL_SERVICE_NAME');
  const attributesRaw = get('OTEL_RESOURCE_ATTRIBUTES');
  const samplerRaw = get('OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  const samplerArg = get('OTEL_TRACES_SAMPLER_ARG');
  const headersRaw = [get('OTEL_EXPORTER_OTLP_HEADERS'), get('OTEL_EXPORTER_OTLP_TRACES_HEADERS')];
  const statementSpansRaw = get('TRACING_STATEMENT_SPANS_MAX');

  let tracesUrl: string | undefined;
  try {
    if (traces) tracesUrl = httpUrl(traces);
    else if (base) tracesUrl = `${httpUrl(base).replace(/\/+$/, '')}/v1/traces`;
  } catch (error) {
    const name = traces ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
    problems.push(`${name}: ${(error as Error).message}`);
  }
  const protocol = protocolRaw as OtlpProtocol;
  if (!OTLP_PROTOCOLS.includes(protocol)) {
    problems.push(
      `OTEL_EXPORTER_OTLP_PROTOCOL: must be one of ${OTLP_PROTOCOLS.join(', ')} (got ${JSON.stringify(protocolRaw)}; grpc is not supported)`,
    );
  }
  const sampler = samplerRaw as SamplerName;
  if (!SAMPLERS.includes(sampler)) {
    problems.push(`OTEL_TRACES_SAMPLER: must be one of ${SAMPLERS.join(', ')}`);
  }
  let samplerRatio = 1;
  if (samplerArg !== undefined) {
    samplerRatio = Number(samplerArg);
    if (!Number.isFinite(samplerRatio) || samplerRatio < 0 || samplerRatio > 1) {
      problems.push('OTEL_TRACES_SAMPLER_ARG: must be a number between 0 and 1');
      samplerRatio = 1;
    }
  }
  let resourceAttributes: Record<string, string> = {};
  try {
    resourceAttributes = keyValues(attributesRaw);
  } catch (error) {
    problems.push(`OTEL_RESOURCE_ATTRIBUTES: ${(error as Error).message}`);
  }
  const headers: Record<string, string> = {};
  for (const raw of headersRaw) {
    try {
      Object.assign(headers, keyValues(raw));
    } catch {
      // Never echoed: headers carry credentials.
      problems.push('OTEL_EXPORTER_OTLP_HEADERS: must be comma-separated key=value pairs');
    }
  }
  let statementSpansMax = STATEMENT_SPANS_MAX;
  if (statementSpansRaw !== undefined) {
    const value = Number(statementSpansRaw);
    if (statementSpansRaw === 'unlimited') statementSpansMax = Infinity;
    else if (/^\d+$/.test(statementSpansRaw) && value <= 1_000_000) statementSpansMax = value;
    else {
      problems.push(
        'TRACING_STATEMENT_SPANS_MAX: must be a whole number from 0 to 1000000, or unlimited',
      );
    }
  }
  if (problems.length > 0) throw new Error(problems.join('\n  '));
  return {
    tracesUrl,
    protocol,
    serviceName: serviceName ?? resourceAttributes['service.name'] ?? 'agentmesh',
    resourceAttributes,
    sampler,
    samplerRatio,
    headers,
    statementSpansMax,
  };
}

function httpUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error('must be an http(s) URL');
  }
  return raw;
}

/** The W3C Baggage-like `key=value,key=value` list of the OTEL_* variables, percent-decoded. */
function keyValues(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const part of raw.split(',')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    if (at <= 0) throw new Error('must be comma-separated key=value pairs');
    out[decodeURIComponent(part.slice(0, at).trim())] = decodeURIComponent(
      part.slice(at + 1).trim(),
    );
  }
  return out;
}
