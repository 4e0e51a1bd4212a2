import net from 'node:net';
import type { Readable } from 'node:stream';
import type { RecipientOutcome } from '../queue/queue';
import { needsSmtpUtf8, type MessageTraits } from './message-traits';
import { SmtpClient, SmtpConnectionError, type SmtpReply, type SmtpTimeouts, replyText } from './smtp-client';

/** One message for one destination: the sender, the recipients there, and the body. */
export interface OutboundEnvelope {
  sender: string;
  recipients: string[];
  traits: MessageTraits;
  /** A fresh stream of the message as it goes on the wire (without the Return-Path line). */
  openBody(): Readable;
}

export interface HostSessionOptions {
  /** Our name in EHLO, and the name a looping peer would greet us with. */
  heloName: string;
  /** The domain (or relay host) being served, for diagnostics. */
  destination: string;
  timeouts: SmtpTimeouts;
  startTls: boolean;
  verifyCertificates: boolean;
  /** Aborting closes the connection at once (engine shutdown); undecided recipients come back temporary. */
  signal?: AbortSignal;
  /** Log in before the transaction (the relay host's account): AUTH PLAIN or LOGIN, only over TLS. */
  auth?: { username: string; password: string };
}

export interface HostAddress {
  name: string;
  address: string;
  port: number;
}

export type HostResult =
  /** A transaction took place (or was refused for good): every recipient has an outcome. */
  | { kind: 'settled'; outcomes: Map<string, RecipientOutcome>; host: string; response?: string; tls?: string }
  /** This host could not be used; the caller tries the next one. */
  | { kind: 'next-host'; diagnostic: string; permanent: boolean; tlsFailed?: boolean };

/** A session that is ready for a transaction: greeted, EHLO sent, TLS and AUTH done as asked. */
export interface OpenSession {
  kind: 'open';
  client: SmtpClient;
  /** host[address]:port, for diagnostics and logs. */
  label: string;
}

/** What a transaction came to, and whether the session may carry another one (after RSET). */
export interface TransactionResult {
  result: HostResult | { kind: 'stale'; diagnostic: string };
  reusable: boolean;
}

export function hostLabel(hop: HostAddress): string {
  return `${hop.name}[${hop.address}]${hop.port === 25 ? '' : `:${hop.port}`}`;
}

/**
 * One SMTP session with one address of one host, in two steps: `openSession` (greeting,
 * EHLO or HELO, STARTTLS when offered, AUTH for the relay host), then `transact` once per
 * message (MAIL/RCPT, pipelined when the server allows, and DATA). Failures before the
 * transaction starts send the caller on to the next host; after that, each recipient gets
 * the outcome the server's replies say.
 *
 * Connects and gets a session ready for mail (greeting, EHLO, STARTTLS, AUTH), or says
 * why this host cannot be used (or, for a loop, how the recipients fare). The caller
 * owns the returned client and must quit or close it.
 */
