import { formatTraceparent, parseTraceparent } from '../common/tracing/trace-context';
import { readTracingSettings } from './tracing-settings';

describe('tracing settings', () => {
  it('is off without an endpoint, and reads the defaults', () => {
    expect(readTracingSettings({})).toEqual({
      tracesUrl: undefined,
      protocol: 'http/protobuf',
      serviceName: 'agentmesh',
      resourceAttributes: {},
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      headers: {},
      statementSpansMax: 100,
    });
  });

  it('reads the statement span cap: a whole number, or unlimited', () => {
    const cap = (value: string) =>
      readTracingSettings({ TRACING_STATEMENT_SPANS_MAX: value }).statementSpansMax;
    expect(cap('0')).toBe(0);
    expect(cap('250')).toBe(250);
    expect(cap('unlimited')).toBe(Infinity);
    for (const bad of ['-1', '1.5', 'many', '1000001']) {
      expect(() => cap(bad)).toThrow(/TRACING_STATEMENT_SPANS_MAX/);
    }
  });

  it('derives the traces URL from the base endpoint; the traces endpoint wins as is', () => {
    expect(readTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }).tracesUrl).toBe(
      'http://c:4318/v1/traces',
    );
    expect(
      readTracingSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://t/x',
      }).tracesUrl,
    ).toBe('https://t/x');
  });

  it('reads the resource, sampler, protocol and headers', () => {
    const settings = readTracingSettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,deployment.environment.name=prod%2Beu',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-token=a%3Db',
    });
    expect(settings).toMatchObject({
      protocol: 'http/json',
      serviceName: 'from-attrs',
      resourceAttributes: { 'deployment.environment.name': 'prod+eu' },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      headers: { 'x-token': 'a=b' },
    });
    expect(
      readTracingSettings({ OTEL_SERVICE_NAME: 'svc', OTEL_RESOURCE_ATTRIBUTES: 'service.name=x' })
        .serviceName,
    ).toBe('svc');
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'ftp://c'],
    ['OTEL_TRACES_SAMPLER', 'sometimes'],
    ['OTEL_TRACES_SAMPLER_ARG', '2'],
    ['OTEL_RESOURCE_ATTRIBUTES', 'novalue'],
  ])('refuses %s=%s, naming it', (name, value) => {
    expect(() => readTracingSettings({ [name]: value })).toThrow(name);
  });

  it('never echoes header values', () => {
    expect(() => readTracingSettings({ OTEL_EXPORTER_OTLP_HEADERS: 'secret-token' })).toThrow(
      /^(?!.*secret-token).*OTEL_EXPORTER_OTLP_HEADERS/s,
    );
  });
});

describe('traceparent', () => {
  it('parses and formats W3C version 00', () => {
    const value = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const parsed = parseTraceparent(value);
    expect(parsed).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: 1,
      isRemote: true,
    });
    expect(formatTraceparent(parsed!)).toBe(value);
  });

  it.each([
    null,
    '',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01',
    '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01',
  ])('refuses %p', (value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });
});
