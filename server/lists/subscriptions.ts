import crypto from 'node:crypto';
import type { Logger } from '../logs/logger';
import type { ListEvents } from './events';
import { listAddresses } from './addresses';
import { Effect, inLanguageOf, listMail, listVars } from './effects';
import { formatDate, text } from './i18n/catalogue';
import { webText } from './i18n/web-catalogue';
import { type ListStore, hashToken } from './list-store';
import type { DigestMode, ListMember, MailingList } from './types';
import { isBanned } from './moderation';
import { type OptionChange, applyOptionChange, changeText, parseOptionChange } from './member-set';

/** Answers of a subscription step, as result lines of a command reply. */
export interface StepResult {
  effect: Effect;
  /** What to tell the requester (one line or paragraph), in the list's language. */
  answer: string;
  ok: boolean;
}

export interface SubscriptionDeps {
  store: ListStore;
  hostname: string;
  log: Logger;
  events: ListEvents;
}

/** The list page that confirms a request with its token (by a POST from the page: mail scanners follow GET links). */
export const confirmUrl = (hostname: string, token: string) => `https://${hostname}/lists/confirm/${token}`;

/** 128 random bits, as 32 hex digits (they fit in a local part: NAME-confirm+TOKEN@). */
export const newToken = () => crypto.randomBytes(16).toString('hex');

/**
 * Double opt-in (Mailman's confirm): a request mails a token to the address concerned, and only
 * the token, sent back, changes the roster. Tokens are kept hashed; a used or expired one gets
 * its own answer and changes nothing.
 */
export class Subscriptions {
  constructor(private readonly d: SubscriptionDeps) {}

  /** The confirmation request for joining (or the refusal when the list is closed). */
  requestJoin(list: MailingList, address: string, opts: { digest?: DigestMode; name?: string; invite?: boolean }): StepResult {
    const vars = { ...listVars(list), address };
    if (!opts.invite && !list.selfSubscribe) return { effect: new Effect(), answer: text(list.language, 'cmd.subscribe.closed', vars), ok: false };
    if (this.d.store.member(list.id, address)) return { effect: new Effect(), answer: text(list.language, 'cmd.subscribe.already', vars), ok: false };
    if (isBanned(list, address)) return this.banned(list, address);
    return { effect: this.confirmationRequest(list, 'subscribe', address, opts), answer: text(list.language, 'cmd.subscribe.sent', vars), ok: true };
  }

  /** The confirmation request for leaving; the answer is the same whether the address is a member or not. */
  requestLeave(list: MailingList, address: string): StepResult {
    const vars = { ...listVars(list), address };
    const member = this.d.store.member(list.id, address);
    const effect = member ? this.confirmationRequest(inLanguageOf(list, member), 'unsubscribe', address, {}) : new Effect();
    return { effect, answer: text(list.language, 'cmd.unsubscribe.sent', vars), ok: true };
  }

  /**
   * A member option change asked for another address than the writer's (`set ... address=X`):
   * a confirmation request to X, the change made when X confirms. The answer is the same
   * whether X is a member or not.
   */
  requestOptionChange(list: MailingList, address: string, change: OptionChange): StepResult {
    const member = this.d.store.member(list.id, address);
    const effect = member ? this.confirmationRequest(inLanguageOf(list, member), 'set', address, { change: changeText(change) }) : new Effect();
    return { effect, answer: text(list.language, 'cmd.set.confirmSent', { ...listVars(list), address, change: changeText(change) }), ok: true };
  }

