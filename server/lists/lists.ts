import fsp from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Settings } from '../config/settings-schema';
import type { Db } from '../db/database';
import type { Directory } from '../directory/directory';
import { parseAddress } from '../directory/address';
import type { Logger } from '../logs/logger';
import type { Queue, RecipientOutcome, StagedEntry } from '../queue/queue';
import type { QueueEntry } from '../queue/types';
import { resolveTargets } from '../queue/targets';
import { listAddressCandidates, listAddresses, listNameProblem, listTarget, parseListTarget, type ListRole } from './addresses';
import { runCommands } from './commands';
import { dueBounceWarning, processBounce, type BounceDeps } from './bounces';
import { mboxEntry } from '../mail/mbox';
import { archiveEntry } from './archive';
import { buildDigest, periodOf } from './digest';
import { TurnsByKey } from './turns';
import { Effect, inLanguageOf, listMail, listVars, ownerAddresses, type OutMail } from './effects';
import { type MessageId, text } from './i18n/catalogue';
import { type WebMessageId, webText } from './i18n/web-catalogue';
import { IncomingMessage } from './incoming';
import { ListEvents } from './events';
import { ListStore, type Recipient, hashToken } from './list-store';
import { buildPost } from './post';
import { DECORATION_VARIABLES, listDecoration, unknownVariable } from './decorate';
import { MIME_TYPE_PATTERN, filterContent } from './filter';
import { type MemberFileKind, mapMailmanSettings, readMemberFiles } from './mailman-import';
import { type PyValue, PythonSyntaxError, parsePythonAssignments } from './python-literals';
import { type ModerationAction, isBanned, moderationNotices, moderationSummary, postDecision, replyDecision } from './moderation';
import { MAX_PATTERNS, patternProblem } from './patterns';
import { Subscriptions, memberOfToken, newToken, unsubscribeToken } from './subscriptions';

import { type ArchivedPost, DELIVERY_STATES, type DeliveryState, DIGEST_MODES, DIGEST_VOLUME_FREQUENCIES, type DigestMode, type HeldPost, type LanguageCode, LANGUAGES, ListError, type ListMember, type ListSettings, type MailingList, type MemberPatch, NON_MEMBER_ACTIONS, type PendingRequest, REPLY_TO_POLICIES, ROSTER_VISIBILITIES, SENDER_ACTIONS, FILTER_ACTIONS, DMARC_MITIGATIONS } from './types';
import { DmarcPolicies, type TxtResolver, fromDomain, mitigate, needsMitigation } from './dmarc';

export interface ListsDeps {
  db: Db;
  queue: Queue;
  directory: Directory;
  settings: () => Readonly<Settings>;
  log: Logger;
  /** The engine's host name: Message-IDs and the https links of posts. */
  hostname: string;
  /** DNS TXT look-ups through the engine's resolver and its cache (DMARC policies of posters). */
  resolveTxt?: TxtResolver;
}

export const DEFAULT_LIST_SETTINGS: Omit<ListSettings, 'owners'> = {
  description: '',
  info: '',
  moderators: [],
  language: 'en',
  selfSubscribe: false,
  subscriptionApproval: false,
  subjectPrefix: '',
  replyTo: 'poster',
  maxMessageKb: 40,
  nonMemberAction: 'hold',
  confirmDays: 3,
  roster: 'members',
  personalize: false,
  welcomeText: '',
  goodbyeText: '',
  // Mailman 2.1's defaults.
  bounceProcessing: true,
  bounceScoreThreshold: 5,
  bounceStaleDays: 7,
  bounceWarnings: 3,
  bounceWarningIntervalDays: 7,
  bounceNotifyOwnerOnDisable: true,
  bounceNotifyOwnerOnRemoval: true,
  digestSizeKb: 30,
  digestPeriodic: true,
  digestVolumeFrequency: 'monthly',
  archive: true,
  archivePrivate: false,
  archiveVolumeFrequency: 'monthly',
  moderated: false,
  senderRules: [],
  bans: [],
  notifyModerators: true,
  messageHeader: '',
  messageFooter: '',
  digestHeader: '',
  digestFooter: '',
  // Mailman 2.1's defaults (filtering itself off).
  filterContent: false,
  filterMimeTypes: [],
  passMimeTypes: [],
  filterFilenameExtensions: [],
  passFilenameExtensions: [],
  collapseAlternatives: true,
  convertHtmlToPlaintext: true,
  filterAction: 'discard',
  dmarcMitigation: 'none',
};

export type { ModerationAction } from './moderation';

/**
 * Mailing lists (issue 11): the list addresses SMTP accepts, what mail to each of them does
 * (posts fanned out through the queue, commands, confirmations), and the operations GraphQL
 * offers. Every change that mail causes is committed together with the queue's record that the
 * list address has its message (Queue.enqueueAll), so a crash repeats all of it or none.
 */
/** Why a post was held or refused: a moderator's own words, or a catalogue text written in each reader's language. */
/** A refused setting's reason: a text of the page catalogues (English in the API's error). */
type SettingProblem = Extract<WebMessageId, `setting.${string}`>;
/** Members read per page of a post's fan-out: a page and its recipient rows take a few milliseconds. */
const ROSTER_PAGE = 2000;
type Reason = string | { id: MessageId; vars?: Record<string, string | number> };
const reasonText = (language: LanguageCode, why: Reason) => (typeof why === 'string' ? why : text(language, why.id, why.vars));

export class MailingLists {
  readonly store: ListStore;
  /** Posts sent, members joined and left, posts held and decided, members disabled: told once committed. */
  readonly events = new ListEvents();
  /** Subscription steps; the list pages (web.ts) take the same ones as mail commands. */
  readonly subscriptions: Subscriptions;
  private readonly bounceDeps: BounceDeps;
  /** One turn at a time per list for what reads and then changes its state (the waiting digest issue, bounce scores). */
  private readonly turns = new TurnsByKey<number>();
  private readonly dmarc: DmarcPolicies;

  constructor(private readonly d: ListsDeps) {
    this.store = new ListStore(d.db);
    this.subscriptions = new Subscriptions({ store: this.store, hostname: d.hostname, log: d.log, events: this.events });
    this.bounceDeps = { store: this.store, hostname: d.hostname, log: d.log, events: this.events };
    this.dmarc = new DmarcPolicies(d.resolveTxt, d.log);
  }

  /**
   * Looks up the DMARC policies a message to a list address may need (the post's author's, or
   * those of the held posts a moderator's mail may approve), so that handling it can read them.
   */
  private async prefetchDmarc(list: MailingList, role: ListRole, msg: IncomingMessage): Promise<void> {
    if (list.dmarcMitigation === 'none') return;
    if (role === 'post') await this.dmarc.prefetch([fromDomain(msg)]);
    else if (role === 'request' || role === 'confirm') await this.dmarc.prefetch(this.store.heldPosts(list.id).map((p) => p.fromAddress.slice(p.fromAddress.lastIndexOf('@') + 1)));
  }

  get enabled(): boolean {
    return this.d.settings().listsEnabled;
  }

