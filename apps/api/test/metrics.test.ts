// /metrics through app.inject, without a broker: the broker link reported down, and
// METRICS_TOKEN guarding the scrape (the scrape over a real port, with a broker, is in
// apps/platform/test/metrics.test.ts).
import { parseExposition, valueOf } from '@twinwire/testing/prometheus';
import { describe, expect, it } from 'vitest';
import { buildTestApi } from './helpers/build-app.ts';

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
