import { render, screen, within } from '@testing-library/react';
import type { Alarm } from '@twinwire/schemas/alarms';
import type uPlot from 'uplot';
import { describe, expect, it } from 'vitest';
import { AlarmLegend } from './alarm-legend.tsx';
import { alarmSpansOf, alarmSpansPlugin, visiblePart } from './alarm-spans.ts';

const base: Alarm = {
  id: '00000000-0000-4000-8000-000000000001',
  ruleId: null,
  ruleName: 'Boiler too hot',
  deviceId: 'boiler-1',
  severity: 'critical',
  state: 'cleared',
  message: 'boiler-1: temp is 95',
  value: 95,
  raisedAt: '2026-12-07T10:00:00.000Z',
  acknowledgedAt: null,
  acknowledgedBy: null,
  clearedAt: '2026-12-07T10:05:00.000Z',
  clearedBy: null,
};
const open: Alarm = {
  ...base,
  id: '00000000-0000-4000-8000-000000000002',
  ruleName: 'Pressure low',
  severity: 'warning',
  state: 'raised',
  message: 'boiler-1: pressure is 1',
  raisedAt: '2026-12-07T10:10:00.000Z',
  clearedAt: null,
};
const at = (iso: string) => Date.parse(iso);

describe('the alarms on a device chart', () => {
  it('lists each alarm of the range with its severity, rule, message and raised → cleared', () => {
    render(<AlarmLegend alarms={[open, base]} />);
    const list = screen.getByRole('list', { name: 'Alarms in this range' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((item) => item.dataset.severity)).toEqual(['warning', 'critical']);
    expect(items[0]?.textContent).toContain('Pressure low');
    expect(items[0]?.textContent).toMatch(/→ open$/);
    expect(items[1]?.textContent).toContain('boiler-1: temp is 95');
    expect(items[1]?.textContent).not.toContain('open');
  });

  it('renders nothing for a range without alarms', () => {
    const { container } = render(<AlarmLegend alarms={[]} />);
    expect(container.textContent).toBe('');
  });

  it('clips a span to the visible range; an open alarm reaches its end', () => {
    const [cleared, raised] = alarmSpansOf([open, base]);
    expect(cleared?.id).toBe(base.id);
    const range = { min: at('2026-12-07T10:03:00Z'), max: at('2026-12-07T10:20:00Z') };
    expect(cleared && visiblePart(cleared, range.min, range.max)).toEqual({
      start: range.min,
      end: at(base.clearedAt ?? ''),
    });
    expect(raised && visiblePart(raised, range.min, range.max)).toEqual({
      start: at(open.raisedAt),
      end: range.max,
    });
    expect(cleared && visiblePart(cleared, at('2026-12-07T10:06:00Z'), range.max)).toBeNull();
  });

  it('draws a band per visible alarm in its severity colour, with a line where it was raised', () => {
    const fills: { style: string; x: number; width: number }[] = [];
    const ctx = {
      fillStyle: '',
      save: () => undefined,
      restore: () => undefined,
      beginPath: () => undefined,
      rect: () => undefined,
      clip: () => undefined,
      fillRect(x: number, _y: number, width: number) {
        fills.push({ style: this.fillStyle, x, width });
      },
    };
    const min = at('2026-12-07T10:03:00Z');
    const max = at('2026-12-07T10:20:00Z');
    const plot = {
      scales: { x: { min, max } },
      ctx,
      bbox: { left: 0, top: 0, width: 1700, height: 100 },
      // One pixel per 600 ms from min.
      valToPos: (value: number) => (value - min) / 600,
    } as unknown as uPlot;
    const plugin = alarmSpansPlugin(() => alarmSpansOf([open, base]));
    const draw = plugin.hooks.drawClear as (plot: uPlot) => void;
    draw(plot);
    expect(fills).toEqual([
      // Raised before the range: a band from its left edge, no raise line.
      { style: '#d92d2026', x: 0, width: 200 },
      { style: '#dc680326', x: 700, width: 1000 },
      { style: '#dc6803', x: 700, width: 2 },
    ]);
  });
});
