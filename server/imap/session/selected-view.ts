import { ALL_RIGHTS } from '../../store/acl';
import type { MailStore } from '../../store/store';
import type { MailboxInfo, MessageMeta } from '../../store/types';
import { formatSet, lowerBound } from '../protocol/sequence-set';
import { flagList, flagsResponses } from './flags';

/**
 * One session's view of its selected mailbox: the sequence-number ↔ UID map as this
 * client knows it, its \Recent messages, and the changes other sessions (or deliveries)
 * made that it has not been told about yet. Store events only record; `flush` reports,
 * at the moments RFC 3501 section 7.4.1 allows.
 */
export class SelectedView {
  /** UIDs in sequence-number order (sequence n = uids[n - 1]). */
  readonly uids: number[];
  readonly recent = new Set<number>();
  private pendingNew: number[] = [];
  private readonly pendingExpunge = new Set<number>();
  private readonly pendingFlags = new Set<number>();
  /**
   * Messages expunged elsewhere that this client still shows, with their files kept open,
   * so FETCH still answers for them until the client is told (RFC 2180 section 4.1.2).
   */
  private readonly retained = new Map<number, MessageMeta>();
  /** FETCH responses carry MODSEQ (CONDSTORE is on). */
  withModseq = false;
  /** Expunges are reported as VANISHED with UIDs (QRESYNC is on). */
  withVanished = false;
  /** IMAP4rev2 session (RFC 9051): no \Recent is claimed or shown and no RECENT response is sent. */
  rev2 = false;
  /** Keywords this client was told of in FLAGS. */
  private readonly keywords = new Set<string>();
  /** The session's ACL rights on the mailbox (RFC 4314); all of them on its own. */
  rights = ALL_RIGHTS;
  /** Whose \\Seen the session shows in public folders (per-user \\Seen): the logged-in user's. */
  viewer?: number;
  /** Set when the mailbox was deleted under us. */
  gone = false;
  /** Called when something is pending (the session reports at once while idling). */
  onPending?: () => void;

  constructor(
    readonly mailbox: MailboxInfo,
    readonly readOnly: boolean,
    private readonly store: MailStore,
    private readonly origin: unknown,
    uids: number[],
    keywords: Iterable<string>,
    firstRecentUid: number,
  ) {
    this.uids = uids;
    // UIDs ascend: only the tail can be recent.
    for (let i = lowerBound(uids, firstRecentUid); i < uids.length; i++) this.recent.add(uids[i]);
    for (const k of keywords) this.keywords.add(k);
  }

  /** The SELECT responses FLAGS and PERMANENTFLAGS. */
  flagsResponses(): string {
    return flagsResponses(this.keywords, this.readOnly, this.rights);
  }

  /**
   * FLAGS and PERMANENTFLAGS again when `flags` holds keywords this client has not been
   * told of (RFC 3501 section 7.2.6: FLAGS lists every flag in use); empty otherwise.
   */
  announceKeywords(flags: readonly string[]): string {
    let fresh = false;
    for (const f of flags) {
      if (f.startsWith('\\') || this.keywords.has(f)) continue;
      this.keywords.add(f);
      fresh = true;
    }
    return fresh ? this.flagsResponses() : '';
  }

  get exists(): number {
    return this.uids.length;
  }

  get maxUid(): number {
    return this.uids.length ? this.uids[this.uids.length - 1] : 0;
  }

  get hasPending(): boolean {
    return this.gone || this.pendingNew.length > 0 || this.pendingExpunge.size > 0 || this.pendingFlags.size > 0;
  }

  seqOf(uid: number): number | undefined {
    const i = lowerBound(this.uids, uid);
    return this.uids[i] === uid ? i + 1 : undefined;
  }

  /** Sequence numbers 1..exists, for resolving sequence sets. */
  sequenceNumbers(): number[] {
    return this.uids.map((_, i) => i + 1);
  }

  isExpungedElsewhere(uid: number): boolean {
    return this.pendingExpunge.has(uid);
  }

  /** What a message expunged elsewhere held, while this client has not been told. */
  retainedMessage(uid: number): MessageMeta | undefined {
    return this.retained.get(uid);
  }

  /** The session leaves the mailbox: kept files of expunged messages are let go. */
  close(): void {
    for (const uid of [...this.retained.keys()]) this.release(uid);
  }

  private release(uid: number): void {
    const meta = this.retained.get(uid);
    if (!meta) return;
    this.retained.delete(uid);
    this.store.retained.release(meta.file);
  }

