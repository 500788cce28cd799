import type { ReportChart } from '@twinwire/schemas/lab-report';
import { formatNumber } from '../ui/format.ts';
import { colorAt } from './chart-support.ts';

/** Bar length as a share of the largest value, on a log scale when asked (values ≥ 1). */
function barShare(value: number, max: number, log: boolean): number {
  if (max <= 0 || value <= 0) return 0;
  if (!log) return value / max;
  const top = Math.log10(Math.max(max, 1) * 10);
  return Math.log10(Math.max(value, 1) * 10) / top;
}

/**
 * A grouped horizontal bar chart for categories (lab `bar` charts): plain HTML, so labels,
 * values and keyboard users need nothing special, and it reflows in a narrow window.
 */
export function BarChart(props: { chart: ReportChart }) {
  const { chart } = props;
  const categories = [
    ...new Set(chart.series.flatMap((series) => series.points.map((point) => String(point.x)))),
  ];
  const max = Math.max(0, ...chart.series.flatMap((series) => series.points.map((p) => p.y)));
  const log = chart.logY === true;
  return (
    <div className="bar-chart" aria-hidden="true">
      <ul className="legend">
        {chart.series.map((series, index) => (
          <li key={series.name}>
            <span className="swatch" style={{ background: colorAt(index) }} />
            {series.name}
          </li>
        ))}
      </ul>
      {categories.map((category) => (
        <div key={category} className="bar-group">
          <span className="bar-category">{category}</span>
          {chart.series.map((series, index) => {
            const value = series.points.find((point) => String(point.x) === category)?.y;
            return (
              <div key={series.name} className="bar-row">
                <span
                  className="bar"
                  style={{
                    width: `${(value === undefined ? 0 : barShare(value, max, log)) * 100}%`,
                    background: colorAt(index),
                  }}
                />
                <span className="bar-value">{value === undefined ? '—' : formatNumber(value)}</span>
              </div>
            );
          })}
        </div>
      ))}
      <p className="muted small-text">
        {chart.yLabel}
        {log ? ' (log scale)' : ''}
      </p>
    </div>
  );
}
