import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OTLP/HTTP collector as a process of its own (forked by `bench/tracing.ts`): it counts the
 * bytes it is sent and answers 200. Not in the bench's process, whose event loop drives the
 * load: reading the exports there would slow the load generator in the traced rounds only.
 * Sends `{ port }` once listening; answers `'bytes'` with `{ bytes }`.
 */
let bytes = 0;
const server = createServer((request, response) => {
  request.on('data', (chunk: Buffer) => (bytes += chunk.length));
  request.on('end', () => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as AddressInfo).port });
});
process.on('message', (message) => {
  if (message === 'bytes') process.send?.({ bytes });
});
process.on('disconnect', () => server.close(() => process.exit(0)));