  private confirmationRequest(list: MailingList, kind: 'subscribe' | 'unsubscribe' | 'set', address: string, opts: { digest?: DigestMode; name?: string; invite?: boolean; change?: string }): Effect {
    const token = newToken();
    const expiresAt = Date.now() + list.confirmDays * 24 * 3600_000;
    const a = listAddresses(list.name, list.domain);
    const vars = { ...listVars(list), address, token, confirmAddress: a.confirm(token), expires: formatDate(list.language, new Date(expiresAt)), change: opts.change ?? '' };
    const effect = new Effect();
    effect.changes.push(() => void this.d.store.addPending({ listId: list.id, kind, tokenHash: hashToken(token), address, name: opts.name, digest: opts.digest, expiresAt, invited: opts.invite, change: opts.change }));
    effect.mails.push(
      listMail(list, this.d.hostname, {
        to: address,
        subject: kind === 'subscribe' ? 'confirm.subscribe.subject' : kind === 'set' ? 'confirm.set.subject' : 'confirm.unsubscribe.subject',
        vars,
        body: `${text(list.language, kind === 'unsubscribe' ? 'confirm.unsubscribe.body' : kind === 'set' ? 'confirm.set.body' : opts.invite ? 'confirm.invite.body' : 'confirm.subscribe.body', vars)}\n\n${webText(list.language, 'mail.confirmLink', { url: confirmUrl(this.d.hostname, token) })}`,
        automatic: 'auto-replied',
        headers: [['Reply-To', a.confirm(token)]],
      }),
    );
    effect.logs.push(() => this.d.log.message(opts.invite ? 'invitation sent' : `${kind} confirmation requested`, { list: list.address, address, ...(opts.change ? { change: opts.change } : {}) }));
    return effect;
  }

  /** A token sent back: carries out the request it stands for, once. */
  confirm(list: MailingList, token: string): StepResult {
    const vars = listVars(list);
    const p = /^[0-9a-f]{32}$/i.test(token) ? this.d.store.pendingByToken(hashToken(token)) : undefined;
    const refuse = (id: 'confirm.unknown' | 'confirm.expired' | 'confirm.used', why: string): StepResult => {
      const effect = new Effect();
      effect.logs.push(() => this.d.log.message('confirmation refused', { list: list.address, reason: why }));
      return { effect, answer: text(list.language, id, vars), ok: false };
    };
    if (!p || p.listId !== list.id || p.kind === 'approval') return refuse('confirm.unknown', 'unknown token');
    if (p.usedAt) return refuse('confirm.used', 'token used before');
    if (p.expiresAt.getTime() < Date.now()) return refuse('confirm.expired', 'token expired');
    const effect = new Effect();
    effect.changes.push(() => this.d.store.markPendingUsed(p.id));
    const address = p.displayAddress;
    if (p.kind === 'set') {
      const member = this.d.store.member(list.id, address);
      const [what, value] = p.change.split(' ');
      const change = parseOptionChange(what, value);
      if (!member || !change) return { effect, answer: text(list.language, 'cmd.notMember', { ...vars, address }), ok: false };
      const done = applyOptionChange(this.d.store, member, change, list.language);
      effect.logs.push(() => this.d.log.message('member option changed, confirmed by mail', { list: list.address, address, change: p.change }));
      return { effect: effect.add(done.effect), answer: done.answer, ok: true };
    }
    if (p.kind === 'unsubscribe') {
      effect.add(this.leave(list, address, { goodbye: true }));
      return { effect, answer: text(list.language, 'confirm.unsubscribed', { ...vars, address }), ok: true };
    }
    if (isBanned(list, address)) return this.banned(list, address);
    // An invitation came from the owners: their approval is given.
    if (list.subscriptionApproval && !p.invited) {
      effect.changes.push(() => void this.d.store.addPending({ listId: list.id, kind: 'approval', tokenHash: null, address, name: p.name, digest: p.digest, expiresAt: Date.now() + 365 * 24 * 3600_000 }));
      effect.logs.push(() => this.d.log.message('subscription waits for the owner', { list: list.address, address }));
      return { effect, answer: text(list.language, 'approval.waiting', { ...vars, address }), ok: true };
    }
    effect.add(this.join(list, address, { name: p.name, digest: p.digest, welcome: true }));
    return { effect, answer: text(list.language, 'confirm.subscribed', { ...vars, address }), ok: true };
  }