export async function openSession(hop: HostAddress, recipients: string[], opts: HostSessionOptions): Promise<OpenSession | HostResult> {
  const label = hostLabel(hop);
  const all = (outcome: RecipientOutcome): HostResult => ({ kind: 'settled', host: label, outcomes: new Map(recipients.map((r) => [r, outcome])) });
  let client: SmtpClient;
  try {
    if (opts.signal?.aborted) throw new Error('the mail system is shutting down');
    client = await SmtpClient.connect(hop.address, hop.port, opts.timeouts);
  } catch (err) {
    return { kind: 'next-host', permanent: false, diagnostic: `4.4.1 connect to ${label}: ${(err as Error).message}` };
  }
  const abort = () => client.close();
  opts.signal?.addEventListener('abort', abort);
  if (opts.signal?.aborted) client.close();
  let ready = false;
  try {
    const greeting = await client.readReply(opts.timeouts.greeting, 'greeting');
    if (greeting.code !== 220) {
      return { kind: 'next-host', permanent: greeting.code >= 500, diagnostic: `${statusOf(greeting)} host ${label} refused to talk to me: ${replyText(greeting)}` };
    }
    if (isMe(greeting, opts.heloName)) return all(loop(opts.destination, `${label} greeted me with my own hostname`));
    let hello = await client.hello(opts.heloName);
    if (!ok(hello)) return refusedHello(hello, label);
    if (isMe(hello, opts.heloName)) return all(loop(opts.destination, `${label} replied to EHLO with my own hostname`));
    if (opts.startTls && client.extensions.has('STARTTLS')) {
      const servername = net.isIP(hop.name) || hop.name.startsWith('[') ? undefined : hop.name;
      try {
        const refusal = await client.startTls(servername, opts.verifyCertificates);
        if (!refusal) {
          hello = await client.hello(opts.heloName);
          if (!ok(hello)) return refusedHello(hello, label);
        }
      } catch (err) {
        if (!(err instanceof SmtpConnectionError) || err.phase !== 'STARTTLS') throw err;
        return { kind: 'next-host', permanent: false, tlsFailed: true, diagnostic: `4.7.5 ${err.message} with ${label}` };
      }
    }
    if (opts.auth) {
      const refused = await authenticate(client, opts.auth, label, opts.timeouts.command);
      if (refused) {
        await client.quit();
        return refused;
      }
    }
    ready = true;
    return { kind: 'open', client, label };
  } catch (err) {
    const phase = err instanceof SmtpConnectionError ? err.phase : 'the session';
    return { kind: 'next-host', permanent: false, diagnostic: `4.4.2 ${label}: ${(err as Error).message} (during ${phase})` };
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    if (!ready) client.close();
  }
}

/**
 * One mail transaction on an open session. A session `reused` from the connection
 * cache is checked with RSET first; when that fails, or the connection turns out
 * broken before any of the message was sent, the result is `stale`: nothing was
 * delivered and the caller tries again on a fresh connection. The session is left
 * open; `reusable` says whether it can take another transaction.
 */
