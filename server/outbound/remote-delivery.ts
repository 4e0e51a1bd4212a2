import crypto from 'node:crypto';
import type { ChangedSettings } from '../config/settings-schema';
import type { OutboundContext } from './outbound-context';
import type { Logger } from '../logs/logger';
import type { QueueProcessor, RecipientOutcome } from '../queue/queue';
import type { QueueEntry } from '../queue/types';
import { localUserId } from '../queue/targets';
import { ConnectionLimiter } from './connection-limiter';
import { DelayNotifier } from './delay-notice';
import { openSession, transact, type HostResult, type HostSessionOptions, type OutboundEnvelope } from './host-session';
import { scanMessage, type MessageTraits } from './message-traits';
import { MxResolver } from './mx-resolver';
import { SpooledMessage } from './spooled-message';
import { RFC5321_TIMEOUTS, type SmtpTimeouts } from './smtp-client';
import { DkimSigning } from './dkim-signing';
import { DEFAULT_SESSION_CACHE_LIMITS, SessionCache, type CachedSession, type SessionCacheLimits } from './session-cache';
import { setImmediate as nextTurn } from 'node:timers/promises';

export interface RemoteDeliveryOptions {
  timeouts?: Partial<SmtpTimeouts>;
  /** Connections open at once to one host (Postfix: default_destination_concurrency_limit). */
  perDestination?: number;
  /** Outbound connections open at once in all. */
  totalConnections?: number;
  /** Addresses tried per destination and attempt, over all its MX hosts. */
  maxAddresses?: number;
  dnsTimeoutMs?: number;
  dnsTries?: number;
  /** Become the queue's delay-notice hook (the engine's RemoteDelivery does; extra instances in tests need not). */
  delayNotices?: boolean;
  /** The connection cache's limits; idleMs 0 turns it off (one session per message). */
  sessionCache?: Partial<SessionCacheLimits>;
}

const HOLD_DIAGNOSTIC = '4.3.2 outbound mail is on hold (Hold Outbound Mail is on)';

/**
 * Delivers queued mail to other servers: recipients grouped by domain, each domain's
 * MX hosts tried in order (or every message through the relay host when one is set),
 * over SMTP with opportunistic STARTTLS. The queue retries what comes back
 * temporary and bounces what comes back permanent.
 */
/** Recipients planned between turns of the event loop. */
const RECIPIENTS_PER_TURN = 5000;
/** Addresses a log line names at most (the count is logged too). */
const LOGGED_ADDRESSES = 20;

export class RemoteDelivery implements QueueProcessor {
  readonly limiter: ConnectionLimiter;
  private readonly resolver: MxResolver;
  private readonly timeouts: SmtpTimeouts;
  private readonly maxAddresses: number;
  private readonly delays?: DelayNotifier;
  private readonly dkim: DkimSigning;
  /** Sessions kept open after a transaction for the next message to the same host. */
  readonly sessions: SessionCache;
  private readonly shutdown = new AbortController();
  private readonly onStopping = () => {
    this.shutdown.abort();
    this.resolver.cancel();
    this.sessions.closeAll();
    void this.dkim.close();
  };

  constructor(
    private readonly ctx: OutboundContext,
    private readonly log: Logger,
    options: RemoteDeliveryOptions = {},
  ) {
    this.resolver = new MxResolver({ server: ctx.options.dns, timeoutMs: options.dnsTimeoutMs, tries: options.dnsTries });
    this.timeouts = { ...RFC5321_TIMEOUTS, ...options.timeouts };
    this.limiter = new ConnectionLimiter(options.perDestination ?? 10, options.totalConnections ?? 100);
    this.maxAddresses = options.maxAddresses ?? 10;
    this.dkim = new DkimSigning(ctx, ctx.dkim, log);
    this.sessions = new SessionCache({ ...DEFAULT_SESSION_CACHE_LIMITS, ...options.sessionCache });
    ctx.queue.on('stopping', this.onStopping);
    if (options.delayNotices !== false) {
      this.delays = new DelayNotifier(ctx, log);
      this.delays.attach();
    }
  }

  /** The engine's reconfigure: mail held while Hold Outbound Mail was on goes as soon as it is off. */
  settingsChanged(changed: ChangedSettings): void {
    if (changed.has('holdOutbound') && !this.ctx.settings.get().holdOutbound) this.release();
  }

  /** Stops following queue events (for instances made outside the engine's wiring). */
  close(): void {
    this.ctx.queue.off('stopping', this.onStopping);
    this.delays?.detach();
    this.sessions.closeAll();
    void this.dkim.close();
  }

