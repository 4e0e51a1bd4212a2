import { addressGroup } from '../net/address-group';

/** Addresses remembered at most; the oldest pass goes first beyond this. */
const MAX_PASSES = 100_000;

/**
 * Clients that passed the early-talker check, as Postfix's postscreen remembers them
 * (postscreen_greet_ttl): a client that waited for the greeting and then began a mail
 * transaction is greeted at once on its next connections, until its pass is older than the
 * TTL. A sender that opens a connection per message so pays the wait once, not on every
 * message. Kept in memory: after a restart a client waits once more, which costs it one wait.
 * IPv6 clients are remembered per /64, as the per-address connection limit counts them.
 */
export class GreetingPasses {
  /** Address group → when it passed (ms); a Map keeps insertion order, oldest first. */
  private readonly passedAt = new Map<string, number>();

  /** Whether the address passed within the last `ttlMs` (the setting now, so a shorter TTL applies at once). */
  has(address: string, ttlMs: number, now = Date.now()): boolean {
    if (ttlMs <= 0) return false;
    const key = addressGroup(address);
    const at = this.passedAt.get(key);
    if (at === undefined) return false;
    if (now - at < ttlMs) return true;
    this.passedAt.delete(key);
    return false;
  }

  /** Records that the address passed now. */
  record(address: string, now = Date.now()): void {
    const key = addressGroup(address);
    this.passedAt.delete(key);
    this.passedAt.set(key, now);
    if (this.passedAt.size > MAX_PASSES) this.passedAt.delete(this.passedAt.keys().next().value as string);
  }

  get size(): number {
    return this.passedAt.size;
  }
}
