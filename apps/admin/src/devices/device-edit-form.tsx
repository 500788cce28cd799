import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type SubmitEvent } from 'react';
import { devicesApi, type DeviceView } from '../api/devices-api.ts';
import { useServices } from '../app/services.tsx';
import { Field } from '../ui/field.tsx';
import { ErrorState } from '../ui/states.tsx';
import { parseDeviceEdit, type DeviceEditFields } from './device-edit.ts';

const fieldsOf = (device: DeviceView): DeviceEditFields => ({
  name: device.name,
  tags: device.tags.join(' '),
  metadata: JSON.stringify(device.metadata, null, 2),
});

/**
 * Rename a device, and edit its tags and metadata (`metadata.units` names each metric's unit
 * for the charts). A refused save keeps the draft and shows the API's reason.
 */
export function DeviceEditForm(props: { device: DeviceView; onClose: () => void }) {
  const { api } = useServices();
  const queryClient = useQueryClient();
  const [fields, setFields] = useState(() => fieldsOf(props.device));
  const [touched, setTouched] = useState(false);
  const parsed = parseDeviceEdit(fields);
  const problem = (field: keyof DeviceEditFields) =>
    touched && !parsed.ok && parsed.field === field ? parsed.problem : undefined;
  const save = useMutation({
    mutationFn: (body: Parameters<typeof devicesApi.update>[2]) =>
      devicesApi.update(api, props.device.id, body),
    onSuccess: async (saved) => {
      queryClient.setQueryData(['devices', props.device.id], saved);
      await queryClient.invalidateQueries({ queryKey: ['devices', 'list'] });
      props.onClose();
    },
  });
  const set = (key: keyof DeviceEditFields, value: string) => {
    // The API's last refusal was about the previous draft.
    save.reset();
    setTouched(true);
    setFields((current) => ({ ...current, [key]: value }));
  };
  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    setTouched(true);
    if (parsed.ok) save.mutate(parsed.body);
  };
  return (
    <form className="card form-grid" onSubmit={submit} aria-label="Edit device">
      <h2>Edit {props.device.id}</h2>
      <Field label="Name" error={problem('name')}>
        {(control) => (
          <input
            {...control}
            value={fields.name}
            onChange={(event) => {
              set('name', event.target.value);
            }}
            maxLength={200}
          />
        )}
      </Field>
      <Field
        label="Tags"
        help="Separated by spaces or commas, e.g. plant-a pumps. The device list filters by them."
        error={problem('tags')}
      >
        {(control) => (
          <input
            {...control}
            value={fields.tags}
            onChange={(event) => {
              set('tags', event.target.value);
            }}
            spellCheck={false}
          />
        )}
      </Field>
      <Field
        label="Metadata (JSON object)"
        help='Free-form; "units": {"power_w": "W"} labels the chart axes.'
        error={problem('metadata')}
      >
        {(control) => (
          <textarea
            {...control}
            value={fields.metadata}
            onChange={(event) => {
              set('metadata', event.target.value);
            }}
            rows={5}
            spellCheck={false}
          />
        )}
      </Field>
      {save.isError ? <ErrorState error={save.error} title="Device not saved" /> : null}
      <div className="actions">
        <button type="submit" disabled={save.isPending || (touched && !parsed.ok)}>
          {save.isPending ? 'Saving…' : 'Save device'}
        </button>
        <button type="button" className="secondary" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </form>
  );
}
