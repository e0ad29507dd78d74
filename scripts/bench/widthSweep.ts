import { describe } from '../../src/model/architecture';
import { WIDTHS, type ModelConfig } from '../../src/model/config';
import { createParams, disposeParams, type ModelParams } from '../../src/model/params';
import { Optimizer } from '../../src/train/optimizer';
import { Rng } from '../../src/train/rng';
import { plainStep, type HostBatch } from './plainStep';
import { median, timed } from './stats';

/**
 * The width sweep: the plain step's median at several widths on one backend, and the
 * width to recommend there. Where a wider network costs about the same per step (a GPU
 * bound by kernel launches, not arithmetic), users should get the sharper network.
 */

/** A wider network is recommended while its step costs at most this many times the narrowest's. */
export const WIDTH_TOLERANCE = 1.25;

export interface WidthPoint {
  readonly width: number;
  /** Median plain step at this width, ms. */
  readonly stepMs: number;
}

export interface WidthSweep {
  /** Narrowest first. */
  readonly points: readonly WidthPoint[];
  /** The widest width whose step costs at most WIDTH_TOLERANCE x the narrowest's. */
  readonly recommendedWidth: number;
  readonly rule: string;
  readonly reps: number;
}

/** Parses "0.125,0.25,0.5" (or fractions "1/8,1/4"): distinct allowed widths, narrowest first. */
export function parseWidths(text: string): number[] {
  const widths = text.split(',').map((part) => {
    const [num, den] = part.trim().split('/');
    const value = den === undefined ? Number(num) : Number(num) / Number(den);
    if (!WIDTHS.includes(value)) throw new Error(`--widths: "${part}" is not a width GradFlow builds (${WIDTHS.join(', ')})`);
    return value;
  });
  return [...new Set(widths)].sort((a, b) => a - b);
}

/** The widest point whose step costs at most `tolerance` x the narrowest's (the narrowest when none). */
export function recommendWidth(points: readonly WidthPoint[], tolerance = WIDTH_TOLERANCE): number {
  if (points.length === 0) throw new Error('no widths measured');
  const sorted = [...points].sort((a, b) => a.width - b.width);
  const budget = sorted[0]!.stepMs * tolerance;
  return sorted.filter((p) => p.stepMs <= budget).at(-1)!.width;
}

export interface SweepOptions {
  readonly config: ModelConfig;
  readonly widths: readonly number[];
  readonly batchSize: number;
  readonly reps: number;
  readonly warmup: number;
  readonly seed: number;
  readonly log: (line: string) => void;
}

/**
 * Measures the plain step at each width on the active backend: `warmup` untimed steps
 * each, then `reps` rounds in which every width runs once (the first width rotating), so
 * that noise from the rest of the machine hits all widths alike.
 */
export async function measureWidthSweep(options: SweepOptions): Promise<WidthSweep> {
  const { config, widths, batchSize, reps, warmup, seed, log } = options;
  const rng = new Rng(seed);
  const pixels = 32 * 32 * config.channels;
  const images = Float32Array.from({ length: batchSize * pixels }, () => rng.normal());
  const host: HostBatch = { images, labels: Int32Array.from({ length: batchSize }, (_, i) => i % config.classes), shape: [batchSize, 32, 32, config.channels] };
  const models: { width: number; config: ModelConfig; params: ModelParams; optimizer: Optimizer; steps: number }[] = widths.map((width) => {
    const c = { ...config, width };
    return { width, config: c, params: createParams(describe(c), seed), optimizer: new Optimizer('sgd', 0.9), steps: 0 };
  });
  const step = (m: (typeof models)[number]): Promise<number> => plainStep(m.params, m.optimizer, host, m.config, ++m.steps, 0.01, seed);
  try {
    for (const m of models) {
      for (let i = 0; i < warmup; i++) await step(m);
      log(`  width sweep: warmed up width ${m.width}`);
    }
    const times = models.map(() => [] as number[]);
    for (let rep = 0; rep < reps; rep++) {
      for (let k = 0; k < models.length; k++) {
        const i = (rep + k) % models.length;
        times[i]!.push(await timed(() => step(models[i]!)));
      }
      log(`  width sweep round ${rep + 1}/${reps}: ${models.map((m, i) => `${m.width} ${times[i]!.at(-1)!.toFixed(0)} ms`).join(', ')}`);
    }
    const points = models.map((m, i) => ({ width: m.width, stepMs: median(times[i]!) }));
    return { points, recommendedWidth: recommendWidth(points), rule: `the widest width whose step costs at most ${WIDTH_TOLERANCE}x the narrowest's`, reps };
  } finally {
    for (const m of models) {
      disposeParams(m.params);
      m.optimizer.dispose();
    }
  }
}

const fraction = (w: number): string => (w === 1 ? '1' : `1/${Math.round(1 / w)}`);

/** A plain-text table: one row per width, one column per backend (step ms and x the narrowest), then the recommendation. */
export function widthTable(sweeps: Readonly<Record<string, WidthSweep>>): string {
  const names = Object.keys(sweeps);
  const widths = [...new Set(names.flatMap((n) => sweeps[n]!.points.map((p) => p.width)))].sort((a, b) => a - b);
  const header = ['width', ...names.flatMap((n) => [`${n} step (ms)`, `${n} x narrowest`])];
  const rows = widths.map((w) => [
    fraction(w),
    ...names.flatMap((n) => {
      const points = sweeps[n]!.points;
      const p = points.find((q) => q.width === w);
      return p ? [p.stepMs.toFixed(0), (p.stepMs / points[0]!.stepMs).toFixed(2)] : ['', ''];
    }),
  ]);
  rows.push(['recommended', ...names.flatMap((n) => [fraction(sweeps[n]!.recommendedWidth), ''])]);
  const cols = header.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(cols[c]!) : cell.padStart(cols[c]!))).join('  ').trimEnd();
  return [line(header), cols.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
