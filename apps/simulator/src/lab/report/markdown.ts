/** The report as Markdown: claim verdicts on top, then a section per scenario. */
import type { CellValue, LabReport, ReportTable } from '@twinwire/schemas/lab-report';
import { VERDICT_RULES } from '../claims.ts';

const VERDICT_TEXT = {
  held: 'held',
  'did-not-hold': 'did not hold',
  mixed: 'mixed',
  'not-measured': 'not measured',
} as const;

export function chartFileName(scenarioId: string, index: number): string {
  return `${scenarioId}-${index + 1}.svg`;
}

function cell(value: CellValue | undefined): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
  return value.replace(/\|/g, '\\|');
}

export function tableMarkdown(table: ReportTable): string {
  const header = table.columns.map((c) => (c.unit ? `${c.label} (${c.unit})` : c.label));
  const numeric = table.columns.map((c) => table.rows.some((r) => typeof r[c.key] === 'number'));
  return [
    `**${table.title}**`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${table.columns.map((c) => cell(row[c.key])).join(' | ')} |`),
  ].join('\n');
}

export function reportMarkdown(report: LabReport): string {
  const gib = (report.machine.memoryBytes / 2 ** 30).toFixed(1);
  const lines: string[] = [
    `# Twinwire protocol lab — ${report.profile} profile`,
    '',
    `${report.startedAt} → ${report.finishedAt} · ${report.machine.cpus} × ${report.machine.cpuModel}, ${gib} GiB · Node ${report.machine.node} · ${report.machine.platform} · target: ${report.target.mode} (${report.target.apiUrl}, ${report.target.mqttUrl})`,
    '',
    '## Claims on this machine',
    '',
  ];
  report.claims.forEach((claim, i) => {
    lines.push(
      `${i + 1}. **${claim.claim}** — **${VERDICT_TEXT[claim.verdict]}**: ${claim.evidence}`,
    );
  });
  lines.push('', 'How each verdict is decided is under [Verdict rules](#verdict-rules).', '');
  for (const scenario of report.scenarios) {
    lines.push(
      `## ${scenario.title}`,
      '',
      `_${(scenario.durationMs / 1000).toFixed(1)} s._ ${scenario.method}`,
      '',
    );
    for (const table of scenario.tables) lines.push(tableMarkdown(table), '');
    scenario.charts.forEach((chart, i) => {
      lines.push(`![${chart.title}](charts/${chartFileName(scenario.id, i)})`, '');
    });
    if (scenario.notes.length > 0) {
      lines.push(...scenario.notes.map((note) => `- ${note}`), '');
    }
  }
  lines.push('## Verdict rules', '');
  for (const rule of VERDICT_RULES) lines.push(`- **${rule.id}**: ${rule.rule}`);
  lines.push('');
  return lines.join('\n');
}
