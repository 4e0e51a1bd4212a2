import type { CommandCursor } from '../protocol/command-cursor';
import { nstring, wire } from '../protocol/encode';
import { decodeMailboxName, encodeMailboxName } from '../protocol/mutf7';
import { normalizeMailboxName } from '../../store/store';

/** A mailbox name or pattern as sent: modified UTF-7, or UTF-8 once UTF8=ACCEPT is enabled (RFC 6855). */
export function decodeName(args: CommandCursor, sent: string): string {
  return args.utf8Names ? sent : decodeMailboxName(sent);
}

/** A mailbox name argument: modified UTF-7 (or UTF-8) on the wire, Unicode in the store. */
export function readMailboxName(args: CommandCursor): string {
  return normalizeMailboxName(decodeName(args, args.astring().toString('utf8')));
}

/** A mailbox name argument as the client spelled it (decoded), and as the store names it ("inbox" is INBOX). */
export function readMailboxNameAsSent(args: CommandCursor): { sent: string; name: string } {
  const sent = decodeName(args, args.astring().toString('utf8'));
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