  async process(entry: QueueEntry): Promise<Map<string, RecipientOutcome>> {
    const outcomes = new Map<string, RecipientOutcome>();
    const remote = entry.recipients.filter((r) => r.status === 'pending' && localUserId(r.address) === undefined);
    if (remote.length === 0) return outcomes;
    const settings = this.ctx.settings.get();
    if (settings.holdOutbound) {
      // The first addresses and the count: a list post's copy may name 100,000.
      this.log.event('held: outbound mail is on hold', { queueId: entry.id, to: remote.slice(0, LOGGED_ADDRESSES).map((r) => r.address), recipients: remote.length });
      const held: RecipientOutcome = { status: 'temporary', diagnostic: HOLD_DIAGNOSTIC };
      for (const r of remote) if (outcomes.set(r.address, held).size % RECIPIENTS_PER_TURN === 0) await nextTurn();
      return outcomes;
    }
    const message = await SpooledMessage.load(entry.file, entry.localPrefix);
    const traits = await scanMessage(message);
    const signature = await this.dkim.signatureFor(entry, message);
    if (signature) traits.size += signature.length;
    const relay = settings.relayHost.trim();
    const groups = new Map<string, string[]>();
    let planned = 0;
    for (const r of remote) {
      // A turn of the event loop now and then: a list post's copy may have 100,000 recipients.
      if (++planned % RECIPIENTS_PER_TURN === 0) await nextTurn();
      const at = r.address.lastIndexOf('@');
      if (at <= 0 || at === r.address.length - 1) {
        outcomes.set(r.address, { status: 'permanent', diagnostic: `5.1.3 bad recipient address syntax <${r.address}>` });
        continue;
      }
      const key = relay ? relay : r.address.slice(at + 1).toLowerCase();
      const group = groups.get(key);
      if (group) group.push(r.address);
      else groups.set(key, [r.address]);
    }
    const results = await Promise.all([...groups].map(([destination, rcpts]) => this.deliverTo(entry, destination, rcpts, message, traits, !!relay, signature)));
    for (const result of results) for (const [address, outcome] of result) outcomes.set(address, outcome);
    return outcomes;
  }

  /** One destination (a domain, or the relay host): route, then hosts in order until one takes the transaction. */
  private async deliverTo(
    entry: QueueEntry,
    destination: string,
    recipients: string[],
    message: SpooledMessage,
    traits: MessageTraits,
    viaRelay: boolean,
    signature: Buffer | undefined,
  ): Promise<Map<string, RecipientOutcome>> {
    const all = (outcome: RecipientOutcome) => new Map(recipients.map((r) => [r, outcome]));
    const route = viaRelay ? await this.resolver.relay(destination) : await this.resolver.route(destination, this.ctx.options.hostname);
    if (route.kind === 'failed') {
      this.log.message(route.status === 'permanent' ? 'undeliverable destination' : 'destination lookup deferred', { queueId: entry.id, destination, reason: route.diagnostic });
      return all({ status: route.status, diagnostic: route.diagnostic });
    }
    const envelope: OutboundEnvelope = {
      sender: entry.sender,
      recipients,
      traits,
      openBody: () => message.open(signature),
    };
    const failures: { diagnostic: string; permanent: boolean }[] = [];
    const tried = new Set<string>();
    for (const host of route.hosts) {
      if (host.addresses.length === 0) {
        failures.push({ diagnostic: (host.problem ?? `4.4.4 host ${host.name} has no address`).replace(/^5/, '4'), permanent: false });
        continue;
      }
      for (const address of host.addresses) {
        // Two MX names for one server are one server: try it once.
        if (tried.has(`${address}:${host.port}`) || tried.size >= this.maxAddresses) continue;
        tried.add(`${address}:${host.port}`);
        const result = await this.attemptHost(entry, destination, { name: host.name, address, port: host.port }, envelope, viaRelay);
        if (result.kind === 'settled') {
          this.logOutcomes(entry, result);
          return result.outcomes;
        }
        this.log.message('host failed, trying the next', { queueId: entry.id, destination, reason: result.diagnostic });
        failures.push(result);
      }
    }
    const last = failures.at(-1) ?? { diagnostic: `4.4.4 no host to deliver to for ${destination}`, permanent: false };
    const permanent = failures.length > 0 && failures.every((f) => f.permanent);
    return all({ status: permanent ? 'permanent' : 'temporary', diagnostic: last.diagnostic });
  }

