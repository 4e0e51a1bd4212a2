import crypto from 'node:crypto';
import { nstring } from '../protocol/encode';
import { AUTHENTICATED, type CommandSpec, bad, no, ok } from '../session/command-types';
import type { ImapSession } from '../session/imap-session';
import { BadUrl, type ImapUrl, fetchParsedUrl, parseImapUrl } from './imap-url';
import { readMailboxName } from './names';

/**
 * URLAUTH (RFC 4467): GENURLAUTH signs a message URL with a key of the mailbox, so that
 * whoever the URL's access identifier names can URLFETCH it (a submission server sending
 * a draft without downloading it first); RESETKEY replaces the key, voiding the URLs.
 * Only the INTERNAL mechanism exists: HMAC-SHA-256 of the URL up to and including the
 * access identifier.
 */

const ACCESS = /^(?:anonymous|authuser|(?:user|submit)\+[^:;/]+)$/i;

interface Rump {
  /** The URL without ;EXPIRE= and ;URLAUTH=, for locating the message. */
  base: string;
  owner: string;
  access: string;
  expire?: Date;
}

function parseRump(rump: string): Rump | undefined {
  const auth = /;URLAUTH=([^;/:]+)$/i.exec(rump);
  if (!auth || !ACCESS.test(auth[1])) return undefined;
  let base = rump.slice(0, auth.index);
  let expire: Date | undefined;
  const exp = /;EXPIRE=([^;/]+)$/i.exec(base);
  if (exp) {
    expire = new Date(decodeURIComponent(exp[1]));
    if (Number.isNaN(expire.getTime())) return undefined;
    base = base.slice(0, exp.index);
  }
  const owner = /^imap:\/\/([^@/;]+)(?:;[^@/]*)?@[^/]+\//i.exec(base)?.[1];
  if (!owner) return undefined;
  return { base, owner: decodeURIComponent(owner), access: auth[1], expire };
}

function token(key: Buffer, rump: string): string {
  return crypto.createHmac('sha256', key).update(rump, 'latin1').digest('hex');
}

function mayAccess(access: string, user: string): boolean {
  const a = access.toLowerCase();
  if (a === 'anonymous' || a === 'authuser') return true;
  if (a.startsWith('user+')) return decodeURIComponent(access.slice(5)).toLowerCase() === user.toLowerCase();
  return false; // submit+: only for a submission server, which this session is not
}

/** A signed URL that is valid for this user now: the message URL it carries and whose mailboxes it names. */
export interface AuthorizedUrl {
  parsed: ImapUrl;
  ownerId: number;
}

/** Checks a URLFETCH URL's signature, access identifier and expiry; undefined when it may not be fetched. */
export function authorizeUrl(s: ImapSession, url: string): AuthorizedUrl | undefined {
  const m = /^(.*;URLAUTH=[^;/:]+):INTERNAL:([0-9a-f]{64})$/i.exec(url);
  if (!m) return undefined;
  const rump = parseRump(m[1]);
  if (!rump || !mayAccess(rump.access, s.user!.shortName)) return undefined;
  if (rump.expire && rump.expire.getTime() < Date.now()) return undefined;
  const owner = s.ctx.directory.loginUser(rump.owner);
  if (!owner) return undefined;
  let parsed: ImapUrl;
  try {
    parsed = parseImapUrl(rump.base, owner.shortName);
  } catch (err) {
    if (err instanceof BadUrl) return undefined;
    throw err;
  }
  const expected = token(s.ctx.store.urlauthKey(owner.id, parsed.mailbox), m[1]);
  if (!crypto.timingSafeEqual(Buffer.from(expected), Buffer.from(m[2].toLowerCase()))) return undefined;
  return { parsed, ownerId: owner.id };
}

export const urlauthCommands: Record<string, CommandSpec> = {
  GENURLAUTH: {
    states: AUTHENTICATED,
    async run(s, args) {
      const out: string[] = [];
      do {
        args.sp();
        const rumpText = args.astring().toString('latin1');
        args.sp();
        const mechanism = args.atom().toUpperCase();
        if (mechanism !== 'INTERNAL') return no(`Unknown URLAUTH mechanism ${mechanism.slice(0, 32)}`);
        const rump = parseRump(rumpText);
        if (!rump) return bad('Not a URLAUTH URL: imap://user@host/mailbox/;UID=n[;EXPIRE=t];URLAUTH=access');
        if (rump.owner.toLowerCase() !== s.user!.shortName.toLowerCase()) return no('URLs can be made only for your own mailboxes');
        let mailbox: string;
        try {
          const parsed = parseImapUrl(rump.base, s.user!.shortName);
          await fetchParsedUrl(s, rumpText, parsed, s.user!.id);
          mailbox = parsed.mailbox;
        } catch (err) {
          if (err instanceof BadUrl) return no(err.message, `BADURL ${rumpText.replace(/[\r\n\]]/g, '')}`);
          throw err;
        }
        out.push(`${rumpText}:internal:${token(s.ctx.store.urlauthKey(s.user!.id, mailbox), rumpText)}`);
      } while (!args.atEnd());
      await s.write(`* GENURLAUTH ${out.map((u) => nstring(u)).join(' ')}\r\n`);
      return ok('GENURLAUTH completed');
    },
  },

  RESETKEY: {
    states: AUTHENTICATED,
    async run(s, args) {
      if (args.atEnd()) {
        s.ctx.store.resetUrlauthKeys(s.user!.id);
        return ok('RESETKEY completed');
      }
      args.sp();
      const name = readMailboxName(args);
      while (!args.atEnd()) {
        args.sp();
        if (args.atom().toUpperCase() !== 'INTERNAL') return no('Unknown URLAUTH mechanism');
      }
      if (!s.ctx.store.mailbox(s.user!.id, name)) return no('Mailbox does not exist', 'NONEXISTENT');
      s.ctx.store.resetUrlauthKeys(s.user!.id, name);
      return ok('RESETKEY completed');
    },
  },
};
