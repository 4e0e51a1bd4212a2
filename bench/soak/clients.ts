import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';

/**
 * The clients of the soak, each one bounded: one attempt at a time per loop, a timeout on
 * every step, loopback only. Legitimate clients talk from 127.0.0.1; the attacker from
 * 127.0.0.2, so the engine's per-address throttles treat it as another host.
 */

export const DOMAIN = 'example.test';
const TIMEOUT_MS = 30_000;

export interface Ports {
  smtp: number;
  submission: number;
  imaps: number;
  pop3s: number;
  http: number;
}

function bodyOf(size: number, seed: number): string {
  const words = ['mail', 'soak', 'pillarbox', 'queue', 'inbox', 'lorem', 'ipsum', 'delivery', 'idle', 'fetch'];
  const lines: string[] = [];
  let n = 0;
  let i = seed;
  while (n < size) {
    const line = Array.from({ length: 10 }, () => words[(i = (i * 7 + 3) % 1009) % words.length]).join(' ');
    lines.push(line);
    n += line.length + 2;
  }
  return lines.join('\r\n') + '\r\n';
}

function withTimeout<T>(p: Promise<T>, what: string, ms = TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms / 1000} s`)), ms);
    }),
  ]);
}

/** A message to a local user on port 25, opportunistic STARTTLS as another server would. */
export async function smtpIn(ports: Ports, to: string, seq: number): Promise<void> {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: ports.smtp, secure: false, tls: { rejectUnauthorized: false }, connectionTimeout: TIMEOUT_MS, socketTimeout: TIMEOUT_MS });
  try {
    await withTimeout(
      transport.sendMail({ from: `sender${seq % 7}@client.test`, to: `${to}@${DOMAIN}`, subject: `soak in ${seq}`, text: bodyOf(1000 + ((seq * 997) % 30_000), seq) }),
      'SMTP in',
    );
  } finally {
    transport.close();
  }
}

/** A message submitted on 587 (STARTTLS, AUTH) to a remote address: it leaves through the relay host (the sink). */
export async function smtpOut(ports: Ports, user: string, password: string, seq: number): Promise<void> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: ports.submission,
    secure: false,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
    auth: { user, pass: password },
    connectionTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  try {
    await withTimeout(
      transport.sendMail({ from: `${user}@${DOMAIN}`, to: `peer${seq % 5}@remote.test`, subject: `soak out ${seq}`, text: bodyOf(500 + ((seq * 613) % 8000), seq) }),
      'SMTP out',
    );
  } finally {
    transport.close();
  }
}

/** An IMAPS session: login, INBOX, trim it to the newest 50 when over 100, fetch the newest 5, IDLE, logout. */
export async function imapSession(ports: Ports, user: string, password: string, idleMs: number): Promise<void> {
  const client = new ImapFlow({ host: '127.0.0.1', port: ports.imaps, secure: true, tls: { rejectUnauthorized: false }, auth: { user, pass: password }, logger: false, socketTimeout: 5 * 60_000 });
  client.on('error', () => undefined);
  try {
    await withTimeout(client.connect(), 'IMAP connect');
    const box = await withTimeout(client.mailboxOpen('INBOX'), 'IMAP SELECT');
    if (box.exists > 100) await withTimeout(client.messageDelete(`1:${box.exists - 50}`), 'IMAP expunge');
    const exists = typeof client.mailbox === 'object' ? client.mailbox.exists : 0;
    if (exists > 0) {
      const from = Math.max(1, exists - 4);
      await withTimeout(
        (async () => {
          for await (const m of client.fetch(`${from}:*`, { envelope: true, flags: true, bodyStructure: true })) void m;
          await client.fetchOne(String(exists), { source: true });
        })(),
        'IMAP FETCH',
      );
    }
    // IDLE until a NOOP breaks it.
    const idling = client.idle();
    await new Promise((r) => setTimeout(r, idleMs));
    await withTimeout(client.noop(), 'IMAP NOOP after IDLE');
    await withTimeout(idling, 'IMAP IDLE end');
    await withTimeout(client.logout(), 'IMAP LOGOUT');
  } finally {
    client.close();
  }
}

/** A line-oriented conversation on a socket, for POP3 and the attacker. */
class Lines {
  private buffer = '';
  private waiting?: (line: string) => void;
  private readonly queue: string[] = [];
  private closed = false;

  constructor(readonly socket: net.Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let i: number;
      while ((i = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, i).replace(/\r$/, '');
        this.buffer = this.buffer.slice(i + 1);
        if (this.waiting) {
          const w = this.waiting;
          this.waiting = undefined;
          w(line);
        } else this.queue.push(line);
      }
    });
    socket.on('close', () => {
      this.closed = true;
      const w = this.waiting;
      this.waiting = undefined;
      w?.('');
    });
    socket.on('error', () => undefined);
  }

  next(what: string): Promise<string> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.resolve('');
    return withTimeout(new Promise<string>((resolve) => (this.waiting = resolve)), what);
  }

  /** Lines until one matching `done`. */
  async until(done: (line: string) => boolean, what: string): Promise<string> {
    for (;;) {
      const line = await this.next(what);
      if (line === '' && this.closed) return '';
      if (done(line)) return line;
    }
  }

  send(line: string): void {
    if (!this.closed) this.socket.write(line + '\r\n');
  }

  close(): void {
    this.socket.destroy();
  }
}

function connectTls(port: number, localAddress: string): Promise<tls.TLSSocket> {
  return withTimeout(
    new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, localAddress, rejectUnauthorized: false } as tls.ConnectionOptions, () => resolve(s));
      s.once('error', reject);
    }),
    'TLS connect',
  );
}

function connectPlain(port: number, localAddress: string): Promise<net.Socket> {
  return withTimeout(
    new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port, localAddress }, () => resolve(s));
      s.once('error', reject);
    }),
    'TCP connect',
  );
}

/** POP3S: login, STAT, RETR of the newest message, QUIT (nothing deleted). */
export async function pop3Session(ports: Ports, user: string, password: string): Promise<void> {
  const c = new Lines(await connectTls(ports.pop3s, '127.0.0.1'));
  try {
    const expect = async (what: string) => {
      const line = await c.next(what);
      if (!line.startsWith('+OK')) throw new Error(`POP3 ${what}: ${line || 'connection closed'}`);
      return line;
    };
    await expect('greeting');
    c.send(`USER ${user}`);
    await expect('USER');
    c.send(`PASS ${password}`);
    await expect('PASS');
    c.send('STAT');
    const count = Number((await expect('STAT')).split(' ')[1]);
    if (count > 0) {
      c.send(`RETR ${count}`);
      await expect('RETR');
      await c.until((l) => l === '.', 'RETR data');
    }
    c.send('QUIT');
    await expect('QUIT');
  } finally {
    c.close();
  }
}

function httpPost(port: number, body: string, token: string | undefined, localAddress: string): Promise<{ status: number; text: string }> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port,
          path: '/graphql',
          method: 'POST',
          localAddress,
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    }),
    'GraphQL',
  );
}

export async function graphql<T>(port: number, query: string, variables: Record<string, unknown>, token?: string, localAddress = '127.0.0.1'): Promise<T> {
  const { status, text } = await httpPost(port, JSON.stringify({ query, variables }), token, localAddress);
  const parsed = JSON.parse(text) as { data?: T; errors?: { message: string }[] };
  if (parsed.errors?.length) throw new Error(`GraphQL ${status}: ${parsed.errors[0].message}`);
  if (!parsed.data) throw new Error(`GraphQL ${status}: no data`);
  return parsed.data;
}

const DASHBOARD = `query Dashboard {
  serviceStatus { uptimeSeconds connections { protocol count } }
  queueCounts { active deferred held }
  logTail(last: 50) { time service severity text }
  users(first: 10) { totalCount nodes { shortName } }
}`;

/** What a monitoring dashboard asks every few seconds. */
export async function dashboard(ports: Ports, token: string): Promise<void> {
  await graphql(ports.http, DASHBOARD, {}, token);
}

/** Open connections per protocol, as the engine counts them. */
export async function connectionCounts(ports: Ports, token: string): Promise<number> {
  const data = await graphql<{ serviceStatus: { connections: { protocol: string; count: number }[] } }>(ports.http, '{ serviceStatus { connections { protocol count } } }', {}, token);
  return data.serviceStatus.connections.reduce((n, c) => n + c.count, 0);
}

export type AttackService = 'imap' | 'pop3' | 'submission' | 'graphql';

/**
 * One wrong password from 127.0.0.2 against `user` on one service. Resolves with what the
 * engine answered (refused, slowed, locked out); it never logs in.
 */
export async function attack(ports: Ports, service: AttackService, user: string, seq: number): Promise<string> {
  const wrong = `wrong-password-${seq}`;
  const from = '127.0.0.2';
  if (service === 'graphql') {
    const { status, text } = await httpPost(ports.http, JSON.stringify({ query: 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', variables: { u: 'admin', p: wrong } }), undefined, from);
    return `${status} ${(/"code":"([A-Z_]+)"/.exec(text) ?? [])[1] ?? 'answered'}`;
  }
  if (service === 'imap') {
    const c = new Lines(await connectTls(ports.imaps, from));
    try {
      const greeting = await c.next('IMAP greeting');
      if (!greeting.startsWith('* OK')) return greeting.slice(0, 40) || 'closed';
      c.send(`a1 LOGIN ${user} ${wrong}`);
      return (await c.until((l) => l.startsWith('a1 ') || l.startsWith('* BYE'), 'IMAP LOGIN')).slice(0, 60) || 'closed';
    } finally {
      c.close();
    }
  }
  if (service === 'pop3') {
    const c = new Lines(await connectTls(ports.pop3s, from));
    try {
      const greeting = await c.next('POP3 greeting');
      if (!greeting.startsWith('+OK')) return greeting.slice(0, 40) || 'closed';
      c.send(`USER ${user}`);
      await c.next('USER');
      c.send(`PASS ${wrong}`);
      return (await c.next('PASS')).slice(0, 60) || 'closed';
    } finally {
      c.close();
    }
  }
  const plain = await connectPlain(ports.submission, from);
  let c = new Lines(plain);
  try {
    const greeting = await c.until((l) => /^\d{3} /.test(l), 'SMTP greeting');
    if (!greeting.startsWith('220')) return greeting.slice(0, 40) || 'closed';
    c.send('EHLO attacker.test');
    await c.until((l) => /^\d{3} /.test(l), 'EHLO');
    c.send('STARTTLS');
    const ready = await c.until((l) => /^\d{3} /.test(l), 'STARTTLS');
    if (!ready.startsWith('220')) return ready.slice(0, 40);
    plain.removeAllListeners('data');
    const secure = await withTimeout(
      new Promise<tls.TLSSocket>((resolve, reject) => {
        const s = tls.connect({ socket: plain, rejectUnauthorized: false }, () => resolve(s));
        s.once('error', reject);
      }),
      'STARTTLS handshake',
    );
    c = new Lines(secure);
    c.send('EHLO attacker.test');
    await c.until((l) => /^\d{3} /.test(l), 'EHLO after TLS');
    c.send(`AUTH PLAIN ${Buffer.from(`\0${user}\0${wrong}`).toString('base64')}`);
    return (await c.until((l) => /^\d{3} /.test(l), 'AUTH')).slice(0, 60) || 'closed';
  } finally {
    c.close();
    plain.destroy();
  }
}