  /**
   * One address, within the connection limits: over an idle cached session to it when
   * there is one (checked with RSET; a stale one is closed and the next tried), else a
   * new connection. STARTTLS that fails is retried once in plain text (opportunistic TLS).
   */
  private async attemptHost(
    entry: QueueEntry,
    destination: string,
    hop: { name: string; address: string; port: number },
    envelope: OutboundEnvelope,
    viaRelay: boolean,
  ): Promise<HostResult> {
    const release = await this.limiter.acquire(hop.name);
    try {
      const options: HostSessionOptions = {
        heloName: this.ctx.options.hostname,
        destination,
        timeouts: this.timeouts,
        startTls: true,
        verifyCertificates: false,
        signal: this.shutdown.signal,
        auth: viaRelay ? this.relayAuth() : undefined,
      };
      for (let cached: CachedSession | undefined; (cached = this.sessions.take(sessionKey(hop, options))); ) {
        const { result, reusable } = await transact(cached.session, envelope, options, true);
        if (result.kind !== 'stale') {
          await this.keepOrQuit(hop, options, cached, reusable);
          return result;
        }
        this.log.event('cached session unusable, trying another connection', { queueId: entry.id, host: cached.session.label, reason: result.diagnostic });
        cached.session.client.close();
      }
      const result = await this.freshSession(hop, envelope, options);
      if (result.kind !== 'next-host' || !result.tlsFailed) return result;
      this.log.message('STARTTLS failed, retrying without TLS', { queueId: entry.id, host: hop.name, address: hop.address, reason: result.diagnostic });
      return await this.freshSession(hop, envelope, { ...options, startTls: false });
    } finally {
      release();
    }
  }

  /** A new connection for one transaction; kept afterwards in the connection cache when it may be. */
  private async freshSession(hop: { name: string; address: string; port: number }, envelope: OutboundEnvelope, options: HostSessionOptions): Promise<HostResult> {
    this.sessions.makeRoom(hop.name, (idle) => idle + this.limiter.snapshot().total > this.limiter.total);
    const session = await openSession(hop, envelope.recipients, options);
    if (session.kind !== 'open') return session;
    const { result, reusable } = await transact(session, envelope, options, false);
    await this.keepOrQuit(hop, options, { session, hostName: hop.name, openedAt: Date.now(), uses: 0 }, reusable);
    // Only a session from the cache can be stale; for a new one that is a plain failure.
    return result.kind === 'stale' ? { kind: 'next-host', permanent: false, diagnostic: result.diagnostic } : result;
  }

  private keepOrQuit(hop: { name: string; address: string; port: number }, options: HostSessionOptions, cached: CachedSession, reusable: boolean): Promise<void> {
    return this.sessions.keepOrQuit(sessionKey(hop, options), cached, reusable && !this.shutdown.signal.aborted);
  }

  /** The relay host account, when a user name is set and a password stored. */
  private relayAuth(): { username: string; password: string } | undefined {
    const username = this.ctx.settings.get().relayHostUsername.trim();
    const password = username ? this.ctx.relayCredentials.password() : undefined;
    return username && password !== undefined ? { username, password } : undefined;
  }

  private logOutcomes(entry: QueueEntry, result: Extract<HostResult, { kind: 'settled' }>): void {
    for (const [to, outcome] of result.outcomes) {
      if (outcome.status === 'delivered') {
        this.log.message('sent', { queueId: entry.id, to, relay: result.host, tls: result.tls ?? 'none', response: result.response });
        this.ctx.counters.count('relayed');
      } else {
        this.log.message(outcome.status === 'permanent' ? 'refused by remote host' : 'deferred by remote host', { queueId: entry.id, to, relay: result.host, reason: outcome.diagnostic });
      }
    }
  }

  /** Hold Outbound Mail was turned off: everything waiting for another server goes now. */
  private release(): void {
    let n = 0;
    for (const e of this.ctx.queue.entries()) {
      if (e.state === 'held') continue;
      if (e.recipients.some((r) => r.status === 'pending' && localUserId(r.address) === undefined) && this.ctx.queue.retry(e.id)) n++;
    }
    this.log.message('outbound mail released', { messages: n });
  }
}

/** Sessions are interchangeable when they go to the same address and port, with the same TLS choice, login (and password) and EHLO name. */
function sessionKey(hop: { address: string; port: number }, options: HostSessionOptions): string {
  // A changed relay host password must log in again: a digest of it is part of the key, never the password itself.
  const login = options.auth ? [options.auth.username, crypto.createHash('sha256').update(options.auth.password).digest('base64')] : null;
  return JSON.stringify([hop.address, hop.port, options.startTls, login, options.heloName]);
}
