import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AclStore } from '@twinwire/db/acl-store';
import type { Database } from '@twinwire/db/client';
import type { Command, CommandAck } from '@twinwire/schemas/messages';
import {
  CommandAcked,
  CommandParams,
  CommandRequest,
  CommandSent,
} from '@twinwire/schemas/rest/commands';
import { commandAckTopic, commandTopic } from '@twinwire/schemas/topics';
import { parseCommandAck } from '@twinwire/schemas/validate';
import { connectedLink, type BrokerLink, type BrokerSubscription } from '../broker-link.ts';
import { requireDevice } from '../devices/store.ts';
import { AclDenied, BrokerUnavailable, codedError } from '../errors.ts';

const CommandTimeout = codedError(
  'TWW_COMMAND_TIMEOUT',
  'device %s did not acknowledge command %s within %s ms; it was published and may still run when the device reconnects — check the device before resending',
  504,
);
import { ErrorResponse } from '@twinwire/schemas/rest/common';

/**
 * Resolves with the device's ack of command `id`, or null after `waitMs`. An answer carrying
 * MQTT 5 Correlation Data is matched by it alone [MQTT-4.10]: other bytes are another
 * request's answer, whatever its payload says. An answer without it (an MQTT 3.1.1 device, a
 * WebSocket device's ack forwarded by an API instance) is matched by the payload's `id`.
 */
function awaitAck(
  link: BrokerLink,
  topic: string,
  id: string,
  waitMs: number,
): { subscription: BrokerSubscription; ack: Promise<CommandAck | null> } {
  let settle: (ack: CommandAck | null) => void = () => undefined;
  const ack = new Promise<CommandAck | null>((resolve) => {
    settle = resolve;
  });
  const correlationData = Buffer.from(id, 'utf8');
  const subscription = link.listen(topic, (message) => {
    if (message.correlationData && !message.correlationData.equals(correlationData)) return;
    const parsed = parseCommandAck(message.payload);
    if (!parsed.ok) return;
    if (message.correlationData || parsed.value.id === id) settle(parsed.value);
  });
  const timer = setTimeout(() => {
    settle(null);
  }, waitMs);
  void ack.finally(() => {
    clearTimeout(timer);
    subscription.close();
  });
  return { subscription, ack };
}

/** `POST /devices/:id/commands/:name`: operators send a device a command over the broker. */
export const commandRoutes: FastifyPluginAsyncTypebox<{ db: Database; acl: AclStore }> = async (
  app,
  options,
) => {
  app.post(
    '/devices/:id/commands/:name',
    {
      config: { capability: 'commands.send' },
      schema: {
        operationId: 'sendCommand',
        tags: ['commands'],
        summary: 'Send a command to a device, optionally waiting for its ack',
        params: CommandParams,
        body: CommandRequest,
        response: {
          200: CommandAcked,
          202: CommandSent,
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          404: ErrorResponse,
          503: ErrorResponse,
          504: ErrorResponse,
        },
      },
    },
    async (request, reply) => {
      const { id: deviceId, name } = request.params;
      const topic = commandTopic(deviceId, name);
      const { sub, username, role } = request.user;
      // The same rules as for MQTT clients: an operator rule may deny a device's commands.
      if (!options.acl.current().authorizePublish({ kind: 'user', id: sub, username, role }, topic))
        throw new AclDenied(`publish to ${topic}`);
      await requireDevice(options.db, deviceId);
      const link = connectedLink(app);
      if (!link) throw new BrokerUnavailable();

      const command: Command = { id: randomUUID(), args: request.body.args ?? {} };
      const waitMs = request.body.waitMs ?? 0;
      // Listen before publishing: a fast device could ack before a later subscription exists.
      const ackTopic = commandAckTopic(deviceId, name);
      const waiting = waitMs > 0 ? awaitAck(link, ackTopic, command.id, waitMs) : null;
      try {
        await waiting?.subscription.ready;
        // Every command is also an MQTT 5 request: the ack topic as Response Topic (one the
        // device may publish to, and one every API instance waiting for it subscribes to) and
        // the command id as Correlation Data. MQTT 3.1.1 devices never see these properties
        // and answer on the ack topic with the id in the payload, as before.
        await link.publish(topic, JSON.stringify(command), {
          qos: 1,
          request: { responseTopic: ackTopic, correlationData: Buffer.from(command.id, 'utf8') },
        });
      } catch (error) {
        waiting?.subscription.close();
        request.log.warn({ err: error, deviceId, name }, 'command not published');
        throw new BrokerUnavailable();
      }
      if (!waiting) return reply.code(202).send({ id: command.id });
      const ack = await waiting.ack;
      if (ack) return reply.code(200).send({ id: command.id, ack });
      throw new CommandTimeout(deviceId, `${name} (${command.id})`, waitMs);
    },
  );
};
