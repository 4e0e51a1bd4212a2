/**
 * What the engine is working on, for the event-loop watchdog: each session, request,
 * delivery and job run has one Activity whose label protocol code sets around the work
 * it dispatches ("imap FETCH alice", "smtp DATA", "graphql query Dashboard"). Setting and
 * clearing a label is a few field writes and a clock read; nothing is allocated but the
 * label string. The watchdog reads the labels only when the loop has stalled.
 *
 * An activity is *running* from begin() to end(). Work that waits on the client (IDLE,
 * a full socket buffer, the rest of a DATA stream) calls suspend() and resume() around
 * the wait, so the time the client takes is not counted as the engine's.
 */
export class Activity {
  /** The current label, or the last one once the work is over. */
  label = '';
  running = false;
  /** performance.now() when the current (or last) stretch of running began. */
  runningSince = 0;
  /** performance.now() when it last stopped running (end or suspend). */
  ranUntil = -1;
  /** The last stretch of running that was long enough to matter to the watchdog, kept past shorter ones. */
  longFrom = 0;
  longUntil = -1;
  private suspended = false;

  constructor(private readonly tracker: ActivityTracker) {}

  begin(label: string): void {
    this.label = label;
    if (!this.running) {
      this.running = true;
      this.runningSince = performance.now();
    }
    this.suspended = false;
  }

  end(): void {
    this.suspended = false;
    if (!this.running) return;
    this.running = false;
    const now = performance.now();
    this.ranUntil = now;
    if (now - this.runningSince >= this.tracker.longMs) {
      this.longFrom = this.runningSince;
      this.longUntil = now;
    }
  }

  /** Waiting on the client: not running until resume(), which carries on with the same label. */
  suspend(): void {
    if (!this.running) return;
    this.end();
    this.suspended = true;
  }

  resume(): void {
    if (!this.suspended) return;
    this.suspended = false;
    this.running = true;
    this.runningSince = performance.now();
  }

  /** The session or operation is over; the tracker lets it go after the watchdog's next look. */
  close(): void {
    this.end();
    this.tracker.closed(this);
  }

  /** For how long, of the time from `since` to `now`, it ran without a break (the longest stretch known). */
  ranWithin(since: number, now: number): number {
    const current = this.running ? now - Math.max(this.runningSince, since) : this.ranUntil - Math.max(this.runningSince, since);
    const long = this.longUntil > since ? this.longUntil - Math.max(this.longFrom, since) : 0;
    return Math.max(current, long);
  }
}

export class ActivityTracker {
  private readonly live = new Set<Activity>();
  /** Closed since the watchdog last looked: a stall at their very end is still theirs. */
  private ended: Activity[] = [];
  /** Stretches of running this long are remembered (the watchdog's threshold). */
  longMs = 100;

  /** A slot for a session: labelled per command, closed when the session ends. */
  open(): Activity {
    const a = new Activity(this);
    this.live.add(a);
    return a;
  }

  /** A one-off piece of work (a GraphQL request, a delivery, a job run), running now. */
  start(label: string): Activity {
    const a = this.open();
    a.begin(label);
    return a;
  }

  /**
   * Labels of what ran without a break for at least `minMs` between `since` and `now`
   * (performance.now() times). A synchronous stall of that length inside engine code lies
   * within one such stretch, so only these can have caused it; work that merely ended or
   * began during the stall, a moment before or after someone else's computation, is left out.
   */
  runningWithin(since: number, now: number, minMs: number): string[] {
    const labels: string[] = [];
    const look = (a: Activity) => {
      if (a.label && a.ranWithin(since, now) >= minMs && !labels.includes(a.label)) labels.push(a.label);
    };
    this.live.forEach(look);
    this.ended.forEach(look);
    return labels;
  }

  /** Called by the watchdog after each look. */
  forgetEnded(): void {
    if (this.ended.length) this.ended = [];
  }

  /** How many sessions and operations hold a slot (for metrics and the soak). */
  get size(): number {
    return this.live.size;
  }

  closed(a: Activity): void {
    if (this.live.delete(a)) this.ended.push(a);
  }
}
