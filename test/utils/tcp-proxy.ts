import { createConnection, createServer, Server, Socket } from 'node:net';

/** A TCP proxy in front of PostgreSQL that a test can cut and restore, as a real outage. */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private afterCommit: (() => void) | undefined;

  private constructor(
    private readonly target: { host: string; port: number },
    public port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target, 0);
    await proxy.listen();
    return proxy;
  }

  /** `url` with its host and port pointed at this proxy. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Drops every connection and refuses new ones. */
  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  }

  /**
   * Cuts (as `cut`) right after the next COMMIT's answer reaches the client: the transaction is
   * committed and the client knows it, and whatever it sends next fails. Resolves once cut.
   */
  cutAfterCommit(): Promise<void> {
    return new Promise((done) => {
      this.afterCommit = () => {
        this.afterCommit = undefined;
        void this.cut().then(done);
      };
    });
  }

  async restore(): Promise<void> {
    if (!this.server) await this.listen();
  }

  async stop(): Promise<void> {
    await this.cut();
  }

  private listen(): Promise<void> {
    const server = createServer((client) => {
      const upstream = createConnection(this.target);
      this.sockets.add(client).add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.pipe(upstream);
      const replies = new CommitWatcher();
      upstream.on('data', (chunk: Buffer) => {
        const commit = replies.sawCommit(chunk);
        // Cut once the COMMIT answer is flushed, before the client can act on it.
        client.write(chunk, () => (commit ? this.afterCommit?.() : undefined));
      });
    });
    return new Promise((done, fail) => {
      server.once('error', fail);
      server.listen(this.port, '127.0.0.1', () => {
        this.server = server;
        const address = server.address();
        if (address && typeof address === 'object') this.port = address.port;
        done();
      });
    });
  }
}

/**
 * Follows the server's side of the PostgreSQL protocol (a type byte and an int32 length per
 * message) to spot CommandComplete (`C`) messages tagged COMMIT, across chunk boundaries.
 */
class CommitWatcher {
  private pending = Buffer.alloc(0);

  sawCommit(chunk: Buffer): boolean {
    this.pending = Buffer.concat([this.pending, chunk]);
    let seen = false;
    while (this.pending.length >= 5) {
      const length = this.pending.readInt32BE(1);
      if (this.pending.length < 1 + length) break;
      const type = String.fromCharCode(this.pending[0]);
      if (type === 'C' && this.pending.subarray(5, 1 + length).toString('latin1') === 'COMMIT\0')
        seen = true;
      this.pending = this.pending.subarray(1 + length);
    }
    return seen;
  }
}
