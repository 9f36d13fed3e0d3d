import { parseEventStream } from './sse';

function bodyOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function frames(chunks: string[]) {
  const seen = [];
  for await (const frame of parseEventStream(bodyOf(chunks))) seen.push(frame);
  return seen;
}

describe('parseEventStream', () => {
  it('parses frames split anywhere across chunks, skipping comments', async () => {
    expect(
      await frames([
        ': stream open\n\nid: 4',
        '2\nevent: task.progress\nda',
        'ta: {"a":1}\n',
        '\n',
      ]),
    ).toEqual([{ id: '42', event: 'task.progress', data: '{"a":1}' }]);
  });

  it('takes CRLF and CR line ends, multi-line data, and ignores unknown fields', async () => {
    expect(
      await frames(['id: 1\r\ndata: a\r\ndata: b\r\nretry: 10\r\n\r\n', 'data: c\r\r']),
    ).toEqual([{ id: '1', data: 'a\nb' }, { data: 'c' }]);
  });

  it('drops a frame the stream ended in the middle of', async () => {
    expect(await frames(['id: 1\ndata: whole\n\nid: 2\ndata: cut'])).toEqual([
      { id: '1', data: 'whole' },
    ]);
  });
});
