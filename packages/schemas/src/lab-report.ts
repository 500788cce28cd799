/**
 * The protocol lab's result file (`twinwire-sim bench --out lab.json`), read back by the
 * admin UI. Scenarios are generic tables and charts, so the UI draws a new scenario
 * without knowing what it measured; the per-claim verdicts sit on top.
 */
import { Type } from 'typebox';
import type { Static } from 'typebox';

const closed = { additionalProperties: false } as const;

export const LAB_REPORT_VERSION = 1;

/** The seven claims of ARCHITECTURE.md "Why it exists", in that order. */
export const ClaimId = Type.Union([
  Type.Literal('latency'),
  Type.Literal('wire-size'),
  Type.Literal('connections'),
  Type.Literal('fan-out'),
  Type.Literal('reliability'),
  Type.Literal('security'),
  Type.Literal('pattern'),
]);
export type ClaimId = Static<typeof ClaimId>;

export const Verdict = Type.Union([
  Type.Literal('held'),
  Type.Literal('did-not-hold'),
  Type.Literal('mixed'),
  Type.Literal('not-measured'),
]);
export type Verdict = Static<typeof Verdict>;

export const ClaimVerdict = Type.Object(
  {
    id: ClaimId,
    /** The claim as the article states it. */
    claim: Type.String({ minLength: 1 }),
    verdict: Verdict,
    /** One line with the numbers that decided the verdict. */
    evidence: Type.String({ minLength: 1 }),
  },
  closed,
);
export type ClaimVerdict = Static<typeof ClaimVerdict>;

export const CellValue = Type.Union([Type.String(), Type.Number(), Type.Null()]);
export type CellValue = Static<typeof CellValue>;

export const TableColumn = Type.Object(
  {
    key: Type.String({ minLength: 1 }),
    label: Type.String({ minLength: 1 }),
    /** e.g. `ms`, `B`, `msgs/s`, `µs/msg`; absent for text columns. */
    unit: Type.Optional(Type.String()),
  },
  closed,
);
export type TableColumn = Static<typeof TableColumn>;

export const ReportTable = Type.Object(
  {
    title: Type.String({ minLength: 1 }),
    columns: Type.Array(TableColumn, { minItems: 1 }),
    rows: Type.Array(Type.Record(Type.String(), CellValue)),
  },
  closed,
);
export type ReportTable = Static<typeof ReportTable>;

export const ChartSeries = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    points: Type.Array(
      Type.Object({ x: Type.Union([Type.Number(), Type.String()]), y: Type.Number() }, closed),
    ),
  },
  closed,
);
export type ChartSeries = Static<typeof ChartSeries>;

export const ReportChart = Type.Object(
  {
    title: Type.String({ minLength: 1 }),
    /** `bar`: categories on x (strings); `line`: numeric x. */
    kind: Type.Union([Type.Literal('bar'), Type.Literal('line')]),
    xLabel: Type.String(),
    yLabel: Type.String(),
    /** Draw y on a log scale (e.g. bytes from 16 B to 64 KiB). */
    logY: Type.Optional(Type.Boolean()),
    series: Type.Array(ChartSeries, { minItems: 1 }),
  },
  closed,
);
export type ReportChart = Static<typeof ReportChart>;

export const ScenarioResult = Type.Object(
  {
    /** e.g. `latency`, `wire-bytes`, `throughput`, `fan-out`, `unreliable-network`, `security`. */
    id: Type.String({ minLength: 1 }),
    title: Type.String({ minLength: 1 }),
    /** What was measured and how, in a sentence or two. */
    method: Type.String(),
    durationMs: Type.Number({ minimum: 0 }),
    tables: Type.Array(ReportTable),
    charts: Type.Array(ReportChart),
    notes: Type.Array(Type.String()),
  },
  closed,
);
export type ScenarioResult = Static<typeof ScenarioResult>;

export const LabReport = Type.Object(
  {
    version: Type.Literal(LAB_REPORT_VERSION),
    profile: Type.Union([Type.Literal('quick'), Type.Literal('full')]),
    startedAt: Type.String({ format: 'date-time' }),
    finishedAt: Type.String({ format: 'date-time' }),
    machine: Type.Object(
      {
        cpus: Type.Integer({ minimum: 1 }),
        cpuModel: Type.String(),
        memoryBytes: Type.Number({ minimum: 0 }),
        node: Type.String(),
        platform: Type.String(),
      },
      closed,
    ),
    /** `local`: the lab started its own Twinwire on free ports; `remote`: a given one. */
    target: Type.Object(
      {
        mode: Type.Union([Type.Literal('local'), Type.Literal('remote')]),
        apiUrl: Type.String(),
        mqttUrl: Type.String(),
      },
      closed,
    ),
    claims: Type.Array(ClaimVerdict),
    scenarios: Type.Array(ScenarioResult),
  },
  closed,
);
export type LabReport = Static<typeof LabReport>;
