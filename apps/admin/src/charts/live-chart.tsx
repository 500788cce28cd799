import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SeriesBuffer } from '../live/series-buffer.ts';
import { axis, canvasSupported, colorAt, observeWidth } from './chart-support.ts';

const HEIGHT = 300;
/** Redraw at least this often even without new data, so the time axis keeps moving. */
const SCROLL_INTERVAL_MS = 250;

function dataOf(buffer: SeriesBuffer, metrics: readonly string[]): uPlot.AlignedData {
  return [
    buffer.timestamps,
    ...metrics.map((metric) => buffer.column(metric) as (number | null)[]),
  ];
}

/**
 * The last `rangeMs` of a device's readings, drawn straight from the buffer's columns at
 * most once per animation frame however fast readings arrive, so a device streaming 50
 * readings/s costs one redraw per frame, not fifty re-renders.
 */
export function LiveChart(props: {
  buffer: SeriesBuffer;
  metrics: readonly string[];
  rangeMs: number;
  label: string;
}) {
  const { buffer, metrics, rangeMs } = props;
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element || !canvasSupported()) return;
    const plot = new uPlot(
      {
        width: Math.max(200, element.clientWidth),
        height: HEIGHT,
        ms: 1,
        scales: { x: { time: true } },
        series: [
          { label: 'Time' },
          ...metrics.map((metric, index) => ({
            label: metric,
            stroke: colorAt(index),
            width: 1.5,
            spanGaps: true,
            points: { show: false },
          })),
        ],
        axes: [axis(), axis({ size: 60 })],
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
      },
      dataOf(buffer, metrics),
      element,
    );
    const stopObserving = observeWidth(element, (width) => {
      plot.setSize({ width, height: HEIGHT });
    });
    let drawnVersion = -1;
    let drawnAt = 0;
    let frame = requestAnimationFrame(function draw(time) {
      frame = requestAnimationFrame(draw);
      if (buffer.version === drawnVersion && time - drawnAt < SCROLL_INTERVAL_MS) return;
      drawnVersion = buffer.version;
      drawnAt = time;
      const now = Date.now();
      plot.batch(() => {
        plot.setData(dataOf(buffer, metrics), false);
        plot.setScale('x', { min: now - rangeMs, max: now });
      });
    });
    return () => {
      cancelAnimationFrame(frame);
      stopObserving();
      plot.destroy();
    };
  }, [buffer, metrics, rangeMs]);

  return (
    <figure className="chart" data-chart="live">
      <div ref={container} className="chart-canvas" role="img" aria-label={props.label} />
      {canvasSupported() ? null : (
        <figcaption className="muted">
          Charts need a canvas; the readings table has the data.
        </figcaption>
      )}
    </figure>
  );
}
