import { useId, type ReactNode } from 'react';

export interface ControlProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: true;
}

/**
 * A label, a control and its help or error text, tied by id: the control's accessible name
 * is the label alone, and the help or error is its description.
 */
export function Field(props: {
  label: string;
  help?: ReactNode;
  error?: string | undefined;
  className?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const id = useId();
  const noteId = `${id}-note`;
  const note = props.error ?? props.help;
  return (
    <div className={props.className ? `field ${props.className}` : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({
        id,
        ...(note === undefined ? {} : { 'aria-describedby': noteId }),
        ...(props.error === undefined ? {} : { 'aria-invalid': true }),
      })}
      {note === undefined ? null : (
        <span id={noteId} className={props.error === undefined ? 'field-help' : 'field-error'}>
          {note}
        </span>
      )}
    </div>
  );
}
