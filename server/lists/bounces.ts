import type { ListEvents } from './events';
import type { Logger } from '../logs/logger';
import { type BouncedRecipient, type BounceKind, readBounce } from '../mail/bounce';
import { Effect, inLanguageOf, listMail, listVars, ownerAddresses } from './effects';
import { formatDate, text } from './i18n/catalogue';
import type { IncomingMessage } from './incoming';
import type { ListStore } from './list-store';
import type { ListMember, MailingList } from './types';

const DAY_MS = 24 * 3600_000;
const SCORE: Record<BounceKind, number> = { hard: 1, soft: 0.5 };

export interface BounceDeps {
  store: ListStore;
  hostname: string;
  log: Logger;
  events: ListEvents;
}

/** YYYY-MM-DD of a time, in UTC: a member's bounces count once per day. */
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS);

/**
 * Mail to a list's -bounces address (or -bounces+member=domain, the VERP address of a
 * personalised copy), scored as Mailman 2.1 does: a hard bounce counts 1.0 and a soft one 0.5,
 * at most once a day per member; a score whose last bounce is older than bounceStaleDays starts
 * again; at bounceScoreThreshold the member's delivery is disabled "by bounces", the member is
 * told at once and bounceWarnings - 1 more times every bounceWarningIntervalDays
 * (runBounceWarnings), then removed. Undefined when the message is no bounce that names a
 * member (or bounce processing is off): the caller passes it to the owners, as Mailman passes
 * unrecognised bounces on.
 */
export function processBounce(d: BounceDeps, list: MailingList, verpDetail: string | undefined, msg: IncomingMessage, now = Date.now()): Effect | undefined {
  if (!list.bounceProcessing) return undefined;
  const reported = readBounce(msg.raw);
  const bounced: { member: ListMember; report: BouncedRecipient }[] = [];
  if (verpDetail !== undefined) {
    // The VERP address names the member the copy was for, whatever the report says.
    const at = verpDetail.lastIndexOf('=');
    const member = at > 0 ? d.store.member(list.id, `${verpDetail.slice(0, at)}@${verpDetail.slice(at + 1)}`) : undefined;
    // A person writing to a VERP address is no bounce; an unreadable automatic message to it is.
    if (member && (reported || msg.automatic)) {
      const hard = !reported || reported.some((r) => r.kind === 'hard');
      bounced.push({ member, report: reported?.find((r) => r.kind === (hard ? 'hard' : 'soft')) ?? { address: member.address, kind: hard ? 'hard' : 'soft', status: '' } });
    }
  } else {
    for (const report of reported ?? []) {
      const member = d.store.member(list.id, report.address);
      if (member) bounced.push({ member, report });
    }
  }
  if (!bounced.length) return undefined;
  const effect = new Effect();
  for (const { member, report } of bounced) effect.add(scoreBounce(d, list, member, report, now));
  return effect;
}

