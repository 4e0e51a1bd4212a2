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

/** Current metadata of the targets; messages expunged by others meanwhile are missing from the map. */
export function loadMetas(s: ImapSession, targets: Target[]): Map<number, MessageMeta> {
  const box = s.selected!.mailbox.id;
  const out = new Map<number, MessageMeta>();
  if (targets.length > 32) {
    const wanted = new Set(targets.map((t) => t.uid));
    for (const m of s.ctx.store.messages(box, s.user!.id)) if (wanted.has(m.uid)) out.set(m.uid, m);
  } else {
    for (const t of targets) {
      const m = s.ctx.store.message(box, t.uid, s.user!.id);
      if (m) out.set(t.uid, m);
    }
  }
  return out;
}
