import { parseAddress } from '../directory/address';
import { Effect, listMail, listVars } from './effects';
import { text } from './i18n/catalogue';
import type { IncomingMessage } from './incoming';
import type { ListStore } from './list-store';
import type { Subscriptions } from './subscriptions';
import type { DigestMode, MailingList } from './types';
import { type ModerationAction, replyDecision } from './moderation';

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
      const [what, value] = args.map((a) => a.toLowerCase());
      const digest = what === 'digest' && (value === 'mime' || value === 'plain' || value === 'off') ? value : undefined;
      const onOff = value === 'on' || value === 'off';
      if (!digest && !(onOff && ['delivery', 'myposts', 'ack', 'hide'].includes(what))) return { answer: text(lang, 'cmd.set.usage'), effect: none };
      const member = d.store.member(list.id, requester) ?? d.store.member(list.id, msg.sender);
      if (!member) return { answer: text(lang, 'cmd.notMember', { ...vars, address: requester }), effect: none };
      const effect = new Effect();
      const on = value === 'on';
      const address = member.displayAddress;
      if (what === 'myposts') {
        effect.changes.push(() => d.store.updateMember(member.id, { receiveOwnPosts: on }));
        return { answer: text(lang, 'cmd.set.myposts', { address, state: text(lang, on ? 'cmd.set.mypostsOn' : 'cmd.set.mypostsOff') }), effect };
      }
      if (what === 'ack') {
        effect.changes.push(() => d.store.updateMember(member.id, { acknowledgePosts: on }));
        return { answer: text(lang, 'cmd.set.ack', { address, state: text(lang, on ? 'cmd.set.on' : 'cmd.set.off') }), effect };
      }
      if (what === 'hide') {
        effect.changes.push(() => d.store.updateMember(member.id, { hidden: on }));
        return { answer: text(lang, 'cmd.set.hide', { address, state: text(lang, on ? 'cmd.set.hidden' : 'cmd.set.shown') }), effect };
      }
      if (digest) {
        effect.changes.push(() => d.store.updateMember(member.id, { digest }));
        return { answer: text(lang, 'cmd.set.digestDone', { address: member.displayAddress, mode: text(lang, digest === 'mime' ? 'cmd.digest.mime' : digest === 'plain' ? 'cmd.digest.plain' : 'cmd.digest.off') }), effect };
      }
      effect.changes.push(() => d.store.updateMember(member.id, value === 'on' ? { delivery: 'enabled', deliveryReason: '' } : { delivery: 'by-member', deliveryReason: 'set delivery off by mail' }));
      return { answer: text(lang, 'cmd.set.done', { address: member.displayAddress, state: text(lang, value === 'on' ? 'cmd.set.on' : 'cmd.set.off') }), effect };
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
