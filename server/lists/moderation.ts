import { listAddresses } from './addresses';
import { type OutMail, listMail, listVars, ownerAddresses } from './effects';
import { type MessageId, formatDate, text } from './i18n/catalogue';
import type { IncomingMessage } from './incoming';
import { matchesPattern } from './patterns';
import type { HeldPost, ListMember, MailingList, NonMemberAction, PendingRequest } from './types';

/** What a moderator can do with a held post; `defer` keeps it held, marked. */
export type ModerationAction = 'approve' | 'reject' | 'discard' | 'defer';

export interface PostDecision {
  action: NonMemberAction;
  /** Why (the text the poster's notice gives) when held or rejected. */
  reason: MessageId;
  /** The sender rule that decided, when one did. */
  rule?: string;
}

/** Lines of the post's text a moderation notice quotes. */
const EXCERPT_LINES = 25;

/** Who moderates a list: its owners and its moderators (each once). */
export function moderatorAddresses(list: MailingList): string[] {
  const all = [...ownerAddresses(list), ...list.moderators.map((m) => (m.includes('@') ? m : `${m}@${list.domain}`))];
  const seen = new Set<string>();
  return all.filter((a) => !seen.has(a.toLowerCase()) && !!seen.add(a.toLowerCase()));
}

/**
 * What happens to a post, by Mailman 2.1's order: a member's post is sent unless the member may
 * not post (held); a non-member's goes by the first sender rule whose pattern matches the From
 * address or the envelope sender, else by nonMemberAction; and on a moderated list every post
 * that would be sent is held instead (rejections and discards stand).
 */
export function postDecision(list: MailingList, member: ListMember | undefined, msg: IncomingMessage): PostDecision {
  let decision: PostDecision;
  if (member) decision = member.mayPost ? { action: 'accept', reason: 'reason.moderated' } : { action: 'hold', reason: 'reason.memberModerated' };
  else {
    const senders = [msg.fromAddress, msg.sender].filter(Boolean);
    const rule = list.senderRules.find((r) => senders.some((s) => matchesPattern(r.pattern, s)));
    const action = rule ? rule.action : list.nonMemberAction;
    decision = { action, reason: action === 'reject' ? 'reason.nonMemberRejected' : 'reason.nonMember', rule: rule?.pattern };
  }
  if (decision.action === 'accept' && list.moderated) return { action: 'hold', reason: 'reason.moderated' };
  return decision;
}

/** Whether an address is banned from subscribing (an exact address or a "^" pattern of `bans`). */
export function isBanned(list: MailingList, address: string): boolean {
  return list.bans.some((p) => matchesPattern(p, address));
}

/**
 * The notice a held post sends each moderator: who, what and why, the beginning of the text,
 * and the token. Its Reply-To is NAME-confirm+TOKEN, so replying is enough (replyDecision).
 */
export function moderationNotices(list: MailingList, hostname: string, msg: IncomingMessage, token: string, reason: string): OutMail[] {
  const a = listAddresses(list.name, list.domain);
  const lines = msg.bodyText().split(/\r?\n/);
  const excerpt = lines.slice(0, EXCERPT_LINES).map((l) => `> ${l}`).join('\n') + (lines.length > EXCERPT_LINES ? '\n> [\u2026]' : '');
  const vars = { ...listVars(list), from: msg.fromAddress || msg.sender || '<>', subject: msg.subject, reason, size: msg.raw.length, token, excerpt };
  return moderatorAddresses(list).map((to) =>
    listMail(list, hostname, {
      to,
      subject: 'moderation.notice.subject',
      vars,
      body: text(list.language, 'moderation.notice.body', vars),
      automatic: 'auto-generated',
      headers: [['Reply-To', a.confirm(token)]],
    }),
  );
}

/**
 * A moderator's reply to a notice (or `confirm TOKEN`): an "Approved:" header, or a first line
 * "approve"/"approved", approves; "reject [reason]" rejects; "defer" defers; "discard", or a
 * reply that says none of these, discards: Mailman 2.1's rule (reply = discard, for spam).
 */
export function replyDecision(msg: IncomingMessage): { action: ModerationAction; reason?: string } {
  if (msg.values('approved').length || msg.values('approve').length) return { action: 'approve' };
  const first = msg
    .bodyText()
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l && !l.startsWith('>'));
  const m = /^(approved?|reject(?:ed)?|discard(?:ed)?|defer(?:red)?)\b[:\s]*(.*)$/i.exec(first ?? '');
  const word = m?.[1].toLowerCase() ?? 'discard';
  if (word.startsWith('approve')) return { action: 'approve' };
  if (word.startsWith('reject')) return { action: 'reject', reason: m?.[2].trim() || undefined };
  if (word.startsWith('defer')) return { action: 'defer' };
  return { action: 'discard' };
}

/** The daily summary of what waits for the moderators (Mailman's checkdbs), one mail to each; none when nothing waits. */
export function moderationSummary(list: MailingList, hostname: string, held: HeldPost[], approvals: PendingRequest[]): OutMail[] {
  if (!held.length && !approvals.length) return [];
  const lang = list.language;
  const vars = listVars(list);
  const parts: string[] = [text(lang, 'summary.intro', vars)];
  if (held.length) {
    parts.push(
      [
        text(lang, 'summary.held', { count: held.length }),
        ...held.map((p) =>
          text(lang, 'summary.heldLine', { id: p.id, date: formatDate(lang, p.receivedAt), from: p.fromAddress || p.sender || '<>', subject: p.subject, reason: p.reason, deferred: p.deferred ? text(lang, 'summary.deferred') : '' }),
        ),
      ].join('\n'),
    );
  }
  if (approvals.length) {
    parts.push([text(lang, 'summary.subscriptions', { count: approvals.length }), ...approvals.map((p) => text(lang, 'summary.subscriptionLine', { id: p.id, date: formatDate(lang, p.createdAt), address: p.displayAddress }))].join('\n'));
  }
  parts.push(text(lang, 'summary.howTo', vars));
  const body = parts.join('\n\n');
  const svars = { ...vars, count: held.length + approvals.length };
  return moderatorAddresses(list).map((to) => listMail(list, hostname, { to, subject: 'summary.subject', vars: svars, body, automatic: 'auto-generated' }));
}
