import net from 'node:net';
import tls from 'node:tls';

/**
 * A minimal line-oriented client for protocol tests: send raw lines, await lines that
 * match. It keeps everything received so tests can assert on exact server output.
 */
export class LineClient {
  private buffer = '';
  private waiters: { test: (line: string) => boolean; resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  readonly lines: string[] = [];
  private closed = false;

  private constructor(public socket: net.Socket) {
    this.attach(socket);
  }

  static connect(port: number, options: { tls?: boolean; host?: string; localAddress?: string } = {}): Promise<LineClient> {
    const host = options.host ?? '127.0.0.1';
    const localAddress = options.localAddress;
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({ port, host, localAddress, rejectUnauthorized: false } as tls.ConnectionOptions, () => resolve(new LineClient(socket)))
        : net.connect({ port, host, localAddress }, () => resolve(new LineClient(socket)));
      socket.once('error', reject);
    });
  }

  private attach(socket: net.Socket): void {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, i).replace(/\r$/, '');
        this.buffer = this.buffer.slice(i + 1);
        this.lines.push(line);
        const w = this.waiters.findIndex((x) => x.test(line));
        if (w >= 0) this.waiters.splice(w, 1)[0].resolve(line);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w.reject(new Error('connection closed while waiting'));
    });
    socket.on('error', () => undefined);
  }

  /** Resolves with the first line received from now on that matches. */
  waitFor(pattern: RegExp | string, timeoutMs = 10000): Promise<string> {
    const test = (line: string) => (typeof pattern === 'string' ? line.startsWith(pattern) : pattern.test(line));
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('connection closed'));
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; got: ${this.lines.slice(-5).join(' | ')}`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends a line and waits for a reply line matching `until`. */
  async command(line: string, until: RegExp | string): Promise<string> {
    const p = this.waitFor(until);
    this.send(line + '\r\n');
    return p;
  }

  async startTls(): Promise<void> {
    const secure = tls.connect({ socket: this.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', () => resolve());
      secure.once('error', reject);
    });
    this.socket.removeAllListeners('data');
    this.socket = secure;
    this.attach(secure);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  waitClose(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  close(): void {
    this.socket.destroy();
  }
}
