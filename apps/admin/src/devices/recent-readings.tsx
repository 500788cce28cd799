import type { StoredReading } from '../api/telemetry-api.ts';
import { formatMetricValue, formatTime } from '../ui/format.ts';
import { EmptyState } from '../ui/states.tsx';

/** The newest raw readings as a table: also the chart's text alternative. */
export function RecentReadings(props: { readings: readonly StoredReading[] }) {
  const { readings } = props;
  if (readings.length === 0)
    return (
      <EmptyState title="No readings yet">
        <p className="muted">They appear here the moment the device publishes.</p>
      </EmptyState>
    );
  const metrics = [...new Set(readings.flatMap((reading) => Object.keys(reading.metrics)))].sort();
  return (
    <div className="table-scroll">
      <table className="readings" data-testid="recent-readings">
        <caption className="visually-hidden">Newest readings, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col" className="num">
              Seq
            </th>
            {metrics.map((metric) => (
              <th key={metric} scope="col" className="num">
                {metric}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {readings.map((reading) => (
            <tr key={`${reading.ts}:${reading.seq}`}>
              <td>
                <time dateTime={new Date(reading.ts).toISOString()}>{formatTime(reading.ts)}</time>
              </td>
              <td className="num">{reading.seq}</td>
              {metrics.map((metric) => (
                <td key={metric} className="num">
                  {metric in reading.metrics ? formatMetricValue(reading.metrics[metric]) : ''}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
