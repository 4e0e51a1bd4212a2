import { readMessages, reusingReader, type SourceMessage } from './mbox';
import type { BayesResult } from './scoring';
import type { Permissiveness } from './settings';
import { verdictFor } from './verdict';

/**
 * The loop of `pillarbox classify` over message files, shared by the main thread and
 * its worker threads (classify-worker.ts): one line per message, and with --clues the
 * tokens that decided.
 */

export interface ClassifyOptions {
  level: Permissiveness;
  clues: number;
  mbox: boolean;
}

export type Score = (raw: Buffer, withClues: boolean) => BayesResult;

export function verdictLines(m: SourceMessage, bayes: BayesResult, options: ClassifyOptions): string {
  const v = verdictFor(bayes, options.level);
  let line = `${m.name}\t${v.isJunk ? 'junk' : 'not-junk'}\tscore=${v.score.toFixed(1)} required=${v.required.toFixed(1)} bayes=${v.probability.toFixed(4)} tests=${v.tests.join(',') || 'none'}\n`;
  for (const c of bayes.clues.slice(0, options.clues)) line += `\t${c.f.toFixed(3)}\t${c.token}\n`;
  return line;
}

/**
 * Classifies the messages of `paths` in order; returns "path: reason" for each path
 * that could not be read or is not mail (the others are still classified).
 */
export function classifyPaths(paths: readonly string[], score: Score, options: ClassifyOptions, write: (text: string) => void): string[] {
  const errors: string[] = [];
  let pending = '';
  let lines = 0;
  // Each message is scored before the next file is read: one buffer serves them all.
  const read = reusingReader();
  for (const p of paths) {
    try {
      for (const m of readMessages([p], options.mbox, (skipped) => errors.push(`${skipped}: not a mail message`), read)) {
        pending += verdictLines(m, score(m.raw, options.clues > 0), options);
        // Written in chunks: one write per message would dominate the time for big folders.
        if (++lines >= 256) {
          write(pending);
          pending = '';
          lines = 0;
        }
      }
    } catch (e) {
      errors.push(`${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  if (pending) write(pending);
  return errors;
}
