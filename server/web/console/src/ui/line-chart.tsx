import { useId } from 'react';

export interface ChartSeries {
  name: string;
  color: string;
  points: { time: number; value: number }[];
}

const W = 800;
const H = 240;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };

/** A rounded-up scale maximum: 1, 2, 5 × a power of ten. */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].map((m) => m * power).find((m) => m >= max) ?? 10 * power);
}

/**
 * A line chart drawn as SVG (no library: a few paths and ticks). `label` describes it for
 * screen readers; the legend beside it gives each series' total, so the numbers are readable
 * without the picture.
 */
export function LineChart({ label, series, from, to, formatTick }: { label: string; series: ChartSeries[]; from: number; to: number; formatTick: (t: number) => string }) {
  const titleId = useId();
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.value))));
  const x = (t: number) => PAD.left + ((t - from) / Math.max(1, to - from)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom);
  const yTicks = [0, max / 2, max];
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => from + f * (to - from));
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={titleId}>
      <title id={titleId}>{label}</title>
      {yTicks.map((v) => (
        <g key={v}>
          <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} stroke="#d5dbe1" />
          <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end" fontSize="12" fill="#4f5863">
            {Number.isInteger(v) ? v : v.toFixed(1)}
          </text>
        </g>
      ))}
      {xTicks.map((t, i) => (
        <text key={t} x={x(t)} y={H - 8} textAnchor={i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'} fontSize="12" fill="#4f5863">
          {formatTick(t)}
        </text>
      ))}
      {series.map((s) =>
        s.points.length ? <polyline key={s.name} fill="none" stroke={s.color} strokeWidth="2" strokeLinejoin="round" points={s.points.map((p) => `${x(p.time).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')} /> : null,
      )}
    </svg>
  );
}

export function Legend({ series, unit }: { series: (ChartSeries & { total: number })[]; unit: string }) {
  return (
    <ul className="legend">
      {series.map((s) => (
        <li key={s.name}>
          <span className="legend-swatch" style={{ background: s.color }} aria-hidden="true" />
          {s.name}: {s.total.toLocaleString()} {unit}
        </li>
      ))}
    </ul>
  );
}
