import crypto from 'node:crypto';
import type { Db } from '../db/database';
import { type ArchivedPost, DELIVERY_STATES, DIGEST_MODES, type DeliveryState, type DigestMode, type HeldPost, type ListMember, type ListSettings, type ListStats, type MailingList, type MemberPatch, type PendingKind, type PendingRequest } from './types';

interface ListRow {
  id: number;
  name: string;
  domain: string;
  description: string;
  info: string;
  owners: string;
  moderators: string;
  language: string;
  self_subscribe: number;
  subscription_approval: number;
  subject_prefix: string;
  reply_to: string;
  max_message_kb: number;
  non_member_action: string;
  confirm_days: number;
  roster: string;
  personalize: number;
  welcome_text: string;
  goodbye_text: string;
  bounce_processing: number;
  bounce_score_threshold: number;
  bounce_stale_days: number;
  bounce_warnings: number;
  bounce_warning_interval_days: number;
  bounce_notify_owner_on_disable: number;
  bounce_notify_owner_on_removal: number;
  digest_size_kb: number;
  digest_periodic: number;
  digest_volume_frequency: string;
  digest_volume: number;
  digest_issue: number;
  digest_last_sent: number | null;
  archive: number;
  archive_private: number;
  archive_volume_frequency: string;
  moderated: number;
  sender_rules: string;
  bans: string;
  notify_moderators: number;
  msg_header: string;
  msg_footer: string;
  digest_header: string;
  digest_footer: string;
  filter_content: number;
  filter_mime_types: string;
  pass_mime_types: string;
  filter_filename_extensions: string;
  pass_filename_extensions: string;
  collapse_alternatives: number;
  convert_html_to_plaintext: number;
  filter_action: string;
  dmarc_mitigation: string;
  created_at: string;
}

interface MemberRow {
  id: number;
  list_id: number;
  address: string;
  display_address: string;
  name: string;
  delivery: DeliveryState;
  delivery_reason: string;
  digest: DigestMode;
  hidden: number;
  language: string | null;
  may_post: number;
  receive_own_posts: number;
  acknowledge_posts: number;
  created_at: string;
  bounce_score: number;
  last_bounce_day: string | null;
  bounce_warnings_left: number | null;
  next_bounce_warning: number | null;
}

interface PendingRow {
  id: number;
  list_id: number;
  kind: PendingKind;
  address: string;
  display_address: string;
  name: string;
  digest: DigestMode;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  invited: number;
  change: string;
}

/** What an owner (or the member, by mail) may change of a membership. */

/** Columns of the lists table, by setting. */
const COLUMNS: Record<keyof ListSettings, string> = {
  description: 'description',
  info: 'info',
  owners: 'owners',
  moderators: 'moderators',
  language: 'language',
  selfSubscribe: 'self_subscribe',
  subscriptionApproval: 'subscription_approval',
  subjectPrefix: 'subject_prefix',
  replyTo: 'reply_to',
  maxMessageKb: 'max_message_kb',
  nonMemberAction: 'non_member_action',
  confirmDays: 'confirm_days',
  roster: 'roster',
  personalize: 'personalize',
  welcomeText: 'welcome_text',
  goodbyeText: 'goodbye_text',
  bounceProcessing: 'bounce_processing',
  bounceScoreThreshold: 'bounce_score_threshold',
  bounceStaleDays: 'bounce_stale_days',
  bounceWarnings: 'bounce_warnings',
  bounceWarningIntervalDays: 'bounce_warning_interval_days',
  bounceNotifyOwnerOnDisable: 'bounce_notify_owner_on_disable',
  bounceNotifyOwnerOnRemoval: 'bounce_notify_owner_on_removal',
  digestSizeKb: 'digest_size_kb',
  digestPeriodic: 'digest_periodic',
  digestVolumeFrequency: 'digest_volume_frequency',
  archive: 'archive',
  archivePrivate: 'archive_private',
  archiveVolumeFrequency: 'archive_volume_frequency',
  moderated: 'moderated',
  senderRules: 'sender_rules',
  bans: 'bans',
  notifyModerators: 'notify_moderators',
  messageHeader: 'msg_header',
  messageFooter: 'msg_footer',
  digestHeader: 'digest_header',
  digestFooter: 'digest_footer',
  filterContent: 'filter_content',
  filterMimeTypes: 'filter_mime_types',
  passMimeTypes: 'pass_mime_types',
  filterFilenameExtensions: 'filter_filename_extensions',
  passFilenameExtensions: 'pass_filename_extensions',
  collapseAlternatives: 'collapse_alternatives',
  convertHtmlToPlaintext: 'convert_html_to_plaintext',
  filterAction: 'filter_action',
  dmarcMitigation: 'dmarc_mitigation',
};

