import { useEffect, useId, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { SeriesBuffer } from '../live/series-buffer.ts';
import { alarmSpansPlugin, type AlarmSpan } from './alarm-spans.ts';
import { axis, canvasSupported, colorAt, observeWidth } from './chart-support.ts';
import { colorOffsets, type ChartPanel } from './metric-units.ts';
import { TIME_AXIS_SPACE, timeAxisValues, withGaps } from './time-axis.ts';

const HEIGHT = 220;
/** Redraw at least this often even without new data, so the time axis keeps moving. */
const SCROLL_INTERVAL_MS = 250;

function dataOf(buffer: SeriesBuffer, metrics: readonly string[]): uPlot.AlignedData {
  const { times, columns } = withGaps(
    buffer.timestamps,
    metrics.map((metric) => buffer.column(metric)),
  );
  return [times, ...columns];
}

/**
 * One panel of the live chart: the metrics of one unit on their own y axis. It redraws from
 * the buffer's columns at most once per animation frame however fast readings arrive.
 */
function LivePanel(props: {
  buffer: SeriesBuffer;
  panel: ChartPanel;
  colorOffset: number;
  rangeMs: number;
  syncKey: string;
  alarms: readonly AlarmSpan[];
}) {
  const { buffer, panel, colorOffset, rangeMs, syncKey } = props;
  const container = useRef<HTMLDivElement>(null);
  // Read by the plot at each draw (at least every SCROLL_INTERVAL_MS): no rebuild per alarm.
  const alarms = useRef(props.alarms);
  useEffect(() => {
    alarms.current = props.alarms;
  }, [props.alarms]);

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
          ...panel.metrics.map((metric, index) => ({
            label: metric,
            stroke: colorAt(colorOffset + index),
            width: 1.5,
            // Nulls mark outages (withGaps): the line breaks there.
            spanGaps: false,
            points: { show: false },
          })),
        ],
        axes: [
          axis({ space: TIME_AXIS_SPACE, values: timeAxisValues() }),
          axis({ size: 70, ...(panel.unit ? { label: panel.unit, labelSize: 18 } : {}) }),
        ],
        legend: { live: true },
        cursor: { drag: { x: false, y: false }, sync: { key: syncKey } },
        plugins: [alarmSpansPlugin(() => alarms.current)],
      },
      dataOf(buffer, panel.metrics),
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
        plot.setData(dataOf(buffer, panel.metrics), false);
        plot.setScale('x', { min: now - rangeMs, max: now });
      });
    });
    return () => {
      cancelAnimationFrame(frame);
      stopObserving();
      plot.destroy();
    };
  }, [buffer, panel, colorOffset, rangeMs, syncKey]);

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
 * The last `rangeMs` of a device's readings as small multiples: a panel per unit, stacked
 * on one time axis, the cursor shared.
 */
export function LiveChart(props: {
  buffer: SeriesBuffer;
  panels: readonly ChartPanel[];
  rangeMs: number;
  label: string;
  /** Drawn as bands behind the readings (the caller lists them in an AlarmLegend). */
  alarms: readonly AlarmSpan[];
}) {
  const { buffer, panels, rangeMs } = props;
  const syncKey = useId();
  const offsets = colorOffsets(panels);
  return (
    <figure className="chart" data-chart="live" aria-label={props.label}>
      {panels.map((panel, index) => {
        const colorOffset = offsets[index] ?? 0;
        return (
          <LivePanel
            key={panel.metrics.join(',')}
            buffer={buffer}
            panel={panel}
            colorOffset={colorOffset}
            rangeMs={rangeMs}
            syncKey={syncKey}
            alarms={props.alarms}
          />
        );
      })}
      {canvasSupported() ? null : (
        <figcaption className="muted">
          Charts need a canvas; the readings table has the data.
        </figcaption>
      )}
    </figure>
  );
}
