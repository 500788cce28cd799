import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { BucketsResponse } from '../api/types.ts';
import { axis, bandFill, canvasSupported, colorAt, observeWidth } from './chart-support.ts';

const HEIGHT = 300;

/** Columns for uPlot: time, then avg, min and max of each metric, aligned on bucket start. */
export function bucketColumns(
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
  return { data: [times, ...columns], metrics: shown.map((series) => series.metric) };
}

/**
 * A long range as the API aggregates it: the average per bucket as a line, with the
 * min–max envelope shaded so spikes that averaging flattens stay visible.
 */
export function BucketChart(props: {
  response: BucketsResponse;
  metrics: readonly string[];
  range: { from: number; to: number };
  label: string;
}) {
  const { response, metrics, range } = props;
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element || !canvasSupported()) return;
    const { data, metrics: shown } = bucketColumns(response, metrics);
    const series: uPlot.Series[] = [{ label: 'Time' }];
    const bands: uPlot.Band[] = [];
    shown.forEach((metric, index) => {
      const base = 1 + index * 3;
      series.push(
        { label: `${metric} avg`, stroke: colorAt(index), width: 1.5, spanGaps: false },
        { label: `${metric} min`, stroke: bandFill(index), width: 0.5 },
        { label: `${metric} max`, stroke: bandFill(index), width: 0.5 },
      );
      bands.push({ series: [base + 2, base + 1], fill: bandFill(index) });
    });
    const plot = new uPlot(
      {
        width: Math.max(200, element.clientWidth),
        height: HEIGHT,
        ms: 1,
        scales: { x: { time: true, range: () => [range.from, range.to] } },
        series,
        bands,
        axes: [axis(), axis({ size: 60 })],
        cursor: { drag: { x: false, y: false } },
      },
      data,
      element,
    );
    const stopObserving = observeWidth(element, (width) => {
      plot.setSize({ width, height: HEIGHT });
    });
    return () => {
      stopObserving();
      plot.destroy();
    };
  }, [response, metrics, range]);

  return (
    <figure className="chart" data-chart="buckets">
      <div ref={container} className="chart-canvas" role="img" aria-label={props.label} />
    </figure>
  );
}