const toList = (r: ListRow): MailingList => ({
  id: r.id,
  name: r.name,
  domain: r.domain,
  address: `${r.name.toLowerCase()}@${r.domain}`,
  description: r.description,
  info: r.info,
  owners: JSON.parse(r.owners) as string[],
  moderators: JSON.parse(r.moderators) as string[],
  language: r.language as MailingList['language'],
  selfSubscribe: !!r.self_subscribe,
  subscriptionApproval: !!r.subscription_approval,
  subjectPrefix: r.subject_prefix,
  replyTo: r.reply_to as MailingList['replyTo'],
  maxMessageKb: r.max_message_kb,
  nonMemberAction: r.non_member_action as MailingList['nonMemberAction'],
  confirmDays: r.confirm_days,
  roster: r.roster as MailingList['roster'],
  personalize: !!r.personalize,
  welcomeText: r.welcome_text,
  goodbyeText: r.goodbye_text,
  bounceProcessing: !!r.bounce_processing,
  bounceScoreThreshold: r.bounce_score_threshold,
  bounceStaleDays: r.bounce_stale_days,
  bounceWarnings: r.bounce_warnings,
  bounceWarningIntervalDays: r.bounce_warning_interval_days,
  bounceNotifyOwnerOnDisable: !!r.bounce_notify_owner_on_disable,
  bounceNotifyOwnerOnRemoval: !!r.bounce_notify_owner_on_removal,
  digestSizeKb: r.digest_size_kb,
  digestPeriodic: !!r.digest_periodic,
  digestVolumeFrequency: r.digest_volume_frequency as MailingList['digestVolumeFrequency'],
  digestVolume: r.digest_volume,
  digestIssue: r.digest_issue,
  digestLastSent: r.digest_last_sent === null ? null : new Date(r.digest_last_sent),
  archive: !!r.archive,
  archivePrivate: !!r.archive_private,
  archiveVolumeFrequency: r.archive_volume_frequency as MailingList['archiveVolumeFrequency'],
  moderated: !!r.moderated,
  senderRules: JSON.parse(r.sender_rules) as MailingList['senderRules'],
  bans: JSON.parse(r.bans) as string[],
  notifyModerators: !!r.notify_moderators,
  messageHeader: r.msg_header,
  messageFooter: r.msg_footer,
  digestHeader: r.digest_header,
  digestFooter: r.digest_footer,
  filterContent: !!r.filter_content,
  filterMimeTypes: JSON.parse(r.filter_mime_types) as string[],
  passMimeTypes: JSON.parse(r.pass_mime_types) as string[],
  filterFilenameExtensions: JSON.parse(r.filter_filename_extensions) as string[],
  passFilenameExtensions: JSON.parse(r.pass_filename_extensions) as string[],
  collapseAlternatives: !!r.collapse_alternatives,
  convertHtmlToPlaintext: !!r.convert_html_to_plaintext,
  filterAction: r.filter_action as MailingList['filterAction'],
  dmarcMitigation: r.dmarc_mitigation as MailingList['dmarcMitigation'],
  createdAt: r.created_at,
});

