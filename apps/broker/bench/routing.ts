/**
 * Benchmark 1, routing: N service publishers → 1 service subscriber through the full auth
 * and ACL hooks, at fixed rates and at saturation, QoS 0 and 1. The same load runs against
 * three baselines in the same run, scenario by scenario (so a burst of outside load hits
 * all alike): a plain Mosquitto; aedes without our hooks and packet guard, which tells
 * aedes' own cost from ours; and a Node relay that only frames packets, the floor for any
 * broker on Node.
 */
import { availableParallelism } from 'node:os';
import { createTestDatabase } from '@twinwire/db/testing';
import { closeAll, connectClient } from './clients.ts';
import { loopbackBrokerEnv } from '../src/config.ts';
import {
  RoutingLoad,
  SUBSCRIPTION,
  type Measurement,
  type Phases,
  type Scenario,
} from './routing-load.ts';
import { PAYLOAD_BYTES } from './routing-publishers.ts';
import { baselineRow, detail, label, ourRow, v5Row } from './routing-rows.ts';
import { combineRounds, type RoundedMeasurement } from './rounds.ts';
import { progress } from './stats.ts';
import type { Row } from './stats.ts';
import {
  findMosquitto,
  startBareAedes,
  startMosquitto,
  startNodeRelay,
  startOurBroker,
  type BrokerTarget,
} from './targets.ts';

export interface RoutingOptions {
  publishers: number;
  rates: number[];
  phases: Phases;
  /** Each scenario runs this many times per broker, the brokers taking turns. */
  rounds: number;
  serviceSecret: string;
  cpuProfileDir: string | undefined;
}

const WARMUP_PASS: Phases = { warmupMs: 700, measureMs: 300, window: { qos0: 20, qos1: 10 } };

type Kind = 'twinwire' | 'twinwire-v5' | 'aedes' | 'relay' | 'mosquitto';
interface Contender {
  kind: Kind;
  target: BrokerTarget;
  load: RoutingLoad;
  results: RoundedMeasurement[];
}