  // Addresses

  /** The list and role an address names, whether or not lists are on. */
  findAddress(address: string): { list: MailingList; role: ListRole; detail?: string } | undefined {
    const parsed = parseAddress(address);
    if (!parsed || !this.d.directory.domainKind(parsed.domain)) return undefined;
    for (const c of listAddressCandidates(parsed.local)) {
      const list = this.store.byName(c.name, parsed.domain);
      if (list) return { list, role: c.role, detail: c.detail };
    }
    return undefined;
  }

  /** The queue target for a list address when lists are on (SMTP's RCPT check), else undefined. */
  targetFor(address: string): string | undefined {
    if (!this.enabled) return undefined;
    const found = this.findAddress(address);
    return found && listTarget(found.list.id, found.role, found.detail);
  }

  isListAddress(address: string): boolean {
    return !!this.findAddress(address);
  }

  /** Queue targets for an address a list writes to: a list address, local mailboxes, or the remote address itself. */
  private targetsOf(address: string): string[] {
    const list = this.targetFor(address);
    if (list) return [list];
    const r = resolveTargets(this.d.directory, address);
    if (r.kind === 'ok') return r.targets;
    if (r.kind === 'remote') return [address];
    this.d.log.error('a list mail has nowhere to go', { to: address, reason: r.kind });
    return [];
  }

  // Delivery: the queue's list targets

  /** Delivers a queued message to its list targets ("list:<id>:<role>"); answers per target. */
  async deliver(entry: QueueEntry, recipients: { address: string; original: string }[]): Promise<Map<string, RecipientOutcome>> {
    const outcomes = new Map<string, RecipientOutcome>();
    let msg: IncomingMessage | undefined;
    for (const r of recipients) {
      const t = parseListTarget(r.address);
      const list = t && this.store.byId(t.listId);
      if (!t || !list) {
        outcomes.set(r.address, { status: 'permanent', diagnostic: '5.1.1 the mailing list no longer exists' });
        continue;
      }
      try {
        msg ??= new IncomingMessage((await fsp.readFile(entry.file)).subarray(entry.localPrefix), entry.sender);
        const incoming = msg;
        // Posts of a list with digest members take turns: each one reads and extends the waiting
        // issue, which two at once would both send (an issue number twice, a post in two issues).
        // Bounces too: two at once would both read the member's score and both disable it.
        await this.prefetchDmarc(list, t.role, incoming);
        const handle = async () => {
          const effect = this.handle(this.store.byId(list.id) ?? list, t.role, t.detail, incoming, entry);
          await this.carryOut(effect, () => this.d.queue.markDelivered(entry.id, [r.address]), `list ${list.address}`);
        };
        // Moderation by mail (-request, -confirm) approves posts, which may join the digest too.
        if (t.role === 'bounces' || t.role === 'request' || t.role === 'confirm' || (t.role === 'post' && this.store.hasDigestMembers(list.id))) await this.turns.run(list.id, handle);
        else await handle();
        outcomes.set(r.address, { status: 'delivered' });
      } catch (err) {
        this.d.log.error('list delivery failed; it is tried again', { queueId: entry.id, list: list.address, error: String(err) });
        outcomes.set(r.address, { status: 'temporary', diagnostic: `4.3.0 list ${list.address}: ${String(err)}` });
      }
    }
    return outcomes;
  }

  /** Carries out what a list page asked for (a confirmation request, a login link), as mail to the list's addresses is. */
  async perform(list: MailingList, effect: Effect): Promise<void> {
    await this.carryOut(effect, undefined, `list ${list.address}`);
  }

  /** Spools an effect's mails and commits them with its changes and `also`, in one transaction; then logs. */
  private async carryOut(effect: Effect, also: (() => void) | undefined, client: string): Promise<void> {
    const messages = effect.mails.filter((m) => !m.targetPages).flatMap((m) => this.spoolable(m, client));
    const staged: StagedEntry[] = [];
    try {
      for (const m of effect.mails) if (m.targetPages) staged.push(...(await this.stageMail(m, client)));
      await this.d.queue.enqueueAll(
        messages,
        () => {
          for (const change of effect.changes) change();
          also?.();
        },
        staged,
      );
    } catch (err) {
      for (const s of staged) await this.d.queue.discardStaged(s);
      throw err;
    }
    for (const log of effect.logs) log();
  }

  /**
   * A mail to a large roster as a staged queue entry: its recipients inserted a page per
   * transaction, with a turn of the event loop between pages (the stall watchdog's 100 ms hold
   * for 100,000 members). The entry is queued by carryOut's commit, or not at all.
   */
  private async stageMail(m: OutMail, client: string): Promise<StagedEntry[]> {
    const prefix = Buffer.from(`Return-Path: <${m.sender}>\r\n`);
    const entry = await this.d.queue.stage({ sender: m.sender, client: m.client ?? client, localPrefix: prefix.length, signDkim: true, dkimDomain: m.dkimDomain }, [prefix, m.content]);
    try {
      for await (const page of (m.targetPages as NonNullable<OutMail['targetPages']>)()) {
        this.d.queue.addStagedRecipients(entry, page);
        await nextTurn();
      }
    } catch (err) {
      await this.d.queue.discardStaged(entry);
      throw err;
    }
    if (entry.recipients > 0) return [entry];
    await this.d.queue.discardStaged(entry);
    return [];
  }

  private spoolable(m: OutMail, client: string) {
    const recipients = m.targets ?? m.to.flatMap((to) => this.targetsOf(to).map((address) => ({ address, original: to })));
    if (!recipients.length) return [];
    const prefix = Buffer.from(`Return-Path: <${m.sender}>\r\n`);
    return [{ input: { sender: m.sender, recipients, client: m.client ?? client, localPrefix: prefix.length, signDkim: true, dkimDomain: m.dkimDomain }, parts: [prefix, m.content] }];
  }

  private handle(list: MailingList, role: ListRole, detail: string | undefined, msg: IncomingMessage, entry: QueueEntry): Effect {
    // Replies to a member's commands and requests are written in the member's own language.
    const reader = inLanguageOf(list, this.memberWriting(list, msg));
    switch (role) {
      case 'post':
        return this.post(list, msg, entry);
      case 'request':
        return runCommands(reader, msg, {
          store: this.store,
          subscriptions: this.subscriptions,
          hostname: this.d.hostname,
          isListAddress: (a) => this.isListAddress(a),
          moderate: (token, action, reason) => this.moderateByToken(list, token, action, reason, msg),
          isHeldToken: (token) => this.isHeldToken(list, token),
        });
      case 'join':
      case 'leave':
        return this.joinOrLeave(reader, role, msg);
      case 'confirm':
        return this.confirmByMail(reader, detail, msg);
      case 'owner':
        return this.toOwners(list, role, msg, entry.client);
      case 'bounces':
        return processBounce(this.bounceDeps, list, detail, msg) ?? this.toOwners(list, role, msg, entry.client);
    }
  }

