import { describe, expect, it } from 'vitest';
import { readEventStream, SseParser } from './sse';

describe('SseParser', () => {
  it('dispatches events on blank lines with id, type and joined data', () => {
    const parser = new SseParser();
    const events = parser.feed(
      'id: 7\nevent: workflow.step.succeeded\ndata: {"a":1}\n\n: keepalive\n\ndata: x\ndata: y\n\n',
    );
    expect(events).toEqual([
      { id: '7', event: 'workflow.step.succeeded', data: '{"a":1}' },
      { id: '7', event: 'message', data: 'x\ny' },
    ]);
  });

  it('handles chunks split anywhere, CRLF split between chunks included', () => {
    const parser = new SseParser();
    const text = 'id: 1\r\nevent: a\r\ndata: one\r\n\r\nid: 2\r\ndata: two\r\n\r\n';
    const events = [];
    for (const char of text) events.push(...parser.feed(char));
    expect(events).toEqual([
      { id: '1', event: 'a', data: 'one' },
      { id: '2', event: 'message', data: 'two' },
    ]);
  });

  it('does not dispatch an event with no data or before its blank line', () => {
    const parser = new SseParser();
    expect(parser.feed('event: lonely\n\n')).toEqual([]);
    expect(parser.feed('data: pending')).toEqual([]);
    expect(parser.feed('\n\n')).toEqual([{ id: undefined, event: 'message', data: 'pending' }]);
  });
});

describe('readEventStream', () => {
  const streamOf = (chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
        controller.close();
      },
    });

  it('sends the key as a header, never in the URL, and yields every event', async () => {
    const seen: Array<{ url: string; headers: Record<string, string> }> = [];
    const fetcher = (async (url: string, init: RequestInit) => {
      seen.push({ url, headers: init.headers as Record<string, string> });
      return new Response(
        streamOf(['id: 1\nevent: a\ndata: {}\n', '\nid: 2\nevent: b\ndata: {}\n\n']),
        {
          headers: { 'content-type': 'text/event-stream' },
        },
      );
    }) as unknown as typeof fetch;
    const events: string[] = [];
    await readEventStream(
      '/api/v1/workflows/r1/stream',
      { authorization: 'Bearer secret' },
      (event) => events.push(event.event),
      new AbortController().signal,
      fetcher,
    );
    expect(events).toEqual(['a', 'b']);
    expect(seen[0].url).toBe('/api/v1/workflows/r1/stream');
    expect(seen[0].url).not.toContain('secret');
    expect(seen[0].headers).toMatchObject({
      authorization: 'Bearer secret',
      accept: 'text/event-stream',
    });
  });

  it('rejects when the stream is refused, so the caller can fall back to polling', async () => {
    const fetcher = (async () =>
      new Response('{"status":404}', { status: 404 })) as unknown as typeof fetch;
    await expect(
      readEventStream('/x', {}, () => undefined, new AbortController().signal, fetcher),
    ).rejects.toThrow('404');
  });
});
