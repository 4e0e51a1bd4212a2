/** Answers are kept this long: the usual TTL of SPF, DKIM and DMARC records. */
const POSITIVE_MS = 300_000;
/** "No such name / no such record" is kept shorter, so a record just published is seen soon. */
const NEGATIVE_MS = 60_000;
const NEGATIVE_CODES = new Set(['ENOTFOUND', 'ENODATA']);
const MAX_ENTRIES = 10_000;

type Lookup = (name: string, type: string) => Promise<unknown>;

/**
 * A small cache in front of a DNS look-up function, for checks that ask the same questions
 * for every message from a sender (SPF, DMARC): bulk mail from one domain costs one look-up,
 * not one per message. Time-outs and server failures are never kept. Concurrent questions
 * for the same name share one look-up.
 */
export class DnsCache {
  private readonly entries = new Map<string, { expires: number; answer: Promise<unknown> }>();

  constructor(
    private readonly lookup: Lookup,
    private readonly now: () => number = Date.now,
  ) {}

  resolve(name: string, type: string): Promise<unknown> {
    const key = `${type} ${name.toLowerCase()}`;
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.answer;
    const answer = this.lookup(name, type);
    // Until it settles, others asking share it; then it stays only if the answer may be kept.
    const entry = { expires: this.now() + POSITIVE_MS, answer };
    this.store(key, entry);
    answer.then(
      () => undefined,
      (err: { code?: string }) => {
        if (NEGATIVE_CODES.has(err?.code ?? '')) entry.expires = this.now() + NEGATIVE_MS;
        else if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return answer;
  }

  private store(key: string, entry: { expires: number; answer: Promise<unknown> }): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
  }
}
