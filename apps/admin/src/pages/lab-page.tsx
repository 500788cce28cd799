import type { LabReport } from '@twinwire/schemas/lab-report';
import { useState, type DragEvent } from 'react';
import { LabReportView } from '../lab/lab-report-view.tsx';
import { parseLabReport } from '../lab/parse-lab-report.ts';
import { EmptyState } from '../ui/states.tsx';

type Loaded =
  | { status: 'none' }
  | { status: 'reading'; fileName: string }
  | { status: 'error'; fileName: string; problem: string }
  | { status: 'ok'; fileName: string; report: LabReport };

/** A file's text through FileReader, which every browser (and jsdom) implements. */
function readText(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      resolve(typeof reader.result === 'string' ? reader.result : '');
    };
    reader.onerror = () => {
      reject(reader.error ?? new Error('the file could not be read'));
    };
    reader.readAsText(file);
  });
}

export function LabPage() {
  const [loaded, setLoaded] = useState<Loaded>({ status: 'none' });
  const [dragging, setDragging] = useState(false);

  const load = async (file: File | undefined) => {
    if (!file) return;
    setLoaded({ status: 'reading', fileName: file.name });
    let text: string;
    try {
      text = await readText(file);
    } catch {
      setLoaded({ status: 'error', fileName: file.name, problem: 'The file could not be read.' });
      return;
    }
    const result = parseLabReport(text);
    setLoaded(
      result.ok
        ? { status: 'ok', fileName: file.name, report: result.report }
        : { status: 'error', fileName: file.name, problem: result.problem },
    );
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void load(event.dataTransfer.files[0]);
  };

  return (
    <div className="page">
      <h1>Protocol lab</h1>
      <p className="muted">
        Load a lab result (<code>twinwire-sim bench --out lab.json</code>) to see each scenario and
        whether the claims about WebSocket and MQTT held on that machine. The file stays in this
        browser.
      </p>
      <div
        className={dragging ? 'drop-zone dragging' : 'drop-zone'}
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => {
          setDragging(false);
        }}
        onDrop={onDrop}
      >
        <label>
          Lab result file (JSON)
          <input
            type="file"
            accept=".json,application/json"
            onChange={(event) => void load(event.target.files?.[0])}
          />
        </label>
        <span className="muted">or drop it here</span>
      </div>
      <div aria-live="polite">
        {loaded.status === 'none' ? (
          <EmptyState title="No lab result loaded">
            <p className="muted">Results are read locally; nothing is uploaded.</p>
          </EmptyState>
        ) : null}
        {loaded.status === 'reading' ? <p role="status">Reading {loaded.fileName}…</p> : null}
        {loaded.status === 'error' ? (
          <div className="state state-error" role="alert">
            <p className="state-title">{loaded.fileName} could not be shown</p>
            <p>{loaded.problem}</p>
          </div>
        ) : null}
      </div>
      {loaded.status === 'ok' ? (
        <LabReportView report={loaded.report} fileName={loaded.fileName} />
      ) : null}
    </div>
  );
}
