import { useMemo, useState } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import type { CountStep, ConsoleGraphsQuery } from '../gql/graphql';
import type { Pane } from './pane';
import { LineChart, Legend, type ChartSeries } from '../ui/line-chart';
import { ErrorState, Loading } from '../ui/states';
import { useInterval } from '../ui/use-interval';

const GraphsQuery = graphql(`
  query ConsoleGraphs($from: DateTimeISO!, $to: DateTimeISO!, $step: CountStep!) {
    messageCounts(from: $from, to: $to, step: $step) {
      counter
      label
      total
      points {
        time
        value
      }
    }
  }
`);

const RANGES = [
  { id: 'hour', label: 'Hour', ms: 3_600_000, step: 'MINUTE' as CountStep, stepMs: 60_000, per: 'per minute' },
  { id: 'day', label: 'Day', ms: 86_400_000, step: 'HOUR' as CountStep, stepMs: 3_600_000, per: 'per hour' },
  { id: 'week', label: 'Week', ms: 7 * 86_400_000, step: 'HOUR' as CountStep, stepMs: 3_600_000, per: 'per hour' },
  { id: 'month', label: 'Month', ms: 30 * 86_400_000, step: 'DAY' as CountStep, stepMs: 86_400_000, per: 'per day' },
] as const;

/** Colours with at least 3:1 contrast on white (WCAG non-text contrast). */
const COLORS = ['#0b5cad', '#1d6b34', '#b3261e', '#8a4b00', '#6f42c1', '#00677f', '#a3146d', '#4f5863', '#5c6b00'];

const MESSAGE_SERIES: { counter: string; name: string }[] = [
  { counter: 'RECEIVED', name: 'Received' },
  { counter: 'DELIVERED', name: 'Delivered locally' },
  { counter: 'RELAYED', name: 'Sent out' },
  { counter: 'REJECTED', name: 'Rejected' },
  { counter: 'DEFERRED', name: 'Deferred' },
  { counter: 'BOUNCED', name: 'Bounced' },
  { counter: 'JUNK', name: 'Junk' },
  { counter: 'VIRUS', name: 'Viruses' },
];

type Series = ConsoleGraphsQuery['messageCounts'][number];

/** Sums the series that `pick` puts under one name (the labels of a counter, say) point by point. */
function combine(all: Series[], groups: { name: string; pick: (s: Series) => boolean }[]): (ChartSeries & { total: number })[] {
  return groups.map((g, i) => {
    const byTime = new Map<number, number>();
    let total = 0;
    for (const s of all.filter(g.pick)) {
      total += s.total;
      for (const p of s.points) byTime.set(Date.parse(p.time), (byTime.get(Date.parse(p.time)) ?? 0) + p.value);
    }
    const points = [...byTime].sort((a, b) => a[0] - b[0]).map(([time, value]) => ({ time, value }));
    return { name: g.name, color: COLORS[i % COLORS.length], points, total };
  });
}

function Graphs() {
  const [rangeId, setRangeId] = useState<(typeof RANGES)[number]['id']>('day');
  const range = RANGES.find((r) => r.id === rangeId) ?? RANGES[1];
  const [now, setNow] = useState(() => Date.now());
  useInterval(() => setNow(Date.now()), 60_000);
  const to = Math.ceil(now / range.stepMs) * range.stepMs;
  const from = to - range.ms;
  const variables = useMemo(() => ({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), step: range.step }), [from, to, range.step]);
  const [{ data, error, fetching }] = useQuery({ query: GraphsQuery, variables, requestPolicy: 'cache-and-network' });

  const all = data?.messageCounts ?? [];
  const messages = combine(all, MESSAGE_SERIES.map((m) => ({ name: m.name, pick: (s: Series) => s.counter === m.counter })));
  const protocols = [...new Set(all.filter((s) => s.counter === 'CONNECTIONS').map((s) => s.label ?? ''))].sort();
  const connections = combine(all, protocols.map((p) => ({ name: p.toLowerCase(), pick: (s: Series) => s.counter === 'CONNECTIONS' && s.label === p })));
  const tick = (t: number) =>
    range.ms <= 86_400_000 ? new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' }) : new Date(t).toLocaleDateString(undefined, { month: 'short', day: 'numeric' });

  return (
    <>
      <h1>Graphs</h1>
      <p className="lede">Messages and connections {range.per}, over the last {range.label.toLowerCase()}.</p>
      <div className="tabs" role="group" aria-label="Time range" data-view>
        {RANGES.map((r) => (
          <button key={r.id} type="button" aria-pressed={r.id === rangeId} onClick={() => setRangeId(r.id)}>
            {r.label}
          </button>
        ))}
      </div>
      {error ? <ErrorState error={error} /> : null}
      {!data && fetching ? (
        <Loading />
      ) : data ? (
        <div className="graphs">
          <section aria-labelledby="graph-messages">
            <h2 id="graph-messages">Messages</h2>
            <LineChart label={`Messages ${range.per} over the last ${range.label.toLowerCase()}: ${messages.map((s) => `${s.name} ${s.total}`).join(', ')}`} series={messages} from={from} to={to} formatTick={tick} />
            <Legend series={messages} unit="" />
          </section>
          <section aria-labelledby="graph-connections">
            <h2 id="graph-connections">Connections opened</h2>
            {connections.length ? (
              <>
                <LineChart label={`Connections opened ${range.per} over the last ${range.label.toLowerCase()}: ${connections.map((s) => `${s.name} ${s.total}`).join(', ')}`} series={connections} from={from} to={to} formatTick={tick} />
                <Legend series={connections} unit="" />
              </>
            ) : (
              <p className="muted">No connections in this range.</p>
            )}
          </section>
        </div>
      ) : null}
    </>
  );
}

export const graphsPane: Pane = { id: 'graphs', title: 'Graphs', group: 'Status', component: Graphs };
