import { useSearchParams } from 'react-router';
import { customRangeStart, RANGE_CHOICES, DEFAULT_RANGE_ID } from './time-ranges.ts';
import { Field } from '../ui/field.tsx';

/** The chart's range, kept in the URL so a link opens the same view. */
export function RangePicker() {
  const [params, setParams] = useSearchParams();
  const range = params.get('range') ?? DEFAULT_RANGE_ID;
  const update = (changes: Record<string, string | null>) => {
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        for (const [key, value] of Object.entries(changes)) {
          if (value === null) next.delete(key);
          else next.set(key, value);
        }
        return next;
      },
      { replace: true },
    );
  };
  return (
    <div className="range-picker">
      <Field label="Time range">
        {(control) => (
          <select
            {...control}
            value={range}
            onChange={(event) => {
              const choice = event.target.value;
              // Custom starts as the last hour: a range that is valid before any typing.
              if (choice === 'custom' && !params.get('from') && !params.get('to'))
                update({ range: choice, ...customRangeStart(Date.now()) });
              else update({ range: choice });
            }}
          >
            {RANGE_CHOICES.map((choice) => (
              <option key={choice.id} value={choice.id}>
                {choice.label}
              </option>
            ))}
            <option value="custom">Custom…</option>
          </select>
        )}
      </Field>
      {range === 'custom' ? (
        <>
          <label>
            From
            <input
              type="datetime-local"
              value={params.get('from') ?? ''}
              onChange={(event) => {
                update({ from: event.target.value });
              }}
            />
          </label>
          <label>
            To
            <input
              type="datetime-local"
              value={params.get('to') ?? ''}
              onChange={(event) => {
                update({ to: event.target.value });
              }}
            />
          </label>
        </>
      ) : null}
    </div>
  );
}
