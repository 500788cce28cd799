import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { telemetryApi } from '../api/telemetry-api.ts';
import { useServices } from '../app/services.tsx';
import { Field } from '../ui/field.tsx';
import { ErrorState } from '../ui/states.tsx';

/** Hands a downloaded file to the browser's download manager. */
function save(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}

/** Downloads the readings of the chart's range as CSV or NDJSON, streamed by the API. */
export function ExportPanel(props: {
  deviceId: string;
  range: () => { from: number; to: number };
}) {
  const { api } = useServices();
  const [format, setFormat] = useState<'csv' | 'ndjson'>('csv');
  const [saved, setSaved] = useState<string>();
  const download = useMutation({
    mutationFn: async () => {
      const range = props.range();
      const file = await telemetryApi.download(api, props.deviceId, range, format);
      const name = file.fileName ?? `${props.deviceId}.${format}`;
      save(file.blob, name);
      return name;
    },
    onSuccess: setSaved,
  });
  return (
    <div className="export-panel" role="group" aria-label="Export readings">
      <Field label="Export format">
        {(control) => (
          <select
            {...control}
            value={format}
            onChange={(event) => {
              download.reset();
              setSaved(undefined);
              setFormat(event.target.value as 'csv' | 'ndjson');
            }}
          >
            <option value="csv">CSV</option>
            <option value="ndjson">NDJSON</option>
          </select>
        )}
      </Field>
      <button
        type="button"
        className="secondary"
        disabled={download.isPending}
        onClick={() => {
          setSaved(undefined);
          download.mutate();
        }}
      >
        {download.isPending ? 'Preparing…' : 'Download readings'}
      </button>
      <span aria-live="polite" className="muted small-text">
        {saved ? `Saved ${saved}` : ''}
      </span>
      {download.isError ? <ErrorState error={download.error} title="No download" /> : null}
    </div>
  );
}
