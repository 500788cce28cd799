import type { Alarm } from '@twinwire/schemas/alarms';
import { useId } from 'react';
import { formatDateTime } from '../ui/format.ts';

/**
 * The key to the bands a chart draws for alarms: each alarm of the visible range with its
 * severity (the band's colour), rule, message and raised → cleared times. It is what screen
 * readers and tests read; the canvas only shows it.
 */
export function AlarmLegend(props: { alarms: readonly Alarm[] }) {
  const headingId = useId();
  if (props.alarms.length === 0) return null;
  return (
    <div className="alarm-legend">
      <h3 id={headingId}>Alarms in this range</h3>
      <ul aria-labelledby={headingId}>
        {props.alarms.map((alarm) => (
          <li
            key={alarm.id}
            data-alarm={alarm.id}
            data-severity={alarm.severity}
            data-state={alarm.state}
          >
            <span className={`severity severity-${alarm.severity}`}>{alarm.severity}</span>{' '}
            <strong>{alarm.ruleName}</strong> <span>{alarm.message}</span>{' '}
            <span className="muted">
              {formatDateTime(alarm.raisedAt)} →{' '}
              {alarm.clearedAt === null ? 'open' : formatDateTime(alarm.clearedAt)}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
