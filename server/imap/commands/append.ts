import { ParseError } from '../protocol/command-cursor';
import { parseDateTime } from '../protocol/imap-date';
import { storableMessage } from '../mime/binary';
import { appendLimit } from '../session/capabilities';
import { AUTHENTICATED, type CommandSpec, bad, no, ok } from '../session/command-types';
import { checkStorableFlags } from '../session/flags';
import { readMailboxName } from './names';
import { wouldExceedQuota } from './quota';

export const appendCommands: Record<string, CommandSpec> = {
  APPEND: {
    states: AUTHENTICATED,
    async run(s, args) {
      args.sp();
      const name = readMailboxName(args);
      args.sp();
      let flags: string[] = [];
      let date: Date | undefined;
      if (args.peek() === 0x28) {
        flags = args.flagList();
        args.sp();
      }
      if (args.peek() === 0x22) {
        date = parseDateTime(args.string().toString('latin1'));
        args.sp();
      }
      // literal8 (RFC 3516): the bytes may hold NUL; storableMessage re-encodes such parts.
      args.maybe('~');
      if (args.peek() !== 0x7b) throw new ParseError('expected the message as a literal');
      const message = storableMessage(args.string());
      args.end();
      const problem = checkStorableFlags(flags);
      if (problem) return bad(problem);
      const box = s.ctx.store.mailbox(s.user!.id, name);
      if (!box) return no('Mailbox does not exist', 'TRYCREATE');
      if (message.length === 0) return no('Empty messages cannot be stored', 'CANNOT');
      if (message.length > appendLimit(s.settings)) return no('Message too large', 'TOOBIG');
      if (wouldExceedQuota(s, message.length)) return no('Quota exceeded', 'OVERQUOTA');
      const [r] = await s.ctx.store.append([
        { userId: s.user!.id, mailbox: box.name, flags, internalDate: date, source: { parts: [message] } },
      ]);
      s.log.event('append', { user: s.user!.shortName, mailbox: box.name, uid: r.uid, size: r.size });
      return ok('APPEND completed', `APPENDUID ${r.uidValidity} ${r.uid}`);
    },
  },
};