  /** The member who wrote a message (its reply address, From or envelope sender), if any. */
  private memberWriting(list: MailingList, msg: IncomingMessage): ListMember | undefined {
    for (const address of [msg.replyAddress, msg.fromAddress, msg.sender]) {
      const member = address ? this.store.member(list.id, address) : undefined;
      if (member) return member;
    }
    return undefined;
  }

  private post(list: MailingList, incoming: IncomingMessage, entry: QueueEntry): Effect {
    let msg = incoming;
    const effect = new Effect();
    const log = (text: string, fields: Record<string, unknown> = {}) => effect.logs.push(() => this.d.log.message(text, { list: list.address, queueId: entry.id, from: msg.fromAddress, ...fields }));
    if (msg.beenThere(list.address)) {
      log('post dropped: it has been through this list already (X-BeenThere), a mail loop');
      return effect;
    }
    const kb = Math.ceil(msg.raw.length / 1024);
    if (list.maxMessageKb > 0 && kb > list.maxMessageKb) {
      log('post refused: too large', { sizeKb: kb, maxKb: list.maxMessageKb });
      return effect.add(this.notice(list, msg, 'rejected', { id: 'reason.tooBig', vars: { size: kb, max: list.maxMessageKb } }));
    }
    if (list.filterContent) {
      const filtered = filterContent(list, msg);
      if (filtered.kind === 'empty') return effect.add(this.filteredAway(list, msg, entry.client, log));
      if (filtered.kind === 'changed') {
        log('post filtered: parts removed or converted (content filtering)');
        msg = new IncomingMessage(filtered.raw, msg.sender);
      }
    }
    const member = this.store.member(list.id, msg.fromAddress) ?? (msg.sender ? this.store.member(list.id, msg.sender) : undefined);
    const decision = postDecision(list, member, msg);
    const why = member ? (list.moderated ? 'the list is moderated' : 'the member may not post') : decision.rule ? `sender rule ${decision.rule}` : 'not from a member';
    switch (decision.action) {
      case 'hold': {
        log(`post held for a moderator: ${why}`);
        return effect.add(this.holdPost(list, msg, entry.client, { id: decision.reason }));
      }
      case 'reject':
        log(`post rejected: ${why}`);
        return effect.add(this.notice(list, msg, 'rejected', { id: decision.reason }));
      case 'discard':
        log(`post discarded: ${why}`);
        return effect;
      case 'accept':
        return effect.add(this.fanOut(list, msg, entry.id, entry.client));
    }
  }

  /** A post content filtering left empty: held, rejected or discarded by the list's filterAction. */
  private filteredAway(list: MailingList, msg: IncomingMessage, client: string, log: (text: string) => void): Effect {
    const reason: Reason = { id: 'reason.filtered' };
    log(`post left empty by content filtering: ${list.filterAction === 'hold' ? 'held' : list.filterAction === 'reject' ? 'rejected' : 'discarded'}`);
    if (list.filterAction === 'hold') return this.holdPost(list, msg, client, reason);
    if (list.filterAction === 'reject') return this.notice(list, msg, 'rejected', reason);
    return new Effect();
  }

  /**
   * Keeps a post for a moderator: the message with the SHA-256 of a fresh token; the poster is
   * told, and (notifyModerators) each owner and moderator gets a notice carrying the token.
   */
  private holdPost(list: MailingList, msg: IncomingMessage, client: string, why: Reason): Effect {
    const effect = new Effect();
    const token = newToken();
    // Moderators read the reason in the list's language; the poster's notice is in the poster's.
    const reason = reasonText(list.language, why);
    effect.changes.push(() => void this.store.hold({ listId: list.id, sender: msg.sender, client, fromAddress: msg.fromAddress, subject: msg.subject, reason, message: msg.raw, tokenHash: hashToken(token) }));
    if (list.notifyModerators) effect.mails.push(...moderationNotices(list, this.d.hostname, msg, token, reason));
    effect.logs.push(() => this.events.tell({ kind: 'post-held', listId: list.id, list: list.address, address: msg.fromAddress || msg.sender, subject: msg.subject }));
    return effect.add(this.notice(list, msg, 'held', why));
  }

  /**
   * The post's copies: ONE queue entry for every member whose delivery is on (local members
   * delivered locally, remote ones batched per domain by the outbound path), or one entry per
   * member when the list personalises (its own unsubscribe link and VERP sender).
   */
  private fanOut(list: MailingList, post: IncomingMessage, source: string, client: string): Effect {
    const effect = new Effect();
    // The author's domain would have receivers refuse or junk the copies under its From (DMARC).
    const mitigated = needsMitigation(list, post, this.dmarc);
    const msg = mitigated ? mitigate(list, post) : post;
    if (mitigated) effect.logs.push(() => this.d.log.message(`post's From domain publishes a strict DMARC policy: ${list.dmarcMitigation === 'wrap' ? 'wrapped' : 'From rewritten to the list'}`, { list: list.address, from: post.fromAddress }));
    // A member who does not want their own posts is left out; one who asked for it gets an acknowledgement.
    const poster = this.store.member(list.id, post.fromAddress) ?? (post.sender ? this.store.member(list.id, post.sender) : undefined);
    const wanted = (m: Recipient) => !(poster && m.id === poster.id && !poster.receiveOwnPosts);
    if (poster?.acknowledgePosts && !post.automatic) {
      const vars = { ...listVars(list), subject: post.subject };
      const reader = inLanguageOf(list, poster);
      effect.mails.push(listMail(reader, this.d.hostname, { to: poster.displayAddress, subject: 'ack.subject', vars, body: text(reader.language, 'ack.body', vars), automatic: 'auto-replied' }));
    }
    const a = listAddresses(list.name, list.domain);
    // Remote members are their own targets: only local ones need the directory (aliases, forwarding).
    const local = new Map<string, boolean>();
    const isLocal = (domain: string) => local.get(domain) ?? (local.set(domain, !!this.d.directory.domainKind(domain)), local.get(domain) as boolean);
    const targetsOf = (m: { address: string; displayAddress: string }) =>
      (isLocal(m.address.slice(m.address.lastIndexOf('@') + 1)) ? this.targetsOf(m.displayAddress) : [m.displayAddress]).map((address) => ({ address, original: m.displayAddress }));
    // Counted as the pages are read (the log lines and events come after the commit).
    let sentTo = 0;
    if (list.personalize) {
      const members = this.store.deliveryRecipients(list.id).filter(wanted);
      sentTo = members.length;
      const key = this.store.unsubscribeKey(list.id) as Buffer;
      for (const m of members) {
        const content = buildPost(list, msg, { hostname: this.d.hostname, unsubscribeToken: unsubscribeToken(key, m), decoration: listDecoration(list, this.d.hostname, m) });
        effect.mails.push({ sender: a.verp(m.address), to: [m.displayAddress], targets: targetsOf(m), content, dkimDomain: list.domain, client: `${client} via list ${list.address}` });
      }
    } else {
      const content = buildPost(list, msg, { hostname: this.d.hostname, decoration: listDecoration(list, this.d.hostname) });
      // The roster a page at a time (a list of 100,000 members is read in 50 turns of the event loop).
      const store = this.store;
      const targetPages = async function* () {
        for (let after = '', page = store.deliveryRecipientsPage(list.id, after, ROSTER_PAGE); page.length; page = store.deliveryRecipientsPage(list.id, after, ROSTER_PAGE)) {
          after = page[page.length - 1].address;
          const members = page.filter(wanted);
          sentTo += members.length;
          yield members.flatMap(targetsOf);
        }
      };
      effect.mails.push({ sender: a.bounces, to: [], targetPages, content, dkimDomain: list.domain, client: `${client} via list ${list.address}` });
    }
    effect.changes.push(() => this.store.countPost(list.id, Date.now()));
    effect.logs.push(() => this.d.log.message('post sent to the members', { list: list.address, queueId: source, from: msg.fromAddress, subject: msg.subject, members: sentTo, personalised: list.personalize }));
    effect.logs.push(() => this.events.tell({ kind: 'post-sent', listId: list.id, list: list.address, address: msg.fromAddress, subject: msg.subject, recipients: sentTo }));
    const copy = list.archive || this.store.hasDigestMembers(list.id) ? buildPost(list, msg, { hostname: this.d.hostname }) : undefined;
    if (copy && list.archive) effect.changes.push(() => void this.store.archivePost({ ...archiveEntry(copy), listId: list.id, period: periodOf(list.archiveVolumeFrequency, new Date()) }));
    if (copy && this.store.hasDigestMembers(list.id)) effect.add(this.addToDigest(list, copy));
    return effect;
  }

