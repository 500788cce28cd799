#!/usr/bin/env -S node --import tsx
import { Command } from 'commander';
import { registerBenchCommand } from './lab/command.ts';
import { registerRunCommand } from './run/command.ts';

const program = new Command()
  .name('twinwire-sim')
  .description('Fleets of virtual Twinwire devices over MQTT and WebSocket, and the protocol lab')
  .showHelpAfterError();

registerRunCommand(program);
registerBenchCommand(program);

await program.parseAsync(process.argv);
