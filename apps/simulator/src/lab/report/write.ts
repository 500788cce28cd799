/** Writes report.json, report.md and charts/*.svg into one directory. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LabReport } from '@twinwire/schemas/lab-report';
import { chartFileName, reportMarkdown } from './markdown.ts';
import { chartSvg } from './svg.ts';

export async function writeReport(outDir: string, report: LabReport): Promise<void> {
  const charts = path.join(outDir, 'charts');
  await mkdir(charts, { recursive: true });
  for (const scenario of report.scenarios) {
    for (const [index, chart] of scenario.charts.entries()) {
      await writeFile(path.join(charts, chartFileName(scenario.id, index)), chartSvg(chart));
    }
  }
  await writeFile(path.join(outDir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(path.join(outDir, 'report.md'), reportMarkdown(report));
}
