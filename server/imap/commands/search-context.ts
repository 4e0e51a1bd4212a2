import { nstring } from '../protocol/encode';
import { formatSet } from '../protocol/sequence-set';
import { type CommandSpec, SELECTED, bad, ok } from '../session/command-types';
import type { ImapSession } from '../session/imap-session';

/**
 * SEARCH/SORT RETURN (UPDATE) of RFC 5267: the server keeps the result and tells the
 * client, after each later command, which messages joined it (ADDTO) or left it
 * (REMOVEFROM), until CANCELUPDATE or the mailbox is closed.
 */
export interface SearchContext {
  tag: string;
  uid: boolean;
  /** SORT contexts report every change with its own position; SEARCH ones in one group. */
  sorted: boolean;
  /** The result now: UIDs in result order. */
  compute: () => Promise<number[]>;
  results: number[];
}

function pairs(positions: number[], numbers: number[], grouped: boolean): string {
  if (grouped) return `${positions[0]} ${formatSet([...numbers].sort((a, b) => a - b))}`;
  return numbers.map((n, i) => `${positions[i]} ${n}`).join(' ');
}

/**
 * Sends REMOVEFROM (phase "removed", before the command's EXPUNGE and EXISTS responses,
 * while the sequence numbers the client knows still name the messages) or ADDTO (phase
 * "added", after them) for every context.
 */
export async function updateSearchContexts(s: ImapSession, phase: 'removed' | 'added'): Promise<void> {
  const view = s.selected;
  if (!view) return;
  const lines: string[] = [];
  for (const ctx of s.searchContexts.values()) {
    const next = await ctx.compute();
    const head = `* ESEARCH (TAG ${nstring(ctx.tag)})${ctx.uid ? ' UID' : ''}`;
    if (phase === 'removed') {
      const nextSet = new Set(next);
      const removed = ctx.results.filter((u) => !nextSet.has(u));
      const nums = removed.map((u) => (ctx.uid ? u : view.seqOf(u) ?? 0)).filter((n) => n > 0);
      const positions = removed.map((u) => ctx.results.indexOf(u) + 1);
      if (nums.length) lines.push(`${head} REMOVEFROM (${pairs(positions, nums, !ctx.sorted)})\r\n`);
      ctx.results = ctx.results.filter((u) => nextSet.has(u));
    } else {
      const prevSet = new Set(ctx.results);
      const added = next.filter((u) => !prevSet.has(u));
      const nums = added.map((u) => (ctx.uid ? u : view.seqOf(u) ?? 0)).filter((n) => n > 0);
      const positions = added.map((u) => next.indexOf(u) + 1);
      if (nums.length) lines.push(`${head} ADDTO (${pairs(positions, nums, !ctx.sorted)})\r\n`);
      ctx.results = next;
    }
  }
  if (lines.length) await s.write(lines.join(''));
}

export const searchContextCommands: Record<string, CommandSpec> = {
  /** CANCELUPDATE "tag" *(SP "tag") (RFC 5267 section 4.3). */
  CANCELUPDATE: {
    states: SELECTED,
    async run(s, args) {
      const tags: string[] = [];
      do {
        args.sp();
        tags.push(args.string().toString('latin1'));
      } while (!args.atEnd());
      const unknown = tags.find((t) => !s.searchContexts.has(t));
      if (unknown !== undefined) return bad(`No search context with tag ${unknown.slice(0, 32)}`);
      for (const t of tags) s.searchContexts.delete(t);
      return ok('CANCELUPDATE completed');
    },
  },
};
