/**
 * CPU time and resident memory of another process, read from /proc (Linux). Elsewhere the
 * readers return NaN and the report shows the cells empty.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    } catch {
      ticksPerSecond = 100;
    }
    if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/**
 * CPU time of every thread of `pid`, in microseconds: the scheduler's nanosecond runtime per
 * thread (/proc/pid/task/*\/schedstat) where the kernel keeps it, else user + system time
 * from /proc/pid/stat (10 ms clock ticks: too coarse for short windows).
 */
function cpuMicros(pid: number): number {
  const precise = schedstatMicros(pid);
  return Number.isNaN(precise) ? statMicros(pid) : precise;
}

function schedstatMicros(pid: number): number {
  try {
    let nanos = 0;
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      try {
        nanos += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // A thread that ended while we looked.
      }
    }
    return nanos > 0 ? nanos / 1000 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

function statMicros(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1e6) / clockTicks();
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of `pid` in bytes (VmRSS of /proc/pid/status). */
export function rssBytes(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The soft limit on open descriptors of this process (and its children), from the shell. */
export function openFileLimit(): number | undefined {
  try {
    const value = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return value === 'unlimited' ? undefined : Number(value);
  } catch {
    return undefined;
  }
}

/** CPU of `pid` over a window: call `start()` then `stop()`; µs spent in between. */
export function cpuWindow(pid: number | undefined): { stop(): number } {
  if (pid === undefined) return { stop: () => Number.NaN };
  const before = cpuMicros(pid);
  return { stop: () => cpuMicros(pid) - before };
}

/** Write system calls this process has made (syscw of /proc/self/io); NaN where unknown. */
export function writeSyscalls(): number {
  try {
    const match = /^syscw:\s+(\d+)/m.exec(readFileSync('/proc/self/io', 'utf8'));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}
