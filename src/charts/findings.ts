/**
 * Plain sentences about the latest numbers, each said only when the data support it.
 * Numbers have 2 significant digits; nothing is canned: no data, no sentence.
 */
import type { Measure } from '../shared/experiment';
import type { Run, RunHeader } from '../shared/runFile';
import { depthPoints, headSeries, latestPerHeadIndex, MEASURE_LABEL } from './data';
import { sig2 } from './format';

/** Ratios further from 1 than this (either way) are called a difference; closer ones "within 2×" (not "the same": 1.9× is not). */
export const DIFFERENCE = 2;
/** conv1 below this fraction of the classifier's gradient RMS is called out. */
export const VANISHING = 0.1;

const positive = (v: number | undefined): v is number => v !== undefined && v > 0 && Number.isFinite(v);

/** The value of a depth key (block detail) at a run's latest step. */
function latest(run: Run, measure: Measure, key: string): number | undefined {
  return depthPoints(run, run.steps.length - 1, measure, 'block').find((p) => p.key === key)?.value;
}

/** "B diverged at step 12: first non-finite in inception_4a/3x3 (gradient NaN)", from the first diverged step (or event). */
function divergence(run: Run, id: string): string[] {
  const step = run.steps.find((s) => s.diverged);
  if (step?.diverged) return [`${id} diverged at step ${step.step}: first non-finite in ${step.diverged.where}.`];
  const event = run.events.find((e) => e.type === 'diverged');
  return event ? [`${id} diverged at step ${event.step}: ${event.detail}.`] : [];
}

/** "In B, conv1 gets about 10⁻⁵ of the classifier's gradient", when conv1's gradient RMS is below 1/10 of loss3/classifier's. */
function vanishing(run: Run, id: string): string[] {
  const conv1 = latest(run, 'gradRms', 'conv1');
  const cls = latest(run, 'gradRms', 'classifier');
  if (!positive(conv1) || !positive(cls) || conv1 / cls >= VANISHING) return [];
  return [`In ${id}, conv1 gets ${fraction(conv1 / cls)} of the classifier's gradient (RMS per parameter, step ${run.steps[run.steps.length - 1]!.step}).`];
}

const SUPERSCRIPT: Record<string, string> = { '-': '\u207b', '0': '\u2070', '1': '\u00b9', '2': '\u00b2', '3': '\u00b3', '4': '\u2074', '5': '\u2075', '6': '\u2076', '7': '\u2077', '8': '\u2078', '9': '\u2079' };

/** A ratio below 1 as people read it: "1/20" down to 1/100, then "about 10⁻⁵". */
export function fraction(ratio: number): string {
  if (ratio >= 0.01) return `1/${Number((1 / ratio).toPrecision(2))}`;
  const power = String(Math.round(Math.log10(ratio)));
  return `about 10${[...power].map((c) => SUPERSCRIPT[c] ?? c).join('')}`;
}

/** Whether the two runs differ only in their aux heads (same network otherwise, same training, same data, no mid-run changes). */
function differOnlyInAux(a: RunHeader, b: RunHeader, runs: readonly Run[]): boolean {
  const rest = (h: RunHeader) => JSON.stringify({ ...h.config, aux1: null, aux2: null, training: h.training, dataset: h.dataset.name });
  return rest(a) === rest(b) && runs.every((r) => r.events.every((e) => e.type !== 'setting'));
}

const feedsTrunk = (h: RunHeader) => h.config.aux1.mode === 'loss' || h.config.aux2.mode === 'loss';

/** A/B at conv1 on the same step: "The aux heads raise conv1's gradient RMS 390× in A", or neutral wording when more than the aux heads differ. */
function comparison(a: Run, b: Run, measure: Measure): string[] {
  const sa = a.steps[a.steps.length - 1]?.step;
  if (sa === undefined || sa !== b.steps[b.steps.length - 1]?.step) return [];
  const va = latest(a, measure, 'conv1');
  const vb = latest(b, measure, 'conv1');
  if (!positive(va) || !positive(vb)) return [];
  const what = `conv1's ${MEASURE_LABEL[measure]}`;
  const subject = `The ${MEASURE_LABEL[measure]} at conv1`;
  const causal = differOnlyInAux(a.header, b.header, [a, b]) && feedsTrunk(a.header) !== feedsTrunk(b.header);
  const [withId, withoutId, r] = feedsTrunk(a.header) ? ['A', 'B', va / vb] : ['B', 'A', vb / va];
  if (r < DIFFERENCE && r > 1 / DIFFERENCE) return [`${subject} differs by less than ${DIFFERENCE}× between A and B (A/B = ${sig2(va / vb)} at step ${sa}).`];
  if (causal) {
    return r > 1 ? [`The aux heads raise ${what} ${sig2(r)}× in ${withId} (${withId}/${withoutId} at step ${sa}).`]
      : [`The aux heads lower ${what} to ${sig2(r)}× in ${withId} (${withId}/${withoutId} at step ${sa}).`];
  }
  const ab = va / vb;
  return ab > 1 ? [`${subject} is ${sig2(ab)}× larger in A than in B at step ${sa}.`]
    : [`${subject} is ${sig2(1 / ab)}× smaller in A than in B at step ${sa}.`];
}

/** "In A, aux1 supplies 80% of the per-head gradient norms at conv1", from the latest per-head step, for the aux heads whose norm there is > 0. */
function headShares(run: Run, id: string): string[] {
  const index = latestPerHeadIndex(run);
  const series = headSeries(run, index, 'block');
  const conv1 = series?.points.find((p) => p.key === 'conv1');
  if (!series || !conv1) return [];
  const { main, aux1, aux2 } = conv1.norms;
  const sum = main + aux1 + aux2;
  if (!positive(sum) || ![main, aux1, aux2].every(Number.isFinite)) return [];
  const heads = (['aux1', 'aux2'] as const).filter((h) => conv1.norms[h] > 0);
  if (heads.length === 0) return [];
  const list = heads.map((h, i) => `${h}${i === 0 ? ' supplies' : ''} ${sig2((100 * conv1.norms[h]) / sum)}%`).join(' and ');
  return [`In ${id}, ${list} of the per-head gradient norms at conv1 (per-head step ${series.step}; shares of norms, not of the summed gradient).`];
}

/** Sentences about the latest numbers of A (and B), in order: divergence, vanishing, A/B, head shares. [] when nothing is supported. */
export function findings(a: Run, b: Run | null, measure: Measure): string[] {
  const runs: [Run, string][] = b ? [[a, 'A'], [b, 'B']] : [[a, 'A']];
  return [
    ...runs.flatMap(([r, id]) => divergence(r, id)),
    ...runs.flatMap(([r, id]) => vanishing(r, id)),
    ...(b ? comparison(a, b, measure) : []),
    ...runs.flatMap(([r, id]) => headShares(r, id)),
  ];
}