export async function benchRouting(
  adminUrl: string,
  options: RoutingOptions,
): Promise<{ rows: Row[]; details: Record<string, string>[]; notes: string[] }> {
  const scenarios: Scenario[] = ([0, 1] as const).flatMap((qos) => [
    ...options.rates.map((r) => ({ qos, rate: r })),
    { qos, rate: 'max' as const },
  ]);
  const notes: string[] = [];
  const database = await createTestDatabase(adminUrl);
  const contenders: Contender[] = [];
  const stops: (() => Promise<void>)[] = [];
  try {
    progress(
      'routing: starting twinwire (MQTT 3.1.1 and 5.0 clients), aedes (bare), the node relay and mosquitto',
    );
    const ours = await startOurBroker({
      env: brokerEnv(options.serviceSecret),
      databaseUrl: database.url,
      cpuProfileDir: options.cpuProfileDir,
    });
    stops.push(() => ours.stop());
    const service = { username: 'service', password: options.serviceSecret };
    contenders.push(await contender('twinwire', ours, options, service, stops));
    // The same broker, the same load, MQTT 5.0 clients: a process of its own, so that its
    // CPU and memory are its own.
    const oursV5 = await startOurBroker({
      env: brokerEnv(options.serviceSecret),
      databaseUrl: database.url,
      cpuProfileDir: options.cpuProfileDir,
      name: 'twinwire (MQTT 5)',
    });
    stops.push(() => oursV5.stop());
    contenders.push(await contender('twinwire-v5', oursV5, options, service, stops, 5));
    const bare = await startBareAedes(options.cpuProfileDir);
    stops.push(() => bare.stop());
    contenders.push(await contender('aedes', bare, options, {}, stops));
    const relay = await startNodeRelay(options.cpuProfileDir);
    stops.push(() => relay.stop());
    contenders.push(await contender('relay', relay, options, {}, stops));
    const binary = findMosquitto();
    if (binary) {
      const mosquitto = await startMosquitto(binary);
      stops.push(() => mosquitto.stop());
      contenders.push(await contender('mosquitto', mosquitto, options, {}, stops));
    } else {
      notes.push('no mosquitto binary found: no baseline, ratios not computed');
    }

    // An untimed pass first, so that JIT compilation and lazily built state are not
    // charged to whichever broker and scenario happen to come first.
    progress('routing: warm-up pass');
    for (const entry of contenders) {
      for (const qos of [0, 1] as const) {
        await entry.load.run({ qos, rate: options.rates[0] ?? 1_000 }, WARMUP_PASS);
      }
    }
    for (const scenario of scenarios) {
      const rounds = contenders.map((): Measurement[] => []);
      for (let round = 0; round < options.rounds; round += 1) {
        // Rotating who goes first keeps any periodic disturbance from favouring one broker.
        for (let turn = 0; turn < contenders.length; turn += 1) {
          const index = (turn + round) % contenders.length;
          const entry = contenders[index]!;
          progress(
            `routing: ${label(scenario)} — ${entry.target.name}, round ${round + 1}/${options.rounds}`,
          );
          rounds[index]!.push(await entry.load.run(scenario, options.phases));
        }
      }
      contenders.forEach((entry, index) => entry.results.push(combineRounds(rounds[index]!)));
    }
  } finally {
    for (const stop of stops.reverse()) await stop();
    await database.drop();
  }
  for (const { target } of contenders) {
    const crash = target.crashed();
    if (crash) notes.push(`CRASH: ${crash} (its stderr went to this run's stderr).`);
  }

  const rows: Row[] = [];
  const details: Record<string, string>[] = [];
  const resultsOf = (kind: Kind) => contenders.find((entry) => entry.kind === kind)?.results;
  const [ours, oursV5, bare, relay, mosquitto] = [
    resultsOf('twinwire')!,
    resultsOf('twinwire-v5'),
    resultsOf('aedes'),
    resultsOf('relay'),
    resultsOf('mosquitto'),
  ];
  ours.forEach((measurement, index) => {
    const baseline = mosquitto?.[index];
    rows.push(ourRow(measurement, baseline, relay?.[index]));
    details.push(detail('twinwire', measurement, bare?.[index]));
    const v5 = oursV5?.[index];
    if (v5) {
      rows.push(v5Row(v5, measurement, baseline));
      details.push(detail('twinwire, MQTT 5', v5, bare?.[index]));
    }
    const aedes = bare?.[index];
    if (aedes) {
      rows.push(baselineRow('aedes (bare)', aedes, baseline));
      details.push(detail('aedes (bare)', aedes, undefined));
    }
    const floor = relay?.[index];
    if (floor) {
      rows.push(baselineRow('node relay (floor)', floor, baseline));
      details.push(detail('node relay (floor)', floor, undefined));
    }
    if (baseline) {
      rows.push(baselineRow('mosquitto', baseline, undefined));
      details.push(detail('mosquitto', baseline, undefined));
    }
  });
  notes.push(
    `${options.publishers} publishers (service/pub-N → devices/bench-N/commands/noop, ${PAYLOAD_BYTES}-byte payloads) → 1 subscriber (service/sub, ${SUBSCRIPTION}, QoS 1 subscription); ` +
      `${options.phases.warmupMs / 1000}s warm-up then ${options.phases.measureMs / 1000}s measured, ${options.rounds} round(s) per row with the brokers taking turns: CPU µs/msg is the median round, "vs mosquitto" the median of the per-round ratios (range in brackets), latencies pooled over all rounds; saturation windows: QoS 1 ${options.phases.window.qos1} un-PUBACKed, QoS 0 ${options.phases.window.qos0} undelivered per publisher.`,
    'twinwire: createBroker() with auth + ACL hooks, packet guard and metrics, MQTT_MAX_PUBLISH_RATE=0 (the 1,000/s per-connection default would cap saturation at 50k/s), MQTT_RECEIVE_MAXIMUM=65535 (mqtt.js publishers do not keep to a Receive Maximum). ' +
      'twinwire, MQTT 5: a second such broker process under the same load from MQTT 5.0 publishers and subscriber; "vs MQTT 3.1.1" is its CPU per message over the 3.1.1 row’s, median of the per-round ratios. ' +
      'aedes (bare): Aedes.createBroker() on a net server with TCP_NODELAY, anonymous. ' +
      'node relay (floor): a net server with TCP_NODELAY that frames packets by their fixed header and writes each PUBLISH to the subscriber as it arrives, with no topic matching, sessions or auth: what any broker on Node pays per message before doing a broker’s work. ' +
      'mosquitto 2: anonymous, set_tcp_nodelay true, no queue/in-flight caps.',
    `CPU µs/msg = broker process user+system CPU (all threads, from /proc/<pid>/stat for every broker) over the measured window / messages delivered in it. Publishers run in a worker thread, the subscriber in the main thread, all on the same ${availableParallelism()} cores as the broker. ` +
      '"CPU cores used" splits the machine over the window; "others" is load from outside this bench (the machine is shared).',
  );
  return { rows, details, notes };
}

async function contender(
  kind: Kind,
  target: BrokerTarget,
  options: RoutingOptions,
  credentials: { username?: string; password?: string },
  stops: (() => Promise<void>)[],
  protocolVersion: 4 | 5 = 4,
): Promise<Contender> {
  const subscriber = await connectClient(target.mqttPort, {
    clientId: 'service/sub',
    protocolVersion,
    ...credentials,
  });
  stops.push(() => closeAll([subscriber]));
  const [grant] = await subscriber.subscribeAsync(SUBSCRIPTION, { qos: 1 });
  if (grant?.qos !== 1) throw new Error(`${target.name} refused the subscription: ${grant?.qos}`);
  const load = await RoutingLoad.open(target, subscriber, {
    count: options.publishers,
    protocolVersion,
    ...credentials,
  });
  stops.push(() => load.close());
  return { kind, target, load, results: [] };
}

function brokerEnv(serviceSecret: string): Record<string, string> {
  return loopbackBrokerEnv(serviceSecret, {
    LOG_LEVEL: 'warn',
    MQTT_MAX_PUBLISH_RATE: '0',
    // mqtt.js does not keep to the broker's Receive Maximum: at a fixed rate a QoS 1
    // publisher has rate × latency in flight, past the default 100 on a busy machine, and
    // would be disconnected (0x93) where a 3.1.1 one is not limited at all.
    MQTT_RECEIVE_MAXIMUM: '65535',
  });
}
