// /metrics through app.inject, without a broker: the broker link reported down, and
// METRICS_TOKEN guarding the scrape (the scrape over a real port, with a broker, is in
// apps/platform/test/metrics.test.ts).
import { describe, expect, it } from 'vitest';
import { buildTestApi } from './helpers/build-app.ts';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const [, name = '', labelText = '', value = ''] = match;
    const labels = Object.fromEntries(
      [...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key = '', text = '']) => [
        key,
        text,
      ]),
    );
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

/** The value of the sample with this name and exactly these labels (undefined: absent). */
function valueOf(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (sample) =>
      sample.name === name &&
      Object.keys(sample.labels).length === Object.keys(labels).length &&
      Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  )?.value;
}

describe('/metrics without a broker, through app.inject', () => {
  it('reports the broker link as down and serves the scrape without a token by default', async () => {
    const api = await buildTestApi();
    try {
      const response = await api.app.inject({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(valueOf(parseExposition(response.body), 'twinwire_api_broker_connected')).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('with METRICS_TOKEN, refuses a scrape without that bearer token', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const api = await buildTestApi({ METRICS_TOKEN: token });
    try {
      const scrape = (authorization?: string) =>
        api.app.inject({
          method: 'GET',
          url: '/metrics',
          headers: authorization ? { authorization } : {},
        });
      const anonymous = await scrape();
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toMatchObject({ code: 'TWW_UNAUTHORIZED' });
      expect(anonymous.body).not.toContain('process_cpu_seconds_total');
      expect((await scrape(`Bearer ${token}x`)).statusCode).toBe(401);
      expect((await scrape(`Basic ${token}`)).statusCode).toBe(401);
      const allowed = await scrape(`Bearer ${token}`);
      expect(allowed.statusCode).toBe(200);
      expect(allowed.body).toMatch(/^process_cpu_seconds_total \d/m);
    } finally {
      await api.close();
    }
  });
});
