import { generateKeyPairSync } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '../config/config';
import { GithubClient } from './github-client';
import { GithubCredentials } from './github-credentials';

/**
 * The client against a local HTTP server playing GitHub's API, with a real App key: a failure
 * to get the installation token says so (GitHub's bare "404 Not Found" read as if the
 * repository or issue were missing).
 */
describe('GithubClient', () => {
  let server: Server;
  let apiUrl: string;
  const calls: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      calls.push(`${request.method} ${request.url}`);
      request.resume();
      response.writeHead(404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Not Found' }));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  it('a token that cannot be had is said of the installation, not of the issue', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const config = {
      github: {
        apiUrl,
        appId: '12345',
        appPrivateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
        token: undefined,
      },
    } as unknown as AppConfig;
    const client = new GithubClient(new GithubCredentials(config), config);
    const failure = await client
      .comment({ repo: 'acme/widgets', installationId: 4242 }, 12, 'hi', '<!-- m -->', undefined)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(calls).toEqual(['POST /app/installations/4242/access_tokens']);
    expect(failure).toMatchObject({
      code: 'github_404',
      retryable: false,
      message: expect.stringContaining('installation token of GitHub App installation 4242'),
    });
  });
});
