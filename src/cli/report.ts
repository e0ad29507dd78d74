import type { Run } from '../shared/runFile';

/** Mean of the finite values; NaN when there are none. */
function mean(values: readonly number[]): number {
  const finite = values.filter(Number.isFinite);
  return finite.length === 0 ? NaN : finite.reduce((a, b) => a + b, 0) / finite.length;
}

const sci = (v: number): string => (Number.isFinite(v) ? v.toExponential(2) : String(v));
const fixed = (v: number): string => (Number.isFinite(v) ? v.toFixed(3) : String(v));

/**
 * A few lines for people at the end of a run: the last losses and where the gradient is,
 * as gradRms of the first layer, the last inception layer and the classifier (mean over
 * the last 10 steps), and the first layer's relative to the classifier's.
 */
export function gradientReport(run: Run): string {
  const steps = run.steps.slice(-10);
  if (steps.length === 0) return 'no step was taken';
  const index = (name: string): number => run.header.layers.findIndex((l) => l.name === name);
  const first = 0;
  const classifier = index('loss3/classifier');
  const rmsOf = (layer: number): number => mean(steps.map((s) => s.layers.gradRms[layer]!));
  const last = run.steps[run.steps.length - 1]!;
  const c = run.header.config;
  const ratio = rmsOf(first) / rmsOf(classifier);
  return [
    `last step's loss ${fixed(last.loss.total)} (main ${fixed(last.loss.main)}, aux1 ${c.aux1.mode === 'off' ? 'off' : fixed(last.loss.aux1)}, aux2 ${c.aux2.mode === 'off' ? 'off' : fixed(last.loss.aux2)})`,
    `gradient RMS over the last ${steps.length} steps: ${run.header.layers[first]!.name} ${sci(rmsOf(first))}, loss3/classifier ${sci(rmsOf(classifier))}; ratio ${sci(ratio)}`,
  ].join('\n');
}
