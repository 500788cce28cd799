import { LAB_REPORT_VERSION, type LabReport } from '@twinwire/schemas/lab-report';
import { describe, expect, it } from 'vitest';
import { judgeClaims } from '../claims.ts';
import { chartFileName, reportMarkdown, tableMarkdown } from './markdown.ts';

const report: LabReport = {
  version: LAB_REPORT_VERSION,
  profile: 'quick',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:01:00.000Z',
  machine: { cpus: 2, cpuModel: 'test cpu', memoryBytes: 2 ** 33, node: 'v20', platform: 'linux' },
  target: { mode: 'local', apiUrl: 'http://127.0.0.1:1', mqttUrl: 'mqtt://127.0.0.1:2' },
  claims: judgeClaims({}),
  scenarios: [
    {
      id: 'latency',
      title: 'Latency',
      method: 'how',
      durationMs: 1500,
      tables: [
        {
          title: 'Round trip',
          columns: [
            { key: 'transport', label: 'transport' },
            { key: 'p50', label: 'p50', unit: 'ms' },
          ],
          rows: [
            { transport: 'ws | raw', p50: 0.1234 },
            { transport: 'mqtt', p50: null },
          ],
        },
      ],
      charts: [
        { title: 'c', kind: 'bar', xLabel: 'x', yLabel: 'y', series: [{ name: 's', points: [] }] },
      ],
      notes: ['a note'],
    },
  ],
};

describe('reportMarkdown', () => {
  it('puts one numbered line per claim on top and the verdict rules at the end', () => {
    const markdown = reportMarkdown(report);
    const claims = markdown.slice(markdown.indexOf('## Claims'), markdown.indexOf('## Latency'));
    expect(claims.match(/^\d\. \*\*/gm)).toHaveLength(7);
    expect(claims).toContain('not measured');
    expect(markdown.indexOf('## Verdict rules')).toBeGreaterThan(markdown.indexOf('## Latency'));
    expect(markdown).toContain(`](charts/${chartFileName('latency', 0)})`);
    expect(markdown).toContain('- a note');
  });

  it('writes tables with units in the header, right-aligned numbers, escaped pipes and dashes for empty cells', () => {
    const table = tableMarkdown(report.scenarios[0]!.tables[0]!);
    expect(table).toContain('| transport | p50 (ms) |');
    expect(table).toContain('| --- | ---: |');
    expect(table).toContain('| ws \\| raw | 0.123 |');
    expect(table).toContain('| mqtt | — |');
  });
});