  /**
   * A post joins the next digest issue; when the issue's posts reach the list's digestSizeKb,
   * the issue goes out at once, in the same transaction.
   */
  private addToDigest(list: MailingList, post: Buffer): Effect {
    const size = this.store.digestBytes(list.id) + post.length;
    if (list.digestSizeKb > 0 && size >= list.digestSizeKb * 1024) return this.digestIssue(list, post);
    const effect = new Effect();
    effect.changes.push(() => this.store.addDigestPost(list.id, post));
    return effect;
  }

  /**
   * The next issue of a list's digest (its waiting posts, and `extra` when a post fills it):
   * one queue entry per form, to the members who take it, committed with the removal of its
   * posts and the new issue number, so that a crash sends it whole or not at all.
   */
  private digestIssue(list: MailingList, extra?: Buffer): Effect {
    const effect = new Effect();
    const waiting = this.store.digestPosts(list.id);
    const posts = [...waiting.map((p) => p.message), ...(extra ? [extra] : [])];
    if (!posts.length) return effect;
    const now = new Date();
    // One issue (same volume and number) written once per language its readers have chosen.
    const issues = new Map<LanguageCode, ReturnType<typeof buildDigest>>();
    const issueIn = (language: LanguageCode) => issues.get(language) ?? issues.set(language, buildDigest(inLanguageOf(list, { language }), posts, this.d.hostname, now)).get(language)!;
    const digest = issueIn(list.language);
    const a = listAddresses(list.name, list.domain);
    for (const mode of ['mime', 'plain'] as const) {
      const byLanguage = new Map<LanguageCode, Recipient[]>();
      for (const m of this.store.deliveryRecipients(list.id, mode)) {
        const language = m.language ?? list.language;
        byLanguage.set(language, [...(byLanguage.get(language) ?? []), m]);
      }
      for (const [language, members] of byLanguage) {
        const targets = members.flatMap((m) => this.targetsOf(m.displayAddress).map((address) => ({ address, original: m.displayAddress })));
        const content = issueIn(language)[mode];
        if (targets.length) effect.mails.push({ sender: a.bounces, to: [], targets, content, dkimDomain: list.domain });
      }
    }
    effect.changes.push(() =>
      this.store.digestSent(
        list.id,
        waiting.map((p) => p.id),
        digest.volume,
        digest.issue + 1,
        now.getTime(),
      ),
    );
    effect.logs.push(() => this.d.log.message('digest sent', { list: list.address, volume: digest.volume, issue: digest.issue, posts: posts.length }));
    return effect;
  }

  /** The next digest issue of one list now (an owner's "send digest now"); nothing when no post waits. */
  async sendDigestNow(listId: number): Promise<void> {
    this.mustGet(listId);
    await this.turns.run(listId, async () => {
      const list = this.mustGet(listId);
      await this.carryOut(this.digestIssue(list), undefined, `list ${list.address}`);
    });
  }

  /** The digest job: every list with posts waiting and periodic digests on sends its issue. */
  async runDigests(signal: AbortSignal): Promise<string> {
    let sent = 0;
    for (const id of this.store.listsWithDigestPosts()) {
      if (signal.aborted) break;
      await this.turns.run(id, async () => {
        const list = this.store.byId(id);
        if (!list?.digestPeriodic || !this.store.digestPosts(id).length) return;
        await this.carryOut(this.digestIssue(list), undefined, `list ${list.address}`);
        sent++;
      });
    }
    return `${sent} digest issue(s) sent`;
  }

  /** A notice to the poster (held, rejected); automatic messages get none. */
  private notice(listOfPost: MailingList, msg: IncomingMessage, kind: 'held' | 'rejected', why: Reason): Effect {
    const effect = new Effect();
    if (msg.automatic || !msg.replyAddress) return effect;
    const list = inLanguageOf(listOfPost, this.memberWriting(listOfPost, msg));
    const vars = { ...listVars(list), subject: msg.subject, reason: reasonText(list.language, why) };
    effect.mails.push(
      listMail(list, this.d.hostname, {
        to: msg.replyAddress,
        subject: kind === 'held' ? 'notice.held.subject' : 'notice.rejected.subject',
        vars,
        body: text(list.language, kind === 'held' ? 'notice.held.body' : 'notice.rejected.body', vars),
        from: 'owner',
        automatic: 'auto-replied',
      }),
    );
    return effect;
  }

  /** Mail to -join/-subscribe or -leave/-unsubscribe: a request for the From address, confirmed by mail. */
  private joinOrLeave(list: MailingList, role: 'join' | 'leave', msg: IncomingMessage): Effect {
    const address = msg.fromAddress;
    if (msg.automatic || !address || this.isListAddress(address)) {
      const effect = new Effect();
      effect.logs.push(() => this.d.log.message(`${role} request ignored: an automatic message`, { list: list.address, from: address }));
      return effect;
    }
    const r = role === 'join' ? this.subscriptions.requestJoin(list, address, {}) : this.subscriptions.requestLeave(list, address);
    // A refusal (closed list, already a member) is answered; a confirmation request is the answer itself.
    if (r.effect.mails.length || (role === 'leave' && r.ok)) return r.effect;
    return r.effect.add(this.answer(list, msg, r.answer));
  }

