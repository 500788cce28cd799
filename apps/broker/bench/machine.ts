/**
 * Where the machine's CPU went during a measured window, from /proc: the broker, this
 * bench process (the load generators, all threads), our PostgreSQL, and everything else.
 * The machine is shared, so "others" says how much a run was disturbed.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
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

/**
 * The postmaster is the postgres process holding the socket that listens on `port` (its
 * command line need not name the port: a system PostgreSQL takes it from its config).
 */
function findPostgres(port: number): number[] {
  const listening = listeningSocketInodes(port);
  const parents = new Map<number, number>();
  const postgres: number[] = [];
  for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    const pid = Number(name);
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (stat.includes('(postgres)')) postgres.push(pid);
    } catch {
      // The process exited while we looked.
    }
  }
  const postmaster = postgres.find(
    (pid) => !postgres.includes(parents.get(pid) ?? 0) && holdsSocket(pid, listening),
  );
  if (postmaster === undefined) return [];
  return [
    postmaster,
    ...[...parents].filter(([, ppid]) => ppid === postmaster).map(([pid]) => pid),
  ];
}

/** Inodes of the TCP sockets listening on `port`, IPv4 and IPv6 (/proc/net/tcp{,6}). */
function listeningSocketInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines: string[];
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; the inode is field 9.
      if (fields[1]?.endsWith(`:${portHex}`) && fields[3] === '0A' && fields[9])
        inodes.add(fields[9]);
    }
  }
  return inodes;
}

function holdsSocket(pid: number, inodes: Set<string>): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        return target.startsWith('socket:[') && inodes.has(target.slice(8, -1));
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}
