import { SieveFault, type SievePosition } from './errors';

/** What a script asks to be done with a message; the caller carries these out, in order. */
export type SieveAction =
  | { action: 'keep'; flags?: string[]; implicit?: boolean }
  | { action: 'fileinto'; mailbox: string; copy: boolean; create: boolean; flags?: string[] }
  | { action: 'redirect'; address: string; copy: boolean }
  | { action: 'discard' }
  | { action: 'reject'; reason: string }
  | { action: 'ereject'; reason: string }
  | VacationAction;

export interface VacationAction {
  action: 'vacation';
  /** Whom to answer: the envelope sender. */
  to: string;
  /** The From of the reply when the script gave :from; otherwise the caller uses the user's address. */
  from?: string;
  subject: string;
  /** The reply text; with :mime a complete MIME entity (headers, empty line, body). */
  reason: string;
  mime: boolean;
  handle: string;
  /** Minimum time between two replies to the same sender for this handle (:days or :seconds). */
  seconds: number;
  /** The user's own addresses (env.userAddresses plus :addresses). */
  addresses: string[];
  /** False when RFC 5230/3834 rules or the VacationMemory say not to answer; `skipped` says why. */
  send: boolean;
  skipped?: string;
}

export interface ActionLimits {
  maxActions: number;
  maxRedirects: number;
}

/** Mailbox names that refer to the same mailbox as keep (RFC 5228 2.10.3: no duplicate deliveries). */
function mailboxKey(name: string): string {
  return name.toUpperCase() === 'INBOX' ? 'INBOX' : name;
}

function addressKey(address: string): string {
  const at = address.lastIndexOf('@');
  return address.slice(0, at) + address.slice(at).toLowerCase();
}

/**
 * The result of a run being built: the actions so far, whether the implicit keep still stands, and
 * the RFC 5228 / RFC 5429 rules on duplicates and on actions that cannot be combined.
 */
export class ActionSet {
  readonly list: SieveAction[] = [];
  implicitKeep = true;
  private redirects = 0;

  constructor(private readonly limits: ActionLimits) {}

  private count(pos: SievePosition): void {
    if (this.list.length >= this.limits.maxActions) {
      throw new SieveFault(`too many actions (the limit is ${this.limits.maxActions})`, pos);
    }
  }

  private find<K extends SieveAction['action']>(kind: K): Extract<SieveAction, { action: K }> | undefined {
    return this.list.find((a) => a.action === kind) as Extract<SieveAction, { action: K }> | undefined;
  }

  private rejecting(): SieveAction | undefined {
    return this.list.find((a) => a.action === 'reject' || a.action === 'ereject');
  }

  private checkDelivery(what: string, pos: SievePosition): void {
    const r = this.rejecting();
    if (r) throw new SieveFault(`${what} conflicts with ${r.action}: the message cannot be both refused and delivered`, pos);
  }

  /** keep, and fileinto: the same mailbox twice is delivered once, with the flags of both. */
  store(mailbox: string, opts: { copy: boolean; create: boolean; flags?: string[]; keep: boolean }, pos: SievePosition): void {
    this.checkDelivery(opts.keep ? 'keep' : 'fileinto', pos);
    if (!opts.copy) this.implicitKeep = false;
    const key = mailboxKey(mailbox);
    const existing = this.list.find(
      (a) => (a.action === 'keep' && key === 'INBOX') || (a.action === 'fileinto' && mailboxKey(a.mailbox) === key),
    ) as Extract<SieveAction, { action: 'keep' | 'fileinto' }> | undefined;
    if (existing) {
      // Same mailbox again: one delivery; the later flags win (as Pigeonhole does).
      if (opts.flags) existing.flags = opts.flags;
      if (existing.action === 'fileinto') existing.create ||= opts.create;
      return;
    }
    this.count(pos);
    if (opts.keep) this.list.push({ action: 'keep', ...(opts.flags ? { flags: opts.flags } : {}) });
    else this.list.push({ action: 'fileinto', mailbox, copy: opts.copy, create: opts.create, ...(opts.flags ? { flags: opts.flags } : {}) });
  }

  redirect(address: string, copy: boolean, pos: SievePosition): void {
    this.checkDelivery('redirect', pos);
    if (!copy) this.implicitKeep = false;
    // The same address twice is sent once; local parts are case-sensitive (RFC 5321 2.4), domains are not.
    const key = addressKey(address);
    if (this.list.some((a) => a.action === 'redirect' && addressKey(a.address) === key)) return;
    if (this.redirects >= this.limits.maxRedirects) {
      throw new SieveFault(`too many redirects (the limit is ${this.limits.maxRedirects})`, pos);
    }
    this.count(pos);
    this.redirects++;
    this.list.push({ action: 'redirect', address, copy });
  }

  discard(pos: SievePosition): void {
    this.implicitKeep = false;
    if (this.find('discard')) return;
    this.count(pos);
    this.list.push({ action: 'discard' });
  }

  reject(kind: 'reject' | 'ereject', reason: string, pos: SievePosition): void {
    const r = this.rejecting();
    if (r) throw new SieveFault(`only one reject or ereject is allowed (RFC 5429)`, pos);
    const v = this.find('vacation');
    if (v) throw new SieveFault(`${kind} conflicts with vacation: both would send a response`, pos);
    const d = this.list.find((a) => a.action === 'keep' || a.action === 'fileinto' || a.action === 'redirect');
    if (d) throw new SieveFault(`${kind} conflicts with ${d.action}: the message cannot be both refused and delivered`, pos);
    this.implicitKeep = false;
    this.count(pos);
    this.list.push({ action: kind, reason });
  }

  vacation(action: VacationAction, pos: SievePosition): void {
    if (this.find('vacation')) throw new SieveFault('only one vacation action is allowed', pos);
    const r = this.rejecting();
    if (r) throw new SieveFault(`vacation conflicts with ${r.action}: both would send a response`, pos);
    this.count(pos);
    this.list.push(action);
  }

  /** The final list: the actions, then the implicit keep when nothing cancelled it. */
  finish(implicitFlags: string[] | undefined): SieveAction[] {
    if (!this.implicitKeep) return this.list;
    const stored = this.list.find((a) => a.action === 'keep' || (a.action === 'fileinto' && mailboxKey(a.mailbox) === 'INBOX')) as
      | Extract<SieveAction, { action: 'keep' | 'fileinto' }>
      | undefined;
    if (stored) {
      if (implicitFlags) stored.flags = implicitFlags;
      return this.list;
    }
    return [...this.list, { action: 'keep', implicit: true, ...(implicitFlags ? { flags: implicitFlags } : {}) }];
  }
}
