import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { PROBLEM_CONTENT_TYPE } from '../common/errors/problem.dto';

/**
 * The console's own policy, stricter than the API's: no inline script or style, data only from
 * this origin, never framed. The console needs nothing else (no CDN, no fonts from elsewhere).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const IMMUTABLE = 'public, max-age=31536000, immutable';
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/;
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

/**
 * Where `npm run build` puts the console: `dist/console`, beside the compiled server. From the
 * compiled server (`dist/src/console`) and from the sources (`src/console`, as the tests run
 * them) alike; never the `console/` sources themselves, whose index.html is not servable.
 */
export function defaultConsoleDir(): string {
  const base = resolve(__dirname, '..', '..');
  return basename(base) === 'dist' ? join(base, 'console') : join(base, 'dist', 'console');
}

/**
 * Serves the built console at /console: hashed assets immutable, every other path under
 * /console answered with index.html (client-side routes survive a reload). The file names are
 * read from the build's assets folder, so a request can only ever name one of those files.
 * Without a build the routes answer a 503 problem naming the command that makes one.
 */
export function serveConsole(fastify: FastifyInstance, dir: string = defaultConsoleDir()): void {
  const assetsDir = join(dir, 'assets');
  let index: Buffer | undefined;
  let assets: Set<string> | undefined;

  const loadIndex = async (): Promise<Buffer | undefined> => {
    index ??= await readFile(join(dir, 'index.html')).catch(() => undefined);
    return index;
  };
  const loadAssets = async (): Promise<Set<string> | undefined> => {
    assets ??= await readdir(assetsDir)
      .then((names) => new Set(names))
      .catch(() => undefined);
    return assets;
  };

  const sendIndex = async (request: FastifyRequest, reply: FastifyReply) => {
    const html = await loadIndex();
    if (!html) return notBuilt(request, reply);
    return reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('cache-control', 'no-cache')
      .type('text/html; charset=utf-8')
      .send(html);
  };

  fastify.get('/console', sendIndex);
  fastify.get('/console/*', sendIndex);
  fastify.get<{ Params: { name: string } }>('/console/assets/:name', async (request, reply) => {
    const names = await loadAssets();
    if (!names) return notBuilt(request, reply);
    const name = request.params.name;
    if (!ASSET_NAME.test(name) || !names.has(name)) {
      return sendProblem(request, reply, 404, 'not-found', `No console asset is named "${name}".`);
    }
    const body = await readFile(join(assetsDir, name));
    return reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('cache-control', IMMUTABLE)
      .type(TYPES[extname(name)] ?? 'application/octet-stream')
      .send(body);
  });
}

function notBuilt(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(
    request,
    reply,
    503,
    'console-not-built',
    'The console has not been built into this installation: run "npm run build".',
  );
}

function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  slug: string,
  detail: string,
) {
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .type(PROBLEM_CONTENT_TYPE)
    .send({
      type: `urn:agentmesh:problem:${slug}`,
      title: status === 404 ? 'Not Found' : 'Service Unavailable',
      status,
      detail,
      instance: (request.raw.url ?? '/').split('?')[0].slice(0, 256),
      correlationId: String(request.id),
    });
}
