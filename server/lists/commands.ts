import { parseAddress } from '../directory/address';
import { Effect, listMail, listVars } from './effects';
import { text } from './i18n/catalogue';
import type { IncomingMessage } from './incoming';
import type { ListStore } from './list-store';
import type { Subscriptions } from './subscriptions';
import type { DigestMode, MailingList } from './types';
import { type ModerationAction, replyDecision } from './moderation';
import { applyOptionChange, parseOptionChange } from './member-set';

/** Lines of a command message that are read; the rest are reported as ignored. */
export const MAX_COMMAND_LINES = 50;
/** A message with more commands than this is refused whole (one reply, nothing done). */
export const MAX_COMMANDS = 1000;
/** Members listed by `who` in one reply. */
const MAX_ROSTER_LINES = 1000;

const COMMANDS = new Set(['help', 'info', 'lists', 'who', 'subscribe', 'join', 'unsubscribe', 'leave', 'remove', 'set', 'confirm', 'approve', 'reject', 'discard', 'defer', 'end', 'stop']);

export interface CommandDeps {
  store: ListStore;
  subscriptions: Subscriptions;
  hostname: string;
  /** An address that is one of a list's own (subscribing it would loop). */
  isListAddress(address: string): boolean;
  /** A moderator's decision on the held post a token names (an unknown token gets its answer). */
  moderate(token: string, action: ModerationAction, reason: string | undefined): { effect: Effect; answer: string };
  /** Whether a token is a held post's moderation token (then `confirm TOKEN` moderates, as a reply to the notice does). */
  isHeldToken(token: string): boolean;
}

/**
 * The command lines of a message: the subject when it starts with a command (after "Re:"), then
 * the body up to "end" or a signature separator ("-- "), quoted lines (">") and blank lines
 * skipped.
 */
export function commandLines(msg: IncomingMessage): string[] {
  const lines: string[] = [];
  const subject = msg.subject.replace(/^\s*((re|aw|fwd?|sv)\s*:\s*)+/i, '').trim();
  if (COMMANDS.has(subject.split(/\s+/)[0]?.toLowerCase() ?? '')) lines.push(subject);
  for (const raw of msg.bodyText().split(/\r?\n/)) {
    if (raw === '-- ' || raw === '--') break;
    const line = raw.trim();
    if (!line || line.startsWith('>')) continue;
    lines.push(line);
    const word = line.split(/\s+/)[0].toLowerCase();
    if (word === 'end' || word === 'stop') break;
  }
  return lines;
}

/** Runs the commands of a message to NAME-request@ and makes the one reply (in the list's language). */
export function runCommands(list: MailingList, msg: IncomingMessage, d: CommandDeps): Effect {
  const effect = new Effect();
  const vars = listVars(list);
  const lines = commandLines(msg);
  const out: string[] = [text(list.language, 'results.intro', vars), ''];
  if (lines.length > MAX_COMMANDS) {
    out.push(text(list.language, 'results.tooMany', { count: lines.length, max: MAX_COMMANDS }));
  } else if (lines.length === 0) {
    out.push(text(list.language, 'results.none', vars));
  } else {
    for (const line of lines.slice(0, MAX_COMMAND_LINES)) {
      out.push(text(list.language, 'results.line', { command: line }));
      const { answer, effect: e, end } = runOne(list, msg, line, d);
      effect.add(e);
      out.push(answer, '');
      if (end) break;
    }
    if (lines.length > MAX_COMMAND_LINES) out.push(text(list.language, 'results.ignored', { count: lines.length - MAX_COMMAND_LINES, max: MAX_COMMAND_LINES }));
    out.push(text(list.language, 'results.done', vars));
  }
  if (!msg.automatic && msg.replyAddress) {
    effect.mails.unshift(listMail(list, d.hostname, { to: msg.replyAddress, subject: 'results.subject', vars, body: out.join('\n'), automatic: 'auto-replied' }));
  }
  return effect;
}

