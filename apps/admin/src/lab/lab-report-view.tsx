import type {
  CellValue,
  ClaimVerdict,
  LabReport,
  ReportTable,
  ScenarioResult,
  Verdict,
} from '@twinwire/schemas/lab-report';
import { formatDateTime, formatDuration, formatNumber } from '../ui/format.ts';
import { LabChart } from './lab-chart.tsx';

const verdictLabels: Record<Verdict, string> = {
  held: 'Held',
  'did-not-hold': 'Did not hold',
  mixed: 'Mixed',
  'not-measured': 'Not measured',
};

function VerdictBadge(props: { verdict: Verdict }) {
  return <span className={`badge verdict-${props.verdict}`}>{verdictLabels[props.verdict]}</span>;
}

function ClaimsTable(props: { claims: readonly ClaimVerdict[] }) {
  return (
    <div className="table-scroll">
      <table className="claims">
        <caption className="visually-hidden">Verdict per claim</caption>
        <thead>
          <tr>
            <th scope="col">Claim</th>
            <th scope="col">Verdict</th>
            <th scope="col">Evidence</th>
          </tr>
        </thead>
        <tbody>
          {props.claims.map((claim) => (
            <tr key={claim.id}>
              <th scope="row">{claim.claim}</th>
              <td>
                <VerdictBadge verdict={claim.verdict} />
              </td>
              <td>{claim.evidence}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function cellText(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'number' ? formatNumber(value) : value;
}

function ResultTable(props: { table: ReportTable }) {
  const { table } = props;
  return (
    <div className="table-scroll">
      <table>
        <caption>{table.title}</caption>
        <thead>
          <tr>
            {table.columns.map((column) => (
              <th key={column.key} scope="col" className={column.unit ? 'num' : undefined}>
                {column.label}
                {column.unit ? <span className="muted"> ({column.unit})</span> : null}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((row, index) => (
            <tr key={index}>
              {table.columns.map((column) => (
                <td key={column.key} className={column.unit ? 'num' : undefined}>
                  {cellText(row[column.key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Scenario(props: { scenario: ScenarioResult }) {
  const { scenario } = props;
  return (
    <section className="card scenario" aria-labelledby={`scenario-${scenario.id}`}>
      <h3 id={`scenario-${scenario.id}`}>{scenario.title}</h3>
      <p>{scenario.method}</p>
      <p className="muted">Ran for {formatDuration(scenario.durationMs)}.</p>
      {scenario.charts.map((chart) => (
        <LabChart key={chart.title} chart={chart} />
      ))}
      {scenario.tables.map((table) => (
        <ResultTable key={table.title} table={table} />
      ))}
      {scenario.notes.length > 0 ? (
        <ul className="notes">
          {scenario.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

export function LabReportView(props: { report: LabReport; fileName: string }) {
  const { report } = props;
  return (
    <>
      <section className="card" aria-labelledby="lab-run">
        <h2 id="lab-run">Run</h2>
        <dl className="facts facts-inline">
          <div>
            <dt>File</dt>
            <dd>{props.fileName}</dd>
          </div>
          <div>
            <dt>Profile</dt>
            <dd>{report.profile}</dd>
          </div>
          <div>
            <dt>Started</dt>
            <dd>{formatDateTime(report.startedAt)}</dd>
          </div>
          <div>
            <dt>Took</dt>
            <dd>{formatDuration(Date.parse(report.finishedAt) - Date.parse(report.startedAt))}</dd>
          </div>
          <div>
            <dt>Machine</dt>
            <dd>
              {report.machine.cpus} × {report.machine.cpuModel},{' '}
              {formatNumber(report.machine.memoryBytes / 2 ** 30)} GiB, Node {report.machine.node},{' '}
              {report.machine.platform}
            </dd>
          </div>
          <div>
            <dt>Target</dt>
            <dd>
              {report.target.mode}: {report.target.apiUrl}, {report.target.mqttUrl}
            </dd>
          </div>
        </dl>
      </section>
      <section className="card" aria-labelledby="lab-claims">
        <h2 id="lab-claims">Claims</h2>
        {report.claims.length === 0 ? (
          <p className="muted">This run judged no claim.</p>
        ) : (
          <ClaimsTable claims={report.claims} />
        )}
      </section>
      <h2>Scenarios</h2>
      {report.scenarios.length === 0 ? <p className="muted">This run has no scenario.</p> : null}
      {report.scenarios.map((scenario) => (
        <Scenario key={scenario.id} scenario={scenario} />
      ))}
    </>
  );
}
