import { readFileSync } from 'node:fs';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import schemasPackage from '../package.json' with { type: 'json' };
import { buildAsyncApiDocument, renderAsyncApiJson } from './asyncapi.ts';

const committedPath = new URL('../asyncapi.json', import.meta.url);

describe('AsyncAPI document', () => {
  it('parses with @asyncapi/parser without errors', { timeout: 30_000 }, async () => {
    const { document, diagnostics } = await new Parser().parse(
      JSON.stringify(buildAsyncApiDocument()),
    );
    // The parser's diagnostics and its DiagnosticSeverity come from two @stoplight/types
    // versions, so compare the numbers rather than the enum types.
    const error: number = DiagnosticSeverity.Error;
    const errors = diagnostics.filter((diagnostic) => {
      const severity: number = diagnostic.severity;
      return severity === error;
    });
    expect(errors).toEqual([]);
    expect(document?.version()).toBe('3.0.0');
    expect(
      document
        ?.channels()
        .all()
        .map((channel) => channel.address()),
    ).toEqual([
      'devices/{deviceId}/telemetry',
      'devices/{deviceId}/status',
      'devices/{deviceId}/commands/{name}',
      'devices/{deviceId}/commands/{name}/ack',
      'devices/{deviceId}/errors',
      'alarms/{deviceId}',
      '/ws/live',
      '/ws/device',
    ]);
  });

  it('matches the committed asyncapi.json (run `pnpm generate` after changing a schema)', () => {
    const committed = readFileSync(committedPath, 'utf8');
    expect(JSON.parse(committed)).toEqual(buildAsyncApiDocument());
    expect(committed).toBe(renderAsyncApiJson());
  });

  it('carries this package’s version, so the version is written in package.json only', () => {
    const { info } = buildAsyncApiDocument() as { info: { version: string } };
    expect(info.version).toBe(schemasPackage.version);
    expect(info.version).toMatch(/^0\.\d+\.\d+$/);
  });

  it('contains plain JSON Schema: no TypeBox markers, nothing JSON cannot carry', () => {
    const text = JSON.stringify(buildAsyncApiDocument());
    expect(text).not.toContain('~kind');
    expect(JSON.parse(text)).toEqual(buildAsyncApiDocument());
  });

  it('describes the servers with their default ports', () => {
    const { servers } = buildAsyncApiDocument() as {
      servers: Record<string, { host: string; protocol: string; pathname?: string }>;
    };
    expect(servers.mqtt).toMatchObject({ host: 'localhost:1883', protocol: 'mqtt' });
    expect(servers['mqtt-ws']).toMatchObject({ host: 'localhost:8083', pathname: '/mqtt' });
    expect(servers.api).toMatchObject({ host: 'localhost:3000', protocol: 'ws' });
  });

  it('says every MQTT listener speaks MQTT 3.1.1 and 5.0', () => {
    const { servers } = buildAsyncApiDocument() as {
      servers: Record<string, { description: string }>;
    };
    for (const name of ['mqtt', 'mqtt-tls', 'mqtt-ws'])
      expect(servers[name]?.description, name).toMatch(/MQTT 3\.1\.1 and 5\.0/);
  });

  it('describes commands as MQTT 5.0 requests: response topic, correlation data, the ack as reply', () => {
    const document = buildAsyncApiDocument() as {
      components: { messages: Record<string, { bindings?: { mqtt?: Record<string, unknown> } }> };
      operations: Record<string, { reply?: { channel: { $ref: string } } }>;
    };
    expect(document.components.messages.command?.bindings?.mqtt).toMatchObject({
      responseTopic: 'devices/{deviceId}/commands/{name}/ack',
      correlationData: { type: 'string' },
    });
    expect(document.components.messages.commandAck?.bindings?.mqtt).toHaveProperty(
      'correlationData',
    );
    expect(document.operations.sendCommand?.reply?.channel).toEqual({
      $ref: '#/channels/commandAck',
    });
  });
});