function scoreBounce(d: BounceDeps, list: MailingList, member: ListMember, report: BouncedRecipient, now: number): Effect {
  const effect = new Effect();
  const log = (message: string, fields: Record<string, unknown> = {}) =>
    effect.logs.push(() => d.log.message(message, { list: list.address, member: member.address, kind: report.kind, status: report.status || undefined, ...fields }));
  if (member.delivery === 'by-bounces') {
    log('bounce for a member already disabled by bounces');
    return effect;
  }
  const today = dayOf(now);
  if (member.lastBounceDay === today) {
    log('bounce not counted: one has been counted for this member today', { score: member.bounceScore });
    return effect;
  }
  const stale = member.lastBounceDay === null || daysBetween(member.lastBounceDay, today) > list.bounceStaleDays;
  const score = (stale ? 0 : member.bounceScore) + SCORE[report.kind];
  effect.changes.push(() => d.store.recordBounce(member.id, score, today));
  if (score < list.bounceScoreThreshold) {
    log('bounce counted', { score, threshold: list.bounceScoreThreshold, restarted: stale && member.lastBounceDay !== null });
    return effect;
  }
  // Disabled: the first notice goes at once; the rest, and then the removal, follow from the job.
  const interval = list.bounceWarningIntervalDays * DAY_MS;
  const warn = list.bounceWarnings > 0;
  const left = warn ? list.bounceWarnings - 1 : 0;
  const next = warn ? now + interval : now;
  const reason = text(list.language, 'reason.bounces', { score, status: report.status || report.kind });
  effect.changes.push(() => d.store.disableByBounces(member.id, reason, left, next));
  effect.logs.push(() => d.events.tell({ kind: 'member-disabled', listId: list.id, list: list.address, address: member.displayAddress }));
  if (warn) effect.add(memberNotice(d, list, member, left, now + (left + 1) * interval));
  if (list.bounceNotifyOwnerOnDisable) effect.add(ownerNotice(d, list, 'disabled', { address: member.displayAddress, score, threshold: list.bounceScoreThreshold, status: report.status || report.kind }));
  log('delivery disabled by bounces', { score, threshold: list.bounceScoreThreshold, noticesLeft: left });
  return effect;
}

/**
 * A notice that a member's delivery is disabled by bounces, and how to turn it on again
 * (`set delivery on` to -request), with the day of removal.
 */
function memberNotice(d: BounceDeps, listOfMember: MailingList, member: ListMember, left: number, removal: number): Effect {
  const effect = new Effect();
  const list = inLanguageOf(listOfMember, member);
  const vars = { ...listVars(list), address: member.displayAddress, left, removal: formatDate(list.language, new Date(removal)) };
  effect.mails.push(listMail(list, d.hostname, { to: member.displayAddress, subject: 'bounce.disabled.subject', vars, body: text(list.language, 'bounce.disabled.body', vars), from: 'owner', automatic: 'auto-generated' }));
  return effect;
}

function ownerNotice(d: BounceDeps, list: MailingList, kind: 'disabled' | 'removed', values: Record<string, string | number>): Effect {
  const effect = new Effect();
  const vars = { ...listVars(list), ...values };
  const subject = kind === 'disabled' ? 'bounce.owner.disabled.subject' : 'bounce.owner.removed.subject';
  const body = text(list.language, kind === 'disabled' ? 'bounce.owner.disabled.body' : 'bounce.owner.removed.body', vars);
  for (const owner of ownerAddresses(list)) effect.mails.push(listMail(list, d.hostname, { to: owner, subject, vars, body, from: 'owner', automatic: 'auto-generated' }));
  return effect;
}

/**
 * What is due for one member disabled by bounces (the daily job): another notice while some
 * are left, else removal from the list (with the owners told when the list says so).
 */
export function dueBounceWarning(d: BounceDeps, list: MailingList, member: ListMember, now: number): Effect {
  const effect = new Effect();
  const left = member.bounceWarningsLeft ?? 0;
  if (left > 0) {
    const interval = list.bounceWarningIntervalDays * DAY_MS;
    effect.changes.push(() => d.store.scheduleBounceWarning(member.id, left - 1, now + interval));
    effect.add(memberNotice(d, list, member, left - 1, now + left * interval));
    effect.logs.push(() => d.log.message('bounce notice sent to a disabled member', { list: list.address, member: member.address, noticesLeft: left - 1 }));
    return effect;
  }
  effect.changes.push(() => void d.store.removeMember(list.id, member.address));
  effect.logs.push(() => d.events.tell({ kind: 'member-left', listId: list.id, list: list.address, address: member.displayAddress }));
  if (list.bounceNotifyOwnerOnRemoval) effect.add(ownerNotice(d, list, 'removed', { address: member.displayAddress }));
  effect.logs.push(() => d.log.message('member removed after bounces', { list: list.address, member: member.address }));
  return effect;
}