export async function transact(session: OpenSession, envelope: OutboundEnvelope, opts: HostSessionOptions, reused: boolean): Promise<TransactionResult> {
  const { client, label } = session;
  const all = (outcome: RecipientOutcome): HostResult => ({ kind: 'settled', host: label, outcomes: new Map(envelope.recipients.map((r) => [r, outcome])) });
  const done = (result: HostResult, last?: SmtpReply): TransactionResult => ({ result, reusable: client.usable && last?.code !== 421 });
  const abort = () => client.close();
  opts.signal?.addEventListener('abort', abort);
  if (opts.signal?.aborted) client.close();
  const outcomes = new Map<string, RecipientOutcome>();
  let inTransaction = false;
  let bodySent = false;
  try {
    const pipelining = client.extensions.has('PIPELINING');
    // RSET may open a pipelined group (RFC 2920); without PIPELINING it goes alone first.
    const checkReset = async () => {
      const rset = await client.readReply(opts.timeouts.command, 'RSET');
      return rset.code === 250 ? undefined : { result: { kind: 'stale' as const, diagnostic: `${label} answered RSET with ${replyText(rset)}` }, reusable: false };
    };
    if (reused && !pipelining) {
      client.write('RSET');
      const stale = await checkReset();
      if (stale) return stale;
    }
    const sizeLimit = Number(client.extensions.get('SIZE') || 0);
    if (sizeLimit > 0 && envelope.traits.size > sizeLimit) {
      return done(all({ status: 'permanent', diagnostic: `5.3.4 message size ${envelope.traits.size} exceeds the size limit ${sizeLimit} of ${label}` }));
    }
    const smtputf8 = client.extensions.has('SMTPUTF8');
    if (needsSmtpUtf8([envelope.sender, ...envelope.recipients]) && !smtputf8) {
      return done(all({ status: 'permanent', diagnostic: `5.6.7 ${label} does not support SMTPUTF8, which the non-ASCII addresses of this message need` }));
    }
    const params = [
      ...(client.extensions.has('SIZE') ? [`SIZE=${envelope.traits.size}`] : []),
      ...(envelope.traits.eightBit && client.extensions.has('8BITMIME') ? ['BODY=8BITMIME'] : []),
      ...(smtputf8 && (envelope.traits.utf8Header || needsSmtpUtf8([envelope.sender, ...envelope.recipients])) ? ['SMTPUTF8'] : []),
    ];
    const mailCommand = `MAIL FROM:<${envelope.sender}>${params.map((p) => ` ${p}`).join('')}`;
    const rcptCommands = envelope.recipients.map((r) => `RCPT TO:<${r}>`);
    inTransaction = true;
    // With PIPELINING, DATA ends the group (RFC 2920 3.1): MAIL, RCPT and DATA cost one round trip.
    if (pipelining) client.write(...(reused ? ['RSET'] : []), mailCommand, ...rcptCommands, 'DATA');
    else client.write(mailCommand);
    if (reused && pipelining) {
      // The replies that follow a failed RSET do not matter: the session is dropped.
      const stale = await checkReset();
      if (stale) return stale;
    }
    /** The reply to a pipelined DATA that must not be followed by a message; a server that says 354 anyway gets an empty one ended at once. */
    const settleData = async (): Promise<SmtpReply> => {
      const data = await client.readReply(opts.timeouts.dataStart, 'DATA');
      if (data.code !== 354) return data;
      client.write('.');
      await client.readReply(opts.timeouts.dataEnd, 'end of DATA');
      return { code: 421, lines: ['(session not re-used: DATA accepted without recipients)'] };
    };
    const mail = await client.readReply(opts.timeouts.mail, 'MAIL FROM');
    if (!ok(mail)) {
      // A cached session the server is closing (its idle timeout): nothing was sent yet.
      if (reused && mail.code === 421) return { result: { kind: 'stale', diagnostic: `${label} answered MAIL FROM with ${replyText(mail)}` }, reusable: false };
      // Pipelined RCPTs and DATA still get (negative) replies; read them so the next command is understood.
      let last = mail;
      if (pipelining) {
        for (const _ of rcptCommands) await client.readReply(opts.timeouts.rcpt, 'RCPT TO');
        last = await settleData();
      }
      return done(all(outcomeOf(mail, label, 'MAIL FROM')), last.code === 421 ? last : mail);
    }
    const accepted: string[] = [];
    let last: SmtpReply = mail;
    for (const [i, r] of envelope.recipients.entries()) {
      const reply = pipelining ? await client.readReply(opts.timeouts.rcpt, 'RCPT TO') : await client.command(rcptCommands[i], opts.timeouts.rcpt, 'RCPT TO');
      last = reply;
      if (ok(reply)) accepted.push(r);
      else outcomes.set(r, outcomeOf(reply, label, 'RCPT TO'));
    }
    if (accepted.length === 0) {
      if (pipelining) last = await settleData();
      return done({ kind: 'settled', host: label, outcomes }, last.code === 421 ? last : undefined);
    }
    const data = pipelining ? await client.readReply(opts.timeouts.dataStart, 'DATA') : await client.command('DATA', opts.timeouts.dataStart, 'DATA');
    if (data.code !== 354) {
      for (const r of accepted) outcomes.set(r, outcomeOf(data, label, 'DATA'));
      return done({ kind: 'settled', host: label, outcomes }, data);
    }
    bodySent = true;
    const final = await client.sendData(envelope.openBody());
    for (const r of accepted) outcomes.set(r, ok(final) ? { status: 'delivered' } : outcomeOf(final, label, 'end of DATA'));
    return done({ kind: 'settled', host: label, outcomes, response: replyText(final), tls: client.tlsInfo() }, final);
  } catch (err) {
    const phase = err instanceof SmtpConnectionError ? err.phase : 'the session';
    const diagnostic = `4.4.2 ${label}: ${(err as Error).message} (during ${phase})`;
    // A cached session the server dropped: no byte of the message went out, so a fresh connection cannot duplicate it.
    if (reused && !bodySent && !opts.signal?.aborted) return { result: { kind: 'stale', diagnostic }, reusable: false };
    if (!inTransaction) return { result: { kind: 'next-host', permanent: false, diagnostic }, reusable: false };
    for (const r of envelope.recipients) if (!outcomes.has(r)) outcomes.set(r, { status: 'temporary', diagnostic });
    return { result: { kind: 'settled', host: label, outcomes }, reusable: false };
  } finally {
    opts.signal?.removeEventListener('abort', abort);
  }
}

