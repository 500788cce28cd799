import { useQuery } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { telemetryApi } from '../api/telemetry-api.ts';
import { useServices } from '../app/services.tsx';
import { AlarmLegend } from '../charts/alarm-legend.tsx';
import { alarmSpansOf, type AlarmSpan } from '../charts/alarm-spans.ts';
import { BucketChart } from '../charts/bucket-chart.tsx';
import { observeWidth } from '../charts/chart-support.ts';
import { LiveChart } from '../charts/live-chart.tsx';
import { panelsByUnit } from '../charts/metric-units.ts';
import { ExportPanel } from './export-panel.tsx';
import { useThrottledChanges } from '../live/use-live.ts';
import { formatDuration, formatMetricValue, formatTime } from '../ui/format.ts';
import { EmptyState, ErrorState, LoadingState } from '../ui/states.tsx';
import { RangePicker } from './range-picker.tsx';
import { RecentReadings } from './recent-readings.tsx';
import { bucketPointsFor, resolveRange } from './time-ranges.ts';
import { useDeviceAlarms } from './use-device-alarms.ts';
import { useDeviceSeries, type DeviceSeries } from './use-device-series.ts';

const REDRAW_TEXT_MS = 500;
const RECENT_ROWS = 10;
/** Long ranges are re-queried this often, ending at the new "now". */
const BUCKET_REFRESH_MS = 60_000;

function LiveStreamNote(props: { series: DeviceSeries }) {
  const { live, backfill } = props.series;
  if (live.state.phase === 'refused')
    return (
      <div className="state state-error" role="alert">
        <p className="state-title">This device’s telemetry cannot be streamed to you</p>
        <p>{live.state.notice.message}</p>
        <p className="hint">An admin can change this on the Access rules page.</p>
      </div>
    );
  return (
    <>
      {live.state.phase === 'pending' ? (
        <LoadingState label="Connecting to the live stream…" />
      ) : null}
      {live.notice ? (
        <p className="note note-warning" role="status">
          {live.notice.message}
        </p>
      ) : null}
      {backfill.error ? (
        <ErrorState
          error={backfill.error}
          title="Older readings of this window could not be loaded"
        />
      ) : null}
      {backfill.truncated ? (
        <p className="note">Only the newest readings of this window were loaded.</p>
      ) : null}
    </>
  );
}

