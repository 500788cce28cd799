import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// jsdom has no layout engine: uPlot reads matchMedia at import to track the pixel ratio,
// and canvases have no 2D context. Charts detect the missing context and show their tables.
window.matchMedia = (query: string) =>
  ({
    matches: false,
    media: query,
    onchange: null,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => false,
  }) as unknown as MediaQueryList;
HTMLCanvasElement.prototype.getContext = () => null;

afterEach(() => {
  cleanup();
});
