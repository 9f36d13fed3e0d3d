import { createPublicKey, KeyObject, randomUUID, verify } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Comment {
  id: number;
  body: string;
  html_url: string;
  created_at: string;
  updated_at: string;
}

export interface Status {
  id: number;
  url: string;
  repo: string;
  sha: string;
  state: string;
  context: string;
  description: string | null;
  target_url: string | null;
}

/** What the double does to the next request a rule matches, instead of (or after) serving it. */
export type Fault =
  | { kind: 'answer'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'drop-after-write' }
  /** Handled as usual once `until` settles (a slow GitHub, for what happens meanwhile). */
  | { kind: 'hold'; until: Promise<void> };

interface Rule {
  method: string;
  path: RegExp;
  fault: Fault;
}

/**
 * A local GitHub REST API: the routes github steps use, with GitHub's auth rules. An App's JWT
 * (RS256, checked against the test key pair's public key, `iss` = the App id, not expired)
 * buys an installation token; the repository routes accept only tokens it issued (or the
 * configured personal token). Faults are scripted per request.
 */
export class GithubDouble {
  readonly comments = new Map<string, Comment[]>();
  readonly statuses: Status[] = [];
  readonly tokenRequests: number[] = [];
  readonly requests: Array<{
    method: string;
    path: string;
    authorization: string | undefined;
    at: number;
  }> = [];
  readonly rejectedAuth: string[] = [];
  private readonly tokens = new Map<string, number>();
  private readonly rules: Rule[] = [];
  private server: Server | undefined;
  private nextId = 1000;
  url = '';

  constructor(
    private readonly appId: string,
    private readonly publicKey: KeyObject,
    private readonly personalToken?: string,
  ) {}

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((done) => this.server!.listen(0, '127.0.0.1', done));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((done) => this.server?.close(done));
  }

  /** The next request matching `method` and `path` meets `fault`. */
  failNext(method: string, path: RegExp, fault: Fault): void {
    this.rules.push({ method, path, fault });
  }

  commentsOn(repo: string, issue: number): Comment[] {
    return this.comments.get(`${repo}#${issue}`) ?? [];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    const url = new URL(req.url ?? '/', 'http://github.test');
    const method = req.method ?? 'GET';
    const authorization = req.headers.authorization;
    this.requests.push({ method, path: url.pathname, authorization, at: Date.now() });
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(data));
    };
    const index = this.rules.findIndex(
      (rule) => rule.method === method && rule.path.test(url.pathname),
    );
    const fault = index >= 0 ? this.rules.splice(index, 1)[0].fault : undefined;
    if (fault?.kind === 'answer') return send(fault.status, fault.body, fault.headers);
    if (fault?.kind === 'hold') await fault.until;

    const installation = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
    if (installation && method === 'POST') {
      if (!this.validJwt(authorization)) {
        this.rejectedAuth.push(url.pathname);
        return send(401, { message: 'A JSON web token could not be decoded' });
      }
      const id = Number(installation[1]);
      this.tokenRequests.push(id);
      const token = `ghs_${randomUUID().replace(/-/g, '')}`;
      this.tokens.set(token, id);
      return send(201, {
        token,
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
        permissions: { issues: 'write', statuses: 'write' },
        repository_selection: 'all',
      });
    }
    const token = /^token (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token || (!this.tokens.has(token) && token !== this.personalToken)) {
      this.rejectedAuth.push(url.pathname);
      return send(401, { message: 'Bad credentials' });
    }
    const comments = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    const statuses = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([0-9a-f]{40})$/.exec(url.pathname);
    const repo = comments
      ? `${comments[1]}/${comments[2]}`
      : statuses
        ? `${statuses[1]}/${statuses[2]}`
        : '';
    if (repo === 'acme/missing') return send(404, { message: 'Not Found' });
    if (comments && method === 'GET') {
      const since = url.searchParams.get('since');
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      const all = this.commentsOn(repo, Number(comments[3])).filter(
        (comment) => !since || comment.updated_at >= since,
      );
      return send(200, all.slice((page - 1) * perPage, page * perPage));
    }
    if (comments && method === 'POST') {
      const key = `${repo}#${comments[3]}`;
      const id = this.nextId++;
      const now = new Date().toISOString();
      const comment: Comment = {
        id,
        body: String(body.body),
        html_url: `https://github.test/${repo}/issues/${comments[3]}#issuecomment-${id}`,
        created_at: now,
        updated_at: now,
      };
      this.comments.set(key, [...(this.comments.get(key) ?? []), comment]);
      // The comment is stored, and then the answer is lost.
      if (fault?.kind === 'drop-after-write') return void req.socket.destroy();
      return send(201, comment);
    }
    if (statuses && method === 'POST') {
      const id = this.nextId++;
      const status: Status = {
        id,
        url: `${this.url}/repos/${repo}/statuses/${statuses[3]}`,
        repo,
        sha: statuses[3],
        state: String(body.state),
        context: String(body.context),
        description: typeof body.description === 'string' ? body.description : null,
        target_url: typeof body.target_url === 'string' ? body.target_url : null,
      };
      this.statuses.push(status);
      if (fault?.kind === 'drop-after-write') return void req.socket.destroy();
      return send(201, status);
    }
    return send(404, { message: 'Not Found' });
  }

  /** An App JWT: RS256 over header.payload with the App's key, issued by the App, unexpired. */
  private validJwt(authorization: string | undefined): boolean {
    const jwt = /^bearer (\S+)$/i.exec(authorization ?? '')?.[1];
    if (!jwt) return false;
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature) return false;
    const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string };
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as {
      iss?: unknown;
      exp?: number;
    };
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      this.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    return (
      head.alg === 'RS256' &&
      signed &&
      String(claims.iss) === this.appId &&
      typeof claims.exp === 'number' &&
      claims.exp > Date.now() / 1000
    );
  }
}

export function publicKeyOf(pem: string): KeyObject {
  return createPublicKey(pem);
}
