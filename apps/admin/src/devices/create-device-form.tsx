import { isValidDeviceId } from '@twinwire/schemas/topics';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import { describeError } from '../api/api-error.ts';
import { devicesApi, type IssuedCredential } from '../api/devices-api.ts';
import { useServices } from '../app/services.tsx';
import { Field } from '../ui/field.tsx';
import { ErrorState } from '../ui/states.tsx';

/** Registers a device and issues its first credential in one step. */
export function CreateDeviceForm(props: {
  onCreated: (credential: IssuedCredential) => void;
  onCancel: () => void;
}) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [id, setId] = useState('');
  const [name, setName] = useState('');
  const idProblem =
    id !== '' && !isValidDeviceId(id)
      ? 'Use 1–64 characters of A–Z a–z 0–9 _ . : - (it becomes an MQTT topic level).'
      : undefined;
  const create = useMutation({
    mutationFn: async () => {
      await devicesApi.create(api, { id, name: name.trim() || id });
      try {
        return await devicesApi.issueCredential(api, id);
      } catch (error) {
        const { message } = describeError(error);
        throw new Error(
          `device ${id} was created, but no credential was issued (${message}); issue one on the device's page`,
        );
      }
    },
    onSuccess: async (credential) => {
      await queryClient.invalidateQueries({ queryKey: ['devices'] });
      props.onCreated(credential);
    },
  });

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    if (!idProblem) create.mutate();
  };

  return (
    <form className="card form-grid" onSubmit={submit} aria-labelledby="new-device-heading">
      <h2 id="new-device-heading">New device</h2>
      <Field
        label="Device id"
        help="The MQTT client id and username, e.g. pump-17."
        error={idProblem}
      >
        {(control) => (
          <input
            {...control}
            value={id}
            onChange={(event) => {
              setId(event.target.value);
            }}
            required
            maxLength={64}
            autoFocus
          />
        )}
      </Field>
      <label>
        Name
        <input
          value={name}
          onChange={(event) => {
            setName(event.target.value);
          }}
          maxLength={200}
          placeholder="Defaults to the id"
        />
      </label>
      {create.isError ? <ErrorState error={create.error} title="Device not created" /> : null}
      <div className="actions">
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create and issue credential'}
        </button>
        <button type="button" className="secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
