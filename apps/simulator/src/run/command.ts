import { Option, type Command } from 'commander';
import { readSimulatorEnv } from '../config.ts';
import { runFleet } from './run-fleet.ts';
import { parseRunOptions, RunOptionsError, type RawRunFlags } from './run-options.ts';
import { formatSummary } from './summary.ts';

/** Exit codes: 0 ok, 1 the run could not be done, 2 the check found a broken guarantee. */
const EXIT_FAILED = 1;
const EXIT_NOT_OK = 2;

export function registerRunCommand(program: Command): void {
  const run: Command = program.command('run');
  run
    .description(
      'run a fleet of virtual devices against a Twinwire, then verify through the API what was stored',
    )
    .option('--api <url>', 'the REST API (provisioning, verification), e.g. http://localhost:3000')
    .option(
      '--mqtt <url>',
      'the broker: mqtt://host:1883, mqtts://host:8883 or ws://host:8083/mqtt',
    )
    .option('--local', 'start a Twinwire in this process on free ports (embedded PostgreSQL)')
    .option('--username <name>', 'a user who may provision devices (env TWINWIRE_USERNAME)')
    .option('--password <password>', 'its password (env TWINWIRE_PASSWORD)')
    .option('--devices <n>', 'number of devices (default 10, or all in --credentials)')
    .addOption(
      new Option('--protocol <protocol>', 'how devices talk').choices(['mqtt', 'ws', 'mix']),
    )
    .option(
      '--mqtt-version <version>',
      'MQTT devices speak 3.1.1, 5 (topic aliases, request/response) or mixed (alternating) (default 3.1.1)',
    )
    .addOption(
      new Option(
        '--transport <transport>',
        'MQTT transport (default: from --mqtt, else tcp)',
      ).choices(['tcp', 'tls', 'ws']),
    )
    .addOption(
      new Option('--qos <qos>', 'MQTT QoS of telemetry (default 1)').choices(['0', '1', '2']),
    )
    .addOption(
      new Option('--profile <profile>', 'kind of device (default mix)').choices([
        'thermostat',
        'vehicle',
        'power-meter',
        'mix',
      ]),
    )
    .option('--rate <n>', 'readings per second per device (default 1)')
    .option('--duration <s>', 'seconds to send (default 10 unless --count)')
    .option('--count <n>', 'readings per device, then stop')
    .option('--prefix <prefix>', 'device id prefix: <prefix>-0001… (default sim)')
    .option('--credentials <file>', 'use these devices: JSON [{ deviceId, secret }]')
    .option(
      '--save-credentials <file>',
      'write the provisioned credentials for a later --credentials',
    )
    .option('--latency <ms>', 'fault proxy: added latency per direction')
    .option('--jitter <ms>', 'fault proxy: ± jitter on the latency (order is kept)')
    .option('--bandwidth <bytes/s>', 'fault proxy: cap per direction and connection, e.g. 64k')
    .option('--drops-per-minute <n>', 'fault proxy: random connection drops across the fleet')
    .option('--outage-at <s>', 'fault proxy: cut every connection at this second…')
    .option('--outage-for <s>', '…and refuse new ones for this long')
    .option('--clean-session <bool>', 'MQTT clean session (default false for QoS 1/2: persistent)')
    .option('--insecure', 'accept any TLS certificate')
    .option('--ca <file>', 'PEM of the CA that signed the server certificate')
    .option(
      '--drain-timeout <s>',
      'after sending, wait this long for outstanding acks (default 30)',
    )
    .option('--no-monitor', 'do not watch deliveries with a subscriber (no duplicate count)')
    .option('--seed <n>', 'seed the profiles and back-off for a reproducible fleet')
    .option('--json', 'print only the final summary, as JSON')
    .action(async (flags: RawRunFlags) => {
      const env = readSimulatorEnv();
      let options;
      try {
        options = parseRunOptions(flags, env);
      } catch (error) {
        if (!(error instanceof RunOptionsError)) throw error;
        run.error(`error: ${error.message}`, { exitCode: EXIT_FAILED });
      }
      let interrupt!: () => void;
      const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
      let interrupts = 0;
      const onSigint = (): void => {
        interrupts += 1;
        // First Ctrl-C: stop sending and still verify; a second one gives up.
        if (interrupts === 1) interrupt();
        else process.exit(130);
      };
      process.on('SIGINT', onSigint);
      try {
        const summary = await runFleet(options, env, {
          progress: process.stderr,
          isTty: process.stderr.isTTY,
          interrupted,
        });
        process.stdout.write(
          options.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`,
        );
        process.exitCode = summary.ok ? 0 : EXIT_NOT_OK;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (options.json)
          process.stdout.write(`${JSON.stringify({ ok: false, error: message })}\n`);
        else process.stderr.write(`twinwire-sim run: ${message}\n`);
        process.exitCode = EXIT_FAILED;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
