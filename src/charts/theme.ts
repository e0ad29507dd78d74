import { color, interpolateCividis, interpolatePuOr, scaleDiverging, scaleSequentialLog } from 'd3';
import type { ChartRun, HeadName, LayerKind } from './types';

/** Okabe & Ito (2008), the colour-blind-safe qualitative palette. */
export const OKABE_ITO = {
  black: '#000000', orange: '#E69F00', skyBlue: '#56B4E9', bluishGreen: '#009E73',
  yellow: '#F0E442', blue: '#0072B2', vermillion: '#D55E00', reddishPurple: '#CC79A7',
} as const;

/** Every colour the charts use, in one place. */
export const theme = {
  /** Paired models A and B; runs loaded from files cycle through `files`. */
  model: { A: OKABE_ITO.blue, B: OKABE_ITO.vermillion },
  files: [OKABE_ITO.reddishPurple, OKABE_ITO.bluishGreen, OKABE_ITO.orange, OKABE_ITO.skyBlue],
  head: { main: OKABE_ITO.black, aux1: OKABE_ITO.orange, aux2: OKABE_ITO.skyBlue, total: OKABE_ITO.reddishPurple },
  kind: { stem: OKABE_ITO.reddishPurple, inception: OKABE_ITO.blue, aux: OKABE_ITO.orange, classifier: OKABE_ITO.bluishGreen } satisfies Record<LayerKind, string>,
  /** A non-finite value (NaN, ±Infinity): drawn as ×. */
  nonFinite: '#C8102E',
  /** An exact zero in a colour scale (white: outside Cividis, whose grey middle a grey zero would be confused with). */
  zero: '#FFFFFF',
  /** A node with no value for the measure (e.g. the classifier for activation gradients). */
  unmeasured: '#E3E3E3',
  /** A head that is off. */
  off: '#9A9A9A',
  /** Setting changes on a time axis. */
  event: '#6F6F6F',
  /** Keyboard focus ring. */
  focus: OKABE_ITO.blue,
  text: 'currentColor',
  muted: '#6B6B6B',
  grid: '#E3E3E3',
  font: 'system-ui, -apple-system, "Segoe UI", sans-serif',
} as const;

/** Dash patterns telling runs of one colour apart (index = run's position). */
export const RUN_DASHES = ['', '6 3', '2 3', '10 3 2 3'] as const;

export const headColour = (head: HeadName | 'total'): string => theme.head[head];

/** The colour of runs[index]: A and B fixed, file runs in turn from theme.files. */
export function runColour(runs: readonly Pick<ChartRun, 'model'>[], index: number): string {
  const run = runs[index];
  if (!run) return theme.muted;
  if (run.model !== 'file') return theme.model[run.model];
  const nth = runs.slice(0, index).filter((r) => r.model === 'file').length;
  return theme.files[nth % theme.files.length]!;
}

/** Sequential (magnitudes, log): Cividis, readable with every common colour-vision deficiency. */
export const magnitudeInterpolator = interpolateCividis;
/** Diverging (ratios, log10 around 0): orange below 1, purple above. */
export const ratioInterpolator = interpolatePuOr;

/** Colour of a positive magnitude on a log scale over [lo, hi]. */
export function magnitudeScale(lo: number, hi: number) {
  return scaleSequentialLog(magnitudeInterpolator).domain([lo, hi > lo ? hi : lo * 10]).clamp(true);
}

/** Colour of a log10 ratio in [-m, m]: purple above 0 (A larger; PuOr's t = 0 end), orange below, near white at 0 (ratio 1). */
export function ratioScale(m: number) {
  return scaleDiverging(ratioInterpolator).domain([m, 0, -m]).clamp(true);
}

/** n RGB triples of an interpolator, for painting pixels without parsing colours. */
export function colourTable(interpolator: (t: number) => string, n = 256): Uint8Array {
  const table = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) table.set(rgbOf(interpolator(i / (n - 1))), i * 3);
  return table;
}

/** [r, g, b] of a CSS colour. */
export function rgbOf(css: string): [number, number, number] {
  const c = color(css)?.rgb();
  return c ? [Math.round(c.r), Math.round(c.g), Math.round(c.b)] : [0, 0, 0];
}