  /**
   * Mail to -confirm+TOKEN (a reply to a confirmation request or to a moderation notice), or to
   * -confirm with "confirm TOKEN" in the subject.
   */
  private confirmByMail(list: MailingList, detail: string | undefined, msg: IncomingMessage): Effect {
    const token = detail ?? /\bconfirm\s+([0-9a-f]{32})\b/i.exec(msg.subject)?.[1] ?? /\bconfirm\s+([0-9a-f]{32})\b/i.exec(msg.bodyText())?.[1] ?? '';
    if (this.isHeldToken(list, token)) {
      const decision = replyDecision(msg);
      const r = this.moderateByToken(list, token, decision.action, decision.reason, msg);
      return r.effect.add(this.answer(list, msg, r.answer));
    }
    const r = this.subscriptions.confirm(list, token);
    // Success is answered by the welcome or goodbye message; the rest by a short reply.
    if (r.ok && r.effect.mails.length) return r.effect;
    return r.effect.add(this.answer(list, msg, r.answer));
  }

  /** Whether a token is the moderation token of one of this list's held posts. */
  isHeldToken(list: MailingList, token: string): boolean {
    const id = /^[0-9a-f]{32}$/i.test(token) ? this.store.heldByToken(hashToken(token)) : undefined;
    return id !== undefined && this.store.heldPost(id)?.listId === list.id;
  }

  /** A moderator's decision by mail (a reply to the notice, or approve/reject/discard/defer TOKEN to -request). */
  private moderateByToken(list: MailingList, token: string, action: ModerationAction, reason: string | undefined, msg: IncomingMessage): { effect: Effect; answer: string } {
    const id = this.isHeldToken(list, token) ? this.store.heldByToken(hashToken(token)) : undefined;
    const held = id === undefined ? undefined : this.store.heldPost(id);
    if (!held) {
      const effect = new Effect();
      effect.logs.push(() => this.d.log.message('moderation by mail refused: unknown token', { list: list.address, from: msg.fromAddress }));
      return { effect, answer: text(list.language, 'moderation.unknown') };
    }
    const effect = this.moderation(list, held, action, reason, `by mail from ${msg.fromAddress || msg.sender}`);
    return { effect, answer: text(list.language, `moderation.${action}`, { from: held.fromAddress || held.sender || '<>', subject: held.subject }) };
  }

  /**
   * What a moderator's decision does: approve (the post's copies, as any post's), reject (the
   * poster told why), discard, or defer (stays held, marked). The held post's removal is in the
   * same transaction: decided twice at once, the second finds it gone and undoes everything.
   */
  private moderation(list: MailingList, held: HeldPost & { client: string; message: Buffer }, action: ModerationAction, reason: string | undefined, by: string): Effect {
    const msg = new IncomingMessage(held.message, held.sender);
    const effect = new Effect();
    if (action === 'approve') effect.add(this.fanOut(list, msg, `held ${held.id}`, held.client));
    else if (action === 'reject') effect.add(this.notice(list, msg, 'rejected', reason?.trim() || { id: 'reason.moderator' }));
    effect.changes.push(() => {
      const done = action === 'defer' ? this.store.deferHeld(held.id) : this.store.removeHeld(held.id);
      if (!done) throw new ListError('NOT_FOUND', 'the held post was moderated meanwhile');
    });
    const verb = { approve: 'approved', reject: 'rejected', discard: 'discarded', defer: 'deferred' }[action];
    effect.logs.push(() => this.d.log.message(`held post ${verb}`, { list: list.address, from: held.fromAddress, subject: held.subject, reason, by }));
    effect.logs.push(() => this.events.tell({ kind: 'post-decided', listId: list.id, list: list.address, address: held.fromAddress || held.sender, subject: held.subject, action }));
    return effect;
  }

  private answer(list: MailingList, msg: IncomingMessage, body: string): Effect {
    const effect = new Effect();
    if (msg.automatic || !msg.replyAddress) return effect;
    effect.mails.push(listMail(list, this.d.hostname, { to: msg.replyAddress, subject: 'confirm.error.subject', vars: listVars(list), body, automatic: 'auto-replied' }));
    return effect;
  }

  /**
   * Mail to -owner goes to the owners unchanged (sender -bounces); mail to -bounces that is no
   * bounce of a member (processBounce) too, with the null sender so that a failure there cannot loop.
   */
  private toOwners(list: MailingList, role: 'owner' | 'bounces', msg: IncomingMessage, client: string): Effect {
    const effect = new Effect();
    const sender = role === 'owner' ? listAddresses(list.name, list.domain).bounces : '';
    const owners = ownerAddresses(list).filter((o) => !this.isListAddress(o));
    if (owners.length) effect.mails.push({ sender, to: owners, content: msg.raw, dkimDomain: list.domain, client: `${client} via list ${list.address}` });
    effect.logs.push(() => this.d.log.message(role === 'owner' ? 'mail for the list owners passed on' : 'bounce passed on to the list owners', { list: list.address, from: msg.fromAddress }));
    return effect;
  }

  /**
   * The daily bounce job: members disabled by bounces whose next notice (or removal) is due get
   * it, each committed with its notice in one transaction. Resolves with a summary.
   */
  async runBounceWarnings(signal: AbortSignal, now = Date.now()): Promise<string> {
    let notices = 0;
    let removed = 0;
    for (;;) {
      const due = this.store.dueBounceWarnings(now, 200);
      if (!due.length || signal.aborted) break;
      for (const member of due) {
        const list = this.store.byId(member.listId) as MailingList;
        const removal = (member.bounceWarningsLeft ?? 0) === 0;
        await this.carryOut(dueBounceWarning(this.bounceDeps, list, member, now), undefined, `list ${list.address}`);
        if (removal) removed++;
        else notices++;
      }
    }
    return `${notices} bounce notice(s) sent, ${removed} member(s) removed`;
  }

  // Archives

  /** The archive's periods, newest first, with their number of posts. */
  archivePeriods(listId: number): { period: string; posts: number }[] {
    return this.store.archivePeriods(listId);
  }

  /**
   * Archived posts in date, thread or author order, paged by offset; `search` finds posts with
   * every word (each taken literally, the last also as the start of a word) in the subject, the
   * sender or the text.
   */
  archivedPosts(listId: number, q: { period?: string; search?: string; order: 'date' | 'thread' | 'author'; offset: number; limit: number }): { posts: ArchivedPost[]; total: number } {
    const words = (q.search ?? '').match(/[\p{L}\p{N}_]+/gu) ?? [];
    const match = words.length ? words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ') : undefined;
    return this.store.archivedPosts(listId, { period: q.period, match, order: q.order, offset: q.offset, limit: q.limit });
  }

  archivedMessage(listId: number, id: number): Buffer | undefined {
    return this.store.archivedMessage(listId, id);
  }

  /** A period of the archive as an mbox file, a message at a time. */
  *archiveMbox(listId: number, period: string): Generator<Buffer> {
    for (const m of this.store.periodMessages(listId, period)) yield mboxEntry(m.fromAddress, new Date(m.archivedAt), m.message);
  }

  // Management (GraphQL)

  all(): MailingList[] {
    return this.store.all();
  }

  list(id: number): MailingList | undefined {
    return this.store.byId(id);
  }

  byAddress(address: string): MailingList | undefined {
    const p = parseAddress(address);
    return p ? this.store.byName(p.local, p.domain) : undefined;
  }

