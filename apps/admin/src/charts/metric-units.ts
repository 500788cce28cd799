/**
 * What unit a metric is in: the device's `metadata.units` says (`{"power_w": "W"}`), else the
 * suffix naming convention devices commonly use (`voltage_v`, `energy_kwh`). Charts draw one
 * panel per unit, so kWh in the thousands never flattens a power factor near 1.
 */
const SUFFIXES: readonly [suffix: string, unit: string][] = [
  ['_kwh', 'kWh'],
  ['_wh', 'Wh'],
  ['_kw', 'kW'],
  ['_w', 'W'],
  ['_va', 'VA'],
  ['_v', 'V'],
  ['_ma', 'mA'],
  ['_a', 'A'],
  ['_hz', 'Hz'],
  ['_c', '°C'],
  ['_celsius', '°C'],
  ['_f', '°F'],
  ['_pct', '%'],
  ['_percent', '%'],
  ['_kmh', 'km/h'],
  ['_ms', 'ms'],
  ['_s', 's'],
  ['_m', 'm'],
  ['_km', 'km'],
  ['_l', 'L'],
  ['_bar', 'bar'],
  ['_pa', 'Pa'],
  ['_kpa', 'kPa'],
  ['_rpm', 'rpm'],
  ['_db', 'dB'],
];

/** The unit of `metric`, or undefined when nothing says. */
export function unitOf(
  metric: string,
  units?: Readonly<Record<string, unknown>>,
): string | undefined {
  const declared = units?.[metric];
  if (typeof declared === 'string' && declared.trim() !== '') return declared.trim();
  const lower = metric.toLowerCase();
  return SUFFIXES.find(([suffix]) => lower.endsWith(suffix))?.[1];
}

/** The device metadata's `units` map, if it has a usable one. */
export function unitsOf(metadata: Readonly<Record<string, unknown>> | undefined) {
  const units = metadata?.units;
  return typeof units === 'object' && units !== null && !Array.isArray(units)
    ? (units as Record<string, unknown>)
    : undefined;
}

export interface ChartPanel {
  /** Shown on the panel's y axis; metrics without a unit get a panel each. */
  unit: string | undefined;
  metrics: string[];
}

/** Small multiples: metrics that share a unit share a panel (and its y axis), in name order. */
export function panelsByUnit(
  metrics: readonly string[],
  units?: Readonly<Record<string, unknown>>,
): ChartPanel[] {
  const panels: ChartPanel[] = [];
  for (const metric of [...metrics].sort()) {
    const unit = unitOf(metric, units);
    const shared = unit === undefined ? undefined : panels.find((panel) => panel.unit === unit);
    if (shared) shared.metrics.push(metric);
    else panels.push({ unit, metrics: [metric] });
  }
  return panels;
}

/** Where each panel's colours start, so no two metrics of one chart share a colour. */
export function colorOffsets(panels: readonly ChartPanel[]): number[] {
  return panels.map((_, index) =>
    panels.slice(0, index).reduce((sum, panel) => sum + panel.metrics.length, 0),
  );
}
