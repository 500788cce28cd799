import type { ReportChart } from '@twinwire/schemas/lab-report';
import { describe, expect, it } from 'vitest';
import { chartSvg, escapeXml, formatTick, niceStep } from './svg.ts';

const bars: ReportChart = {
  title: 'Round trip <p50> & p99',
  kind: 'bar',
  xLabel: 'transport',
  yLabel: 'ms',
  series: [
    {
      name: 'p50',
      points: [
        { x: 'ws', y: 0.1 },
        { x: 'mqtt', y: 0.5 },
        { x: 'mqtts', y: 0.6 },
      ],
    },
    {
      name: 'p99',
      points: [
        { x: 'ws', y: 0.7 },
        { x: 'mqtt', y: 4.9 },
        { x: 'mqtts', y: 6.1 },
      ],
    },
  ],
};

describe('chartSvg', () => {
  it('draws one bar per series and category, with title, axis labels and legend', () => {
    const svg = chartSvg(bars);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/class="bar"/g)).toHaveLength(6);
    expect(svg).toContain('Round trip &lt;p50&gt; &amp; p99');
    expect(svg).toContain('>transport</text>');
    expect(svg).toContain('>p99</text>');
    expect(svg).not.toMatch(/NaN|undefined|<script/);
  });

  it('draws a polyline per series for line charts, with points on a log scale when asked', () => {
    const svg = chartSvg({
      title: 'bytes',
      kind: 'line',
      xLabel: 'payload',
      yLabel: 'bytes',
      logY: true,
      series: [{ name: 'mqtt', points: [16, 1024, 65536].map((x) => ({ x, y: x + 37 })) }],
    });
    expect(svg.match(/<polyline/g)).toHaveLength(1);
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg).toContain('bytes (log)');
    expect(svg).not.toMatch(/NaN/);
  });

  it('copes with an all-zero series', () => {
    const svg = chartSvg({ ...bars, series: [{ name: 'lost', points: [{ x: 'a', y: 0 }] }] });
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});

describe('axis helpers', () => {
  it('picks 1-2-5 steps and short tick labels', () => {
    expect(niceStep(10, 5)).toBe(2);
    expect(niceStep(0.7, 5)).toBeCloseTo(0.2);
    expect(niceStep(4_300, 5)).toBe(1_000);
    expect(formatTick(25_000)).toBe('25k');
    expect(formatTick(2_500_000)).toBe('2.5M');
    expect(formatTick(0.05)).toBe('0.05');
  });

  it('escapes XML', () => {
    expect(escapeXml(`<a href="x">&</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });
});
