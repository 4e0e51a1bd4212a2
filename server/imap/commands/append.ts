import { type CommandCursor, ParseError } from '../protocol/command-cursor';
import { parseDateTime } from '../protocol/imap-date';
import { storableMessage } from '../mime/binary';
import { summaryJson } from '../mime/summary';
import { appendLimit } from '../session/capabilities';
import { AUTHENTICATED, type CommandSpec, bad, no, ok } from '../session/command-types';
import { checkStorableFlags, permittedFlags } from '../session/flags';
import type { ImapSession } from '../session/imap-session';
import { formatSet } from '../protocol/sequence-set';
import { BadUrl, fetchUrl } from './imap-url';
import { readMailboxName } from './names';
import { wouldExceedQuota } from './quota';
import { access, has } from '../session/access';

/** One message of an APPEND: a literal, or CATENATE parts (RFC 4469) put together once parsing is done. */
interface AppendMessage {
  flags: string[];
  date?: Date;
  literal?: Buffer;
  catenate?: ({ text: Buffer } | { url: string })[];
}

function readMessage(args: CommandCursor): AppendMessage {
  const m: AppendMessage = { flags: [] };
  if (args.peek() === 0x28) {
    m.flags = args.flagList();
    args.sp();
  }
  if (args.peek() === 0x22) {
    m.date = parseDateTime(args.string().toString('latin1'));
    args.sp();
  }
  if (args.maybeKeyword('UTF8')) {
    // RFC 6855 section 4: a message with UTF-8 headers, as a literal8 in parentheses.
    if (!args.utf8Names) throw new ParseError('APPEND UTF8 needs ENABLE UTF8=ACCEPT first');
    args.sp();
    args.expect('(');
    args.maybe('~');
    if (args.peek() !== 0x7b) throw new ParseError('APPEND UTF8 takes a literal');
    m.literal = args.string();
    args.expect(')');
    return m;
  }
  if (args.maybeKeyword('CATENATE')) {
    args.sp();
    m.catenate = args.list(() => {
      if (args.maybeKeyword('TEXT')) {
        args.sp();
        args.maybe('~');
        if (args.peek() !== 0x7b) throw new ParseError('CATENATE TEXT takes a literal');
        return { text: args.string() };
      }
      if (args.maybeKeyword('URL')) {
        args.sp();
        return { url: args.astring().toString('utf8') };
      }
      throw new ParseError('expected TEXT or URL');
    }, false);
    return m;
  }
  // literal8 (RFC 3516): the bytes may hold NUL; storableMessage re-encodes such parts.
  args.maybe('~');
  if (args.peek() !== 0x7b) throw new ParseError('expected the message as a literal');
  m.literal = args.string();
  return m;
}

async function assemble(s: ImapSession, m: AppendMessage): Promise<Buffer> {
  if (m.literal) return storableMessage(m.literal);
  const pieces: Buffer[] = [];
  for (const part of m.catenate ?? []) pieces.push('text' in part ? part.text : await fetchUrl(s, part.url));
  return storableMessage(Buffer.concat(pieces));
}

export const appendCommands: Record<string, CommandSpec> = {
  /** APPEND with MULTIAPPEND (RFC 3502: several messages, all or none) and CATENATE (RFC 4469). */
  APPEND: {
    states: AUTHENTICATED,
    async run(s, args) {
      args.sp();
      const name = readMailboxName(args);
      const wanted: AppendMessage[] = [];
      do {
        args.sp();
        wanted.push(readMessage(args));
      } while (!args.atEnd());
      for (const m of wanted) {
        const problem = checkStorableFlags(m.flags);
        if (problem) return bad(problem);
      }
      const a = access(s, name);
      if (!a) return no('Mailbox does not exist', 'TRYCREATE');
      if (!has(a.rights, 'i')) return no('Permission denied', 'NOPERM');
      const box = a.box;
      const messages: Buffer[] = [];
      for (const m of wanted) {
        try {
          messages.push(await assemble(s, m));
        } catch (err) {
          if (err instanceof BadUrl) return no(err.message, `BADURL ${err.url.replace(/[\r\n\]]/g, '')}`);
          throw err;
        }
      }
      if (messages.some((m) => m.length === 0)) return no('Empty messages cannot be stored', 'CANNOT');
      if (messages.some((m) => m.length > appendLimit(s.settings))) return no('Message too large', 'TOOBIG');
      const bytes = messages.reduce((n, m) => n + m.length, 0);
      if (wouldExceedQuota(s, bytes, a.ownerId)) return no('Quota exceeded', 'OVERQUOTA');
      // As Dovecot answers a full disk: the client shows it as "no room", and may retry later.
      if (!(await s.ctx.diskReserve.hasRoom(bytes))) return no('Not enough disk space', 'OVERQUOTA');
      const results = await s.ctx.store.append(
        messages.map((message, i) => ({ userId: a.ownerId, mailbox: box.name, seenBy: s.user!.id, flags: permittedFlags(a.rights, wanted[i].flags), internalDate: wanted[i].date, source: { parts: [message] }, summary: summaryJson(message), byUser: true })),
      );
      for (const r of results) s.log.event('append', { user: s.user!.shortName, mailbox: a.visible, uid: r.uid, size: r.size });
      return ok('APPEND completed', `APPENDUID ${results[0].uidValidity} ${formatSet(results.map((r) => r.uid))}`);
    },
  },
};