/**
 * SMTP AUTH (RFC 4954) with the relay host's account. Never on a connection that is not
 * encrypted; a failure defers the mail (the administrator can fix the password) rather
 * than bouncing it.
 */
async function authenticate(client: SmtpClient, auth: { username: string; password: string }, label: string, timeoutMs: number): Promise<HostResult | undefined> {
  const next = (diagnostic: string): HostResult => ({ kind: 'next-host', permanent: false, diagnostic });
  if (!client.tlsInfo()) return next(`4.7.0 ${label} did not offer STARTTLS: the relay host password is not sent in clear text`);
  const methods = (client.extensions.get('AUTH') ?? '').toUpperCase().split(/\s+/);
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
  let reply: SmtpReply;
  if (methods.includes('PLAIN')) {
    reply = await client.command(`AUTH PLAIN ${b64(`\0${auth.username}\0${auth.password}`)}`, timeoutMs, 'AUTH');
  } else if (methods.includes('LOGIN')) {
    reply = await client.command('AUTH LOGIN', timeoutMs, 'AUTH');
    if (reply.code === 334) reply = await client.command(b64(auth.username), timeoutMs, 'AUTH');
    if (reply.code === 334) reply = await client.command(b64(auth.password), timeoutMs, 'AUTH');
  } else {
    return next(`4.7.0 ${label} offers neither AUTH PLAIN nor AUTH LOGIN (it offers: ${methods.join(' ') || 'no AUTH'})`);
  }
  if (reply.code === 235) return undefined;
  return next(`4.7.8 authentication to ${label} as ${auth.username} failed: ${replyText(reply)}`);
}

function ok(reply: SmtpReply): boolean {
  return reply.code >= 200 && reply.code < 300;
}

function refusedHello(reply: SmtpReply, label: string): HostResult {
  return { kind: 'next-host', permanent: reply.code >= 500, diagnostic: `${statusOf(reply)} host ${label} refused EHLO and HELO: ${replyText(reply)}` };
}

/** Postfix's test: a server that names itself as we do is us, reached through a loop. */
function isMe(reply: SmtpReply, myName: string): boolean {
  const first = (reply.lines[0] ?? '').trim().split(/\s+/)[0]?.toLowerCase();
  return first === myName.toLowerCase();
}

function loop(destination: string, why: string): RecipientOutcome {
  return { status: 'permanent', diagnostic: `5.4.6 mail for ${destination} loops back to myself (${why})` };
}

/** The enhanced status code of a reply, or a generic one of the reply's class. */
function statusOf(reply: SmtpReply): string {
  const klass = reply.code >= 500 ? '5' : '4';
  const m = /^([245])\.\d{1,3}\.\d{1,3}(?=\s|$)/.exec(reply.lines[0] ?? '');
  return m && m[1] === klass ? m[0] : `${klass}.0.0`;
}

/** 5xx is permanent; everything else that is not success (4xx, odd codes) is worth a retry. */
function outcomeOf(reply: SmtpReply, label: string, command: string): RecipientOutcome {
  const diagnostic = `${statusOf(reply)} host ${label} said: ${replyText(reply)} (in reply to ${command} command)`;
  return reply.code >= 500 && reply.code < 600 ? { status: 'permanent', diagnostic } : { status: 'temporary', diagnostic };
}
