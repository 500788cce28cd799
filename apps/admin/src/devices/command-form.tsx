import { isValidCommandName } from '@twinwire/schemas/topics';
import { useMutation } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import { devicesApi } from '../api/devices-api.ts';
import { useServices } from '../app/services.tsx';
import { Field } from '../ui/field.tsx';
import { ErrorState } from '../ui/states.tsx';

/** The args textarea as a JSON object, or why it is not one. */
function parseArgs(text: string): { args: Record<string, unknown> } | { problem: string } {
  if (text.trim() === '') return { args: {} };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return { args: value as Record<string, unknown> };
    return { problem: 'Arguments must be a JSON object, e.g. {"delayMs": 500}.' };
  } catch (error) {
    return { problem: `Arguments are not valid JSON: ${(error as Error).message}` };
  }
}

/** Sends a command through the broker and shows the device's ack (or why there is none). */
export function CommandForm(props: { deviceId: string }) {
  const { api } = useServices();
  const [name, setName] = useState('');
  const [argsText, setArgsText] = useState('{}');
  const [waitS, setWaitS] = useState(5);
  const parsed = parseArgs(argsText);
  const nameProblem =
    name !== '' && !isValidCommandName(name)
      ? 'Use 1–64 characters of A–Z a–z 0–9 _ . : -.'
      : undefined;
  const send = useMutation({
    mutationFn: (args: Record<string, unknown>) =>
      devicesApi.sendCommand(api, props.deviceId, name, { args, waitMs: waitS * 1000 }),
  });

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    if ('args' in parsed && !nameProblem) send.mutate(parsed.args);
  };
  // An ack (or its error) answers the command as it was sent: an edit makes it stale.
  const edited = () => {
    send.reset();
  };
  // 200 carries the device's ack; 202 (no wait, or none asked for) only the command's id.
  const ack = send.data && 'ack' in send.data ? send.data.ack : undefined;

  return (
    <section className="card" aria-labelledby="command-heading">
      <h2 id="command-heading">Send a command</h2>
      <form className="form-grid" onSubmit={submit}>
        <Field
          label="Command"
          help={`Published on devices/${props.deviceId}/commands/<command>.`}
          error={nameProblem}
        >
          {(control) => (
            <input
              {...control}
              value={name}
              onChange={(event) => {
                edited();
                setName(event.target.value);
              }}
              required
              placeholder="reboot"
            />
          )}
        </Field>
        <Field
          label="Arguments (JSON object)"
          help="Sent as the command’s args."
          error={'problem' in parsed ? parsed.problem : undefined}
        >
          {(control) => (
            <textarea
              {...control}
              value={argsText}
              onChange={(event) => {
                edited();
                setArgsText(event.target.value);
              }}
              rows={3}
              spellCheck={false}
            />
          )}
        </Field>
        <Field label="Wait for the ack (seconds)" help="0 sends without waiting; at most 30.">
          {(control) => (
            <input
              {...control}
              type="number"
              min={0}
              max={30}
              value={waitS}
              onChange={(event) => {
                edited();
                setWaitS(Math.min(30, Math.max(0, Number(event.target.value))));
              }}
            />
          )}
        </Field>
        <div className="actions">
          <button type="submit" disabled={send.isPending || 'problem' in parsed}>
            {send.isPending ? `Waiting up to ${waitS} s for the ack…` : 'Send command'}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {send.isError ? <ErrorState error={send.error} title="No ack" /> : null}
        {send.isSuccess && !ack ? (
          <p className="note">
            Sent as <code>{send.data.id}</code>; not waiting for an ack.
          </p>
        ) : null}
        {ack ? (
          <div
            className={ack.ok ? 'note note-success' : 'note note-warning'}
            data-testid="command-ack"
          >
            <p>
              <strong>{ack.ok ? 'Acknowledged: ok' : 'Acknowledged: failed'}</strong> (command{' '}
              <code>{ack.id}</code>)
            </p>
            {ack.error ? <p>{ack.error}</p> : null}
            {ack.result === undefined ? null : (
              <pre>
                <code>{JSON.stringify(ack.result, null, 2)}</code>
              </pre>
            )}
          </div>
        ) : null}
      </div>
    </section>
  );
}