const toMember = (r: MemberRow): ListMember => ({
  id: r.id,
  listId: r.list_id,
  address: r.address,
  displayAddress: r.display_address,
  name: r.name,
  delivery: r.delivery,
  deliveryReason: r.delivery_reason,
  digest: r.digest,
  hidden: !!r.hidden,
  language: r.language as ListMember['language'],
  mayPost: !!r.may_post,
  receiveOwnPosts: !!r.receive_own_posts,
  acknowledgePosts: !!r.acknowledge_posts,
  createdAt: r.created_at,
  bounceScore: r.bounce_score,
  lastBounceDay: r.last_bounce_day,
  bounceWarningsLeft: r.bounce_warnings_left,
  nextBounceWarning: r.next_bounce_warning === null ? null : new Date(r.next_bounce_warning),
});

interface HeldRow {
  id: number;
  list_id: number;
  sender: string;
  from_address: string;
  subject: string;
  reason: string;
  size: number;
  received_at: number;
  deferred: number;
}

const toHeld = (r: HeldRow): HeldPost => ({
  id: r.id,
  listId: r.list_id,
  sender: r.sender,
  fromAddress: r.from_address,
  subject: r.subject,
  reason: r.reason,
  size: r.size,
  receivedAt: new Date(r.received_at),
  deferred: !!r.deferred,
});

const toPending = (r: PendingRow): PendingRequest => ({
  id: r.id,
  listId: r.list_id,
  kind: r.kind,
  address: r.address,
  displayAddress: r.display_address,
  name: r.name,
  digest: r.digest,
  createdAt: new Date(r.created_at),
  expiresAt: new Date(r.expires_at),
  invited: !!r.invited,
  change: r.change,
});

const columnValue = (v: unknown) => (typeof v === 'boolean' ? (v ? 1 : 0) : Array.isArray(v) ? JSON.stringify(v) : v);

export const hashToken = (token: string) => crypto.createHash('sha256').update(token.toLowerCase()).digest('hex');

/** Used confirmations and expired requests are kept this long (a replay gets its own answer), then dropped. */
const PENDING_KEEP_MS = 30 * 24 * 3600_000;

