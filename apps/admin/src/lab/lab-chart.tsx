import type { ReportChart } from '@twinwire/schemas/lab-report';
import { BarChart } from '../charts/bar-chart.tsx';
import { XyLineChart } from '../charts/xy-line-chart.tsx';
import { formatNumber } from '../ui/format.ts';

/** A lab chart with its numbers as a table underneath, for screen readers and for copying. */
export function LabChart(props: { chart: ReportChart }) {
  const { chart } = props;
  const xs = [...new Set(chart.series.flatMap((s) => s.points.map((p) => String(p.x))))];
  return (
    <figure className="chart lab-chart">
      <figcaption>
        <strong>{chart.title}</strong>
        <span className="muted">
          {' '}
          — {chart.yLabel} by {chart.xLabel}
        </span>
      </figcaption>
      {chart.kind === 'bar' ? <BarChart chart={chart} /> : <XyLineChart chart={chart} />}
      <details>
        <summary>Data table</summary>
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{chart.xLabel}</th>
                {chart.series.map((series) => (
                  <th key={series.name} scope="col" className="num">
                    {series.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {xs.map((x) => (
                <tr key={x}>
                  <th scope="row">{x}</th>
                  {chart.series.map((series) => {
                    const y = series.points.find((point) => String(point.x) === x)?.y;
                    return (
                      <td key={series.name} className="num">
                        {y === undefined ? '—' : formatNumber(y)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
