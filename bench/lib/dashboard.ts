/** One query of a dashboard: the operation's text and the variables it is sent with. */
export interface DashboardQuery {
  name: string;
  query: string;
  variables: Record<string, unknown>;
}

export interface LatencySummary extends Record<string, number> {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * A dashboard polling the GraphQL API at a fixed rate, open loop: query i is sent at
 * start + i / rate whether or not earlier answers came back (a slow server gets more queries
 * in flight, as browsers would send them, instead of fewer). The queries take turns. Latency is
 * from the send to the last byte of the answer; an answer with `errors` counts as an error.
 */
export class DashboardLoad {
  private readonly samples = new Map<string, number[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer?: NodeJS.Timeout;
  private sent = 0;
  private startedAt = 0;
  private stoppedAt = 0;
  errors = 0;
  firstError?: string;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly queries: readonly DashboardQuery[],
    private readonly perSecond: number,
  ) {
    for (const q of queries) this.samples.set(q.name, []);
  }

  start(): void {
    this.startedAt = performance.now();
    const interval = 1000 / this.perSecond;
    const tick = (): void => {
      const q = this.queries[this.sent % this.queries.length];
      this.sent++;
      const p = this.send(q).finally(() => this.inFlight.delete(p));
      this.inFlight.add(p);
      this.timer = setTimeout(tick, Math.max(0, this.startedAt + this.sent * interval - performance.now()));
    };
    tick();
  }

  /** Stops sending and waits for the answers still on their way. */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.stoppedAt = performance.now();
    await Promise.all([...this.inFlight]);
  }

  /** Queries answered per second over the time the load ran. */
  get answeredPerSecond(): number {
    const answered = [...this.samples.values()].reduce((n, s) => n + s.length, 0);
    return answered / ((this.stoppedAt - this.startedAt) / 1000);
  }

  /** Latencies (ms) by query name. */
  latencies(): Map<string, number[]> {
    return new Map([...this.samples].map(([k, v]) => [k, [...v]]));
  }

  /** One query outside the schedule (a warm-up); its latency counts like any other. */
  sendOne(q: DashboardQuery): Promise<void> {
    return this.send(q);
  }

  private async send(q: DashboardQuery): Promise<void> {
    const started = performance.now();
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify({ operationName: q.name, query: q.query, variables: q.variables }),
      });
      const text = await response.text();
      const ms = performance.now() - started;
      const body = JSON.parse(text) as { data?: unknown; errors?: { message: string }[] };
      if (body.errors?.length || !body.data) throw new Error(body.errors?.map((e) => e.message).join('; ') ?? `HTTP ${response.status} without data`);
      this.samples.get(q.name)?.push(ms);
    } catch (err) {
      this.errors++;
      this.firstError ??= `${q.name}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}

/** p50/p95/p99 (nearest rank) and the maximum of a set of latencies. */
export function summarise(latencies: number[]): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
  return { count: sorted.length, p50Ms: rank(50), p95Ms: rank(95), p99Ms: rank(99), maxMs: sorted[sorted.length - 1] ?? NaN };
}