  // ---- store events ------------------------------------------------------------------

  onExists(uid: number): void {
    if (uid <= this.maxUid || this.pendingNew.includes(uid)) return;
    this.pendingNew.push(uid);
    this.onPending?.();
  }

  onFlags(uids: number[], origin: unknown): void {
    if (origin === this.origin) return;
    for (const uid of uids) if (uid <= this.maxUid) this.pendingFlags.add(uid);
    this.onPending?.();
  }

  onExpunge(uids: number[], messages: MessageMeta[] = [], origin?: unknown): void {
    if (uids.length === 0) {
      this.gone = true;
    } else {
      for (const uid of uids) {
        const i = this.pendingNew.indexOf(uid);
        if (i >= 0) this.pendingNew.splice(i, 1);
        else if (this.seqOf(uid) !== undefined) this.pendingExpunge.add(uid);
      }
      // The session that expunged reports it before its next command can ask; the others keep the data.
      if (origin !== this.origin) {
        for (const m of messages) {
          if (!this.pendingExpunge.has(m.uid) || this.retained.has(m.uid)) continue;
          if (this.store.retained.retain(m.file)) this.retained.set(m.uid, m);
        }
      }
    }
    this.onPending?.();
  }

  // ---- reporting ---------------------------------------------------------------------

  /**
   * Untagged responses for what changed: EXPUNGE (only when allowed), then EXISTS and
   * RECENT for new messages, then FETCH FLAGS for flag changes.
   */
  flush(allowExpunge: boolean): string[] {
    const out: string[] = [];
    if (allowExpunge && this.pendingExpunge.size > 0) {
      const vanished: number[] = [];
      const removed = new Set<number>();
      // In UID order, each EXPUNGE names the sequence number as it is after the ones before it
      // (RFC 3501 7.4.1); the list is compacted once at the end, not spliced per message, which
      // made a MOVE of 10,000 messages quadratic.
      for (const uid of [...this.pendingExpunge].sort((a, b) => a - b)) {
        const seq = this.seqOf(uid);
        this.pendingExpunge.delete(uid);
        this.pendingFlags.delete(uid);
        this.release(uid);
        if (seq === undefined) continue;
        this.recent.delete(uid);
        if (this.withVanished) vanished.push(uid);
        else out.push(`* ${seq - removed.size} EXPUNGE\r\n`);
        removed.add(uid);
      }
      if (removed.size) {
        let kept = 0;
        for (const uid of this.uids) if (!removed.has(uid)) this.uids[kept++] = uid;
        this.uids.length = kept;
      }
      if (vanished.length) out.push(`* VANISHED ${formatSet(vanished)}\r\n`);
    }
    if (this.pendingNew.length > 0) {
      const maxUid = this.maxUid;
      const fresh = this.store.messagesByUid(this.mailbox.id, this.pendingNew.filter((uid) => uid > maxUid), this.viewer);
      this.pendingNew = [];
      if (fresh.length > 0) {
        for (const meta of fresh) out.push(this.announceKeywords(meta.flags));
        this.uids.push(...fresh.map((m) => m.uid));
        if (!this.readOnly && !this.rev2) {
          const firstRecent = this.store.claimRecent(this.mailbox.id);
          for (const m of fresh) if (m.uid >= firstRecent) this.recent.add(m.uid);
        }
        out.push(`* ${this.uids.length} EXISTS\r\n`);
        if (!this.rev2) out.push(`* ${this.recent.size} RECENT\r\n`);
      }
    }
    if (this.pendingFlags.size > 0) {
      const changed: number[] = [];
      for (const uid of this.pendingFlags) {
        if (this.pendingExpunge.has(uid)) continue;
        this.pendingFlags.delete(uid);
        if (this.seqOf(uid) !== undefined) changed.push(uid);
      }
      // One query for all of them, in UID (so sequence) order.
      for (const meta of this.store.messagesByUid(this.mailbox.id, changed, this.viewer)) {
        const seq = this.seqOf(meta.uid)!;
        out.push(this.announceKeywords(meta.flags));
        const modseq = this.withModseq ? ` MODSEQ (${meta.modseq})` : '';
        out.push(`* ${seq} FETCH (UID ${meta.uid} FLAGS ${flagList(meta.flags, this.recent.has(meta.uid))}${modseq})\r\n`);
      }
    }
    return out.filter((l) => l !== '');
  }
}
