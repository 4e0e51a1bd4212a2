import type { LogEntry } from '../../server/logs/logger';

/**
 * Log records as a busy Pillarbox writes them, for the logs benchmark: mail arriving by SMTP
 * (connection, accepted, junk verdict, delivered, sometimes deferred or refused), IMAP and POP
 * logins and commands, scheduled jobs, the management API and its audit trail. Deterministic
 * (record i is always the same), so a cached corpus and the figures measured on it can be
 * compared between runs; the facts the queries look for are exported.
 */
export const LOCAL_USERS = 2000;
const REMOTE_SENDERS = 50_000;
const REMOTE_DOMAINS = 2000;
const CLIENTS = 20_000;

/** A local user's short name and address. */
export const localUser = (n: number): string => `user${n % LOCAL_USERS}`;
export const localAddress = (n: number): string => `${localUser(n)}@example.test`;
export const remoteAddress = (n: number): string => `sender${n % REMOTE_SENDERS}@domain${n % REMOTE_DOMAINS}.example.org`;
/** Client IPs from documentation ranges: 198.18.0.0/15 holds 131,072 addresses. */
export const clientAddress = (n: number): string => {
  const k = n % CLIENTS;
  return `198.${18 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}`;
};
/** The queue ID of the message a record at index i belongs to (every record of one message shares it). */
export const queueIdOf = (message: number): string => mix(message).toString(16).padStart(12, '0').slice(0, 12).toUpperCase();

/** A cheap integer hash, so "random" choices are the same on every run. */
function mix(x: number): number {
  let h = Math.imul(x ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) * 65536 + (Math.imul(x, 0x27d4eb2d) >>> 16);
}

/**
 * One message's life is 5 records (connection, accepted, junk verdict, delivered, closed); the
 * other slots of a 10-record cycle are mail access, jobs, the API and the odd refusal or
 * error. `time` is the record's time in milliseconds; records must be made in time order.
 */
export function logRecord(i: number, time: number): LogEntry {
  const iso = new Date(time).toISOString();
  const cycle = Math.floor(i / 10);
  const h = mix(cycle);
  const client = clientAddress(h);
  const queueId = queueIdOf(cycle);
  const from = remoteAddress(h >>> 3);
  const to = localAddress(h >>> 7);
  const session = `S${(h >>> 5).toString(36)}`;
  switch (i % 10) {
    case 0:
      return { time: iso, service: 'smtp', severity: 'event', text: `connection from ${client}`, session, client };
    case 1:
      if (h % 50 === 0) return { time: iso, service: 'smtp', severity: 'message', text: 'relay denied', session, client, from, to: [`someone${h % 997}@elsewhere.example.net`], reply: '554 5.7.1 Relay access denied' };
      return { time: iso, service: 'smtp', severity: 'message', text: 'message accepted', session, client, queueId, from, to: [to], size: 2000 + (h % 60_000), messageId: `<${h.toString(36)}@domain${h % REMOTE_DOMAINS}.example.org>` };
    case 2:
      return { time: iso, service: 'junk', severity: 'message', text: h % 7 === 0 ? 'junk mail' : 'not junk', queueId, score: (h % 120) / 10, client, from };
    case 3:
      if (h % 40 === 0) return { time: iso, service: 'smtp', severity: 'message', text: 'delivery deferred', queueId, to, reason: 'mailbox is busy, trying again' };
      return { time: iso, service: 'smtp', severity: 'message', text: `delivered to ${localUser(h >>> 7)}`, queueId, to, user: localUser(h >>> 7), mailbox: 'INBOX' };
    case 4:
      return { time: iso, service: 'smtp', severity: 'event', text: 'connection closed', session, client, commands: 6 };
    case 5:
      return { time: iso, service: 'imap', severity: 'message', text: 'login', session, client, user: localUser(h >>> 11), mechanism: 'PLAIN', tls: true };
    case 6:
      return { time: iso, service: 'imap', severity: 'event', text: 'SELECT INBOX', session, user: localUser(h >>> 11), exists: h % 4000 };
    case 7:
      if (h % 3 === 0) return { time: iso, service: 'pop', severity: 'message', text: 'login', session, client, user: localUser(h >>> 13) };
      return { time: iso, service: 'imap', severity: 'event', text: 'logout', session, user: localUser(h >>> 11) };
    case 8:
      if (h % 100 === 0) return { time: iso, service: 'smtp', severity: 'error', text: 'TLS handshake failed', session, client, error: 'wrong version number' };
      if (h % 10 === 1) return { time: iso, service: 'audit', severity: 'message', text: 'mutation updateUser', user: 'admin', role: 'ADMIN', client: '192.0.2.10', mutation: 'updateUser', args: { id: `U${h % LOCAL_USERS}`, quotaMb: 2048 } };
      return { time: iso, service: 'web', severity: 'debug', text: 'POST /graphql', client: '192.0.2.10', status: 200, ms: h % 40 };
    default:
      if (h % 20 === 0) return { time: iso, service: 'jobs', severity: 'message', text: 'job finished', job: 'queue-cleanup', ok: true, seconds: h % 30 };
      return { time: iso, service: 'server', severity: 'event', text: 'disk space checked', freeMb: 40_000 + (h % 1000) };
  }
}