function runOne(list: MailingList, msg: IncomingMessage, line: string, d: CommandDeps): { answer: string; effect: Effect; end?: boolean } {
  const [word, ...args] = line.split(/\s+/);
  const vars = listVars(list);
  const lang = list.language;
  const none = new Effect();
  const requester = msg.fromAddress;
  switch (word.toLowerCase()) {
    case 'help':
      return { answer: text(lang, 'cmd.help', vars), effect: none };
    case 'info':
      return { answer: text(lang, 'cmd.info', { ...vars, owner: list.owners.join(', ') }), effect: none };
    case 'lists': {
      const lists = d.store.all().filter((l) => l.domain === list.domain);
      if (!lists.length) return { answer: text(lang, 'cmd.lists.none', vars), effect: none };
      const rows = lists.map((l) => text(lang, 'cmd.lists.line', { address: l.address, description: l.description ? ` \u2014 ${l.description}` : '' }));
      return { answer: [text(lang, 'cmd.lists.header', vars), ...rows].join('\n'), effect: none };
    }
    case 'who':
      return { answer: roster(list, msg, d), effect: none };
    case 'subscribe':
    case 'join': {
      let address = requester;
      let digest: DigestMode = 'off';
      for (const arg of args) {
        const a = arg.replace(/^address=/i, '').replace(/^<(.*)>$/, '$1');
        if (/^(digest|digest=mime|digest=plain)$/i.test(arg)) digest = /plain/i.test(arg) ? 'plain' : 'mime';
        else if (/^(nodigest|digest=off)$/i.test(arg)) digest = 'off';
        else if (a.includes('@')) address = a;
        else return { answer: text(lang, 'cmd.subscribe.badOption', { option: arg }), effect: none };
      }
      if (!validAddress(address) || d.isListAddress(address)) return { answer: text(lang, 'cmd.subscribe.badAddress', { address }), effect: none };
      const r = d.subscriptions.requestJoin(list, address, { digest });
      return { answer: r.answer, effect: r.effect };
    }
    case 'unsubscribe':
    case 'leave':
    case 'remove': {
      const address = (args[0] ?? requester).replace(/^address=/i, '').replace(/^<(.*)>$/, '$1');
      if (!validAddress(address)) return { answer: text(lang, 'cmd.subscribe.badAddress', { address }), effect: none };
      const r = d.subscriptions.requestLeave(list, address);
      return { answer: r.answer, effect: r.effect };
    }
    case 'set': {
      // set OPTION VALUE [address=X]: Mailman 2.1's form. Mailman asks for X's password first
      // (set authenticate); Pillarbox keeps no list passwords, so a change for an address other
      // than the writer's waits until that address confirms it (docs/lists.md, "Commands").
      const [what, value, ...rest] = args;
      const change = parseOptionChange(what, value);
      const named = rest.map((a) => a.replace(/^address=/i, '').replace(/^<(.*)>$/, '$1'));
      if (!change || named.length > 1 || (named.length === 1 && !validAddress(named[0]))) return { answer: text(lang, 'cmd.set.usage'), effect: none };
      const writer = [requester, msg.sender].filter(Boolean).map((a) => a.toLowerCase());
      if (named.length === 1 && !writer.includes(named[0].toLowerCase())) return d.subscriptions.requestOptionChange(list, named[0], change);
      const member = named.length === 1 ? d.store.member(list.id, named[0]) : (d.store.member(list.id, requester) ?? d.store.member(list.id, msg.sender));
      if (!member) return { answer: text(lang, 'cmd.notMember', { ...vars, address: named[0] ?? requester }), effect: none };
      return applyOptionChange(d.store, member, change, lang);
    }
    case 'confirm': {
      if (args.length !== 1) return { answer: text(lang, 'cmd.confirm.usage'), effect: none };
      if (d.isHeldToken(args[0])) {
        const decision = replyDecision(msg);
        return d.moderate(args[0], decision.action, decision.reason);
      }
      const r = d.subscriptions.confirm(list, args[0]);
      return { answer: r.answer, effect: r.effect };
    }
    case 'approve':
    case 'reject':
    case 'discard':
    case 'defer': {
      if (!args.length) return { answer: text(lang, 'moderation.usage'), effect: none };
      return d.moderate(args[0], word.toLowerCase() as ModerationAction, args.slice(1).join(' ') || undefined);
    }
    case 'end':
    case 'stop':
      return { answer: '', effect: none, end: true };
    default:
      return { answer: text(lang, 'cmd.unknown'), effect: none };
  }
}

/**
 * `who`: the roster, hidden members left out. A public roster goes to anyone; a members-only
 * one to a member (the From address or the envelope sender); an owners-only one never by mail.
 */
function roster(list: MailingList, msg: IncomingMessage, d: CommandDeps): string {
  const lang = list.language;
  const vars = listVars(list);
  const isMember = !!(d.store.member(list.id, msg.fromAddress) ?? (msg.sender && d.store.member(list.id, msg.sender)));
  if (list.roster === 'owners' || (list.roster === 'members' && !isMember)) {
    return text(lang, 'cmd.who.refused', { ...vars, who: text(lang, list.roster === 'owners' ? 'cmd.who.owners' : 'cmd.who.members') });
  }
  const { members, total } = d.store.members(list.id, { limit: MAX_ROSTER_LINES, visibleOnly: true });
  return [text(lang, 'cmd.who.header', { ...vars, count: total }), ...members.map((m) => text(lang, 'cmd.who.line', { address: m.displayAddress }))].join('\n');
}

function validAddress(address: string): boolean {
  const p = parseAddress(address);
  return !!p && !/[\s<>(),;:"[\]\\]/.test(address) && /^[a-z0-9.-]+$/i.test(p.domain) && p.domain.includes('.');
}
