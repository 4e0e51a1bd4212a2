import type { CommandCursor } from '../protocol/command-cursor';
import { nstring } from '../protocol/encode';
import { decodeMailboxName, encodeMailboxName } from '../protocol/mutf7';
import { normalizeMailboxName } from '../../store/store';

/** A mailbox name argument: modified UTF-7 on the wire, Unicode in the store. */
export function readMailboxName(args: CommandCursor): string {
  return normalizeMailboxName(decodeMailboxName(args.astring().toString('utf8')));
}

/** A mailbox name in a response. */
export function mailboxOut(name: string): string {
  return nstring(encodeMailboxName(name));
}
