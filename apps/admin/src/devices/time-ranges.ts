/** The chart's time range choices: short ones stream live, long ones ask for buckets. */
export type RangeChoice =
  | { id: string; label: string; kind: 'live'; ms: number }
  | { id: string; label: string; kind: 'buckets'; ms: number };

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const RANGE_CHOICES: readonly RangeChoice[] = [
  { id: 'live-1m', label: 'Live · 1 min', kind: 'live', ms: MINUTE },
  { id: 'live-5m', label: 'Live · 5 min', kind: 'live', ms: 5 * MINUTE },
  { id: 'live-10m', label: 'Live · 10 min', kind: 'live', ms: 10 * MINUTE },
  { id: '1h', label: 'Last hour', kind: 'buckets', ms: HOUR },
  { id: '6h', label: 'Last 6 hours', kind: 'buckets', ms: 6 * HOUR },
  { id: '24h', label: 'Last 24 hours', kind: 'buckets', ms: DAY },
  { id: '7d', label: 'Last 7 days', kind: 'buckets', ms: 7 * DAY },
  { id: '30d', label: 'Last 30 days', kind: 'buckets', ms: 30 * DAY },
];

/** How much the live buffer keeps: the longest live choice. */
export const LIVE_WINDOW_MS = 10 * MINUTE;

export const DEFAULT_RANGE_ID = 'live-5m';

export type ResolvedRange =
  | { kind: 'live'; ms: number; label: string }
  | { kind: 'buckets'; from: number; to: number; label: string };

/**
 * The range the URL asks for: a choice id, or `custom` with `from`/`to` as
 * `datetime-local` text. Anything unusable falls back to the default with a reason.
 */
export function resolveRange(
  params: { range: string | null; from: string | null; to: string | null },
  now: number,
): { range: ResolvedRange; problem?: string } {
  if (params.range === 'custom') {
    const from = params.from ? Date.parse(params.from) : NaN;
    const to = params.to ? Date.parse(params.to) : NaN;
    if (Number.isFinite(from) && Number.isFinite(to) && from < to)
      return { range: { kind: 'buckets', from, to, label: 'Custom range' } };
    // Only a range the operator finished filling in can be wrong; a blank one is not done yet.
    if (!Number.isFinite(from) || !Number.isFinite(to)) return { range: fallback(now) };
    return {
      range: fallback(now),
      problem: 'The custom range needs a start before its end; showing the default instead.',
    };
  }
  const choice = RANGE_CHOICES.find((each) => each.id === params.range);
  if (!choice) return { range: fallback(now) };
  return { range: fromChoice(choice, now) };
}

function fromChoice(choice: RangeChoice, now: number): ResolvedRange {
  return choice.kind === 'live'
    ? { kind: 'live', ms: choice.ms, label: choice.label }
    : { kind: 'buckets', from: now - choice.ms, to: now, label: choice.label };
}

function fallback(now: number): ResolvedRange {
  const choice = RANGE_CHOICES.find((each) => each.id === DEFAULT_RANGE_ID);
  if (!choice) throw new Error('the default range is not a choice');
  return fromChoice(choice, now);
}

/** Points to ask the bucket query for: about one per two pixels, within the API's limit. */
export function bucketPointsFor(widthPx: number): number {
  return Math.min(2000, Math.max(60, Math.round(widthPx / 2)));
}

/** `datetime-local` text for an epoch ms in this browser's time zone (what the inputs hold). */
function localInputValue(ms: number): string {
  const date = new Date(ms);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** What "Custom…" starts from: the last hour, so it is a valid range before any input. */
export function customRangeStart(now: number): { from: string; to: string } {
  return { from: localInputValue(now - 60 * 60_000), to: localInputValue(now) };
}
