import Fastify, { type FastifyInstance } from 'fastify';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONSOLE_CSP, serveConsole } from './console-static';

describe('serveConsole', () => {
  let dir: string;
  let app: FastifyInstance;

  const start = async (root: string) => {
    app = Fastify();
    serveConsole(app, root);
    await app.ready();
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'console-build-'));
  });

  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a 503 problem, not a crash, when the console was never built', async () => {
    await start(join(dir, 'missing'));
    for (const url of ['/console', '/console/runs/x', '/console/assets/index-abc.js']) {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(503);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({
        status: 503,
        type: 'urn:agentmesh:problem:console-not-built',
        detail: expect.stringContaining('npm run build'),
      });
    }
  });

  it('answers index.html for deep links and only the built assets, immutable', async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>c</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    writeFileSync(join(dir, 'secret.txt'), 'not an asset');
    await start(dir);

    for (const url of ['/console', '/console/', '/console/runs/r_1', '/console/fleet/a/b']) {
      const page = await app.inject({ url });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<title>c</title>');
      expect(page.headers['cache-control']).toBe('no-cache');
      expect(page.headers['content-security-policy']).toBe(CONSOLE_CSP);
    }
    const asset = await app.inject({ url: '/console/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    for (const url of [
      '/console/assets/other.js',
      '/console/assets/..%2Fsecret.txt',
      '/console/assets/%2e%2e%2fsecret.txt',
    ]) {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain('not an asset');
    }
    const traversal = await app.inject({ url: '/console/assets/../secret.txt' });
    expect(traversal.body).not.toContain('not an asset');
  });

  it('keeps the policy strict: no inline script or style, no other origin, never framed', () => {
    expect(CONSOLE_CSP).toContain("script-src 'self'");
    expect(CONSOLE_CSP).toContain("connect-src 'self'");
    expect(CONSOLE_CSP).toContain("object-src 'none'");
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  });
});