  /** A banned address's subscription is refused (no confirmation request is mailed to it). */
  private banned(list: MailingList, address: string): StepResult {
    const effect = new Effect();
    effect.logs.push(() => this.d.log.message('subscription refused: the address is banned', { list: list.address, address }));
    return { effect, answer: text(list.language, 'cmd.subscribe.banned', { ...listVars(list), address }), ok: false };
  }

  /** Makes the address a member now (confirmed, approved or added by an owner), with the welcome message when asked. */
  join(list: MailingList, address: string, opts: { name?: string; digest?: DigestMode; welcome: boolean }): Effect {
    const effect = new Effect();
    let added: ListMember | undefined;
    effect.changes.push(() => void (added = this.d.store.addMember(list.id, { address, name: opts.name, digest: opts.digest })));
    effect.logs.push(() => added && this.d.log.message('subscribed', { list: list.address, address }));
    effect.logs.push(() => added && this.d.events.tell({ kind: 'member-joined', listId: list.id, list: list.address, address }));
    if (opts.welcome) effect.mails.push(this.welcome(list, address));
    return effect;
  }

  leave(listOfMember: MailingList, address: string, opts: { goodbye: boolean }): Effect {
    const effect = new Effect();
    // Read before the change removes the member: the goodbye is in the member's own language.
    const list = inLanguageOf(listOfMember, this.d.store.member(listOfMember.id, address));
    let removed = false;
    effect.changes.push(() => void (removed = this.d.store.removeMember(list.id, address)));
    effect.logs.push(() => removed && this.d.log.message('unsubscribed', { list: list.address, address }));
    effect.logs.push(() => removed && this.d.events.tell({ kind: 'member-left', listId: list.id, list: list.address, address }));
    if (opts.goodbye) {
      const vars = { ...listVars(list), address, goodbyeText: list.goodbyeText ? list.goodbyeText.trim() + '\n\n' : '' };
      effect.mails.push(listMail(list, this.d.hostname, { to: address, subject: 'goodbye.subject', vars, body: text(list.language, 'goodbye.body', vars), automatic: 'auto-generated' }));
    }
    return effect;
  }

  private welcome(list: MailingList, address: string): ReturnType<typeof listMail> {
    const vars = { ...listVars(list), address, welcomeText: list.welcomeText ? list.welcomeText.trim() + '\n\n' : '' };
    return listMail(list, this.d.hostname, { to: address, subject: 'welcome.subject', vars, body: text(list.language, 'welcome.body', vars), automatic: 'auto-generated' });
  }
}

/**
 * A member's one-click unsubscribe token (RFC 8058): "<list id>.<member id>.<MAC>", the MAC an
 * HMAC-SHA256 of both ids and the address under the list's own key, so nothing is stored and a
 * token dies with the membership it names.
 */
export function unsubscribeToken(key: Buffer, member: Pick<ListMember, 'id' | 'listId' | 'address'>): string {
  return `${member.listId}.${member.id}.${unsubscribeMac(key, member)}`;
}

function unsubscribeMac(key: Buffer, member: Pick<ListMember, 'id' | 'listId' | 'address'>): string {
  return crypto.createHmac('sha256', key).update(`${member.listId}:${member.id}:${member.address}`).digest('base64url').slice(0, 32);
}

/** The member a one-click token names, when the token is genuine and the membership still there. */
export function memberOfToken(store: ListStore, token: string): ListMember | undefined {
  const m = /^(\d+)\.(\d+)\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m) return undefined;
  const member = store.memberById(Number(m[2]));
  const key = store.unsubscribeKey(Number(m[1]));
  if (!member || !key || member.listId !== Number(m[1])) return undefined;
  const expected = Buffer.from(unsubscribeMac(key, member));
  const given = Buffer.from(m[3]);
  return expected.length === given.length && crypto.timingSafeEqual(expected, given) ? member : undefined;
}