/** The lists' tables. Plain reads and writes: the rules live in the list service. */
/** What sending to a member needs: who, and in which language (null = the list's). */
export type Recipient = Pick<ListMember, 'id' | 'listId' | 'address' | 'displayAddress' | 'name' | 'language'>;

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export class ListStore {
  constructor(private readonly db: Db) {}

  all(): MailingList[] {
    return (this.db.prepare('SELECT * FROM lists ORDER BY domain, name').all() as ListRow[]).map(toList);
  }

  byId(id: number): MailingList | undefined {
    const row = this.db.prepare('SELECT * FROM lists WHERE id = ?').get(id) as ListRow | undefined;
    return row && toList(row);
  }

  byName(name: string, domain: string): MailingList | undefined {
    const row = this.db.prepare('SELECT * FROM lists WHERE name = ? AND domain = ?').get(name, domain.toLowerCase()) as ListRow | undefined;
    return row && toList(row);
  }

  insert(name: string, domain: string, settings: ListSettings): MailingList {
    const keys = Object.keys(COLUMNS) as (keyof ListSettings)[];
    const info = this.db
      .prepare(
        `INSERT INTO lists (name, domain, ${keys.map((k) => COLUMNS[k]).join(', ')}, unsubscribe_key, created_at)
         VALUES (?, ?, ${keys.map(() => '?').join(', ')}, ?, ?)`,
      )
      .run(name, domain.toLowerCase(), ...keys.map((k) => columnValue(settings[k])), crypto.randomBytes(32), new Date().toISOString());
    return this.byId(Number(info.lastInsertRowid)) as MailingList;
  }

  update(id: number, patch: Partial<ListSettings>): void {
    const keys = (Object.keys(patch) as (keyof ListSettings)[]).filter((k) => patch[k] !== undefined);
    if (!keys.length) return;
    this.db.prepare(`UPDATE lists SET ${keys.map((k) => `${COLUMNS[k]} = ?`).join(', ')} WHERE id = ?`).run(...keys.map((k) => columnValue(patch[k])), id);
  }

  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM lists WHERE id = ?').run(id).changes > 0;
  }

  /** The key that signs the members' one-click unsubscribe links. */
  unsubscribeKey(id: number): Buffer | undefined {
    return (this.db.prepare('SELECT unsubscribe_key FROM lists WHERE id = ?').get(id) as { unsubscribe_key: Buffer } | undefined)?.unsubscribe_key;
  }

  // Members

  member(listId: number, address: string): ListMember | undefined {
    const row = this.db.prepare('SELECT * FROM list_members WHERE list_id = ? AND address = ?').get(listId, address.toLowerCase()) as MemberRow | undefined;
    return row && toMember(row);
  }

  memberById(id: number): ListMember | undefined {
    const row = this.db.prepare('SELECT * FROM list_members WHERE id = ?').get(id) as MemberRow | undefined;
    return row && toMember(row);
  }

  /** Adds a member; undefined when the address is one already. */
  addMember(listId: number, m: { address: string; name?: string; digest?: DigestMode }): ListMember | undefined {
    const info = this.db
      .prepare('INSERT OR IGNORE INTO list_members (list_id, address, display_address, name, digest, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(listId, m.address.toLowerCase(), m.address, m.name ?? '', m.digest ?? 'off', new Date().toISOString());
    return info.changes ? this.memberById(Number(info.lastInsertRowid)) : undefined;
  }

  removeMember(listId: number, address: string): boolean {
    return this.db.prepare('DELETE FROM list_members WHERE list_id = ? AND address = ?').run(listId, address.toLowerCase()).changes > 0;
  }

  updateMember(id: number, patch: MemberPatch): void {
    const sets: string[] = [];
    const values: unknown[] = [];
    const add = (column: string, v: unknown) => {
      if (v === undefined) return;
      sets.push(`${column} = ?`);
      values.push(columnValue(v));
    };
    add('delivery', patch.delivery);
    add('delivery_reason', patch.deliveryReason);
    add('digest', patch.digest);
    add('hidden', patch.hidden);
    add('name', patch.name);
    add('language', patch.language);
    add('may_post', patch.mayPost);
    add('receive_own_posts', patch.receiveOwnPosts);
    add('acknowledge_posts', patch.acknowledgePosts);
    // Delivery on again (by the member or an owner): the bounce record starts afresh.
    if (patch.delivery === 'enabled') sets.push('bounce_score = 0', 'last_bounce_day = NULL', 'bounce_warnings_left = NULL', 'next_bounce_warning = NULL');
    if (sets.length) this.db.prepare(`UPDATE list_members SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  /** Members in address order after `after`, filtered by a part of the address or name and a delivery state. */
  members(listId: number, q: { search?: string; delivery?: DeliveryState; after?: string; limit: number; visibleOnly?: boolean }): { members: ListMember[]; total: number } {
    const where = ['list_id = ?'];
    const values: unknown[] = [listId];
    if (q.search) {
      where.push(`(address LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')`);
      const like = `%${q.search.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
      values.push(like, like);
    }
    if (q.delivery) {
      where.push('delivery = ?');
      values.push(q.delivery);
    }
    if (q.visibleOnly) where.push('hidden = 0');
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM list_members WHERE ${where.join(' AND ')}`).get(...values) as { n: number }).n;
    if (q.after !== undefined) {
      where.push('address > ?');
      values.push(q.after);
    }
    const rows = this.db.prepare(`SELECT * FROM list_members WHERE ${where.join(' AND ')} ORDER BY address LIMIT ?`).all(...values, q.limit) as MemberRow[];
    return { members: rows.map(toMember), total };
  }

  /**
   * The members a post goes to (delivery enabled; with `digest`, those who get that digest
   * instead of each post): the columns a fan-out needs, in address order.
   */
  deliveryRecipients(listId: number, digest: DigestMode = 'off'): Recipient[] {
    return this.db
      .prepare(`SELECT id, list_id AS listId, address, display_address AS displayAddress, name, language FROM list_members WHERE list_id = ? AND delivery = 'enabled' AND digest = ? ORDER BY address`)
      .all(listId, digest) as Recipient[];
  }

  /** A page of deliveryRecipients (each post, no digest), after the address `after`: a large roster is read a page at a time. */
  deliveryRecipientsPage(listId: number, after: string, limit: number): Recipient[] {
    return this.db
      .prepare(`SELECT id, list_id AS listId, address, display_address AS displayAddress, name, language FROM list_members WHERE list_id = ? AND delivery = 'enabled' AND digest = 'off' AND address > ? ORDER BY address LIMIT ?`)
      .all(listId, after, limit) as Recipient[];
  }

  /** Whether any member with delivery on takes digests. */
  hasDigestMembers(listId: number): boolean {
    return !!this.db.prepare(`SELECT 1 FROM list_members WHERE list_id = ? AND delivery = 'enabled' AND digest != 'off' LIMIT 1`).get(listId);
  }

  // Digests

  addDigestPost(listId: number, message: Buffer): void {
    this.db.prepare('INSERT INTO list_digest_posts (list_id, message, added_at) VALUES (?, ?, ?)').run(listId, message, Date.now());
  }

  /** The posts waiting for the next issue, oldest first. */
  digestPosts(listId: number): { id: number; message: Buffer }[] {
    return this.db.prepare('SELECT id, message FROM list_digest_posts WHERE list_id = ? ORDER BY id').all(listId) as { id: number; message: Buffer }[];
  }

  digestBytes(listId: number): number {
    return (this.db.prepare('SELECT COALESCE(SUM(LENGTH(message)), 0) AS n FROM list_digest_posts WHERE list_id = ?').get(listId) as { n: number }).n;
  }

  /** Lists with posts waiting for a digest. */
  listsWithDigestPosts(): number[] {
    return (this.db.prepare('SELECT DISTINCT list_id FROM list_digest_posts ORDER BY list_id').all() as { list_id: number }[]).map((r) => r.list_id);
  }

  /** An issue went out: its posts are gone, the next issue's number (and volume) recorded. */
  digestSent(listId: number, postIds: number[], volume: number, nextIssue: number, sentAt: number): void {
    const remove = this.db.prepare('DELETE FROM list_digest_posts WHERE id = ?');
    for (const id of postIds) remove.run(id);
    this.db.prepare('UPDATE lists SET digest_volume = ?, digest_issue = ?, digest_last_sent = ? WHERE id = ?').run(volume, nextIssue, sentAt, listId);
  }

  /** Records a counted bounce: the new score and its day. */
  recordBounce(memberId: number, score: number, day: string): void {
    this.db.prepare('UPDATE list_members SET bounce_score = ?, last_bounce_day = ? WHERE id = ?').run(score, day, memberId);
  }

  /** Delivery off by bounces, with the notices still to send and when the next is due. */
  disableByBounces(memberId: number, reason: string, warningsLeft: number, nextWarning: number): void {
    this.db
      .prepare(`UPDATE list_members SET delivery = 'by-bounces', delivery_reason = ?, bounce_warnings_left = ?, next_bounce_warning = ? WHERE id = ?`)
      .run(reason, warningsLeft, nextWarning, memberId);
  }

  /** After a notice: how many are left and when the next one (or the removal) is due. */
  scheduleBounceWarning(memberId: number, warningsLeft: number, nextWarning: number): void {
    this.db.prepare('UPDATE list_members SET bounce_warnings_left = ?, next_bounce_warning = ? WHERE id = ?').run(warningsLeft, nextWarning, memberId);
  }

  /** Members disabled by bounces whose next notice or removal is due, oldest first. */
  dueBounceWarnings(now: number, limit: number): ListMember[] {
    return (
      this.db.prepare(`SELECT * FROM list_members WHERE delivery = 'by-bounces' AND next_bounce_warning <= ? ORDER BY next_bounce_warning LIMIT ?`).all(now, limit) as MemberRow[]
    ).map(toMember);
  }

  /** One more post sent to the members today (UTC), in the transaction that queues its copies. */
  countPost(listId: number, now: number): void {
    this.db.prepare('INSERT INTO list_post_days (list_id, day, posts) VALUES (?, ?, 1) ON CONFLICT (list_id, day) DO UPDATE SET posts = posts + 1').run(listId, utcDay(now));
  }

  /** A list's statistics, each an aggregate in SQL (a 100,000-member list is not read). */
  stats(listId: number, days: number, now: number): ListStats {
    const byDelivery = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<DeliveryState, number>;
    const byDigest = Object.fromEntries(DIGEST_MODES.map((m) => [m, 0])) as Record<DigestMode, number>;
    const groups = this.db.prepare('SELECT delivery, digest, COUNT(*) AS n, SUM(bounce_score > 0) AS bouncing FROM list_members WHERE list_id = ? GROUP BY delivery, digest').all(listId) as { delivery: DeliveryState; digest: DigestMode; n: number; bouncing: number }[];
    let members = 0;
    let bouncingMembers = 0;
    for (const g of groups) {
      byDelivery[g.delivery] += g.n;
      byDigest[g.digest] += g.n;
      members += g.n;
      bouncingMembers += g.bouncing;
    }
    const first = now - (days - 1) * 86_400_000;
    const counted = new Map(
      (this.db.prepare('SELECT day, posts FROM list_post_days WHERE list_id = ? AND day >= ? ORDER BY day').all(listId, utcDay(first)) as { day: string; posts: number }[]).map((r) => [r.day, r.posts]),
    );
    const postsPerDay = Array.from({ length: days }, (_, i) => utcDay(first + i * 86_400_000)).map((day) => ({ day, posts: counted.get(day) ?? 0 }));
    const pending = this.db.prepare(`SELECT SUM(kind != 'approval') AS confirmations, SUM(kind = 'approval') AS approvals FROM list_pending WHERE list_id = ? AND used_at IS NULL AND expires_at > ?`).get(listId, now) as { confirmations: number | null; approvals: number | null };
    const held = (this.db.prepare('SELECT COUNT(*) AS n FROM list_held_posts WHERE list_id = ?').get(listId) as { n: number }).n;
    return {
      members,
      byDelivery,
      byDigest,
      postsPerDay,
      heldPosts: held,
      pendingConfirmations: pending.confirmations ?? 0,
      pendingApprovals: pending.approvals ?? 0,
      bouncingMembers,
      disabledByBounces: byDelivery['by-bounces'],
    };
  }

  memberCount(listId: number): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM list_members WHERE list_id = ?').get(listId) as { n: number }).n;
  }

  // Archives

  /** Keeps a post in the archive and its words in the text index; its thread is the one of the post it answers. */
  archivePost(p: { listId: number; period: string; messageId: string; replyTo: string[]; subject: string; fromName: string; fromAddress: string; message: Buffer; text: string }): number {
    const find = this.db.prepare('SELECT thread_id FROM list_archive WHERE list_id = ? AND message_id = ? LIMIT 1');
    let thread: number | undefined;
    for (const parent of p.replyTo) {
      thread = (find.get(p.listId, parent) as { thread_id: number } | undefined)?.thread_id;
      if (thread !== undefined) break;
    }
    const info = this.db
      .prepare('INSERT INTO list_archive (list_id, period, message_id, thread_id, subject, from_name, from_address, archived_at, size, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(p.listId, p.period, p.messageId, thread ?? 0, p.subject, p.fromName, p.fromAddress, Date.now(), p.message.length, p.message);
    const id = Number(info.lastInsertRowid);
    if (thread === undefined) this.db.prepare('UPDATE list_archive SET thread_id = ? WHERE id = ?').run(id, id);
    this.db.prepare('INSERT INTO list_archive_text (rowid, subject, author, body) VALUES (?, ?, ?, ?)').run(id, p.subject, `${p.fromName} ${p.fromAddress}`, p.text);
    return id;
  }

  /** The archive's periods, newest first, with their number of posts. */
  archivePeriods(listId: number): { period: string; posts: number }[] {
    return this.db.prepare('SELECT period, COUNT(*) AS posts FROM list_archive WHERE list_id = ? GROUP BY period ORDER BY MIN(id) DESC').all(listId) as { period: string; posts: number }[];
  }

  /**
   * Archived posts in the order asked (date = arrival, thread = threads in the order they
   * started, each in arrival order; author = by sender), after the row `after` of that order;
   * filtered by period and by an FTS5 query over subject, author and text.
   */
  archivedPosts(listId: number, q: { period?: string; match?: string; order: 'date' | 'thread' | 'author'; offset: number; limit: number }): { posts: ArchivedPost[]; total: number } {
    const where = ['a.list_id = ?'];
    const values: unknown[] = [listId];
    if (q.period) {
      where.push('a.period = ?');
      values.push(q.period);
    }
    if (q.match) {
      where.push('a.id IN (SELECT rowid FROM list_archive_text WHERE list_archive_text MATCH ?)');
      values.push(q.match);
    }
    const order = q.order === 'thread' ? 'a.thread_id, a.id' : q.order === 'author' ? 'a.from_name COLLATE NOCASE, a.from_address, a.id' : 'a.id';
    const total = (this.db.prepare(`SELECT COUNT(*) AS n FROM list_archive a WHERE ${where.join(' AND ')}`).get(...values) as { n: number }).n;
    const rows = this.db
      .prepare(
        `SELECT a.id, a.list_id, a.period, a.message_id, a.thread_id, a.subject, a.from_name, a.from_address, a.archived_at, a.size
         FROM list_archive a WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ? OFFSET ?`,
      )
      .all(...values, q.limit, q.offset) as { id: number; list_id: number; period: string; message_id: string; thread_id: number; subject: string; from_name: string; from_address: string; archived_at: number; size: number }[];
    return {
      total,
      posts: rows.map((r) => ({ id: r.id, listId: r.list_id, period: r.period, messageId: r.message_id, threadId: r.thread_id, subject: r.subject, fromName: r.from_name, fromAddress: r.from_address, archivedAt: new Date(r.archived_at), size: r.size })),
    };
  }

  archivedMessage(listId: number, id: number): Buffer | undefined {
    return (this.db.prepare('SELECT message FROM list_archive WHERE list_id = ? AND id = ?').get(listId, id) as { message: Buffer } | undefined)?.message;
  }

  /** The posts of a period in arrival order, with their arrival time (an mbox file's envelope lines). */
  *periodMessages(listId: number, period: string): Generator<{ fromAddress: string; archivedAt: number; message: Buffer }> {
    const ids = this.db.prepare('SELECT id FROM list_archive WHERE list_id = ? AND period = ? ORDER BY id').pluck().all(listId, period) as number[];
    const read = this.db.prepare('SELECT from_address AS fromAddress, archived_at AS archivedAt, message FROM list_archive WHERE id = ?');
    for (const id of ids) yield read.get(id) as { fromAddress: string; archivedAt: number; message: Buffer };
  }

  // Pending requests

  /** Records a request; returns its id. `tokenHash` is null for requests waiting for an owner. */
  addPending(p: { listId: number; kind: PendingKind; tokenHash: string | null; address: string; name?: string; digest?: DigestMode; expiresAt: number; invited?: boolean; change?: string }): number {
    const now = Date.now();
    this.db.prepare('DELETE FROM list_pending WHERE (used_at IS NOT NULL OR expires_at < ?) AND expires_at < ?').run(now, now - PENDING_KEEP_MS);
    const info = this.db
      .prepare('INSERT INTO list_pending (list_id, kind, token_hash, address, display_address, name, digest, created_at, expires_at, invited, change) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(p.listId, p.kind, p.tokenHash, p.address.toLowerCase(), p.address, p.name ?? '', p.digest ?? 'off', now, p.expiresAt, p.invited ? 1 : 0, p.change ?? '');
    return Number(info.lastInsertRowid);
  }

  pendingByToken(tokenHash: string): (PendingRequest & { usedAt: Date | null }) | undefined {
    const row = this.db.prepare('SELECT * FROM list_pending WHERE token_hash = ?').get(tokenHash) as PendingRow | undefined;
    return row && { ...toPending(row), usedAt: row.used_at === null ? null : new Date(row.used_at) };
  }

  markPendingUsed(id: number): void {
    this.db.prepare('UPDATE list_pending SET used_at = ? WHERE id = ?').run(Date.now(), id);
  }

  pendingById(id: number): PendingRequest | undefined {
    const row = this.db.prepare('SELECT * FROM list_pending WHERE id = ? AND used_at IS NULL').get(id) as PendingRow | undefined;
    return row && toPending(row);
  }

  /** Subscriptions waiting for an owner's approval. */
  approvals(listId: number): PendingRequest[] {
    return (this.db.prepare(`SELECT * FROM list_pending WHERE list_id = ? AND kind = 'approval' AND used_at IS NULL ORDER BY id`).all(listId) as PendingRow[]).map(toPending);
  }

  removePending(id: number): boolean {
    return this.db.prepare('DELETE FROM list_pending WHERE id = ?').run(id).changes > 0;
  }

  // Held posts

  hold(p: { listId: number; sender: string; client: string; fromAddress: string; subject: string; reason: string; message: Buffer; tokenHash: string }): number {
    const info = this.db
      .prepare('INSERT INTO list_held_posts (list_id, sender, client, from_address, subject, reason, size, message, received_at, token_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(p.listId, p.sender, p.client, p.fromAddress, p.subject, p.reason, p.message.length, p.message, Date.now(), p.tokenHash);
    return Number(info.lastInsertRowid);
  }

  heldPosts(listId: number): HeldPost[] {
    const rows = this.db.prepare('SELECT id, list_id, sender, from_address, subject, reason, size, received_at, deferred FROM list_held_posts WHERE list_id = ? ORDER BY id').all(listId) as HeldRow[];
    return rows.map(toHeld);
  }

  heldPost(id: number): (HeldPost & { client: string; message: Buffer }) | undefined {
    const r = this.db.prepare('SELECT * FROM list_held_posts WHERE id = ?').get(id) as (HeldRow & { client: string; message: Buffer }) | undefined;
    return r && { ...toHeld(r), client: r.client, message: r.message };
  }

  /** The held post a moderation token (its SHA-256) stands for. */
  heldByToken(tokenHash: string): number | undefined {
    return (this.db.prepare('SELECT id FROM list_held_posts WHERE token_hash = ?').get(tokenHash) as { id: number } | undefined)?.id;
  }

  deferHeld(id: number): boolean {
    return this.db.prepare('UPDATE list_held_posts SET deferred = 1 WHERE id = ?').run(id).changes > 0;
  }

  /** Lists with held posts or subscriptions waiting for approval (the moderators' daily summary). */
  listsWithRequests(): number[] {
    return (
      this.db
        .prepare(`SELECT list_id FROM list_held_posts UNION SELECT list_id FROM list_pending WHERE kind = 'approval' AND used_at IS NULL ORDER BY list_id`)
        .all() as { list_id: number }[]
    ).map((r) => r.list_id);
  }

  removeHeld(id: number): boolean {
    return this.db.prepare('DELETE FROM list_held_posts WHERE id = ?').run(id).changes > 0;
  }
}
