import type uPlot from 'uplot';

/** Distinct at a glance and ≥ 4.5:1 against white, so thin lines and legends stay readable. */
export const PALETTE = [
  '#1d4ed8',
  '#c2410c',
  '#047857',
  '#7e22ce',
  '#be123c',
  '#0e7490',
  '#a16207',
  '#4d7c0f',
];

export const colorAt = (index: number): string => PALETTE[index % PALETTE.length] ?? '#1d4ed8';

/** A translucent fill for min–max bands. */
export const bandFill = (index: number): string => `${colorAt(index)}22`;

let supported: boolean | undefined;

/** False where canvases cannot draw (jsdom in component tests): charts show their table. */
export function canvasSupported(): boolean {
  supported ??= document.createElement('canvas').getContext('2d') !== null;
  return supported;
}

const axisColor = '#334155';
const gridColor = '#e2e8f0';

export function axis(extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return {
    stroke: axisColor,
    grid: { stroke: gridColor, width: 1 },
    ticks: { stroke: gridColor, width: 1 },
    font: '12px system-ui, sans-serif',
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
