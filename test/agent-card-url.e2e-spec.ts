import { startTestApp, TestApp } from './utils/test-app';

/**
 * An agent without an endpoint of its own is reached through AgentMesh: its card's interface url must
 * be the service's configured address, never what a caller wrote in the Host header.
 */
describe('A2A card url', () => {
  let test: TestApp;
  let proxied: TestApp;

  beforeAll(async () => {
    test = await startTestApp({ PORT: '4321' });
    proxied = await startTestApp(
      { PUBLIC_URL: 'https://Mesh.Example.com/agentmesh/' },
      { db: test.db },
    );
    const registered = await test.http
      .post('/api/v1/agents')
      .set(test.admin)
      .send({ id: 'no-endpoint', name: 'No endpoint', skills: [{ name: 'summarize' }] });
    expect(registered.status).toBe(201);
  });

  afterAll(async () => {
    await proxied.close();
    await test.close();
  });

  async function cardUrl(app: TestApp, host?: string): Promise<string> {
    let call = app.http.get('/api/v1/agents/no-endpoint/card').set(app.admin);
    if (host) call = call.set('host', host).set('x-forwarded-host', host);
    const response = await call;
    expect(response.status).toBe(200);
    return (response.body as { supportedInterfaces: Array<{ url: string }> }).supportedInterfaces[0]
      .url;
  }

  it('ignores the Host header and falls back to the listen address', async () => {
    expect(await cardUrl(test, 'evil.example')).toBe(
      'http://127.0.0.1:4321/api/v1/agents/no-endpoint',
    );
    expect(await cardUrl(test)).toBe('http://127.0.0.1:4321/api/v1/agents/no-endpoint');
  });

  it('uses PUBLIC_URL, normalised and without its trailing slash', async () => {
    for (const host of ['evil.example', 'evil.example:8443', undefined]) {
      expect(await cardUrl(proxied, host)).toBe(
        'https://mesh.example.com/agentmesh/api/v1/agents/no-endpoint',
      );
    }
  });
});
