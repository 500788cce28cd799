import type { Alarm } from '@twinwire/schemas/alarms';
import type uPlot from 'uplot';

/** An alarm as a chart draws it: from raised to cleared (end null: still open). */
export interface AlarmSpan {
  id: string;
  severity: Alarm['severity'];
  start: number;
  end: number | null;
}

/** The severities' hues (the Alarms page badges'), translucent behind the readings. */
const SEVERITY_COLORS: Record<Alarm['severity'], string> = {
  critical: '#d92d20',
  warning: '#dc6803',
  info: '#0086c9',
};

export function alarmSpansOf(alarms: readonly Alarm[]): AlarmSpan[] {
  return alarms
    .map((alarm) => ({
      id: alarm.id,
      severity: alarm.severity,
      start: Date.parse(alarm.raisedAt),
      end: alarm.clearedAt === null ? null : Date.parse(alarm.clearedAt),
    }))
    .sort((a, b) => a.start - b.start);
}

/**
 * The part of a span inside the visible time range [min, max], or null when it lies outside;
 * an open alarm reaches the range's end.
 */
export function visiblePart(
  span: AlarmSpan,
  min: number,
  max: number,
): { start: number; end: number } | null {
  const end = span.end ?? max;
  if (end < min || span.start > max) return null;
  return { start: Math.max(span.start, min), end: Math.min(end, max) };
}

/**
 * Draws each alarm behind the series: a band over its raised → cleared time in its severity's
 * colour and a solid line where it was raised. `spans` is read at every draw, so the live chart
 * follows new alarms without being rebuilt.
 */
export function alarmSpansPlugin(spans: () => readonly AlarmSpan[]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: (plot) => {
        const min = plot.scales.x?.min;
        const max = plot.scales.x?.max;
        if (min === undefined || max === undefined) return;
        const { ctx, bbox } = plot;
        ctx.save();
        ctx.beginPath();
        ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
        ctx.clip();
        for (const span of spans()) {
          const part = visiblePart(span, min, max);
          if (!part) continue;
          const color = SEVERITY_COLORS[span.severity];
          const left = plot.valToPos(part.start, 'x', true);
          const right = plot.valToPos(part.end, 'x', true);
          ctx.fillStyle = `${color}26`;
          ctx.fillRect(left, bbox.top, Math.max(right - left, 2), bbox.height);
          if (part.start === span.start) {
            ctx.fillStyle = color;
            ctx.fillRect(left, bbox.top, 2, bbox.height);
          }
        }
        ctx.restore();
      },
    },
  };
}
