import { LAB_REPORT_VERSION, type LabReport } from '@twinwire/schemas/lab-report';
import { validateMessage, validators } from '@twinwire/schemas/validate';

export type LabReportResult = { ok: true; report: LabReport } | { ok: false; problem: string };

/** Larger files are refused before parsing: a lab result is kilobytes, not megabytes. */
const MAX_LAB_REPORT_BYTES = 20 * 1024 * 1024;

/**
 * A lab result file's text as a {@link LabReport}, or one sentence saying what is wrong and
 * where, so a person can fix the file or pick the right one.
 */
export function parseLabReport(text: string): LabReportResult {
  if (text.length > MAX_LAB_REPORT_BYTES)
    return { ok: false, problem: 'This file is too large to be a lab result (over 20 MB).' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      problem: `This file is not JSON (${(error as Error).message}). Pick the file written by twinwire-sim bench --out.`,
    };
  }
  if (typeof value === 'object' && value !== null && 'version' in value) {
    const { version } = value;
    if (version !== LAB_REPORT_VERSION)
      return {
        ok: false,
        problem: `This lab result is format version ${JSON.stringify(version)}; this admin reads version ${LAB_REPORT_VERSION}. Re-run the lab with a matching simulator.`,
      };
  }
  const checked = validateMessage(validators.labReport, value);
  if (!checked.ok)
    return { ok: false, problem: `This is not a lab result: ${checked.error.message}.` };
  return { ok: true, report: checked.value };
}
