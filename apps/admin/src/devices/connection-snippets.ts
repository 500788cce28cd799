import type { IssuedCredential } from '../api/devices-api.ts';
import type { RuntimeConfig } from '../config/runtime-config.ts';

export interface Snippet {
  id: string;
  label: string;
  code: string;
}

/** Copy-ready ways to connect a device with a freshly issued credential. */
export function connectionSnippets(
  credential: IssuedCredential,
  urls: Pick<RuntimeConfig, 'mqttUrl' | 'mqttWsUrl' | 'deviceWsUrl'>,
): Snippet[] {
  const { mqtt, websocket } = credential.connect;
  const broker = new URL(urls.mqttUrl);
  const tls = broker.protocol === 'mqtts:';
  const port = broker.port || (tls ? '8883' : '1883');
  const topic = `devices/${credential.deviceId}/telemetry`;
  return [
    {
      id: 'mqtt-cli',
      label: 'MQTT · mosquitto_pub',
      code: [
        `mosquitto_pub -h ${broker.hostname} -p ${port}${tls ? ' --capath /etc/ssl/certs' : ''} \\`,
        `  -i '${mqtt.clientId}' -u '${mqtt.username}' -P '${mqtt.password}' \\`,
        `  -t '${topic}' -q 1 \\`,
        `  -m "{\\"ts\\":$(date +%s%3N),\\"seq\\":1,\\"metrics\\":{\\"temperature\\":21.5}}"`,
      ].join('\n'),
    },
    {
      id: 'mqtt-js',
      label: 'MQTT · mqtt.js',
      code: [
        `import mqtt from 'mqtt';`,
        ``,
        `const client = await mqtt.connectAsync('${urls.mqttUrl}', {`,
        `  clientId: '${mqtt.clientId}',`,
        `  username: '${mqtt.username}',`,
        `  password: '${mqtt.password}',`,
        `});`,
        `const reading = { ts: Date.now(), seq: 1, metrics: { temperature: 21.5 } };`,
        `await client.publishAsync('${topic}', JSON.stringify(reading), { qos: 1 });`,
      ].join('\n'),
    },
    {
      id: 'mqtt-ws',
      label: 'MQTT over WebSocket · mqtt.js',
      code: [
        `import mqtt from 'mqtt';`,
        ``,
        `// Also in a browser: mqtt.js speaks MQTT inside a WebSocket (subprotocol "mqtt").`,
        `const client = await mqtt.connectAsync('${urls.mqttWsUrl}', {`,
        `  clientId: '${mqtt.clientId}',`,
        `  username: '${mqtt.username}',`,
        `  password: '${mqtt.password}',`,
        `});`,
        `const reading = { ts: Date.now(), seq: 1, metrics: { temperature: 21.5 } };`,
        `await client.publishAsync('${topic}', JSON.stringify(reading), { qos: 1 });`,
      ].join('\n'),
    },
    {
      id: 'websocket',
      label: 'WebSocket · Node (ws)',
      code: [
        `import WebSocket from 'ws';`,
        ``,
        `const socket = new WebSocket('${urls.deviceWsUrl}', {`,
        `  headers: { authorization: '${websocket.headers.authorization}' },`,
        `});`,
        `socket.on('open', () => {`,
        `  const reading = { ts: Date.now(), seq: 1, metrics: { temperature: 21.5 } };`,
        `  socket.send(JSON.stringify({ type: 'telemetry', id: '1', reading }));`,
        `});`,
        `// { type: 'ack', id: '1' } once stored; commands arrive as { type: 'command', … }`,
        `socket.on('message', (data) => console.log(String(data)));`,
      ].join('\n'),
    },
  ];
}
