/** `twinwire-sim bench`: the protocol lab's command line. */
import path from 'node:path';
import type { Command } from 'commander';
import { runLab } from './run-lab.ts';
import { SCENARIOS } from './scenarios/index.ts';

interface BenchFlags {
  profile: string;
  out?: string;
  api?: string;
  mqtt?: string;
  mqttWs?: string;
  mqtts?: string;
  username?: string;
  password?: string;
  databaseUrl?: string;
  only?: string;
  json?: boolean;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description(
      'the protocol lab: measures raw WebSocket against MQTT (TCP, WebSocket, ± TLS) and judges the seven claims',
    )
    .option('--profile <profile>', 'quick (< 2 min) or full (< 15 min)', 'quick')
    .option(
      '--out <dir>',
      'where report.json, report.md and charts/ go (default ./lab-results/<timestamp>)',
    )
    .option('--api <url>', 'a running Twinwire API (default: start one locally on free ports)')
    .option('--mqtt <url>', 'its broker, mqtt://host:port')
    .option('--mqtt-ws <url>', 'its MQTT over WebSocket, ws://host:port/mqtt (optional)')
    .option(
      '--mqtts <url>',
      'its MQTT over TLS, mqtts://host:port (optional; must trust the lab CA)',
    )
    .option('--username <name>', 'an admin user of the running Twinwire')
    .option('--password <password>', 'that user’s password')
    .option('--database-url <url>', 'local mode: an empty PostgreSQL instead of an embedded one')
    .option(
      '--only <scenarios>',
      `comma-separated subset of: ${SCENARIOS.map((s) => s.id).join(', ')}`,
    )
    .option('--json', 'print the final JSON report on stdout')
    .action(async (flags: BenchFlags, command: Command) => {
      try {
        await bench(flags);
      } catch (error) {
        command.error(
          `twinwire-sim bench: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    });
}

async function bench(flags: BenchFlags): Promise<void> {
  if (flags.profile !== 'quick' && flags.profile !== 'full') {
    throw new Error(`--profile must be quick or full, not ${flags.profile}`);
  }
  let remote;
  if (flags.api !== undefined || flags.mqtt !== undefined) {
    if (!flags.api || !flags.mqtt || !flags.username || !flags.password) {
      throw new Error('a running Twinwire needs --api, --mqtt, --username and --password');
    }
    remote = {
      api: flags.api,
      mqtt: flags.mqtt,
      mqttWs: flags.mqttWs,
      mqtts: flags.mqtts,
      username: flags.username,
      password: flags.password,
    };
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.resolve(flags.out ?? path.join('lab-results', stamp));
  const report = await runLab({
    profile: flags.profile,
    outDir,
    only: flags.only
      ?.split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    remote,
    databaseUrl: flags.databaseUrl,
  });
  if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else {
    for (const claim of report.claims)
      process.stdout.write(`${claim.id}: ${claim.verdict} — ${claim.evidence}\n`);
    process.stdout.write(`report: ${path.join(outDir, 'report.md')}\n`);
  }
}
