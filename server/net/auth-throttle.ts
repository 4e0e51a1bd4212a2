/**
 * Slows down failed authentication: each failure from a client address doubles the
 * delay before the answer (from the base delay up to 30 s), and the count decays
 * after ten quiet minutes. A session closes after `maxFailures`.
 */
export class AuthThrottle {
  private readonly failures = new Map<string, { count: number; last: number }>();

  constructor(private readonly settings: () => { authFailureDelayMs: number; authMaxFailures: number }) {}

  /** Records a failure; resolves after the delay the client has earned. */
  async failed(remoteAddress: string): Promise<void> {
    const now = Date.now();
    const entry = this.failures.get(remoteAddress);
    const count = entry && now - entry.last < 600_000 ? entry.count + 1 : 1;
    this.failures.set(remoteAddress, { count, last: now });
    if (this.failures.size > 100_000) this.failures.clear();
    const base = this.settings().authFailureDelayMs;
    const delay = Math.min(30_000, base * 2 ** Math.min(count - 1, 10));
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
  }

  succeeded(remoteAddress: string): void {
    this.failures.delete(remoteAddress);
  }

  get maxFailuresPerSession(): number {
    return this.settings().authMaxFailures;
  }
}
