const timeFormat = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'medium',
});
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });

export function formatTime(epochMs: number): string {
  return timeFormat.format(epochMs);
}

export function formatDateTime(value: number | string): string {
  return dateTimeFormat.format(new Date(value));
}

export function formatNumber(value: number): string {
  return numberFormat.format(value);
}

/**
 * "3 minutes ago", for last-seen times. A time ahead of this browser's clock (the server's
 * clock runs ahead, or the page's `now` is older than the event) reads "now", never "in 4
 * seconds": something seen cannot have been seen in the future.
 */
export function formatRelative(value: number | string, now: number): string {
  const seconds = Math.min(0, Math.round((new Date(value).getTime() - now) / 1000));
  const abs = Math.abs(seconds);
  if (abs < 60) return relativeFormat.format(seconds, 'second');
  if (abs < 3600) return relativeFormat.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return relativeFormat.format(Math.round(seconds / 3600), 'hour');
  return relativeFormat.format(Math.round(seconds / 86_400), 'day');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${formatNumber(ms / 1000)} s`;
  if (ms < 3_600_000) return `${formatNumber(ms / 60_000)} min`;
  return `${formatNumber(ms / 3_600_000)} h`;
}

export function formatMetricValue(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** "MQTT 3.1.1" for the CONNECT protocol level a client used. */
export function formatMqttVersion(level: number): string {
  if (level === 5) return 'MQTT 5.0';
  if (level === 4) return 'MQTT 3.1.1';
  if (level === 3) return 'MQTT 3.1';
  return `MQTT level ${level}`;
}
