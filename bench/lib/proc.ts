/**
 * Process measurements from /proc (Linux): memory (VmRSS, VmHWM) and CPU time of a process and
 * its descendants, sampled while a benchmark runs. `tsx script.ts` runs the script in a child
 * node process, so the process that does the work is a descendant of the one we spawned.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

interface Stat {
  pid: number;
  ppid: number;
  comm: string;
  cpuSeconds: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: fields resume after the last ')'.
    const close = raw.lastIndexOf(')');
    const comm = raw.slice(raw.indexOf('(') + 1, close);
    const fields = raw.slice(close + 2).split(' ');
    // fields[0] is the state (field 3); ppid is field 4, utime 14, stime 15.
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { pid, ppid: Number(fields[1]), comm, cpuSeconds: ticks / ticksPerSecond() };
  } catch {
    return undefined;
  }
}

export interface MemoryStatus {
  /** Resident set size now, MB. */
  rssMb: number;
  /** Peak resident set size over the process's life (VmHWM), MB. */
  hwmMb: number;
}

export function readMemory(pid: number): MemoryStatus | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    const rss = kb('VmRSS');
    if (Number.isNaN(rss)) return undefined;
    return { rssMb: rss / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `root` (children, grandchildren, ...), not `root` itself. */
export function descendants(root: number): Stat[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
  const stats = pids.map(readStat).filter((s): s is Stat => s !== undefined);
  const children = new Map<number, Stat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const out: Stat[] = [];
  const queue = [root];
  // Bounded: a process tree cannot hold more processes than /proc lists.
  while (queue.length > 0 && out.length < stats.length) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child.pid);
    }
  }
  return out;
}

export function cpuSecondsOf(pid: number): number | undefined {
  return readStat(pid)?.cpuSeconds;
}

export interface ProcessFigures {
  pid: number;
  comm: string;
  /** Largest VmRSS seen while sampling, MB. */
  peakRssMb: number;
  /** VmHWM at the last sample: the peak over the whole life, start-up included, MB. */
  hwmMb: number;
  /** CPU seconds (user + system) used between the first and the last sample. */
  cpuSeconds: number;
  /** CPU seconds at the first sample (what the process used before sampling began). */
  cpuBeforeSeconds: number;
}

/**
 * Samples a process tree every `intervalMs`: per process, the peak RSS and the last VmHWM and
 * CPU time. Figures survive the process's exit (the last sample is kept).
 */
export class TreeSampler {
  private readonly figures = new Map<number, ProcessFigures>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly root: number,
    private readonly intervalMs = 200,
  ) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  stop(): ProcessFigures[] {
    this.sample();
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.all();
  }

  sample(): void {
    const self = readStat(this.root);
    for (const s of [...(self ? [self] : []), ...descendants(this.root)]) {
      const memory = readMemory(s.pid);
      if (!memory) continue;
      const known = this.figures.get(s.pid);
      this.figures.set(s.pid, {
        pid: s.pid,
        comm: s.comm,
        peakRssMb: Math.max(known?.peakRssMb ?? 0, memory.rssMb),
        hwmMb: Math.max(known?.hwmMb ?? 0, memory.hwmMb),
        cpuBeforeSeconds: known?.cpuBeforeSeconds ?? s.cpuSeconds,
        cpuSeconds: s.cpuSeconds - (known?.cpuBeforeSeconds ?? s.cpuSeconds),
      });
    }
  }

  all(): ProcessFigures[] {
    return [...this.figures.values()];
  }

  /** The process of the tree that used the most memory: the one doing the work. */
  largest(): ProcessFigures | undefined {
    return this.all().sort((a, b) => b.hwmMb - a.hwmMb)[0];
  }

  /** CPU seconds the whole tree used while sampled. */
  cpuSeconds(): number {
    return this.all().reduce((sum, p) => sum + p.cpuSeconds, 0);
  }
}

/**
 * CPU seconds per thread name of one process (e.g. `node` for the main thread, `V8 DefaultWorke`
 * for V8's GC helpers, `tokio-runtime-w` for Temporal's core), so that a run can say where its
 * CPU went. Take one at the start and one at the end and subtract.
 */
export function threadCpuByName(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const raw = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const close = raw.lastIndexOf(')');
      const name = raw.slice(raw.indexOf('(') + 1, close);
      const fields = raw.slice(close + 2).split(' ');
      out[name] = (out[name] ?? 0) + (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
    } catch {
      // the thread ended
    }
  }
  return out;
}

export function subtractCpu(after: Record<string, number>, before: Record<string, number>) {
  return Object.fromEntries(
    Object.entries(after)
      .map(([name, s]) => [name, Math.round((s - (before[name] ?? 0)) * 10) / 10] as const)
      .filter(([, s]) => s > 0)
      .sort((a, b) => b[1] - a[1]),
  );
}

/** Busy CPU seconds of the whole machine so far (all CPUs; idle and iowait excluded). */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const [, ...ticks] = line.trim().split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = ticks;
    return (user + nice + system + irq + softirq + (steal ?? 0)) / ticksPerSecond();
  } catch {
    return NaN;
  }
}
