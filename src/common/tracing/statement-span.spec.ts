import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { FrameContextManager } from './context-manager';
import {
  endStatementSpan,
  startStatementSpan,
  statementTarget,
  tracingState,
} from './trace-context';

describe('statement spans', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const target = statementTarget({ database: 'statement_spans', host: '127.0.0.1', port: 5432 });

  beforeAll(() => {
    context.setGlobalContextManager(new FrameContextManager().enable());
    tracingState.tracer = provider.getTracer('test');
    tracingState.enabled = true;
  });

  afterAll(async () => {
    tracingState.enabled = false;
    tracingState.tracer = undefined;
    context.disable();
    await provider.shutdown();
  });

  beforeEach(() => exporter.reset());

  /** The `db.query.text` of the span of one statement run under a recorded parent. */
  function queryText(name: string, text: string): unknown {
    const parent = tracingState.tracer!.startSpan('parent');
    context.with(trace.setSpan(ROOT_CONTEXT, parent), () => {
      const span = startStatementSpan(name, text, target);
      expect(span).toBeDefined();
      endStatementSpan(span!, undefined);
    });
    parent.end();
    const spans = exporter.getFinishedSpans().filter((span) => span.name === name);
    expect(spans).toHaveLength(1);
    return spans[0].attributes['db.query.text'];
  }

  it('gives the text with each run of whitespace as one space', () => {
    const text = `SELECT id, name
         FROM api_keys
        WHERE tenant_id = $1\n\t  AND revoked_at IS NULL  `;
    expect(queryText('select api_keys', text)).toBe(
      'SELECT id, name FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL',
    );
  });

  it('cuts a long text at 2,000 characters with an ASCII mark', () => {
    // One character past Latin-1 would make the whole exported batch two bytes per character
    // in V8, its JSON encoding three times slower for every span in it.
    const text = `SELECT ${Array.from({ length: 800 }, (_, i) => `c${i}`).join(', ')} FROM wide`;
    const shown = String(queryText('select wide', text));
    expect(shown).toHaveLength(2_003);
    expect(shown.endsWith('...')).toBe(true);
    expect(text.startsWith(shown.slice(0, -3))).toBe(true);
    expect([...shown].every((character) => character.charCodeAt(0) < 128)).toBe(true);
  });
});
