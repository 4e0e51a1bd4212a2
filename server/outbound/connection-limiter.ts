/**
 * Caps outbound SMTP connections: at most `perDestination` at once to one host and
 * `total` overall, so a burst of mail for one domain neither hammers its server (and
 * gets us rate-limited) nor starves the rest of the queue. Waiters are served in
 * arrival order among those whose destination has room.
 */
export class ConnectionLimiter {
  private readonly active = new Map<string, number>();
  private totalActive = 0;
  private readonly waiting: { key: string; grant: (release: () => void) => void }[] = [];

  constructor(
    readonly perDestination: number,
    readonly total: number,
  ) {}

  /** Resolves with a release function once a connection to `destination` may be opened. */
  acquire(destination: string): Promise<() => void> {
    const key = destination.toLowerCase();
    return new Promise((grant) => {
      this.waiting.push({ key, grant });
      this.pump();
    });
  }

  /** Connections open now, per destination (for status and tests). */
  snapshot(): { total: number; perDestination: Record<string, number> } {
    return { total: this.totalActive, perDestination: Object.fromEntries(this.active) };
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.totalActive < this.total; ) {
      const w = this.waiting[i];
      const n = this.active.get(w.key) ?? 0;
      if (n >= this.perDestination) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.active.set(w.key, n + 1);
      this.totalActive++;
      let released = false;
      w.grant(() => {
        if (released) return;
        released = true;
        this.release(w.key);
      });
    }
  }

  private release(key: string): void {
    const n = (this.active.get(key) ?? 1) - 1;
    if (n > 0) this.active.set(key, n);
    else this.active.delete(key);
    this.totalActive--;
    this.pump();
  }
}