  byName(name: string, domain: string): MailingList | undefined {
    return this.store.byName(name, domain);
  }

  create(input: { name: string; domain: string } & Partial<ListSettings> & { owners: string[] }): MailingList {
    const name = input.name.trim();
    const domain = input.domain.trim().toLowerCase();
    const problem = listNameProblem(name);
    if (problem) throw new ListError('INVALID_LIST_NAME', problem, 'name');
    if (!this.d.directory.domainKind(domain)) throw new ListError('INVALID_DOMAIN', `${domain} is not one of this server's domains`, 'domain');
    if (this.store.byName(name, domain)) throw new ListError('NAME_TAKEN', `the list ${name}@${domain} exists already`, 'name');
    const a = listAddresses(name, domain);
    for (const address of [a.post, a.request, a.join, a.leave, a.owner, a.bounces, `${name}-subscribe@${domain}`, `${name}-unsubscribe@${domain}`, `${name}-confirm@${domain}`]) {
      if (this.findAddress(address)) throw new ListError('NAME_TAKEN', `${address} is an address of another list`, 'name');
      if (this.usedByDirectory(address)) throw new ListError('NAME_TAKEN', `${address} is a user or alias of this server`, 'name');
    }
    const settings = this.checkSettings({ ...DEFAULT_LIST_SETTINGS, ...definedOnly(input), owners: input.owners });
    const list = this.store.insert(name, domain, settings);
    this.d.log.message('list created', { list: list.address });
    return list;
  }

  update(id: number, patch: Partial<ListSettings>): MailingList {
    const list = this.mustGet(id);
    const settings = this.checkSettings({ ...list, ...definedOnly(patch) });
    this.store.update(id, settings);
    this.d.log.message('list settings changed', { list: list.address, settings: Object.keys(definedOnly(patch)) });
    return this.mustGet(id);
  }

  delete(id: number): void {
    const list = this.mustGet(id);
    this.store.delete(id);
    this.d.log.message('list deleted', { list: list.address });
  }

  private mustGet(id: number): MailingList {
    const list = this.store.byId(id);
    if (!list) throw new ListError('LIST_NOT_FOUND', 'the list does not exist');
    return list;
  }

  /** A user name, additional name or alias that answers for the address (no catch-all). */
  private usedByDirectory(address: string): boolean {
    const p = parseAddress(address) as { local: string; domain: string };
    return !!(this.d.directory.userByName(address) || this.d.directory.userByName(p.local) || this.d.directory.alias(address) || this.d.directory.alias(p.local));
  }

  private checkSettings(s: ListSettings): ListSettings {
    // The reason is a catalogue text: English in the API's message, the page's language on the list pages.
    const bad = (field: keyof ListSettings, id: SettingProblem, vars: Record<string, string | number> = {}) => new ListError('INVALID_SETTING', `${field}: ${webText('en', id, vars)}`, field, { id, vars });
    const oneOf = (field: keyof ListSettings, choices: readonly string[]) => bad(field, 'setting.oneOf', { choices: choices.join(', ') });
    const whole = (field: keyof ListSettings, min: number, max: number) => bad(field, 'setting.wholeNumber', { min, max });
    const owners = s.owners.map((o) => o.trim()).filter(Boolean);
    if (!owners.length) throw bad('owners', 'setting.needsOwner');
    for (const o of owners) if (/[\s<>,;]/.test(o) || (o.includes('@') && !parseAddress(o))) throw bad('owners', 'setting.notNameOrAddress', { value: o });
    const moderators = s.moderators.map((o) => o.trim()).filter(Boolean);
    for (const o of moderators) if (/[\s<>,;]/.test(o) || (o.includes('@') && !parseAddress(o))) throw bad('moderators', 'setting.notNameOrAddress', { value: o });
    if (!LANGUAGES.includes(s.language)) throw oneOf('language', LANGUAGES);
    if (!REPLY_TO_POLICIES.includes(s.replyTo)) throw oneOf('replyTo', REPLY_TO_POLICIES);
    if (!NON_MEMBER_ACTIONS.includes(s.nonMemberAction)) throw oneOf('nonMemberAction', NON_MEMBER_ACTIONS);
    if (!ROSTER_VISIBILITIES.includes(s.roster)) throw oneOf('roster', ROSTER_VISIBILITIES);
    if (!Number.isInteger(s.maxMessageKb) || s.maxMessageKb < 0 || s.maxMessageKb > 1024 * 1024) throw bad('maxMessageKb', 'setting.wholeNumberUnlimited', { max: 1048576 });
    if (!Number.isInteger(s.confirmDays) || s.confirmDays < 1 || s.confirmDays > 365) throw whole('confirmDays', 1, 365);
    if (s.subjectPrefix.length > 64 || /[\r\n]/.test(s.subjectPrefix)) throw bad('subjectPrefix', 'setting.oneLine', { max: 64 });
    if (s.description.length > 200 || /[\r\n]/.test(s.description)) throw bad('description', 'setting.oneLine', { max: 200 });
    for (const k of ['info', 'welcomeText', 'goodbyeText', 'messageHeader', 'messageFooter', 'digestHeader', 'digestFooter'] as const) if (s[k].length > 10_000) throw bad(k, 'setting.maxCharacters', { max: '10,000' });
    for (const k of ['messageHeader', 'messageFooter', 'digestHeader', 'digestFooter'] as const) {
      const unknown = unknownVariable(s[k]);
      if (unknown) throw bad(k, 'setting.unknownSubstitution', { name: unknown, known: DECORATION_VARIABLES.map((v) => `%(${v})s`).join(', ') });
    }
    if (!Number.isFinite(s.bounceScoreThreshold) || s.bounceScoreThreshold < 0.5 || s.bounceScoreThreshold > 100) throw bad('bounceScoreThreshold', 'setting.number', { min: 0.5, max: 100 });
    if (!Number.isInteger(s.bounceStaleDays) || s.bounceStaleDays < 1 || s.bounceStaleDays > 365) throw whole('bounceStaleDays', 1, 365);
    if (!Number.isInteger(s.bounceWarnings) || s.bounceWarnings < 0 || s.bounceWarnings > 30) throw whole('bounceWarnings', 0, 30);
    if (!Number.isInteger(s.digestSizeKb) || s.digestSizeKb < 0 || s.digestSizeKb > 100_000) throw bad('digestSizeKb', 'setting.wholeNumberScheduleOnly', { max: 100000 });
    if (!DIGEST_VOLUME_FREQUENCIES.includes(s.archiveVolumeFrequency)) throw oneOf('archiveVolumeFrequency', DIGEST_VOLUME_FREQUENCIES);
    if (!DIGEST_VOLUME_FREQUENCIES.includes(s.digestVolumeFrequency)) throw oneOf('digestVolumeFrequency', DIGEST_VOLUME_FREQUENCIES);
    if (!Number.isInteger(s.bounceWarningIntervalDays) || s.bounceWarningIntervalDays < 1 || s.bounceWarningIntervalDays > 365) throw whole('bounceWarningIntervalDays', 1, 365);
    if (s.senderRules.length > MAX_PATTERNS) throw bad('senderRules', 'setting.maxRules', { max: MAX_PATTERNS });
    for (const r of s.senderRules) {
      if (!SENDER_ACTIONS.includes(r.action)) throw oneOf('senderRules', SENDER_ACTIONS);
      const problem = patternProblem(r.pattern);
      if (problem) throw bad('senderRules', 'setting.badPattern', { problem });
    }
    for (const k of ['filterMimeTypes', 'passMimeTypes'] as const) {
      if (s[k].length > 200) throw bad(k, 'setting.maxTypes', { max: 200 });
      for (const type of s[k]) if (!MIME_TYPE_PATTERN.test(type)) throw bad(k, 'setting.notMimeType', { value: type });
    }
    for (const k of ['filterFilenameExtensions', 'passFilenameExtensions'] as const) {
      if (s[k].length > 200) throw bad(k, 'setting.maxExtensions', { max: 200 });
      for (const ext of s[k]) if (!/^\.?[A-Za-z0-9_+-]{1,20}$/.test(ext.trim())) throw bad(k, 'setting.notExtension', { value: ext });
    }
    if (!DMARC_MITIGATIONS.includes(s.dmarcMitigation)) throw oneOf('dmarcMitigation', DMARC_MITIGATIONS);
    if (!FILTER_ACTIONS.includes(s.filterAction)) throw oneOf('filterAction', FILTER_ACTIONS);
    if (s.bans.length > MAX_PATTERNS) throw bad('bans', 'setting.maxPatterns', { max: MAX_PATTERNS });
    for (const p of s.bans) {
      const problem = patternProblem(p);
      if (problem) throw bad('bans', 'setting.badPattern', { problem });
    }
    return { ...pickSettings(s), owners, moderators, senderRules: s.senderRules.map((r) => ({ pattern: r.pattern, action: r.action })) };
  }

