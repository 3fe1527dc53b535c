/**
 * The incremental benchmark's figures: per publish, per series (percentiles, stages, CPU per
 * publish), and the printed report.
 */
import { say } from './lifecycle';
import type { TsChild } from './children';
import { summarize, type Summary } from './percentiles';
import { cpuSecondsOf, descendants } from './proc';
import { STAGES } from './sync-timeline';

/** The product's target: a 10-product publish reaches Occtoo within 1 s at the 95th percentile. */
export const TARGET = { size: 10, p95Ms: 1000 };
export const ms = (n: number | undefined) => (n === undefined ? '—' : `${Math.round(n)}`);

export interface PublishMeasurement {
  size: number;
  syncId: string;
  /** Publish call → the import that completed the set (Occtoo's import log time). */
  latencyMs: number;
  /** Publish call → this script saw every new value (includes up to one poll interval). */
  observedMs: number;
  /** Publish call → the gateway's 200 reached the simulator. */
  webhookAnsweredMs?: number;
  /** Occtoo imports of products that held changed ones. */
  imports: number;
  stages: Record<string, number | undefined>;
}

export interface SeriesFigures {
  size: number;
  rounds: number;
  latencyMs: Summary;
  observedMs: Summary;
  webhookAnsweredMs?: Summary;
  /** Per stage of the path: median and max over the rounds, ms. */
  stages: Record<string, { p50: number; max: number } | undefined>;
  samples: { syncId: string; latencyMs: number; imports: number }[];
  /** CPU seconds per publish over the series (gaps and bookkeeping included), by process. */
  cpuSecondsPerPublish: CpuFigures;
}

export interface CpuFigures {
  /** This process: both simulators, the gateway, the measuring loop. */
  simulatorsAndGateway: number;
  worker: number;
  temporalServer: number;
}

/** CPU seconds used so far by this process, the worker's process tree and the Temporal server's. */
export function cpuNow(worker: TsChild, temporalPid: number): CpuFigures {
  const tree = (pid: number | undefined) =>
    pid === undefined
      ? 0
      : [pid, ...descendants(pid).map((p) => p.pid)].reduce((sum, p) => sum + (cpuSecondsOf(p) ?? 0), 0);
  const own = process.cpuUsage();
  return {
    simulatorsAndGateway: (own.user + own.system) / 1e6,
    worker: tree(worker.child.pid),
    temporalServer: tree(temporalPid),
  };
}

export function cpuPerPublish(before: CpuFigures, after: CpuFigures, publishes: number): CpuFigures {
  const per = (k: keyof CpuFigures) => Math.round(((after[k] - before[k]) / publishes) * 1000) / 1000;
  return {
    simulatorsAndGateway: per('simulatorsAndGateway'),
    worker: per('worker'),
    temporalServer: per('temporalServer'),
  };
}

export function summarizeSeries(
  size: number,
  measured: PublishMeasurement[],
): Omit<SeriesFigures, 'cpuSecondsPerPublish'> {
  const answered = measured.map((m) => m.webhookAnsweredMs).filter((v): v is number => v !== undefined);
  const stages: SeriesFigures['stages'] = {};
  for (const stage of STAGES) {
    const values = measured.map((m) => m.stages[stage.name]).filter((v): v is number => v !== undefined);
    const s = values.length ? summarize(values) : undefined;
    stages[stage.name] = s && { p50: round1(s.p50), max: round1(s.max) };
  }
  const r = (s: Summary): Summary => ({
    n: s.n,
    p50: round1(s.p50),
    p95: round1(s.p95),
    max: round1(s.max),
    min: round1(s.min),
  });
  return {
    size,
    rounds: measured.length,
    latencyMs: r(summarize(measured.map((m) => m.latencyMs))),
    observedMs: r(summarize(measured.map((m) => m.observedMs))),
    webhookAnsweredMs: answered.length ? r(summarize(answered)) : undefined,
    stages,
    samples: measured.map((m) => ({ syncId: m.syncId, latencyMs: m.latencyMs, imports: m.imports })),
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export function printReport(series: SeriesFigures[], targetMet: boolean | undefined): void {
  say('');
  say('Webhook-to-Occtoo latency (publish call → the import that completed the set), ms');
  say('  size   publishes      p50      p95      max   (webhook answered p50)');
  for (const s of series) {
    say(
      `  ${String(s.size).padStart(5)}   ${String(s.rounds).padStart(9)} ${ms(s.latencyMs.p50).padStart(8)} ${ms(s.latencyMs.p95).padStart(8)} ${ms(s.latencyMs.max).padStart(8)}   (${ms(s.webhookAnsweredMs?.p50)})`,
    );
  }
  say('');
  say('Where the time goes (Temporal event times and Occtoo import times), p50 / max ms per size');
  const header = ['  stage'.padEnd(22), ...series.map((s) => `size ${s.size}`.padStart(16))].join('');
  say(header);
  for (const stage of STAGES) {
    say(
      [
        `  ${stage.name}`.padEnd(22),
        ...series.map((s) => {
          const v = s.stages[stage.name];
          return (v ? `${ms(v.p50)} / ${ms(v.max)}` : '—').padStart(16);
        }),
      ].join('') + `   ${stage.what}`,
    );
  }
  say('');
  say('CPU seconds per publish (whole series ÷ publishes, gaps included)');
  for (const s of series) {
    const c = s.cpuSecondsPerPublish;
    say(
      `  size ${String(s.size).padStart(5)}: simulators + gateway ${c.simulatorsAndGateway.toFixed(3)}, worker ${c.worker.toFixed(3)}, Temporal server ${c.temporalServer.toFixed(3)}`,
    );
  }
  say('');
  say(
    targetMet === undefined
      ? `Target (p95 ≤ ${TARGET.p95Ms} ms for ${TARGET.size} products): not measured (add ${TARGET.size} to --sizes)`
      : `Target (p95 ≤ ${TARGET.p95Ms} ms for ${TARGET.size} products): ${targetMet ? 'met' : 'MISSED'}`,
  );
}
