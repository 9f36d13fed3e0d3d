import type { AttributeValue, Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import type { InstrumentationScope } from '@opentelemetry/core';
import {
  ProtobufTraceSerializer,
  type IExportTraceServiceResponse,
  type ISerializer,
} from '@opentelemetry/otlp-transformer';

/**
 * The OTLP/protobuf encoding of a batch of spans (`ExportTraceServiceRequest`), byte for byte
 * what `@opentelemetry/otlp-transformer`'s serializer writes (its spec holds it to that), in a
 * third of the time or less. That serializer encodes every attribute of every span anew: each
 * string is scanned three times in JavaScript (an ASCII test, a size pass, a write pass) and
 * each message longer than 127 bytes is moved once its length is known. A service's
 * attributes repeat (a route, a method, a statement's text, the database's name), so here
 * each string attribute's encoded `KeyValue` is kept and copied in, ids and strings are
 * written by Buffer's native hex and UTF-8 writers, and a span reserves two bytes for its
 * length. A batch is encoded on the event loop, in the end of the span that fills it: its
 * cost is taken from the requests running meanwhile.
 */

/** Encoded string attributes kept at most; past it the cache starts over. */
const MAX_CACHED_ATTRIBUTES = 4_096;
/** Longer strings are encoded each time (a statement's text is cut at 2,000 characters). */
const MAX_CACHED_VALUE_LENGTH = 4_096;

// Span flags of the OTLP specification.
const FLAGS_HAS_IS_REMOTE = 0x100;
const FLAGS_IS_REMOTE = 0x200;

// int64 bounds: integers in them are int_value, other numbers double_value (as the library).
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** A growing buffer with the few protobuf primitives the trace messages need. */
class Writer {
  buffer: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  ensure(size: number): void {
    const needed = this.pos + size;
    if (needed <= this.buffer.length) return;
    let length = this.buffer.length * 2;
    while (length < needed) length *= 2;
    const grown = Buffer.allocUnsafe(length);
    this.buffer.copy(grown, 0, 0, this.pos);
    this.buffer = grown;
  }

  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** A varint of an integer; negative ones as 64-bit two's complement (ten bytes). */
  varint(value: number): void {
    this.ensure(10);
    const buffer = this.buffer;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buffer[this.pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buffer[this.pos++] = v;
      return;
    }
    const magnitude = Math.abs(value);
    let low = magnitude >>> 0;
    let high = (magnitude / 0x100000000) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      buffer[this.pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buffer[this.pos++] = low & 0x7f;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.buffer.writeUInt32LE(value >>> 0, this.pos);
    this.pos += 4;
  }

  double(value: number): void {
    this.ensure(8);
    this.buffer.writeDoubleLE(value, this.pos);
    this.pos += 8;
  }

  /** An HrTime as fixed64 nanoseconds, exact (seconds · 1e9 passes 2^53). */
  time(time: HrTime): void {
    const [seconds, nanos] = time;
    const lowSeconds = seconds & 0xffff;
    const highSeconds = (seconds / 0x10000) >>> 0;
    const fromLow = lowSeconds * 1_000_000_000;
    const fromHigh = highSeconds * 1_000_000_000;
    const lowWithCarry = (fromLow >>> 0) + (((fromHigh & 0xffff) * 0x10000) >>> 0) + nanos;
    const high =
      (Math.floor(fromLow / 0x100000000) +
        ((fromHigh / 0x10000) >>> 0) +
        Math.floor(lowWithCarry / 0x100000000)) >>>
      0;
    this.ensure(8);
    this.buffer.writeUInt32LE(lowWithCarry >>> 0, this.pos);
    this.buffer.writeUInt32LE(high, this.pos + 4);
    this.pos += 8;
  }

  /**
   * An id given in hex (trace and span ids) as its bytes, length first. Buffer's writer stops
   * at a character that is not hex; such an id (a link to a malformed stored context) is
   * written digit by digit as the library does, so the length always holds.
   */
  hexBytes(hex: string): void {
    const length = hex.length >>> 1;
    this.varint(length);
    this.ensure(length);
    if (this.buffer.write(hex, this.pos, length, 'hex') !== length) {
      for (let i = 0; i < length; i += 1) {
        this.buffer[this.pos + i] =
          ((hexDigit(hex.charCodeAt(2 * i)) << 4) | hexDigit(hex.charCodeAt(2 * i + 1))) & 0xff;
      }
    }
    this.pos += length;
  }

  string(value: string): void {
    const length = Buffer.byteLength(value, 'utf8');
    this.varint(length);
    this.ensure(length);
    this.pos += this.buffer.write(value, this.pos, length, 'utf8');
  }

  bytes(value: Uint8Array): void {
    this.ensure(value.length);
    this.buffer.set(value, this.pos);
    this.pos += value.length;
  }

  /** Starts a length-delimited message, `reserved` bytes kept for its length. */
  begin(reserved: number): number {
    this.ensure(reserved);
    const start = this.pos;
    this.pos += reserved;
    return start;
  }

  /** Writes the length of the message begun at `start`, moving its bytes if it needs to. */
  end(start: number, reserved: number): void {
    const length = this.pos - start - reserved;
    const size = varintSize(length);
    if (size !== reserved) {
      this.ensure(size - reserved);
      this.buffer.copyWithin(start + size, start + reserved, this.pos);
      this.pos += size - reserved;
    }
    let at = start;
    let v = length;
    while (v > 0x7f) {
      this.buffer[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buffer[at] = v;
  }
}

/** A hex digit's value, as the library reads it (anything else maps outside 0-15). */
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  return code - 55;
}

function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Per key, per string value: its `KeyValue` message with the length in front. */
const encodedAttributes = new Map<string, Map<string, Buffer>>();
let cachedAttributes = 0;

function encodedStringAttribute(key: string, value: string): Buffer {
  let byValue = encodedAttributes.get(key);
  const cached = byValue?.get(value);
  if (cached) return cached;
  const writer = new Writer(16 + key.length + 3 * value.length);
  writeKeyValueMessage(writer, key, value);
  const encoded = Buffer.from(writer.buffer.subarray(0, writer.pos));
  if (value.length <= MAX_CACHED_VALUE_LENGTH) {
    if (cachedAttributes >= MAX_CACHED_ATTRIBUTES) {
      encodedAttributes.clear();
      cachedAttributes = 0;
      byValue = undefined;
    }
    if (!byValue) {
      byValue = new Map();
      encodedAttributes.set(key, byValue);
    }
    byValue.set(value, encoded);
    cachedAttributes += 1;
  }
  return encoded;
}

/** Attributes as repeated `KeyValue` in `field`. */
function writeAttributes(writer: Writer, attributes: Attributes, field: number): void {
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const value = attributes[key];
    writer.tag(field, 2);
    if (typeof value === 'string') {
      writer.bytes(encodedStringAttribute(key, value));
      continue;
    }
    writeKeyValueMessage(writer, key, value);
  }
}

/** A `KeyValue` message, its length in front. */
function writeKeyValueMessage(writer: Writer, key: string, value: unknown): void {
  const start = writer.begin(1);
  writeKeyValue(writer, key, value);
  writer.end(start, 1);
}

function writeKeyValue(writer: Writer, key: string, value: unknown): void {
  writer.tag(1, 2);
  writer.string(key);
  writer.tag(2, 2);
  const start = writer.begin(1);
  writeAnyValue(writer, value);
  writer.end(start, 1);
}

/** An `AnyValue`, with the library's choices (integers in int64 as int_value). */
function writeAnyValue(writer: Writer, value: unknown): void {
  if (typeof value === 'string') {
    writer.tag(1, 2);
    writer.string(value);
  } else if (typeof value === 'boolean') {
    writer.tag(2, 0);
    writer.varint(value ? 1 : 0);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= MIN_INT64 && value < MAX_INT64) {
      writer.tag(3, 0);
      writer.varint(value);
    } else {
      writer.tag(4, 1);
      writer.double(value);
    }
  } else if (value instanceof Uint8Array) {
    writer.tag(7, 2);
    writer.varint(value.length);
    writer.bytes(value);
  } else if (Array.isArray(value)) {
    writer.tag(5, 2);
    const array = writer.begin(1);
    for (const item of value as AttributeValue[]) {
      writer.tag(1, 2);
      const start = writer.begin(1);
      writeAnyValue(writer, item);
      writer.end(start, 1);
    }
    writer.end(array, 1);
  } else if (typeof value === 'object' && value !== null) {
    writer.tag(6, 2);
    const list = writer.begin(1);
    const entries = value as Record<string, unknown>;
    for (const key in entries) {
      if (!Object.prototype.hasOwnProperty.call(entries, key)) continue;
      writer.tag(1, 2);
      writeKeyValueMessage(writer, key, entries[key]);
    }
    writer.end(list, 1);
  }
}

function spanFlags(context: SpanContext, isRemote: boolean | undefined): number {
  return (context.traceFlags & 0xff) | FLAGS_HAS_IS_REMOTE | (isRemote ? FLAGS_IS_REMOTE : 0);
}

/** trace_id, span_id and trace_state: fields 1-3 of both a `Span` and a `Span.Link`. */
function writeContext(writer: Writer, context: SpanContext): void {
  writer.tag(1, 2);
  writer.hexBytes(context.traceId);
  writer.tag(2, 2);
  writer.hexBytes(context.spanId);
  const traceState = context.traceState?.serialize();
  if (traceState) {
    writer.tag(3, 2);
    writer.string(traceState);
  }
}

function writeEvent(writer: Writer, event: TimedEvent): void {
  const start = writer.begin(1);
  writer.tag(1, 1);
  writer.time(event.time);
  writer.tag(2, 2);
  writer.string(event.name);
  if (event.attributes) writeAttributes(writer, event.attributes, 3);
  writer.tag(4, 0);
  writer.varint(event.droppedAttributesCount || 0);
  writer.end(start, 1);
}

function writeLink(writer: Writer, link: Link): void {
  const start = writer.begin(1);
  const context = link.context;
  writeContext(writer, context);
  if (link.attributes) writeAttributes(writer, link.attributes, 4);
  writer.tag(5, 0);
  writer.varint(link.droppedAttributesCount || 0);
  writer.tag(6, 5);
  writer.fixed32(spanFlags(context, context.isRemote));
  writer.end(start, 1);
}

/** One `Span` message (fields in the order of the proto, as the library writes them). */
function writeSpan(writer: Writer, span: ReadableSpan): void {
  // Two bytes of length: most spans are 128 bytes to 16 kB.
  const start = writer.begin(2);
  const context = span.spanContext();
  writeContext(writer, context);
  const parent = span.parentSpanContext;
  if (parent?.spanId) {
    writer.tag(4, 2);
    writer.hexBytes(parent.spanId);
  }
  writer.tag(5, 2);
  writer.string(span.name);
  // SpanKind is offset by one in the proto (0 is unspecified).
  const kind = span.kind == null ? 0 : span.kind + 1;
  if (kind !== 0) {
    writer.tag(6, 0);
    writer.varint(kind);
  }
  writer.tag(7, 1);
  writer.time(span.startTime);
  writer.tag(8, 1);
  writer.time(span.endTime);
  if (span.attributes) writeAttributes(writer, span.attributes, 9);
  writer.tag(10, 0);
  writer.varint(span.droppedAttributesCount);
  for (const event of span.events) {
    writer.tag(11, 2);
    writeEvent(writer, event);
  }
  writer.tag(12, 0);
  writer.varint(span.droppedEventsCount);
  for (const link of span.links) {
    writer.tag(13, 2);
    writeLink(writer, link);
  }
  writer.tag(14, 0);
  writer.varint(span.droppedLinksCount);
  writer.tag(15, 2);
  const status = writer.begin(1);
  if (span.status.message) {
    writer.tag(2, 2);
    writer.string(span.status.message);
  }
  writer.tag(3, 0);
  writer.varint(span.status.code);
  writer.end(status, 1);
  writer.tag(16, 5);
  writer.fixed32(spanFlags(context, parent?.isRemote));
  writer.end(start, 2);
}

/** Encoded `Resource` and `InstrumentationScope` messages, the same objects batch after batch. */
const encodedResources = new WeakMap<Resource, Buffer>();
const encodedScopes = new WeakMap<InstrumentationScope, Buffer>();

function encodedResource(resource: Resource): Buffer {
  let encoded = encodedResources.get(resource);
  if (encoded) return encoded;
  const writer = new Writer(1024);
  writer.tag(1, 2);
  const start = writer.begin(1);
  if (resource.attributes) writeAttributes(writer, resource.attributes, 1);
  writer.tag(2, 0);
  writer.varint(0);
  writer.end(start, 1);
  encoded = Buffer.from(writer.buffer.subarray(0, writer.pos));
  // A resource whose attributes are still being detected is encoded again next time.
  if (!resource.asyncAttributesPending) encodedResources.set(resource, encoded);
  return encoded;
}

function encodedScope(scope: InstrumentationScope): Buffer {
  let encoded = encodedScopes.get(scope);
  if (encoded) return encoded;
  const writer = new Writer(256);
  writer.tag(1, 2);
  const start = writer.begin(1);
  writer.tag(1, 2);
  writer.string(scope.name);
  if (scope.version) {
    writer.tag(2, 2);
    writer.string(scope.version);
  }
  const attributes = (scope as { attributes?: Attributes }).attributes;
  if (attributes) writeAttributes(writer, attributes, 3);
  const dropped = (scope as { droppedAttributesCount?: number }).droppedAttributesCount;
  if (dropped) {
    writer.tag(4, 0);
    writer.varint(dropped);
  }
  writer.end(start, 1);
  encoded = Buffer.from(writer.buffer.subarray(0, writer.pos));
  encodedScopes.set(scope, encoded);
  return encoded;
}

/** An `ExportTraceServiceRequest` of `spans`, grouped by resource and scope (by identity). */
export function serializeSpans(spans: ReadonlyArray<ReadableSpan>): Uint8Array {
  const resources = new Map<Resource, Map<InstrumentationScope, ReadableSpan[]>>();
  for (const span of spans) {
    let scopes = resources.get(span.resource);
    if (!scopes) {
      scopes = new Map();
      resources.set(span.resource, scopes);
    }
    const scoped = scopes.get(span.instrumentationScope);
    if (scoped) scoped.push(span);
    else scopes.set(span.instrumentationScope, [span]);
  }
  const writer = new Writer(1024 + spans.length * 512);
  for (const [resource, scopes] of resources) {
    writer.tag(1, 2);
    const resourceSpans = writer.begin(3);
    writer.bytes(encodedResource(resource));
    for (const scoped of scopes.values()) {
      writer.tag(2, 2);
      const scopeSpans = writer.begin(3);
      const scope = scoped[0].instrumentationScope;
      writer.bytes(encodedScope(scope));
      for (const span of scoped) {
        writer.tag(2, 2);
        writeSpan(writer, span);
      }
      if (scope.schemaUrl) {
        writer.tag(3, 2);
        writer.string(scope.schemaUrl);
      }
      writer.end(scopeSpans, 3);
    }
    if (resource.schemaUrl) {
      writer.tag(3, 2);
      writer.string(resource.schemaUrl);
    }
    writer.end(resourceSpans, 3);
  }
  return writer.buffer.subarray(0, writer.pos);
}

/** The OTLP/protobuf trace serializer of the exporter: ours for requests, the library's for answers. */
export const spanSerializer: ISerializer<ReadableSpan[], IExportTraceServiceResponse> = {
  serializeRequest: (spans) => serializeSpans(spans),
  deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
};