  /**
   * A Mailman 2.1 list taken over: its settings from `config_list -o` output, its members from
   * `list_members` files (no welcome, no confirmation: they were members already). Settings
   * with no equivalent, patterns that cannot be used and lines that are no address are reported.
   */
  async importMailman(input: { domain: string; name?: string; config: string; members: { kind: MemberFileKind; text: string }[] }) {
    let config: Map<string, PyValue>;
    try {
      config = parsePythonAssignments(input.config);
    } catch (err) {
      if (err instanceof PythonSyntaxError) throw new ListError('INVALID_SETTING', `the Mailman settings cannot be read: ${err.message}`, 'config');
      throw err;
    }
    const imported = mapMailmanSettings(config);
    const name = input.name?.trim() || imported.realName;
    if (!name) throw new ListError('INVALID_LIST_NAME', 'the settings have no real_name: give the list\u2019s name', 'name');
    if (!imported.settings.owners?.length) throw new ListError('INVALID_SETTING', 'owners: the Mailman settings name no owner', 'owners');
    const list = this.create({ ...imported.settings, owners: imported.settings.owners, name, domain: input.domain });
    const { members, unreadable } = readMemberFiles(input.members);
    const added = await this.addMembers(list.id, members, { welcome: false, confirm: false });
    for (const m of members) if (m.delivery !== 'enabled' && added.added.includes(m.address)) this.store.updateMember((this.store.member(list.id, m.address) as ListMember).id, { delivery: m.delivery, deliveryReason: 'imported from Mailman' });
    this.d.log.message('list imported from Mailman 2', { list: list.address, members: added.added.length, skippedSettings: imported.skipped.map((s) => s.name) });
    return { list: this.mustGet(list.id), added: added.added, skippedMembers: added.skipped, skippedSettings: imported.skipped, unreadableLines: unreadable };
  }

  // Members

  members(listId: number, q: { search?: string; delivery?: DeliveryState; after?: string; limit: number }): { members: ListMember[]; total: number } {
    this.mustGet(listId);
    return this.store.members(listId, q);
  }

  member(listId: number, address: string): ListMember | undefined {
    return this.store.member(listId, address);
  }

  /**
   * Adds members in bulk. With `confirm`, each address gets a confirmation request instead (it
   * becomes a member when it answers); else each is added at once, welcomed when `welcome`.
   */
  async addMembers(listId: number, members: { address: string; name?: string; digest?: DigestMode }[], opts: { welcome: boolean; confirm: boolean }): Promise<{ added: string[]; invited: string[]; skipped: { address: string; reason: string }[] }> {
    const list = this.mustGet(listId);
    const effect = new Effect();
    const result = { added: [] as string[], invited: [] as string[], skipped: [] as { address: string; reason: string }[] };
    const seen = new Set<string>();
    for (const m of members) {
      const address = m.address.trim();
      const p = parseAddress(address);
      if (!p || /[\s<>,;]/.test(address)) {
        result.skipped.push({ address, reason: 'not a valid address' });
        continue;
      }
      if (seen.has(address.toLowerCase()) || this.store.member(listId, address)) {
        result.skipped.push({ address, reason: 'a member already' });
        continue;
      }
      if (this.isListAddress(address)) {
        result.skipped.push({ address, reason: 'an address of a list' });
        continue;
      }
      if (isBanned(list, address)) {
        result.skipped.push({ address, reason: 'banned' });
        continue;
      }
      seen.add(address.toLowerCase());
      if (opts.confirm) {
        // An invitation: confirmed, the address joins without the owners' approval.
        effect.add(this.subscriptions.requestJoin(list, address, { digest: m.digest, name: m.name, invite: true }).effect);
        result.invited.push(address);
      } else {
        effect.add(this.subscriptions.join(list, address, { name: m.name, digest: m.digest, welcome: opts.welcome }));
        result.added.push(address);
      }
    }
    await this.carryOut(effect, undefined, `list ${list.address}`);
    return result;
  }

  async removeMembers(listId: number, addresses: string[], opts: { goodbye: boolean; confirm: boolean }): Promise<{ removed: string[]; asked: string[]; notMembers: string[] }> {
    const list = this.mustGet(listId);
    const effect = new Effect();
    const result = { removed: [] as string[], asked: [] as string[], notMembers: [] as string[] };
    for (const address of addresses.map((a) => a.trim())) {
      if (!this.store.member(listId, address)) result.notMembers.push(address);
      else if (opts.confirm) {
        effect.add(this.subscriptions.requestLeave(list, address).effect);
        result.asked.push(address);
      } else {
        effect.add(this.subscriptions.leave(list, address, { goodbye: opts.goodbye }));
        result.removed.push(address);
      }
    }
    await this.carryOut(effect, undefined, `list ${list.address}`);
    return result;
  }

