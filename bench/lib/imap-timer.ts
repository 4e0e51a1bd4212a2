import net from 'node:net';

/**
 * A bare IMAP client for timing commands: sends one command, collects the untagged lines
 * until its tagged reply. Nothing is parsed beyond that (the responses the large-mailbox
 * benchmark asks for have no literals), so the client costs the same on both sides.
 */
export class ImapTimer {
  private buffer = '';
  private waiting?: { tag: string; lines: string[]; resolve: (lines: string[]) => void; reject: (err: Error) => void };
  private counter = 0;
  private closed?: Error;

  private constructor(private readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    const fail = (err: Error) => {
      this.closed = err;
      this.waiting?.reject(err);
      this.waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the IMAP server closed the connection')));
  }

  static async connect(port: number): Promise<ImapTimer> {
    const socket = net.connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new ImapTimer(socket);
    await client.response('*');
    return client;
  }

  /** Runs a command; resolves with every line of its response (the tagged one last) once it is OK. */
  async command(text: string): Promise<string[]> {
    const tag = `t${++this.counter}`;
    const lines = this.response(tag);
    this.socket.write(`${tag} ${text}\r\n`);
    const out = await lines;
    const last = out.at(-1) ?? '';
    if (!last.startsWith(`${tag} OK`)) throw new Error(`${text.slice(0, 40)}: ${last.slice(0, 200)}`);
    return out;
  }

  /** Runs a command and returns how long it took, in milliseconds, with its response. */
  async timed(text: string): Promise<{ ms: number; lines: string[] }> {
    const started = performance.now();
    const lines = await this.command(text);
    return { ms: performance.now() - started, lines };
  }

  close(): void {
    this.socket.destroy();
  }

  private response(tag: string): Promise<string[]> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => (this.waiting = { tag, lines: [], resolve, reject }));
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let from = 0;
    let at: number;
    while ((at = this.buffer.indexOf('\r\n', from)) >= 0) {
      const line = this.buffer.slice(from, at);
      from = at + 2;
      const w = this.waiting;
      if (!w) continue;
      w.lines.push(line);
      // The greeting ("*") ends at its first line; a command at its tagged reply.
      if (w.tag === '*' || line.startsWith(`${w.tag} `)) {
        this.waiting = undefined;
        w.resolve(w.lines);
      }
    }
    this.buffer = this.buffer.slice(from);
  }
}
