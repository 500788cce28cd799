/**
 * The topics the lab's own clients use (`lab/<run>/…`), opened by ACL rules the lab creates
 * through the API for this run and deletes afterwards — the broker enforces them like any
 * other rule, which is part of what is measured.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import mqtt from 'mqtt';
import type { ApiClient } from '../api/api-client.ts';

export interface LabTopics {
  prefix: string;
  close(): Promise<void>;
}

export async function openLabTopics(
  api: ApiClient,
  options: { runId: string; mqttUrl: string; mqttAuth: { username?: string; password?: string } },
): Promise<LabTopics> {
  const prefix = `lab/${options.runId}`;
  const ruleIds: string[] = [];
  const description = `protocol lab run ${options.runId}`;
  const close = async () => {
    for (const id of ruleIds) await api.deleteRule(id).catch(() => undefined);
  };
  try {
    for (const role of ['viewer', 'admin'] as const) {
      for (const action of ['publish', 'subscribe'] as const) {
        ruleIds.push(
          await api.createRule({
            effect: 'allow',
            action,
            topic: `${prefix}/#`,
            role,
            description,
          }),
        );
      }
    }
    await waitForRules(prefix, options.mqttUrl, options.mqttAuth);
  } catch (error) {
    await close();
    throw error;
  }
  return { prefix, close };
}

/** Rules reach the broker by NOTIFY; a publish seen by our own subscription proves both rules. */
async function waitForRules(
  prefix: string,
  url: string,
  auth: { username?: string; password?: string },
): Promise<void> {
  const client = await mqtt.connectAsync(url, {
    clientId: `user/lab-probe-${process.pid}`,
    ...auth,
    reconnectPeriod: 0,
  });
  client.on('error', () => undefined);
  try {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const [grant] = await client.subscribeAsync(`${prefix}/probe`, { qos: 0 });
      if (grant && grant.qos !== 128) {
        const seen = new Promise<boolean>((resolve) => {
          client.once('message', () => {
            resolve(true);
          });
          setTimeout(() => {
            resolve(false);
          }, 300);
        });
        client.publish(`${prefix}/probe`, 'probe');
        if (await seen) return;
      }
      await sleep(200);
    }
    throw new Error(`the broker did not apply the lab's ACL rules for ${prefix}/# within 15 s`);
  } finally {
    await client.endAsync(true);
  }
}
