import { useEffect, useId, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { BucketsResponse } from '../api/telemetry-api.ts';
import { alarmSpansPlugin, type AlarmSpan } from './alarm-spans.ts';
import { axis, bandFill, canvasSupported, colorAt, observeWidth } from './chart-support.ts';
import { colorOffsets, type ChartPanel } from './metric-units.ts';
import { breakAt, TIME_AXIS_SPACE, timeAxisValues } from './time-axis.ts';

const HEIGHT = 220;

/**
 * Columns for uPlot: time, then avg, min and max of each metric, aligned on bucket start,
 * with a null row wherever a bucket is missing (no readings: an outage) so lines break there.
 */
function bucketColumns(
  response: BucketsResponse,
  metrics: readonly string[],
): { data: uPlot.AlignedData; metrics: string[] } {
  const shown = response.series.filter(
    (series) =>
      metrics.includes(series.metric) && series.points.some((point) => point.avg !== null),
  );
  const times = [...new Set(shown.flatMap((series) => series.points.map((p) => p.t)))].sort(
    (a, b) => a - b,
  );
  const row = new Map(times.map((t, index) => [t, index]));
  const columns: (number | null)[][] = [];
  for (const series of shown) {
    const avg = new Array<number | null>(times.length).fill(null);
    const min = new Array<number | null>(times.length).fill(null);
    const max = new Array<number | null>(times.length).fill(null);
    for (const point of series.points) {
      const index = row.get(point.t) ?? 0;
      avg[index] = point.avg;
      min[index] = point.min;
      max[index] = point.max;
    }
    columns.push(avg, min, max);
  }
  const gapped = breakAt(times, columns, response.bucketMs);
  return { data: [gapped.times, ...gapped.columns], metrics: shown.map((series) => series.metric) };
}

function BucketPanel(props: {
  response: BucketsResponse;
  panel: ChartPanel;
  colorOffset: number;
  range: { from: number; to: number };
  syncKey: string;
  alarms: readonly AlarmSpan[];
}) {
  const { response, panel, colorOffset, range, syncKey } = props;
  const container = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot>(undefined);
  // Read by the plot at each draw; a new list redraws it (below) instead of rebuilding it.
  const alarms = useRef(props.alarms);

  useEffect(() => {
    const element = container.current;
    if (!element || !canvasSupported()) return;
    const { data, metrics: shown } = bucketColumns(response, panel.metrics);
    const series: uPlot.Series[] = [{ label: 'Time' }];
    const bands: uPlot.Band[] = [];
    shown.forEach((metric, index) => {
      const base = 1 + index * 3;
      const color = colorOffset + index;
      series.push(
        { label: `${metric} avg`, stroke: colorAt(color), width: 1.5, spanGaps: false },
        { label: `${metric} min`, stroke: bandFill(color), width: 0.5, spanGaps: false },
        { label: `${metric} max`, stroke: bandFill(color), width: 0.5, spanGaps: false },
      );
      bands.push({ series: [base + 2, base + 1], fill: bandFill(color) });
    });
    const plot = new uPlot(
      {
        width: Math.max(200, element.clientWidth),
        height: HEIGHT,
        ms: 1,
        scales: { x: { time: true, range: () => [range.from, range.to] } },
        series,
        bands,
        axes: [
          axis({ space: TIME_AXIS_SPACE, values: timeAxisValues() }),
          axis({ size: 70, ...(panel.unit ? { label: panel.unit, labelSize: 18 } : {}) }),
        ],
        cursor: { drag: { x: false, y: false }, sync: { key: syncKey } },
        plugins: [alarmSpansPlugin(() => alarms.current)],
      },
      data,
      element,
    );
    plotRef.current = plot;
    const stopObserving = observeWidth(element, (width) => {
      plot.setSize({ width, height: HEIGHT });
    });
    return () => {
      plotRef.current = undefined;
      stopObserving();
      plot.destroy();
    };
  }, [response, panel, colorOffset, range, syncKey]);

  useEffect(() => {
    alarms.current = props.alarms;
    plotRef.current?.redraw(false, false);
  }, [props.alarms]);

  return (
    <div
      ref={container}
      className="chart-canvas"
      data-unit={panel.unit ?? ''}
      role="img"
      aria-label={`${panel.metrics.join(', ')}${panel.unit ? ` in ${panel.unit}` : ''}`}
    />
  );
}

/**
 * A long range as the API aggregates it, a panel per unit: the average per bucket as a line,
 * with the min–max envelope shaded so spikes that averaging flattens stay visible.
 */
export function BucketChart(props: {
  response: BucketsResponse;
  panels: readonly ChartPanel[];
  range: { from: number; to: number };
  label: string;
  /** Drawn as bands behind the readings (the caller lists them in an AlarmLegend). */
  alarms: readonly AlarmSpan[];
}) {
  const syncKey = useId();
  const offsets = colorOffsets(props.panels);
  return (
    <figure className="chart" data-chart="buckets" aria-label={props.label}>
      {props.panels.map((panel, index) => {
        const colorOffset = offsets[index] ?? 0;
        return (
          <BucketPanel
            key={panel.metrics.join(',')}
            response={props.response}
            panel={panel}
            colorOffset={colorOffset}
            range={props.range}
            syncKey={syncKey}
            alarms={props.alarms}
          />
        );
      })}
    </figure>
  );
}
