import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';

/**
 * A TCP stand-in for a server (PostgreSQL, a Kafka broker), on a port of its own, whose network
 * a test can break in the ways networks break:
 * - not there at all until `listen` (connection refused), and again after `cut`;
 * - `hang`: open connections cut, new ones accepted and never answered (a stuck host);
 * - `stall`: open connections kept open but nothing forwarded either way, new ones held too
 *   (a half-open network, a server that stopped answering mid-query);
 * - `forward`: every byte passed on both ways.
 *
 * `kafka: true` makes it a broker's stand-in: a Kafka client connects to the addresses the
 * broker advertises in its metadata and coordinator answers, so those answers are rewritten to
 * name this proxy (the broker's host and port become this host and port; same length, so each
 * response's size is unchanged). Every connection of the client then goes through the proxy.
 */
export class TcpProxy {
  private server: Server | undefined;
  private mode: 'forward' | 'hang' | 'stall' = 'forward';
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
    private readonly options: { kafka?: boolean } = {},
  ) {}

  get listening(): boolean {
    return this.server !== undefined;
  }

  async listen(): Promise<void> {
    if (this.server) throw new Error(`the proxy on ${this.port} is listening already`);
    this.mode = 'forward';
    const server = createServer((client) => {
      this.track(client);
      if (this.mode !== 'forward') return; // accepted, and not a byte ever answered
      const upstream = tcpConnect(this.target.port, this.target.host);
      this.track(upstream);
      const toClient = this.options.kafka ? this.kafkaResponses() : (data: Buffer) => [data];
      client.on('data', (data) => {
        if (this.mode === 'forward') upstream.write(data);
      });
      upstream.on('data', (data) => {
        if (this.mode !== 'forward') return;
        for (const chunk of toClient(data)) client.write(chunk);
      });
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(this.port, '127.0.0.1', done);
    });
    this.server = server;
  }

  /** From now on the server hangs: the connections open are cut, new ones are held unanswered. */
  hang(): void {
    this.mode = 'hang';
    for (const s of this.sockets) s.destroy();
  }

  /** From now on nothing is forwarded: open connections stay open and silent, new ones are held. */
  stall(): void {
    this.mode = 'stall';
  }

  forward(): void {
    this.mode = 'forward';
    for (const s of this.sockets) s.destroy(); // the held ones: their clients have given up
  }

  /** The server goes away: every connection cut, nothing listens (refused) until `listen`. */
  async cut(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  }

  private track(socket: Socket) {
    this.sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => this.sockets.delete(socket));
  }

  /**
   * Splits the broker's byte stream into responses (a 4-byte size, then that many bytes) and
   * rewrites, in each, the broker's advertised address to this proxy's.
   */
  private kafkaResponses(): (data: Buffer) => Buffer[] {
    const host = Buffer.from(this.target.host);
    const from = Buffer.alloc(host.length + 4);
    host.copy(from);
    from.writeInt32BE(this.target.port, host.length);
    const to = Buffer.from(from);
    to.writeInt32BE(this.port, host.length);
    let pending = Buffer.alloc(0);
    return (data) => {
      pending = Buffer.concat([pending, data]);
      const out: Buffer[] = [];
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = 4 + pending.readInt32BE(0);
        const response = Buffer.from(pending.subarray(0, size));
        pending = pending.subarray(size);
        for (let at = response.indexOf(from); at >= 0; at = response.indexOf(from, at + from.length))
          to.copy(response, at);
        out.push(response);
      }
      return out;
    };
  }
}
