#!/usr/bin/env node
// The README's commands on a machine that has only Node.js and npm: `npm start`, `npm run
// dev` and `npm test` come here, make sure pnpm and the workspace's dependencies are
// installed (pnpm through npx, at the version package.json pins), then run the real command.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { watchParent } from './processes.mjs';
import { clearTestReports, printTestTotals } from './test-totals.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const APPS = ['@twinwire/broker', '@twinwire/api', '@twinwire/admin'];
const commands = {
  // Production builds of the apps (turbo skips what is already built), then the platform.
  start: [
    [
      'exec',
      'turbo',
      'run',
      'build',
      '--output-logs=errors-only',
      ...APPS.map((app) => `--filter=${app}`),
    ],
  ],
  dev: [],
  // Four packages at a time: each runs its own test workers, and on a 2-core machine ten at
  // once starve CPU-bound tests into timeouts.
  test: [['exec', 'turbo', 'run', 'test', '--continue', '--concurrency=4']],
};

const command = process.argv[2];
if (!(command in commands)) {
  console.error(`usage: node infra/local/run.mjs ${Object.keys(commands).join('|')}`);
  process.exit(2);
}

const pnpm = hasPnpm() ? ['pnpm'] : ['npx', '--yes', packageManager];
if (!existsSync(join(root, 'node_modules', '.modules.yaml'))) {
  console.log(`twinwire: installing the workspace with ${pnpm.join(' ')} (first run only)…`);
  run([...pnpm, 'install', '--frozen-lockfile']);
}

if (command === 'test') clearTestReports(root);
let status = 0;
for (const args of commands[command]) {
  status = run([...pnpm, ...args], { exitOnFailure: command !== 'test' });
}
if (command === 'test')
  status = printTestTotals(root, { commandFailed: status !== 0 }) && status === 0 ? 0 : 1;
if (command === 'start' || command === 'dev') status = await runPlatform(command);
process.exit(status);

/**
 * The platform runs until stopped: signals are relayed to it once, and we exit with its
 * code after it has stopped everything it started.
 */
function runPlatform(mode) {
  const child = spawn(process.execPath, [join(root, 'infra', 'local', 'platform.mjs'), mode], {
    cwd: root,
    stdio: 'inherit',
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  // npm and its shell died without passing a SIGTERM on: stop the platform as if it had come.
  watchParent(() => child.kill('SIGTERM'));
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function hasPnpm() {
  return (
    spawnSync('pnpm', ['--version'], { stdio: 'ignore', shell: process.platform === 'win32' })
      .status === 0
  );
}

function run([bin, ...args], { exitOnFailure = true } = {}) {
  const result = spawnSync(bin, args, {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  const code = result.status ?? 1;
  if (code !== 0 && exitOnFailure) {
    console.error(`twinwire: \`${[bin, ...args].join(' ')}\` failed with exit code ${code}`);
    process.exit(code);
  }
  return code;
}
