import { pack, PACK, scoreHashes, scoreTokens, type BayesParameters, type Clue } from './classifier';
import { isCharsetAccepted, isCountryAccepted } from './locales';
import { HASH, hashString } from './token-hash';
import type { TokenTable } from './token-table';
import { tokenize, tokenizeHashed } from './tokenizer';

/**
 * Scoring one message against a table of token counts, without the database: what
 * JunkFilter.classify does once it has its in-memory table, and what a `pillarbox
 * classify` worker thread does with the table the main thread shares with it (so a
 * worker never loads SQLite).
 */

export interface Acceptance {
  /** Charset families (or charset names) never held against a message; "*" = all. */
  acceptedLanguages: readonly string[];
  /** Country codes never held against a message; "*" = all. */
  acceptedLocales: readonly string[];
}

export const ACCEPT_ALL: Acceptance = { acceptedLanguages: ['*'], acceptedLocales: ['*'] };

export interface BayesResult {
  /** 0 … 1; 0.5 when the filter has no opinion (untrained, or nothing telling). */
  probability: number;
  /** The tokens that decided, most telling first. */
  clues: Clue[];
  /** Charsets outside the accepted languages, and countries outside the accepted locales. */
  foreignCharsets: string[];
  foreignCountries: string[];
  /** False until the filter has learnt enough of both classes to be trusted. */
  trained: boolean;
}

/** The token counts a message is scored against: the table and the messages learnt per class. */
export interface Counts {
  table: TokenTable;
  spam: number;
  ham: number;
}

export function scoreMessage(raw: Buffer, counts: Counts, params: BayesParameters, minLearnt: number, acceptance: Acceptance = ACCEPT_ALL, withClues = false): BayesResult {
  // Without clues the tokens are only hashed, never made into strings (the delivery path's case).
  const tokenized = withClues ? tokenize(raw) : tokenizeHashed(raw);
  const { localeTokens, charsets, countries } = tokenized;
  const foreignCharsets = [...charsets].filter((c) => !isCharsetAccepted(c, acceptance.acceptedLanguages));
  const foreignCountries = [...countries].filter((c) => !isCountryAccepted(c, acceptance.acceptedLocales));
  const { table, spam, ham } = counts;
  const trained = spam >= minLearnt && ham >= minLearnt;
  if (!trained) return { probability: 0.5, clues: [], foreignCharsets, foreignCountries, trained };
  // Encoding and origin alone never count against accepted languages and locales.
  const foreign = [...foreignCharsets.map((c) => 'cs:' + c), ...foreignCountries.map((c) => 'cc:' + c)].filter((t) => localeTokens.has(t));
  if ('tokens' in tokenized) {
    const result = scoreTokens(foreign.length ? [...tokenized.tokens, ...foreign] : tokenized.tokens, table, spam, ham, params, true);
    return { probability: result.probability, clues: result.clues, foreignCharsets, foreignCountries, trained };
  }
  let { hashes, count } = tokenized;
  if (foreign.length) {
    hashes = appendHashes(hashes, count, foreign);
    count += foreign.length;
  }
  const result = scoreHashes(hashes, count, table, spam, ham, params);
  return { probability: result.probability, clues: [], foreignCharsets, foreignCountries, trained };
}

/**
 * The probability a good message just learnt once would get without that lesson: its
 * tokens scored with one ham sighting each (and one ham message) taken off the counts.
 */
export function leaveOneOutHamProbability(tokens: readonly string[], counts: Counts, params: BayesParameters): number {
  const without = {
    get(token: string): number | undefined {
      const packed = counts.table.get(token);
      if (packed === undefined) return undefined;
      const spam = Math.floor(packed / PACK);
      const ham = Math.max(0, packed - spam * PACK - 1);
      return spam + ham > 0 ? pack(spam, ham) : undefined;
    },
  };
  return scoreTokens(tokens, without, counts.spam, counts.ham - 1, params).probability;
}

/** A copy of the first count hashes with the tokens' hashes after them. */
function appendHashes(hashes: Int32Array, count: number, tokens: string[]): Int32Array {
  const out = new Int32Array(2 * (count + tokens.length));
  out.set(hashes.subarray(0, 2 * count));
  tokens.forEach((t, i) => {
    hashString(t);
    out[2 * (count + i)] = HASH[0];
    out[2 * (count + i) + 1] = HASH[1];
  });
  return out;
}
