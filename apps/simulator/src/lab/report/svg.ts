/**
 * A small, self-contained SVG chart writer for the report: grouped bars over categories or
 * lines over numbers, with axes, ticks, labels, a legend and a title. No dependencies, no
 * scripts, no external references.
 */
import type { ReportChart } from '@twinwire/schemas/lab-report';

const WIDTH = 720;
const HEIGHT = 380;
const MARGIN = { top: 56, right: 24, bottom: 72, left: 72 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const COLORS = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#4b5563',
];

function colorOf(index: number): string {
  return COLORS[index % COLORS.length] ?? '#111827';
}

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** Round numbers for axis ticks: 1, 2 or 5 × a power of ten. */
export function niceStep(range: number, ticks: number): number {
  if (!(range > 0)) return 1;
  const raw = range / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

export function formatTick(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${+(value / 1e3).toFixed(1)}k`;
  if (abs >= 1) return `${+value.toFixed(2)}`;
  return `${+value.toPrecision(2)}`;
}

interface Scale {
  y(value: number): number;
  ticks: number[];
}

function yScale(values: number[], log: boolean): Scale {
  const positive = values.filter((v) => v > 0);
  if (log && positive.length > 0) {
    const low = Math.floor(Math.log10(Math.min(...positive)));
    const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...positive))));
    const y = (v: number) =>
      MARGIN.top + PLOT_H - ((Math.log10(Math.max(v, 10 ** low)) - low) / (high - low)) * PLOT_H;
    const ticks = Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i));
    return { y, ticks };
  }
  const max = Math.max(0, ...values);
  const step = niceStep(max || 1, 5);
  const top = Math.max(step, Math.ceil((max || 1) / step) * step);
  const ticks = Array.from({ length: Math.round(top / step) + 1 }, (_, i) => i * step);
  return { y: (v: number) => MARGIN.top + PLOT_H - (Math.max(0, v) / top) * PLOT_H, ticks };
}

function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`;
}

function axes(chart: ReportChart, scale: Scale): string[] {
  const parts = [
    `<line x1="${MARGIN.left}" y1="${MARGIN.top + PLOT_H}" x2="${MARGIN.left + PLOT_W}" y2="${MARGIN.top + PLOT_H}" stroke="#374151"/>`,
    `<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + PLOT_H}" stroke="#374151"/>`,
  ];
  for (const tick of scale.ticks) {
    const y = scale.y(tick);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${y.toFixed(1)}" x2="${MARGIN.left + PLOT_W}" y2="${y.toFixed(1)}" stroke="#e5e7eb"/>`,
      text(MARGIN.left - 6, y + 4, formatTick(tick), 'text-anchor="end"'),
    );
  }
  parts.push(
    text(WIDTH / 2, 24, chart.title, 'text-anchor="middle" font-size="16" font-weight="600"'),
    text(MARGIN.left + PLOT_W / 2, HEIGHT - 12, chart.xLabel, 'text-anchor="middle"'),
    text(
      18,
      MARGIN.top + PLOT_H / 2,
      chart.yLabel + (chart.logY ? ' (log)' : ''),
      `text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + PLOT_H / 2})"`,
    ),
  );
  return parts;
}

/** Legend entries left to right, wrapping onto a second row when the first is full. */
function legend(chart: ReportChart): string[] {
  let x = MARGIN.left;
  let y = 34;
  return chart.series.map((series, i) => {
    const width = 28 + series.name.length * 7;
    if (x + width > WIDTH - MARGIN.right && x > MARGIN.left) {
      x = MARGIN.left;
      y += 14;
    }
    const entry = `<rect x="${x}" y="${y}" width="10" height="10" fill="${colorOf(i)}"/>${text(x + 14, y + 9, series.name)}`;
    x += width;
    return entry;
  });
}

function bars(chart: ReportChart, scale: Scale): string[] {
  const categories: string[] = [];
  for (const series of chart.series) {
    for (const point of series.points)
      if (!categories.includes(String(point.x))) categories.push(String(point.x));
  }
  const band = PLOT_W / Math.max(1, categories.length);
  const barWidth = (band * 0.8) / Math.max(1, chart.series.length);
  const parts: string[] = [];
  categories.forEach((category, c) => {
    const labelX = MARGIN.left + band * c + band / 2;
    parts.push(text(labelX, MARGIN.top + PLOT_H + 16, category, 'text-anchor="middle"'));
    chart.series.forEach((series, s) => {
      const point = series.points.find((p) => String(p.x) === category);
      if (!point) return;
      const x = MARGIN.left + band * c + band * 0.1 + barWidth * s;
      const y = scale.y(point.y);
      const height = MARGIN.top + PLOT_H - y;
      parts.push(
        `<rect class="bar" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, barWidth - 2).toFixed(1)}" height="${Math.max(0, height).toFixed(1)}" fill="${colorOf(s)}"><title>${escapeXml(`${series.name} ${category}: ${point.y}`)}</title></rect>`,
      );
    });
  });
  return parts;
}

function lines(chart: ReportChart, scale: Scale): string[] {
  const xs = chart.series.flatMap((s) => s.points.map((p) => Number(p.x))).filter(Number.isFinite);
  const low = Math.min(...xs);
  const high = Math.max(...xs);
  const x = (v: number) =>
    MARGIN.left + (high === low ? PLOT_W / 2 : ((v - low) / (high - low)) * PLOT_W);
  const parts: string[] = [];
  for (const tick of [...new Set(xs)].sort((a, b) => a - b)) {
    parts.push(text(x(tick), MARGIN.top + PLOT_H + 16, formatTick(tick), 'text-anchor="middle"'));
  }
  chart.series.forEach((series, s) => {
    const color = colorOf(s);
    const points = series.points.map(
      (p) => `${x(Number(p.x)).toFixed(1)},${scale.y(p.y).toFixed(1)}`,
    );
    parts.push(
      `<polyline class="line" fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`,
    );
    for (const point of series.points) {
      parts.push(
        `<circle cx="${x(Number(point.x)).toFixed(1)}" cy="${scale.y(point.y).toFixed(1)}" r="3" fill="${color}"/>`,
      );
    }
  });
  return parts;
}

export function chartSvg(chart: ReportChart): string {
  const values = chart.series.flatMap((s) => s.points.map((p) => p.y)).filter(Number.isFinite);
  const scale = yScale(values, chart.logY === true);
  const body = [
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    ...axes(chart, scale),
    ...(chart.kind === 'bar' ? bars(chart, scale) : lines(chart, scale)),
    ...legend(chart),
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="11" fill="#111827" role="img" aria-label="${escapeXml(chart.title)}">`,
    `<title>${escapeXml(chart.title)}</title>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
