import net from 'node:net';

/** One client session as a scripted peer saw it. */
export interface ScriptedSession {
  /** Command lines, in order (not the message text). */
  lines: string[];
  /** The message text after DATA, dot-stuffing left as sent. */
  data: string;
  startTlsTried: boolean;
}

/**
 * A fake SMTP server for the faults no real server reproduces on demand. It greets, collects
 * the message after a 354 and answers its end with 250; every command line goes to
 * `answer`, which writes the reply (or ends the socket) and may flag the session.
 * `answer` returns 'data' when it has sent a 354.
 */
export class ScriptedPeer {
  readonly sessions: ScriptedSession[] = [];
  private readonly server = net.createServer((socket) => this.session(socket));

  constructor(
    private readonly name: string,
    private readonly answer: (verb: string, socket: net.Socket, session: ScriptedSession) => 'data' | void,
  ) {}

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private session(socket: net.Socket): void {
    const s: ScriptedSession = { lines: [], data: '', startTlsTried: false };
    this.sessions.push(s);
    let buffer = '';
    let inData = false;
    socket.on('error', () => undefined);
    socket.write(`220 ${this.name} ESMTP\r\n`);
    socket.on('data', (chunk) => {
      // After STARTTLS the bytes are a TLS handshake, for `answer`'s own handler to deal with.
      if (s.startTlsTried) return;
      buffer += chunk.toString('latin1');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write('250 2.0.0 Ok: queued\r\n');
          } else s.data += line + '\r\n';
          continue;
        }
        s.lines.push(line);
        if (this.answer(line.split(' ')[0].toUpperCase(), socket, s) === 'data') inData = true;
        if (s.startTlsTried) return;
      }
    });
  }
}