  updateMember(listId: number, address: string, patch: MemberPatch): ListMember {
    const list = this.mustGet(listId);
    const member = this.store.member(listId, address);
    if (!member) throw new ListError('NOT_A_MEMBER', `${address} is not a member of ${list.address}`, 'address');
    const bad = (field: keyof MemberPatch, values: readonly string[]) => new ListError('INVALID_SETTING', `${field}: must be one of ${values.join(', ')}`, field);
    if (patch.language != null && !LANGUAGES.includes(patch.language)) throw bad('language', LANGUAGES);
    if (patch.digest !== undefined && !DIGEST_MODES.includes(patch.digest)) throw bad('digest', DIGEST_MODES);
    if (patch.delivery !== undefined && !DELIVERY_STATES.includes(patch.delivery)) throw bad('delivery', DELIVERY_STATES);
    this.store.updateMember(member.id, patch);
    this.d.log.message('member options changed', { list: list.address, address: member.address, ...patch });
    return this.store.memberById(member.id) as ListMember;
  }

  /** RFC 8058 one-click: the member the token names leaves at once (no confirmation, no goodbye). */
  oneClickUnsubscribe(token: string): ListMember | undefined {
    const member = memberOfToken(this.store, token);
    if (!member) return undefined;
    if (!this.store.removeMember(member.listId, member.address)) return undefined;
    const address = this.store.byId(member.listId)?.address ?? '';
    this.d.log.message('unsubscribed by one-click (RFC 8058)', { list: address, address: member.address });
    this.events.tell({ kind: 'member-left', listId: member.listId, list: address, address: member.displayAddress });
    return member;
  }

  /** The list a one-click token belongs to, when it is genuine (for the confirmation page). */
  oneClickMember(token: string): { member: ListMember; list: MailingList } | undefined {
    const member = memberOfToken(this.store, token);
    const list = member && this.store.byId(member.listId);
    return member && list ? { member, list } : undefined;
  }

  // Moderation

  heldPosts(listId: number): HeldPost[] {
    this.mustGet(listId);
    return this.store.heldPosts(listId);
  }

  /** Approve (sent to the members as any post), reject (the poster is told why), discard or defer a held post. */
  async moderate(postId: number, action: ModerationAction, reason?: string): Promise<HeldPost> {
    const first = this.store.heldPost(postId);
    if (!first) throw new ListError('NOT_FOUND', 'the held post does not exist (moderated already?)');
    // In the list's turn: an approved post may join the waiting digest issue.
    return this.turns.run(first.listId, async () => {
      const held = this.store.heldPost(postId);
      if (!held) throw new ListError('NOT_FOUND', 'the held post was moderated meanwhile');
      const list = this.mustGet(held.listId);
      if (action === 'approve' && list.dmarcMitigation !== 'none') await this.dmarc.prefetch([held.fromAddress.slice(held.fromAddress.lastIndexOf('@') + 1)]);
      await this.carryOut(this.moderation(list, held, action, reason, 'an administrator'), undefined, `list ${list.address}`);
      const { message: _message, client: _client, ...post } = held;
      return { ...post, deferred: post.deferred || action === 'defer' };
    });
  }

  /** The moderators' daily summary (the list-moderation job): every list with held posts or subscriptions waiting. */
  async runModerationSummary(signal: AbortSignal): Promise<string> {
    let lists = 0;
    let requests = 0;
    for (const id of this.store.listsWithRequests()) {
      if (signal.aborted) break;
      const list = this.store.byId(id);
      if (!list) continue;
      const held = this.store.heldPosts(id);
      const approvals = this.store.approvals(id);
      const effect = new Effect();
      effect.mails.push(...moderationSummary(list, this.d.hostname, held, approvals));
      if (!effect.mails.length) continue;
      effect.logs.push(() => this.d.log.message('moderation summary sent', { list: list.address, heldPosts: held.length, subscriptions: approvals.length }));
      await this.carryOut(effect, undefined, `list ${list.address}`);
      lists++;
      requests += held.length + approvals.length;
    }
    return `${lists} summary(ies) sent, ${requests} request(s) waiting`;
  }

  pendingSubscriptions(listId: number): PendingRequest[] {
    this.mustGet(listId);
    return this.store.approvals(listId);
  }

  /** The owner's word on a confirmed subscription waiting for approval: a member (welcomed) or not. */
  async decideSubscription(requestId: number, approve: boolean): Promise<PendingRequest> {
    const p = this.store.pendingById(requestId);
    if (!p || p.kind !== 'approval') throw new ListError('NOT_FOUND', 'the subscription request does not exist (decided already?)');
    const list = this.mustGet(p.listId);
    const effect = approve ? this.subscriptions.join(list, p.displayAddress, { name: p.name, digest: p.digest, welcome: true }) : new Effect();
    effect.logs.push(() => this.d.log.message(approve ? 'subscription approved' : 'subscription refused', { list: list.address, address: p.address }));
    await this.carryOut(effect, () => {
      if (!this.store.removePending(p.id)) throw new ListError('NOT_FOUND', 'the subscription request was decided meanwhile');
    }, `list ${list.address}`);
    return p;
  }
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function pickSettings(s: ListSettings): ListSettings {
  return {
    description: s.description,
    info: s.info,
    owners: s.owners,
    moderators: s.moderators,
    language: s.language,
    selfSubscribe: s.selfSubscribe,
    subscriptionApproval: s.subscriptionApproval,
    subjectPrefix: s.subjectPrefix,
    replyTo: s.replyTo,
    maxMessageKb: s.maxMessageKb,
    nonMemberAction: s.nonMemberAction,
    confirmDays: s.confirmDays,
    roster: s.roster,
    personalize: s.personalize,
    welcomeText: s.welcomeText,
    goodbyeText: s.goodbyeText,
    bounceProcessing: s.bounceProcessing,
    bounceScoreThreshold: s.bounceScoreThreshold,
    bounceStaleDays: s.bounceStaleDays,
    bounceWarnings: s.bounceWarnings,
    bounceWarningIntervalDays: s.bounceWarningIntervalDays,
    bounceNotifyOwnerOnDisable: s.bounceNotifyOwnerOnDisable,
    bounceNotifyOwnerOnRemoval: s.bounceNotifyOwnerOnRemoval,
    digestSizeKb: s.digestSizeKb,
    digestPeriodic: s.digestPeriodic,
    digestVolumeFrequency: s.digestVolumeFrequency,
    archive: s.archive,
    archivePrivate: s.archivePrivate,
    archiveVolumeFrequency: s.archiveVolumeFrequency,
    moderated: s.moderated,
    senderRules: s.senderRules,
    bans: s.bans,
    notifyModerators: s.notifyModerators,
    messageHeader: s.messageHeader,
    messageFooter: s.messageFooter,
    digestHeader: s.digestHeader,
    digestFooter: s.digestFooter,
    filterContent: s.filterContent,
    filterMimeTypes: s.filterMimeTypes,
    passMimeTypes: s.passMimeTypes,
    filterFilenameExtensions: s.filterFilenameExtensions.map((e) => e.trim().replace(/^\./, '').toLowerCase()),
    passFilenameExtensions: s.passFilenameExtensions.map((e) => e.trim().replace(/^\./, '').toLowerCase()),
    collapseAlternatives: s.collapseAlternatives,
    convertHtmlToPlaintext: s.convertHtmlToPlaintext,
    filterAction: s.filterAction,
    dmarcMitigation: s.dmarcMitigation,
  };
}
