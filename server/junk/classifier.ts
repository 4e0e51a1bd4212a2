/**
 * The statistics of the junk filter, as in SpamBayes, SpamAssassin's Bayes and bogofilter:
 * Gary Robinson's per-token estimate f(w) and Fisher's method (inverse chi-square) to
 * combine the estimates of a message's most telling tokens into one probability.
 */

export interface BayesParameters {
  /**
   * Robinson's s: the weight of the prior x against the evidence. A token seen n times
   * gets (s·x + n·p) / (s + n), so with s = 0.3 one sighting already counts for more
   * than the prior, yet a token seen once stays less certain than one seen twenty times.
   */
  s: number;
  /** Robinson's x: the probability assumed for a token never seen before. */
  x: number;
  /** Tokens whose f(w) lies closer to 0.5 than this say nothing and are left out. */
  minDev: number;
  /** At most this many tokens, those farthest from 0.5, are combined. */
  maxTokens: number;
  /**
   * Count a token's sightings n as if both classes had been learnt in equal numbers
   * (see tokenProbability); false is the classic raw count, kept for comparison.
   */
  balanced: boolean;
}

/**
 * Chosen by 10-fold cross-validation on the training half of the SpamAssassin corpus
 * (npm run bench -- junk --cv 10; docs/junk-and-virus.md): against SpamBayes' defaults
 * (s 0.45, min_dev 0.1) they miss a fifth fewer junk messages at the same false
 * positive rate.
 */
export const DEFAULT_PARAMETERS: Readonly<BayesParameters> = { s: 0.3, x: 0.5, minDev: 0.3, maxTokens: 150, balanced: true };

/**
 * A token's two counts in one number (spam · 2^26 + ham): the in-memory table holds
 * hundreds of thousands of tokens, and an object per token would double its size.
 */
export const PACK = 2 ** 26;
export function pack(spam: number, ham: number): number {
  return spam * PACK + ham;
}
export function unpack(packed: number): TokenCounts {
  const spam = Math.floor(packed / PACK);
  return { spam, ham: packed - spam * PACK };
}

export interface TokenCounts {
  /** Spam messages learnt that contained the token. */
  spam: number;
  ham: number;
}

/**
 * Robinson's f(w), from how often the token appeared in the spam and ham learnt.
 *
 * n, the number of sightings that decides how far f(w) may move from x, is counted as
 * if both classes had been learnt in equal numbers: a sighting in the smaller class
 * weighs more. Otherwise (twice as much ham as spam learnt, as is usual) the larger
 * class's richer vocabulary makes every rare word look like good evidence of ham, and
 * junk written in ordinary prose slips through. With equal classes it is the classic formula.
 */
export function tokenProbability(counts: TokenCounts, nSpam: number, nHam: number, p: BayesParameters): number {
  const spamRatio = nSpam > 0 ? Math.min(1, counts.spam / nSpam) : 0;
  const hamRatio = nHam > 0 ? Math.min(1, counts.ham / nHam) : 0;
  if (spamRatio + hamRatio === 0) return p.x;
  const pw = spamRatio / (spamRatio + hamRatio);
  const n = p.balanced ? (spamRatio + hamRatio) * ((nSpam + nHam) / 2) : counts.spam + counts.ham;
  return (p.s * p.x + n * pw) / (p.s + n);
}

/**
 * The upper tail of the chi-square distribution with v (even) degrees of freedom:
 * Q = e^(-m) Σ_{i<v/2} m^i / i!, m = x2/2. Summed in log space, because with 150
 * tokens e^(-m) alone underflows a double long before Q is negligible.
 */
export function chi2Q(x2: number, v: number): number {
  if (x2 <= 0) return 1;
  const m = x2 / 2;
  const lnM = Math.log(m);
  const half = v >> 1;
  // Streaming log-sum-exp: the sum is kept relative to the largest term seen so far.
  let logTerm = -m;
  let maxLog = logTerm;
  let sum = 1;
  for (let i = 1; i < half; i++) {
    logTerm += lnM - Math.log(i);
    if (logTerm > maxLog) {
      sum = sum * Math.exp(maxLog - logTerm) + 1;
      maxLog = logTerm;
    } else {
      sum += Math.exp(logTerm - maxLog);
    }
  }
  return Math.min(1, Math.exp(maxLog + Math.log(sum)));
}

export interface Combined {
  /** The message's junk probability, 0 (ham) … 0.5 (no opinion) … 1 (spam). */
  probability: number;
  /** How strongly the tokens reject "this is ham" (S in SpamBayes) and "this is spam" (H). */
  spamminess: number;
  hamminess: number;
}

/**
 * Fisher's method both ways: S = 1 − Q(−2 Σ ln(1 − f), 2n) is near 1 when the tokens
 * are far too spammy to be chance, H likewise for hammy ones; (1 + S − H) / 2 is the
 * probability. Messages with strong evidence both ways land near 0.5 (unsure), not at
 * whichever extreme shouted loudest, which is what keeps false positives rare.
 */
