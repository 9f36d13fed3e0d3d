import { generateKeyPairSync } from 'node:crypto';
import { createServer, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '../config/config';
import { GithubClient } from './github-client';
import { GithubCredentials } from './github-credentials';
import { REQUEST_TIMEOUT_MS } from './octokit';

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

/**
 * The client against a local server playing GitHub's API whose answers each test sets, with a
 * token: how calls are timed, and answers that cannot be read.
 */
describe('GithubClient calls', () => {
  let server: Server;
  let answer: (path: string, response: ServerResponse) => void;
  const sent: Array<{ method: string; path: string; at: number }> = [];
  let client: GithubClient;
  const target = { repo: 'acme/widgets', installationId: undefined };

  beforeAll(async () => {
    server = createServer((request, response) => {
      sent.push({ method: request.method ?? '', path: request.url ?? '', at: Date.now() });
      request.resume();
      request.on('end', () => answer(request.url ?? '', response));
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const config = {
      github: {
        apiUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        appId: undefined,
        appPrivateKey: undefined,
        token: 'ghp_test',
      },
    } as unknown as AppConfig;
    client = new GithubClient(new GithubCredentials(config), config);
  });
  beforeEach(() => (sent.length = 0));
  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const json = (response: ServerResponse, status: number, body: string) => {
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    response.end(body);
  };
  const failureOf = (work: Promise<unknown>) =>
    work.then(
      () => undefined,
      (error: unknown) => error,
    );

  it('times a call from when it is sent: waiting behind other writes (spaced 3 s apart) is not timing out', async () => {
    let next = 1;
    answer = (_path, response) =>
      json(
        response,
        201,
        JSON.stringify({ id: next, html_url: `https://github.test/c/${next++}` }),
      );
    // Eight at once, as the step runner makes them: the last is sent some 21 s later, past the
    // 20 s a call may take; each takes milliseconds once sent.
    const posted = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        client.comment(target, 7, `comment ${i}`, `<!-- m${i} -->`, undefined),
      ),
    );
    expect(posted.map((created) => created.existing)).toEqual(Array(8).fill(false));
    expect(new Set(posted.map((created) => created.id)).size).toBe(8);
    expect(sent).toHaveLength(8);
    expect(sent[7].at - sent[0].at).toBeGreaterThan(REQUEST_TIMEOUT_MS);
  }, 60_000);

  it('a created comment or status whose answer cannot be read is retried, never taken as done', async () => {
    answer = (_path, response) => json(response, 201, '{"id": 12, "html_url": ');
    const comment = await failureOf(client.comment(target, 7, 'hi', '<!-- m -->', undefined));
    expect(comment).toMatchObject({
      code: 'github_unreadable_answer',
      retryable: true,
      message: expect.stringContaining('GitHub answered 201'),
    });
    answer = (_path, response) => json(response, 201, JSON.stringify({ id: 'twelve' }));
    const status = await failureOf(
      client.status(target, 'a'.repeat(40), {
        state: 'success',
        context: 'ci',
        description: undefined,
        targetUrl: 'https://example.test',
      }),
    );
    expect(status).toMatchObject({ code: 'github_unreadable_answer', retryable: true });
  });

  it('a list of comments that is not a list is said so, not as a TypeError', async () => {
    answer = (_path, response) => json(response, 200, JSON.stringify({ message: 'odd' }));
    const failure = await failureOf(
      client.comment(target, 7, 'hi', '<!-- m -->', { since: new Date(Date.now() - 60_000) }),
    );
    expect(failure).toMatchObject({
      code: 'github_unreadable_answer',
      retryable: true,
      message: expect.not.stringContaining('is not a function'),
    });
    expect(sent.map((call) => call.method)).toEqual(['GET']);
  });
});
