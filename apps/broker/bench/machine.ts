/**
 * Where the machine's CPU went during a measured window, from /proc: the broker, this
 * bench process (the load generators, all threads), our PostgreSQL, and everything else.
 * The machine is shared, so "others" says how much a run was disturbed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { clockTicksPerSecond, procCpuMicros } from './targets.ts';

export interface CpuSnapshot {
  at: number;
  machineBusy: number;
  broker: number;
  bench: number;
  postgres: number;
}

export interface CpuSplit {
  /** Cores used on average over the window. */
  broker: number;
  bench: number;
  postgres: number;
  others: number;
}

export class CpuAccount {
  private postgresPids: number[] | undefined;

  constructor(
    private readonly brokerCpu: () => number,
    private readonly postgresPort: number | undefined,
  ) {}

  /** Synchronous on purpose: every reading is taken at the same instant. */
  snapshot(): CpuSnapshot {
    const self = process.cpuUsage();
    return {
      at: performance.now(),
      machineBusy: machineBusyMicros(),
      broker: this.brokerCpu(),
      bench: self.user + self.system,
      postgres: this.postgresMicros(),
    };
  }

  static split(before: CpuSnapshot, after: CpuSnapshot): CpuSplit {
    const wall = (after.at - before.at) * 1000;
    const cores = (micros: number) => Math.max(0, micros) / wall;
    const broker = cores(after.broker - before.broker);
    const bench = cores(after.bench - before.bench);
    const postgres = cores(after.postgres - before.postgres);
    const busy = cores(after.machineBusy - before.machineBusy);
    return { broker, bench, postgres, others: Math.max(0, busy - broker - bench - postgres) };
  }

  static format(split: CpuSplit): string {
    const parts = [
      `broker ${split.broker.toFixed(2)}`,
      `load-gen ${split.bench.toFixed(2)}`,
      ...(split.postgres > 0 ? [`pg ${split.postgres.toFixed(2)}`] : []),
      `others ${split.others.toFixed(2)}`,
    ];
    return parts.join(' · ');
  }

  /** The postmaster listening on our port and its children (backends, walwriter…). */
  private postgresMicros(): number {
    if (this.postgresPort === undefined) return 0;
    // Backends are stable over a window (pooled connections), so one scan serves all.
    this.postgresPids ??= findPostgres(this.postgresPort);
    let sum = 0;
    for (const pid of this.postgresPids) {
      try {
        sum += procCpuMicros(pid);
      } catch {
        // A backend that exited takes its CPU time with it.
      }
    }
    return sum;
  }
}

/** Busy time of all CPUs (everything but idle and iowait) from /proc/stat, in µs. */
function machineBusyMicros(): number {
  const stat = readFileSync('/proc/stat', 'utf8');
  const fields = stat.slice(0, stat.indexOf('\n')).split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1e6) / clockTicksPerSecond;
}

function findPostgres(port: number): number[] {
  const parents = new Map<number, number>();
  let postmaster: number | undefined;
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    const pid = Number(name);
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(pid, ppid);
      if (!stat.includes('(postgres)')) continue;
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const flag = cmdline.indexOf('-p');
      if (flag >= 0 && cmdline[flag + 1] === String(port)) postmaster = pid;
    } catch {
      // The process exited while we looked.
    }
  }
  if (postmaster === undefined) return [];
  const root = postmaster;
  return [root, ...[...parents].filter(([, ppid]) => ppid === root).map(([pid]) => pid)];
}
