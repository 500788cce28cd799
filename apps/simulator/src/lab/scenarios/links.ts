/** Opening the lab's links to the echo, sink and fan-out paths with the run's naming. */
import type { LabContext } from '../context.ts';
import { openLink, type Link, type Transport } from '../transports.ts';

/** A raw WebSocket link to `wsPath` on the baseline, or an MQTT link on `<prefix>/<topic>`. */
export function openLabLink(
  context: LabContext,
  transport: Transport,
  name: string,
  routes: { wsPath: string; publish: string; subscribe?: string; qos?: 0 | 1 | 2 },
): Promise<Link> {
  return openLink({
    transport,
    endpoints: context.endpoints,
    wsPath: routes.wsPath,
    mqtt: {
      clientId: `user/lab-${context.runId}-${name}`,
      ...context.target.mqttAuth,
      publishTopic: `${context.topicPrefix}/${routes.publish}`,
      ...(routes.subscribe === undefined
        ? {}
        : { subscribeTopic: `${context.topicPrefix}/${routes.subscribe}` }),
      qos: routes.qos ?? 0,
    },
  });
}

/** The echo round trip: raw WebSocket `/echo`, or MQTT ping → helper app → pong. */
export function openEchoLink(
  context: LabContext,
  transport: Transport,
  name: string,
): Promise<Link> {
  return openLabLink(context, transport, name, {
    wsPath: '/echo',
    publish: `echo/${name}/ping`,
    subscribe: `echo/${name}/pong`,
  });
}

export async function closeLinks(links: readonly Link[]): Promise<void> {
  await Promise.all(links.map((link) => link.close().catch(() => undefined)));
}
