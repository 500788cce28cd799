import { useState } from 'react';

/**
 * A destructive action asked twice, inline: no modal to trap focus, and the second button
 * names exactly what will happen.
 */
export function ConfirmButton(props: {
  label: string;
  confirmLabel: string;
  onConfirm: () => void;
  busy?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button
        type="button"
        className="danger-outline"
        onClick={() => {
          setAsking(true);
        }}
      >
        {props.label}
      </button>
    );
  return (
    <span className="confirm" role="group" aria-label={props.confirmLabel}>
      <button
        type="button"
        className="danger"
        disabled={props.busy}
        onClick={() => {
          props.onConfirm();
        }}
      >
        {props.confirmLabel}
      </button>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          setAsking(false);
        }}
      >
        Cancel
      </button>
    </span>
  );
}
