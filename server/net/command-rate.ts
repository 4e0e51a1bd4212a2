/**
 * A token bucket per session: a client may send `burst` commands at once, then
 * `perSecond` a second. Over the rate, the next command waits (nothing is refused): a
 * greedy or broken client is slowed down to a pace the server can serve to everyone.
 */
export class CommandRate {
  /** Undefined until the first command: the bucket starts full. */
  private tokens?: number;
  private last = 0;

  constructor(
    private readonly perSecond: () => number,
    private readonly burst: () => number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Resolves when the next command may run; at once while under the rate. Returns the wait in ms. */
  async take(): Promise<number> {
    const rate = this.perSecond();
    if (rate <= 0) return 0;
    const t = this.now();
    this.tokens = this.tokens === undefined ? this.burst() : Math.min(this.burst(), this.tokens + ((t - this.last) * rate) / 1000);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    const wait = Math.ceil(((1 - this.tokens) * 1000) / rate);
    await this.sleep(wait);
    this.tokens = 0;
    this.last = this.now();
    return wait;
  }
}
