import crypto from 'node:crypto';
import type { Directory } from './directory';
import type { User } from './types';

export type SaslMechanism = 'PLAIN' | 'LOGIN' | 'CRAM-MD5';

/** What a finished exchange yields; `verifySasl` checks it against the directory. */
export type SaslCredentials =
  | { kind: 'password'; username: string; password: string; authzid?: string }
  | { kind: 'cram-md5'; username: string; challenge: string; digest: string };

export type SaslStep =
  | { type: 'challenge'; base64: string }
  | { type: 'done'; credentials: SaslCredentials }
  | { type: 'error'; message: string };

/**
 * Server side of SASL PLAIN (RFC 4616), LOGIN and CRAM-MD5 (RFC 2195), shared by IMAP,
 * POP3 and ManageSieve. Feed it the client's base64 lines; it answers with the next
 * challenge or the credentials. "*" from the client cancels (caller's job).
 */
export class SaslExchange {
  private stage = 0;
  private username = '';
  private readonly cramChallenge: string;

  constructor(
    readonly mechanism: SaslMechanism,
    hostname: string,
  ) {
    this.cramChallenge = `<${crypto.randomBytes(8).readBigUInt64BE()}.${Date.now()}@${hostname}>`;
  }

  /** The first server step; `initial` is a SASL-IR initial response ("=" for empty). */
  start(initial?: string): SaslStep {
    if (this.mechanism === 'CRAM-MD5') {
      if (initial !== undefined) return { type: 'error', message: 'CRAM-MD5 does not take an initial response' };
      this.stage = 1;
      return { type: 'challenge', base64: Buffer.from(this.cramChallenge).toString('base64') };
    }
    if (this.mechanism === 'LOGIN') {
      if (initial !== undefined) return this.next(initial);
      return { type: 'challenge', base64: Buffer.from('Username:').toString('base64') };
    }
    if (initial !== undefined) return this.next(initial);
    return { type: 'challenge', base64: '' };
  }

  next(line: string): SaslStep {
    const decoded = decodeBase64(line === '=' ? '' : line);
    if (decoded === undefined) return { type: 'error', message: 'invalid base64' };
    switch (this.mechanism) {
      case 'PLAIN': {
        const parts = decoded.toString('utf8').split('\0');
        if (parts.length !== 3 || !parts[1]) return { type: 'error', message: 'malformed PLAIN response' };
        return {
          type: 'done',
          credentials: { kind: 'password', authzid: parts[0] || undefined, username: parts[1], password: parts[2] },
        };
      }
      case 'LOGIN': {
        if (this.stage === 0) {
          this.username = decoded.toString('utf8');
          this.stage = 1;
          return { type: 'challenge', base64: Buffer.from('Password:').toString('base64') };
        }
        return { type: 'done', credentials: { kind: 'password', username: this.username, password: decoded.toString('utf8') } };
      }
      case 'CRAM-MD5': {
        const m = /^(\S+) ([0-9a-f]{32})$/i.exec(decoded.toString('utf8'));
        if (!m) return { type: 'error', message: 'malformed CRAM-MD5 response' };
        return { type: 'done', credentials: { kind: 'cram-md5', username: m[1], challenge: this.cramChallenge, digest: m[2].toLowerCase() } };
      }
    }
  }
}

function decodeBase64(s: string): Buffer | undefined {
  const clean = s.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) return undefined;
  return Buffer.from(clean, 'base64');
}

/** Checks credentials; an authorization identity other than the user itself is refused. */
export async function verifySasl(directory: Directory, credentials: SaslCredentials): Promise<User | undefined> {
  if (credentials.kind === 'password') {
    if (credentials.authzid && credentials.authzid !== credentials.username) return undefined;
    return directory.authenticate(credentials.username, credentials.password);
  }
  const user = directory.loginUser(credentials.username);
  const secret = user && directory.plainPassword(user.id);
  if (!user || secret === undefined) return undefined;
  const expected = crypto.createHmac('md5', secret).update(credentials.challenge).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(credentials.digest)) ? user : undefined;
}

/** APOP (RFC 1939 section 7): MD5 of the greeting's timestamp followed by the password. */
export function verifyApop(directory: Directory, username: string, timestamp: string, digest: string): User | undefined {
  const user = directory.loginUser(username);
  const secret = user && directory.plainPassword(user.id);
  if (!user || secret === undefined || !/^[0-9a-f]{32}$/i.test(digest)) return undefined;
  const expected = crypto.createHash('md5').update(timestamp + secret).digest('hex');
  return crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(digest.toLowerCase())) ? user : undefined;
}

/** The password the client sent, when the mechanism sends one (for the auth throttle's repeat check). */
export function saslSecret(credentials: SaslCredentials): string | undefined {
  return credentials.kind === 'password' ? credentials.password : undefined;
}