function LatestValues(props: { series: DeviceSeries }) {
  const [latest] = props.series.buffer.newest(1);
  if (!latest) return null;
  return (
    <dl className="latest" aria-label="Latest reading" data-testid="latest-values">
      <div>
        <dt>At</dt>
        <dd>{formatTime(latest.ts)}</dd>
      </div>
      {Object.entries(latest.metrics).map(([metric, value]) => (
        <div key={metric}>
          <dt>{metric}</dt>
          <dd>{formatMetricValue(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function MetricToggles(props: {
  metrics: readonly string[];
  hidden: ReadonlySet<string>;
  onToggle: (metric: string) => void;
}) {
  if (props.metrics.length < 2) return null;
  return (
    <fieldset className="metric-toggles">
      <legend>Metrics</legend>
      {props.metrics.map((metric) => (
        <label key={metric} className="inline">
          <input
            type="checkbox"
            checked={!props.hidden.has(metric)}
            onChange={() => {
              props.onToggle(metric);
            }}
          />
          {metric}
        </label>
      ))}
    </fieldset>
  );
}

function BucketView(props: {
  deviceId: string;
  range: { from: number; to: number; label: string };
  width: number;
  hidden: ReadonlySet<string>;
  units: Readonly<Record<string, unknown>> | undefined;
  alarms: readonly AlarmSpan[];
}) {
  const { api } = useServices();
  const { deviceId, range, width } = props;
  const points = bucketPointsFor(width);
  const buckets = useQuery({
    queryKey: ['devices', deviceId, 'buckets', range.from, range.to, points],
    queryFn: ({ signal }) =>
      telemetryApi.buckets(api, deviceId, { from: range.from, to: range.to, points }, signal),
  });
  const rangeMemo = useMemo(() => ({ from: range.from, to: range.to }), [range.from, range.to]);
  const metrics = useMemo(
    () =>
      (buckets.data?.series ?? [])
        .map((series) => series.metric)
        .filter((metric) => !props.hidden.has(metric)),
    [buckets.data, props.hidden],
  );
  const panels = useMemo(() => panelsByUnit(metrics, props.units), [metrics, props.units]);
  if (buckets.isPending) return <LoadingState label="Loading aggregated readings…" />;
  if (buckets.isError)
    return (
      <ErrorState
        error={buckets.error}
        title="Readings for this range could not be loaded"
        onRetry={() => void buckets.refetch()}
      />
    );
  if (buckets.data.series.every((series) => series.points.length === 0))
    return (
      <EmptyState title="No readings in this range">
        <p className="muted">Pick a longer range, or a live one to watch new readings.</p>
      </EmptyState>
    );
  return (
    <>
      <p className="muted">
        {range.label}: average per {formatDuration(buckets.data.bucketMs)} bucket, shaded from min
        to max.
      </p>
      <BucketChart
        response={buckets.data}
        panels={panels}
        range={rangeMemo}
        alarms={props.alarms}
        label={`${metrics.join(', ')} of ${deviceId}, ${range.label}, per ${formatDuration(buckets.data.bucketMs)}`}
      />
    </>
  );
}

/**
 * The device's readings: a live chart or buckets over a long range (a panel per unit, from
 * `units`: the device metadata's map, else metric-name suffixes), the newest raw rows, and
 * a download of the range.
 */
export function TelemetryPanel(props: {
  deviceId: string;
  units?: Readonly<Record<string, unknown>> | undefined;
}) {
  const { deviceId, units } = props;
  const series = useDeviceSeries(deviceId);
  useThrottledChanges(series.buffer, REDRAW_TEXT_MS);
  const [params] = useSearchParams();
  const rangeParams = {
    range: params.get('range'),
    from: params.get('from'),
    to: params.get('to'),
  };
  const [anchor, setAnchor] = useState(() => Date.now());
  const { range, problem } = resolveRange(rangeParams, anchor);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const deviceAlarms = useDeviceAlarms(deviceId, range);
  const alarmSpans = useMemo(() => alarmSpansOf(deviceAlarms.alarms), [deviceAlarms.alarms]);
  const [width, setWidth] = useState(800);
  const sizer = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!sizer.current) return;
    // Steps of 100 px, so resizing a window does not re-query on every pixel.
    return observeWidth(sizer.current, (px) => {
      setWidth(Math.round(px / 100) * 100);
    });
  }, []);
  const isBuckets = range.kind === 'buckets';
  useEffect(() => {
    if (!isBuckets) return;
    const timer = setInterval(() => {
      setAnchor(Date.now());
    }, BUCKET_REFRESH_MS);
    return () => {
      clearInterval(timer);
    };
  }, [isBuckets, rangeParams.range]);

  const chartable = series.buffer.chartableMetrics();
  const chartableKey = chartable.filter((metric) => !hidden.has(metric)).join(',');
  const liveMetrics = useMemo(() => (chartableKey ? chartableKey.split(',') : []), [chartableKey]);
  const livePanels = useMemo(() => panelsByUnit(liveMetrics, units), [liveMetrics, units]);
  const exportRange = () =>
    range.kind === 'live'
      ? { from: Date.now() - range.ms, to: Date.now() + 1 }
      : { from: range.from, to: range.to };
  const toggle = (metric: string) => {
    setHidden((current) => {
      const next = new Set(current);
      if (next.has(metric)) next.delete(metric);
      else next.add(metric);
      return next;
    });
  };

  return (
    <section className="card" aria-labelledby="telemetry-heading">
      <div className="section-head">
        <h2 id="telemetry-heading">Telemetry</h2>
        <RangePicker />
      </div>
      {problem ? (
        <p className="note note-warning" role="status">
          {problem}
        </p>
      ) : null}
      <LiveStreamNote series={series} />
      <MetricToggles metrics={chartable} hidden={hidden} onToggle={toggle} />
      <div ref={sizer} className="chart-area" data-point-count={series.buffer.size}>
        {range.kind === 'live' ? (
          series.buffer.size === 0 ? (
            series.live.state.phase !== 'subscribed' ? null : series.backfill.loading ? (
              <LoadingState label="Loading recent readings…" />
            ) : (
              <EmptyState title="No readings in the last 10 minutes">
                <p className="muted">The chart starts moving as soon as the device publishes.</p>
              </EmptyState>
            )
          ) : liveMetrics.length === 0 ? (
            <p className="muted">These readings carry no numeric metric to chart.</p>
          ) : (
            <LiveChart
              buffer={series.buffer}
              panels={livePanels}
              rangeMs={range.ms}
              alarms={alarmSpans}
              label={`Live chart of ${liveMetrics.join(', ')} for ${deviceId}, ${range.label}`}
            />
          )
        ) : (
          <BucketView
            deviceId={deviceId}
            range={range}
            width={width}
            hidden={hidden}
            units={units}
            alarms={alarmSpans}
          />
        )}
        <AlarmLegend alarms={deviceAlarms.alarms} />
        {deviceAlarms.error ? (
          <p className="note note-warning" role="status">
            This range’s alarms could not be loaded; the Alarms page lists them.
          </p>
        ) : null}
      </div>
      <ExportPanel deviceId={deviceId} range={exportRange} />
      <LatestValues series={series} />
      <h3>Newest readings</h3>
      <RecentReadings readings={series.buffer.newest(RECENT_ROWS)} />
    </section>
  );
}