export function fisherCombine(probs: ArrayLike<number>): Combined {
  const n = probs.length;
  if (n === 0) return { probability: 0.5, spamminess: 0, hamminess: 0 };
  let lnHam = 0;
  let lnSpam = 0;
  for (let i = 0; i < n; i++) {
    const f = probs[i];
    // Clamped so one token can never be infinitely sure.
    const c = f < 1e-6 ? 1e-6 : f > 1 - 1e-6 ? 1 - 1e-6 : f;
    lnHam += Math.log(c);
    lnSpam += Math.log(1 - c);
  }
  const spamminess = 1 - chi2Q(-2 * lnSpam, 2 * n);
  const hamminess = 1 - chi2Q(-2 * lnHam, 2 * n);
  return { probability: (1 + spamminess - hamminess) / 2, spamminess, hamminess };
}

export interface Clue {
  token: string;
  f: number;
}

let scratch = new Float64Array(1024);
let offsets = new Int32Array(1024);

/**
 * Scores a message's tokens: f(w) for each known token, keep those at least minDev
 * from 0.5, combine the maxTokens most extreme. Unknown tokens would all be x and are
 * skipped (x = 0.5 is inside minDev anyway). The clues (which tokens decided) are only
 * gathered when asked for: the delivery path needs the number, not the explanation.
 */
export function scoreTokens(
  tokens: Iterable<string>,
  table: { get(token: string): number | undefined },
  nSpam: number,
  nHam: number,
  p: BayesParameters,
  withClues = false,
): Combined & { clues: Clue[] } {
  const clues: Clue[] = [];
  const counts: TokenCounts = { spam: 0, ham: 0 };
  let n = 0;
  for (const token of tokens) {
    const packed = table.get(token);
    if (packed === undefined) continue;
    counts.spam = Math.floor(packed / PACK);
    counts.ham = packed - counts.spam * PACK;
    const f = tokenProbability(counts, nSpam, nHam, p);
    if (Math.abs(f - 0.5) < p.minDev) continue;
    if (n === scratch.length) growScratch();
    scratch[n++] = f;
    if (withClues) clues.push({ token, f });
  }
  if (withClues) clues.sort((a, b) => Math.abs(b.f - 0.5) - Math.abs(a.f - 0.5));
  if (clues.length > p.maxTokens) clues.length = p.maxTokens;
  return { ...combineMostTelling(n, p), clues };
}

/**
 * scoreTokens for tokens given by their hashes (tokenizer.ts tokenizeHashed): the
 * delivery path's form, where most tokens are never made into strings.
 */
export function scoreHashes(
  hashes: Int32Array,
  count: number,
  table: { find(h1: number, h2: number): number; slots: Int32Array },
  nSpam: number,
  nHam: number,
  p: BayesParameters,
): Combined {
  // tokenProbability with its divisions hoisted; balanced, f = (s·x + spamRatio·half) / (s + (spamRatio + hamRatio)·half).
  const slots = table.slots;
  const perSpam = nSpam > 0 ? 1 / nSpam : 0;
  const perHam = nHam > 0 ? 1 / nHam : 0;
  const half = (nSpam + nHam) / 2;
  const sx = p.s * p.x;
  const balanced = p.balanced;
  const minDev = p.minDev;
  // All the look-ups first, then the arithmetic: independent probes of a table far larger
  // than the cache overlap their memory latency instead of waiting one after the other.
  if (offsets.length < count) offsets = new Int32Array(Math.max(count, 2 * offsets.length));
  for (let k = 0; k < count; k++) offsets[k] = table.find(hashes[2 * k], hashes[2 * k + 1]);
  let n = 0;
  for (let k = 0; k < count; k++) {
    const o = offsets[k];
    if (o < 0) continue;
    const spamRatio = Math.min(1, slots[o + 2] * perSpam);
    const hamRatio = Math.min(1, slots[o + 3] * perHam);
    const sum = spamRatio + hamRatio;
    if (sum === 0) continue;
    let f: number;
    if (balanced) f = (sx + spamRatio * half) / (p.s + sum * half);
    else {
      const seen = slots[o + 2] + slots[o + 3];
      f = (sx + (seen * spamRatio) / sum) / (p.s + seen);
    }
    if (Math.abs(f - 0.5) < minDev) continue;
    if (n === scratch.length) growScratch();
    scratch[n++] = f;
  }
  return combineMostTelling(n, p);
}

function growScratch(): void {
  const bigger = new Float64Array(scratch.length * 2);
  bigger.set(scratch);
  scratch = bigger;
}

/** Fisher's method over the maxTokens values of scratch[0, n) farthest from 0.5. */
function combineMostTelling(n: number, p: BayesParameters): Combined {
  if (n <= p.maxTokens) return fisherCombine(scratch.subarray(0, n));
  // The most extreme are at both ends of the sorted values: take from whichever end is farther from 0.5.
  const sorted = scratch.subarray(0, n).sort();
  const chosen = new Float64Array(p.maxTokens);
  let lo = 0;
  let hi = n - 1;
  for (let k = 0; k < p.maxTokens; k++) chosen[k] = 0.5 - sorted[lo] >= sorted[hi] - 0.5 ? sorted[lo++] : sorted[hi--];
  return fisherCombine(chosen);
}
