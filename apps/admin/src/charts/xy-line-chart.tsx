import type { ReportChart } from '@twinwire/schemas/lab-report';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { axis, canvasSupported, colorAt, observeWidth } from './chart-support.ts';

const HEIGHT = 260;
// uPlot's Distr is a const enum, which isolatedModules cannot read: 3 is Logarithmic.
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
const LOG_DISTRIBUTION = 3 as uPlot.Scale.Distr;

/** Series with their own x values, aligned on the union of x (null where a series has none). */
function alignSeries(chart: ReportChart): uPlot.AlignedData {
  const xs = [
    ...new Set(chart.series.flatMap((series) => series.points.map((point) => Number(point.x)))),
  ].sort((a, b) => a - b);
  const row = new Map(xs.map((x, index) => [x, index]));
  const columns = chart.series.map((series) => {
    const values = new Array<number | null>(xs.length).fill(null);
    for (const point of series.points) values[row.get(Number(point.x)) ?? 0] = point.y;
    return values;
  });
  return [xs, ...columns];
}

/** A lab line chart (numeric x), optionally with a log y axis. */
export function XyLineChart(props: { chart: ReportChart }) {
  const { chart } = props;
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element || !canvasSupported()) return;
    const plot = new uPlot(
      {
        width: Math.max(200, element.clientWidth),
        height: HEIGHT,
        scales: { x: { time: false }, y: chart.logY ? { distr: LOG_DISTRIBUTION } : {} },
        series: [
          { label: chart.xLabel },
          ...chart.series.map((series, index) => ({
            label: series.name,
            stroke: colorAt(index),
            width: 2,
            spanGaps: true,
            points: { show: true, size: 6 },
          })),
        ],
        axes: [axis({ label: chart.xLabel }), axis({ label: chart.yLabel, size: 70 })],
        cursor: { drag: { x: false, y: false } },
      },
      alignSeries(chart),
      element,
    );
    const stop = observeWidth(element, (width) => {
      plot.setSize({ width, height: HEIGHT });
    });
    return () => {
      stop();
      plot.destroy();
    };
  }, [chart]);
  return <div ref={container} className="chart-canvas" role="img" aria-label={chart.title} />;
}
