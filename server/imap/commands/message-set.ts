import type { MessageMeta } from '../../store/types';
import { ParseError } from '../protocol/command-cursor';
import { parseSequenceSet, resolveSet, withinRange } from '../protocol/sequence-set';
import type { ImapSession } from '../session/imap-session';

export interface Target {
  seq: number;
  uid: number;
}

/** The messages a sequence set (or UID set) names in the selected mailbox, in order. */
export function resolveTargets(s: ImapSession, setText: string, uid: boolean): Target[] {
  const view = s.selected!;
  if (setText === '$') {
    // SEARCHRES (RFC 5182): the saved result, as UIDs, so it survives expunges; gone messages drop out.
    return [...s.savedResult].sort((a, b) => a - b).flatMap((u) => {
      const seq = view.seqOf(u);
      return seq === undefined ? [] : [{ uid: u, seq }];
    });
  }
  const set = parseSequenceSet(setText);
  if (uid) {
    return resolveSet(set, view.uids).map((u) => ({ uid: u, seq: view.seqOf(u)! }));
  }
  if (!withinRange(set, view.exists)) throw new ParseError('invalid message sequence number');
  return resolveSet(set, view.sequenceNumbers()).map((seq) => ({ seq, uid: view.uids[seq - 1] }));
}

/**
 * Current metadata of the targets, in one query; messages expunged by others meanwhile are
 * missing from the map, unless `retained` asks for what this session still shows of them.
 * `summary` loads the cached IMAP summaries along.
 */
export function loadMetas(s: ImapSession, targets: Target[], options: { retained?: boolean; summary?: boolean } = {}): Map<number, MessageMeta> {
  const view = s.selected!;
  const out = new Map<number, MessageMeta>();
  if (targets.length === 0) return out;
  // Most of the mailbox: one scan is cheaper than looking up each UID.
  if (targets.length * 2 > view.exists) {
    const wanted = new Set(targets.map((t) => t.uid));
    for (const m of s.ctx.store.messages(view.mailbox.id, s.user!.id, options)) if (wanted.has(m.uid)) out.set(m.uid, m);
  } else {
    for (const m of s.ctx.store.messagesByUid(view.mailbox.id, targets.map((t) => t.uid), s.user!.id, options)) out.set(m.uid, m);
  }
  if (options.retained && out.size < targets.length) {
    for (const t of targets) {
      if (out.has(t.uid)) continue;
      const kept = view.retainedMessage(t.uid);
      if (kept) out.set(t.uid, kept);
    }
  }
  return out;
}
