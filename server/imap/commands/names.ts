import type { CommandCursor } from '../protocol/command-cursor';
import { nstring, wire } from '../protocol/encode';
import { MailboxNameError, decodeMailboxName, encodeMailboxName } from '../../mail/mutf7';
import { normalizeMailboxName } from '../../store/store';

/** A mailbox name or pattern as sent: modified UTF-7, or UTF-8 once UTF8=ACCEPT or IMAP4rev2 is enabled (RFC 6855, 9051). */
export function decodeName(args: CommandCursor, sent: string): string {
  return args.utf8Names ? sent : decodeMailboxName(sent);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A mailbox name's bytes as text; where names are UTF-8 (RFC 9051 section 5.1) they must be valid UTF-8 without control characters. */
function nameText(args: CommandCursor, bytes: Buffer): string {
  if (!args.utf8Names) return bytes.toString('utf8');
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw new MailboxNameError('mailbox name is not valid UTF-8');
  }
  // eslint-disable-next-line no-control-regex -- C0 and C1 controls are what a mailbox name may not hold
  if (/[\x00-\x1f\x7f-\x9f]/.test(text)) throw new MailboxNameError('control characters in mailbox name');
  return text;
}

/** A mailbox name argument: modified UTF-7 (or UTF-8) on the wire, Unicode in the store. */
export function readMailboxName(args: CommandCursor): string {
  return readMailboxNameAsSent(args).name;
}

/** The command's last argument, a mailbox name: a space, the name, the end of the line. */
export function readFinalMailboxName(args: CommandCursor): string {
  args.sp();
  const name = readMailboxName(args);
  args.end();
  return name;
}

/** A mailbox name argument as the client spelled it (decoded), and as the store names it ("inbox" is INBOX). */
export function readMailboxNameAsSent(args: CommandCursor): { sent: string; name: string } {
  const sent = decodeName(args, nameText(args, args.astring()));
  return { sent, name: normalizeMailboxName(sent) };
}

/** A mailbox name in a response: modified UTF-7, or UTF-8 when the client enabled UTF8=ACCEPT. */
export function mailboxOut(name: string, utf8 = false): string {
  if (!utf8) return nstring(encodeMailboxName(name));
  // RFC 6855: quoted strings may carry UTF-8 once the client enabled it.
  const bytes = wire(name);
  // eslint-disable-next-line no-control-regex -- NUL, CR and LF are what a quoted string cannot carry
  if (bytes.length < 1024 && !/[\x00-\x1f\x7f]/.test(bytes)) return '"' + bytes.replace(/[\\"]/g, (c) => '\\' + c) + '"';
  return nstring(bytes);
}
