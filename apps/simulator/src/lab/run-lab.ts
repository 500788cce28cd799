/**
 * The protocol lab, start to finish: bring up (or reach) a Twinwire, the raw WebSocket
 * baseline and the helper, run the selected scenarios each within its time budget, judge
 * the claims from the numbers, validate and write the report.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';
import {
  LAB_REPORT_VERSION,
  type LabReport,
  type ScenarioResult,
} from '@twinwire/schemas/lab-report';
import { validators } from '@twinwire/schemas/validate';
import { ApiClient } from '../api/api-client.ts';
import { judgeClaims } from './claims.ts';
import type { LabContext, LabFacts, Scenario } from './context.ts';
import { openLabTopics } from './lab-topics.ts';
import { startPeer, type Peer } from './peer/peer.ts';
import { PROFILES, type ProfileName, type ProfileSizes } from './profiles.ts';
import { writeReport } from './report/write.ts';
import { SCENARIOS } from './scenarios/index.ts';
import {
  FIXTURES,
  remoteTarget,
  startLocalTarget,
  type LabTarget,
  type RemoteOptions,
} from './target.ts';
import { endpointFor, TRANSPORTS, type Endpoints } from './transports.ts';

export interface LabOptions {
  profile: ProfileName;
  /** Where report.json, report.md and charts/ go; unset: nothing is written. */
  outDir?: string | undefined;
  only?: string[] | undefined;
  remote?: RemoteOptions | undefined;
  databaseUrl?: string | undefined;
  /** Replaces the profile's sizes (tests use tiny ones). */
  sizes?: ProfileSizes | undefined;
  log?: (line: string) => void;
}

/** A scenario past its budget by this much is abandoned (it may still be cleaning up). */
const ABANDON_GRACE_MS = 30_000;

export async function runLab(options: LabOptions): Promise<LabReport> {
  const startedAt = new Date();
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const progress = (message: string) => {
    log(`lab [${((Date.now() - startedAt.getTime()) / 1000).toFixed(1).padStart(6)}s] ${message}`);
  };
  const sizes = options.sizes ?? PROFILES[options.profile];
  const selected = SCENARIOS.filter((s) => !options.only || options.only.includes(s.id));
  if (options.only) {
    const unknown = options.only.filter((id) => !SCENARIOS.some((s) => s.id === id));
    if (unknown.length > 0) {
      throw new Error(
        `unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`,
      );
    }
  }

  progress(
    options.remote ? `using Twinwire at ${options.remote.api}` : 'starting a local Twinwire',
  );
  const target: LabTarget = options.remote
    ? remoteTarget(options.remote)
    : await startLocalTarget({ databaseUrl: options.databaseUrl });
  const cleanups: (() => Promise<void>)[] = [() => target.close()];
  const facts: LabFacts = {};
  const results: ScenarioResult[] = [];
  try {
    const api = await ApiClient.login(target.urls.api, target.admin);
    const runId = randomBytes(4).toString('hex');
    const topics = await openLabTopics(api, {
      runId,
      mqttUrl: target.urls.mqtt,
      mqttAuth: target.mqttAuth,
    });
    cleanups.push(() => topics.close());
    progress('starting the raw WebSocket baseline and the helper');
    const tls = { cert: FIXTURES.cert, key: FIXTURES.key };
    const wsServer: Peer = await startPeer({ role: 'ws-server', tls });
    cleanups.push(() => wsServer.stop());
    const mqttWs = target.urls.mqttWs ? new URL(target.urls.mqttWs) : undefined;
    const helper = await startPeer({
      role: 'helper',
      tls,
      mqtt: { url: target.urls.mqtt, ...target.mqttAuth, echoPrefix: `${topics.prefix}/echo` },
      terminateTo: { host: mqttWs?.hostname ?? '127.0.0.1', port: Number(mqttWs?.port ?? 0) },
    });
    cleanups.push(() => helper.stop());
    const endpoints: Endpoints = {
      ws: `ws://127.0.0.1:${wsServer.ready.ports.plain}`,
      wss: `wss://127.0.0.1:${wsServer.ready.ports.tls}`,
      mqtt: target.urls.mqtt,
      mqtts: target.urls.mqtts,
      mqttWs: target.urls.mqttWs ?? '',
      mqttWss: mqttWs ? `wss://127.0.0.1:${helper.ready.ports.tls}${mqttWs.pathname}` : undefined,
      ca: readFileSync(FIXTURES.ca),
    };
    const transports = TRANSPORTS.filter((t) => Boolean(endpointFor(endpoints, t)));
    const context: LabContext = {
      profile: options.profile,
      sizes,
      target,
      endpoints,
      api,
      wsServer,
      runId,
      topicPrefix: topics.prefix,
      transports,
      facts,
      deadline: 0,
      progress,
    };
    for (const scenario of selected) results.push(await runScenario(scenario, context));
  } finally {
    progress('cleaning up');
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }

  const machine = cpus();
  const report: LabReport = {
    version: LAB_REPORT_VERSION,
    profile: options.profile,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: Math.max(1, machine.length),
      cpuModel: machine[0]?.model.trim() ?? 'unknown',
      memoryBytes: totalmem(),
      node: process.version,
      platform: `${platform()} ${release()}`,
    },
    target: { mode: target.mode, apiUrl: target.urls.api, mqttUrl: target.urls.mqtt },
    claims: judgeClaims(facts),
    scenarios: results,
  };
  if (!validators.labReport.Check(report)) {
    const errors = [...validators.labReport.Errors(report)].slice(0, 5);
    throw new Error(`the lab report does not match its schema: ${JSON.stringify(errors)}`);
  }
  if (options.outDir) {
    await writeReport(options.outDir, report);
    progress(`report written to ${options.outDir}`);
  }
  progress('done');
  return report;
}

async function runScenario(scenario: Scenario, context: LabContext): Promise<ScenarioResult> {
  const budget = context.sizes.budgets[scenario.id] ?? 60_000;
  const started = Date.now();
  context.deadline = started + budget;
  context.progress(`${scenario.id}: start (budget ${budget / 1000} s)`);
  let timer: NodeJS.Timeout | undefined;
  const abandoned = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new Error(
          `abandoned: still running ${(budget + ABANDON_GRACE_MS) / 1000} s after its start`,
        ),
      );
    }, budget + ABANDON_GRACE_MS);
  });
  // The machine may be shared: how busy it was says how far to trust this scenario's numbers.
  const load = `machine load average (1 min) ${loadavg()[0]?.toFixed(2)} on ${availableParallelism()} cores when this scenario started`;
  try {
    const output = await Promise.race([scenario.run(context), abandoned]);
    const durationMs = Date.now() - started;
    context.progress(`${scenario.id}: done in ${(durationMs / 1000).toFixed(1)} s`);
    return {
      id: scenario.id,
      title: scenario.title,
      durationMs,
      ...output,
      notes: [...output.notes, load],
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    context.progress(`${scenario.id}: FAILED — ${message}`);
    return {
      id: scenario.id,
      title: scenario.title,
      method: '',
      durationMs: Date.now() - started,
      tables: [],
      charts: [],
      notes: [`FAILED: ${message}`],
    };
  } finally {
    clearTimeout(timer);
  }
}
