import type uPlot from 'uplot';

/** Distinct at a glance and ≥ 4.5:1 against white, so thin lines and legends stay readable. */
const PALETTE = [
  '#1d4ed8',
  '#c2410c',
  '#047857',
  '#7e22ce',
  '#be123c',
  '#0e7490',
  '#a16207',
  '#4d7c0f',
];

/** The same hues, light enough for ≥ 4.5:1 against the dark theme's surface. */
const DARK_PALETTE = [
  '#93c5fd',
  '#fdba74',
  '#6ee7b7',
  '#d8b4fe',
  '#fda4af',
  '#67e8f9',
  '#fde047',
  '#bef264',
];

/** Whether the page is drawn dark (`prefers-color-scheme: dark`). */
function prefersDark(): boolean {
  return window.matchMedia('(prefers-color-scheme: dark)').matches;
}

export const colorAt = (index: number): string => {
  const palette = prefersDark() ? DARK_PALETTE : PALETTE;
  return palette[index % palette.length] ?? '#1d4ed8';
};

/** A translucent fill for min–max bands. */
export const bandFill = (index: number): string => `${colorAt(index)}22`;

let supported: boolean | undefined;

/** False where canvases cannot draw (jsdom in component tests): charts show their table. */
export function canvasSupported(): boolean {
  supported ??= document.createElement('canvas').getContext('2d') !== null;
  return supported;
}

export function axis(extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  const dark = prefersDark();
  const grid = dark ? '#334155' : '#e2e8f0';
  return {
    stroke: dark ? '#cbd5e1' : '#334155',
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    font: '12px system-ui, sans-serif',
    labelFont: '12px system-ui, sans-serif',
    ...extra,
  };
}

/** Calls back with the element's content width now and whenever it changes. */
export function observeWidth(element: HTMLElement, onWidth: (width: number) => void): () => void {
  onWidth(Math.max(200, element.clientWidth));
  const observer = new ResizeObserver(() => {
    onWidth(Math.max(200, element.clientWidth));
  });
  observer.observe(element);
  return () => {
    observer.disconnect();
  };
}
