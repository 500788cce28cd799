/**
 * The protocol lab's quick profile, with tiny sizes, against a Twinwire it starts on free
 * ports over this run's PostgreSQL: the report matches its schema and its numbers are sane.
 * Timings are never asserted.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '@twinwire/db/testing';
import type { LabReport, ReportTable } from '@twinwire/schemas/lab-report';
import { validators } from '@twinwire/schemas/validate';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROFILES, type ProfileSizes } from '../src/lab/profiles.ts';
import { runLab } from '../src/lab/run-lab.ts';

const TINY: ProfileSizes = {
  latency: { idleSamples: 30, loadConnections: 1, loadWindow: 4, loadMs: 200 },
  wire: { payloads: [16, 1_024, 65_536], messages: 2 },
  throughput: { rate: 500, connections: 1, measureMs: 300, window: 200 },
  connections: { count: 20, concurrency: 10 },
  fanOut: { subscribers: [5], deliveriesPerSecond: 500, maxRate: 100, measureMs: 400 },
  unreliable: {
    runMs: 4_000,
    ratePerSecond: 25,
    dropsPerMinute: 30,
    outageMs: 800,
    drainMs: 10_000,
  },
  security: { connects: 3, aclRules: [0, 10], aclChecks: 5_000 },
  endToEnd: { ratePerSecond: 20, measureMs: 500 },
  budgets: PROFILES.quick.budgets,
};

function table(report: LabReport, scenario: string, title: string): ReportTable {
  const found = report.scenarios
    .find((s) => s.id === scenario)
    ?.tables.find((t) => t.title.startsWith(title));
  if (!found) throw new Error(`no table "${title}" in ${scenario}`);
  return found;
}

describe('twinwire-sim bench, quick profile with tiny sizes', () => {
  let report: LabReport;
  let outDir: string;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const database = await createTestDatabase(inject('postgresUrl'));
    drop = () => database.drop();
    outDir = await mkdtemp(path.join(tmpdir(), 'twinwire-lab-test-'));
    report = await runLab({
      profile: 'quick',
      sizes: TINY,
      databaseUrl: database.url,
      outDir,
      log: () => undefined,
    });
  }, 110_000);

  afterAll(async () => {
    await drop();
    await rm(outDir, { recursive: true, force: true });
  });

  it('writes a report that matches the LabReport schema, with every scenario and no failure', () => {
    expect(validators.labReport.Check(report)).toBe(true);
    expect(report.scenarios.map((s) => s.id)).toEqual([
      'latency',
      'wire-bytes',
      'throughput',
      'connections',
      'fan-out',
      'unreliable-network',
      'security',
      'end-to-end',
    ]);
    for (const scenario of report.scenarios) {
      expect(
        scenario.notes.filter((note) => /FAILED|failed —/.test(note)),
        scenario.id,
      ).toEqual([]);
      expect(scenario.tables.length, scenario.id).toBeGreaterThan(0);
    }
  });

  it('gives each of the seven claims a verdict computed from measured numbers', () => {
    expect(report.claims.map((c) => c.id)).toEqual([
      'latency',
      'wire-size',
      'connections',
      'fan-out',
      'reliability',
      'security',
      'pattern',
    ]);
    for (const claim of report.claims) {
      expect(['held', 'did-not-hold', 'mixed'], claim.id).toContain(claim.verdict);
      expect(claim.evidence).toMatch(/\d/);
    }
  });

  it('counts at least the protocol minimum of bytes for every message', () => {
    const rows = table(report, 'wire-bytes', 'Bytes per message').rows;
    expect(rows.length).toBe(7 * TINY.wire.payloads.length);
    for (const row of rows) {
      expect(row.up as number, String(row.transport)).toBeGreaterThanOrEqual(row.minUp as number);
      expect(row.down as number, String(row.transport)).toBeGreaterThanOrEqual(
        row.minDown as number,
      );
      expect(row.minUp as number).toBeGreaterThan(row.payload as number);
    }
  });

  it('puts an MQTT 5 row beside 3.1.1 whose PUBLISHes carry a topic alias instead of the topic', () => {
    const rows = table(report, 'wire-bytes', 'Bytes per message').rows;
    const sixteen = (transport: string) =>
      rows.find((r) => r.transport === transport && r.payload === 16);
    const v3 = sixteen('MQTT/TCP');
    const v5 = sixteen('MQTT 5/TCP (topic alias)');
    // MQTT 5.0 §3.3.2.3.4: with an alias the topic is empty; 8 B of overhead is the alias form.
    expect(v5?.up).toBe(v5?.minUp);
    expect(v5?.overheadUp).toBe(8);
    expect(v5?.up as number).toBeLessThan(v3?.up as number);
    // The broker aliases its deliveries to the device too (the device allows 10 aliases).
    expect(v5?.down as number).toBeLessThan(v3?.down as number);
    const wire = report.claims.find((c) => c.id === 'wire-size');
    expect(wire?.evidence).toContain('MQTT 5/TCP with a topic alias 8 B');
  });

  it('measures MQTT 5 beside 3.1.1 in the latency and throughput tables', () => {
    for (const [scenario, title] of [
      ['latency', 'Round trip, one message'],
      ['latency', 'Round trip under load'],
      ['throughput', 'Delivered msgs/s'],
    ] as const) {
      const rows = table(report, scenario, title).rows;
      const v5 = rows.filter((r) => r.transport === 'MQTT 5/TCP (topic alias)');
      expect(v5.length, `${scenario}: ${title}`).toBeGreaterThan(0);
      for (const row of v5) expect(String(row.vsV3)).toMatch(/\d×/);
    }
  });

  it('loses no QoS 1 or acknowledged WebSocket reading through the fault proxy', () => {
    const rows = table(report, 'unreliable-network', 'Readings').rows;
    const lane = (prefix: string) => rows.find((r) => String(r.variant).startsWith(prefix));
    expect(lane('MQTT QoS 1')?.lost).toBe(0);
    expect(lane('MQTT QoS 1')?.sent as number).toBeGreaterThan(0);
    expect(lane('WebSocket device protocol')?.lost).toBe(0);
    expect(lane('WebSocket device protocol')?.duplicates).toBe(0);
  });

  it('writes report.json, report.md and one SVG per chart', async () => {
    const json = JSON.parse(await readFile(path.join(outDir, 'report.json'), 'utf8')) as unknown;
    expect(validators.labReport.Check(json)).toBe(true);
    const markdown = await readFile(path.join(outDir, 'report.md'), 'utf8');
    expect(markdown).toContain('## Claims on this machine');
    expect(markdown).toContain('## Verdict rules');
    const charts = await readdir(path.join(outDir, 'charts'));
    const expected = report.scenarios.reduce((sum, s) => sum + s.charts.length, 0);
    expect(charts.filter((f) => f.endsWith('.svg'))).toHaveLength(expected);
  });
});
