import { HIERARCHY_SEPARATOR, type MailboxInfo } from '../../store/types';
import { type CommandCursor, ParseError } from '../protocol/command-cursor';
import { AUTHENTICATED, type CommandSpec, no, ok } from '../session/command-types';
import type { ImapSession } from '../session/imap-session';
import { statusItems } from './mailbox';
import { readMailboxName } from './names';

/**
 * NOTIFY (RFC 5465): the client names mailboxes and message events; the server then
 * sends an unsolicited STATUS for a mailbox (other than the selected one) whenever such
 * an event happens there, between commands or while idling, so the client needs neither
 * polling nor a connection per mailbox. The selected mailbox reports as it always does.
 */

export type NotifyEvent = 'MessageNew' | 'MessageExpunge' | 'FlagChange';
const EVENTS: NotifyEvent[] = ['MessageNew', 'MessageExpunge', 'FlagChange'];

type Filter =
  | { kind: 'SELECTED' | 'SELECTED-DELAYED' | 'INBOXES' | 'PERSONAL' | 'SUBSCRIBED' }
  | { kind: 'SUBTREE' | 'MAILBOXES'; names: string[] };

interface EventGroup {
  filter: Filter;
  events: Set<NotifyEvent>;
}

export interface NotifySpec {
  groups: EventGroup[];
}

function readMailboxes(args: CommandCursor): string[] {
  if (args.peek() === 0x28) return args.list(() => readMailboxName(args), false);
  return [readMailboxName(args)];
}

function readGroup(args: CommandCursor, unsupported: string[]): EventGroup {
  args.expect('(');
  const kind = args.atom().toUpperCase();
  let filter: Filter;
  if (kind === 'SUBTREE' || kind === 'MAILBOXES') {
    args.sp();
    filter = { kind, names: readMailboxes(args) };
  } else if (['SELECTED', 'SELECTED-DELAYED', 'INBOXES', 'PERSONAL', 'SUBSCRIBED'].includes(kind)) {
    filter = { kind: kind as 'SELECTED' };
  } else {
    throw new ParseError(`unknown NOTIFY filter ${kind.slice(0, 32)}`);
  }
  const events = new Set<NotifyEvent>();
  if (args.maybe(' ')) {
    if (!args.maybeKeyword('NONE')) {
      args.list(() => {
        const name = args.atom();
        const event = EVENTS.find((e) => e.toLowerCase() === name.toLowerCase());
        if (event) events.add(event);
        else unsupported.push(name);
        // MessageNew may name FETCH items to send with it; the STATUS form is what is sent here.
        if (args.peek() === 0x20 && args.peekUpper(2) === ' (') {
          args.sp();
          args.list(() => args.token(), false);
        }
      }, false);
    }
  }
  args.expect(')');
  return { filter, events };
}

function matches(s: ImapSession, f: Filter, box: MailboxInfo, subscriptions: () => Set<string>): boolean {
  switch (f.kind) {
    case 'SELECTED':
    case 'SELECTED-DELAYED':
      return false; // the selected mailbox reports through the usual untagged responses
    case 'INBOXES':
      return box.name === 'INBOX';
    case 'PERSONAL':
      return true;
    case 'SUBSCRIBED':
      return subscriptions().has(box.name);
    case 'MAILBOXES':
      return f.names.includes(box.name);
    case 'SUBTREE':
      return f.names.some((n) => box.name === n || box.name.startsWith(n + HIERARCHY_SEPARATOR));
  }
}

/** The events the spec asks for in a mailbox that is not selected. */
export function eventsFor(s: ImapSession, spec: NotifySpec, box: MailboxInfo): Set<NotifyEvent> {
  const out = new Set<NotifyEvent>();
  let subs: Set<string> | undefined;
  const subscriptions = () => (subs ??= new Set(s.ctx.store.subscriptions(s.user!.id)));
  for (const g of spec.groups) if (matches(s, g.filter, box, subscriptions)) g.events.forEach((e) => out.add(e));
  return out;
}

/** STATUS items that tell of these events (RFC 5465 section 5). */
export function statusItemsFor(events: Set<NotifyEvent>): string[] {
  const items: string[] = [];
  if (events.has('MessageNew') || events.has('MessageExpunge')) items.push('MESSAGES');
  if (events.has('MessageNew')) items.push('UIDNEXT');
  if (events.has('MessageNew') || events.has('FlagChange')) items.push('UIDVALIDITY');
  if (events.has('FlagChange')) items.push('HIGHESTMODSEQ');
  return items;
}

/** The STATUS response for an event in a mailbox the session watches, or undefined. */
export function notifyStatus(s: ImapSession, box: MailboxInfo, event: NotifyEvent): string | undefined {
  if (!s.notify || box.userId !== s.user?.id || s.selected?.mailbox.id === box.id) return undefined;
  const events = eventsFor(s, s.notify, box);
  if (!events.has(event)) return undefined;
  return statusItems(s, box.name, statusItemsFor(events));
}

export const notifyCommands: Record<string, CommandSpec> = {
  NOTIFY: {
    states: AUTHENTICATED,
    async run(s, args) {
      args.sp();
      if (args.maybeKeyword('NONE')) {
        args.end();
        s.notify = undefined;
        return ok('NOTIFY completed');
      }
      if (!args.maybeKeyword('SET')) throw new ParseError('expected NOTIFY SET or NOTIFY NONE');
      args.sp();
      const withStatus = args.maybeKeyword('STATUS');
      if (withStatus) args.sp();
      const unsupported: string[] = [];
      const groups: EventGroup[] = [readGroup(args, unsupported)];
      while (!args.atEnd()) {
        args.sp();
        groups.push(readGroup(args, unsupported));
      }
      if (unsupported.length) return no(`Events not supported: ${unsupported.join(' ').slice(0, 200)}`, `BADEVENT (${EVENTS.join(' ')})`);
      const spec: NotifySpec = { groups };
      s.notify = spec;
      if (withStatus) {
        const lines: string[] = [];
        for (const box of s.ctx.store.mailboxes(s.user!.id)) {
          if (s.selected?.mailbox.id === box.id) continue;
          const items = statusItemsFor(eventsFor(s, spec, box));
          if (!items.length) continue;
          const line = statusItems(s, box.name, items);
          if (line) lines.push(line);
        }
        await s.write(lines.join(''));
      }
      return ok('NOTIFY completed');
    },
  },
};
