/**
 * `shapes`: a procedural RGB dataset drawn in pure TypeScript (no canvas, no DOM), so that
 * it is made the same way in Node and in a Web Worker. Each image is one filled shape of a
 * random colour, size (half-extent 7-12 px), position and slight rotation (up to +-12
 * degrees, small enough that a square never turns into a diamond or a plus into an X) on a
 * random background colour, anti-aliased by 2x2 supersampling, plus per-pixel noise.
 * Only arithmetic and square roots (exact in IEEE 754) shape the bytes, so a seed gives the
 * same dataset in every engine.
 */

import { Rng } from '../rng';
import { channelStats, standardisingTable } from './normalise';
import { byteSplit } from './split';
import { IMAGE_SIZE, type Dataset } from './types';

export const SHAPE_CLASSES = [
  'circle', 'square', 'triangle', 'ring', 'plus', 'X cross', 'horizontal bar', 'vertical bar', 'diamond', 'star',
] as const;
export const SHAPES_TRAIN_COUNT = 5000;
export const SHAPES_EVAL_COUNT = 1000;
const CHANNELS = 3;
const MIN_HALF_SIZE = 7;
const MAX_HALF_SIZE = 12;
/** tan(6 degrees): rotations are drawn as t = tan(angle / 2), up to +-12 degrees. */
const MAX_HALF_ANGLE_TAN = 0.10510423526567646;
/** Minimum RGB distance (in [0,1] units) between shape and background colours. */
const MIN_CONTRAST = 0.5;
/** Standard deviation of the additive noise, in [0,1] units. */
const NOISE_STD = 0.06;

/** cos and sin of 18 and 54 degrees, from square roots (exact in every engine, unlike Math.cos). */
const C18 = Math.sqrt(10 + 2 * Math.sqrt(5)) / 4;
const S18 = (Math.sqrt(5) - 1) / 4;
const C54 = Math.sqrt(10 - 2 * Math.sqrt(5)) / 4;
const S54 = (Math.sqrt(5) + 1) / 4;

/** Vertices of a five-pointed star of outer radius 1, inner radius 0.45, point up (every 36 degrees from -90), as x0, y0, x1, y1, ... */
const STAR = Float64Array.from(
  [[0, -1], [C54, -S54], [C18, -S18], [C18, S18], [C54, S54], [0, 1], [-C54, S54], [-C18, S18], [-C18, -S18], [-C54, -S54]]
    .flatMap(([x, y], k) => [(k % 2 === 0 ? 1 : 0.45) * x!, (k % 2 === 0 ? 1 : 0.45) * y!]),
);

/** Even-odd test of (u, v) against the polygon with flat vertex coordinates `xy`. */
function insidePolygon(u: number, v: number, xy: Float64Array): boolean {
  let inside = false;
  const n = xy.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = xy[2 * i]!;
    const yi = xy[2 * i + 1]!;
    const xj = xy[2 * j]!;
    const yj = xy[2 * j + 1]!;
    if (yi > v !== yj > v && u < ((xj - xi) * (v - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether the point (u, v) of the shape's own frame (half-size 1, y down) is inside shape `shape`. */
export function insideShape(shape: number, u: number, v: number): boolean {
  const au = Math.abs(u);
  const av = Math.abs(v);
  switch (shape) {
    case 0: return u * u + v * v <= 1; // circle
    case 1: return au <= 0.8 && av <= 0.8; // square
    case 2: return v <= 0.7 && au <= (0.9 * (v + 1)) / 1.7; // triangle, apex up
    case 3: { const r2 = u * u + v * v; return r2 <= 1 && r2 >= 0.55 * 0.55; } // ring
    case 4: return (au <= 1 && av <= 0.22) || (av <= 1 && au <= 0.22); // plus
    case 5: { // X: the plus turned by 45 degrees
      const p = Math.abs(u + v) * Math.SQRT1_2;
      const q = Math.abs(u - v) * Math.SQRT1_2;
      return (p <= 1 && q <= 0.22) || (q <= 1 && p <= 0.22);
    }
    case 6: return au <= 1 && av <= 0.28; // horizontal bar
    case 7: return av <= 1 && au <= 0.28; // vertical bar
    case 8: return au + av <= 1; // diamond
    case 9: return insidePolygon(u, v, STAR); // star
    default: throw new RangeError(`no shape ${shape}`);
  }
}

/** Two colours in [0,1]^3 at least MIN_CONTRAST apart (the same distribution for every class). */
function colours(rng: Rng): [number[], number[]] {
  for (;;) {
    const background = [rng.next(), rng.next(), rng.next()];
    const shape = [rng.next(), rng.next(), rng.next()];
    const squared = (shape[0]! - background[0]!) ** 2 + (shape[1]! - background[1]!) ** 2 + (shape[2]! - background[2]!) ** 2;
    if (squared >= MIN_CONTRAST * MIN_CONTRAST) return [background, shape];
  }
}

/**
 * 1024 near-normal values (each a sum of 12 uniforms minus 6, drawn once from a fixed
 * stream, then rescaled to mean 0 and standard deviation exactly 1) times NOISE_STD, in
 * byte units. A pixel draws its three channels' noise from one 32-bit random number, ten
 * bits per channel: three times fewer draws than one value each, which keeps the whole
 * dataset well under a second.
 */
const NOISE_TABLE: Float32Array = (() => {
  const rng = Rng.forStream(0, 'shapes/noise-table');
  const values = Array.from({ length: 1024 }, () => {
    let sum = -6;
    for (let k = 0; k < 12; k++) sum += rng.next();
    return sum;
  });
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return Float32Array.from(values, (v) => ((v - mean) / std) * NOISE_STD * 255);
})();

/** Draws one image of class `shape` into `out` (IMAGE_SIZE^2 * 3 bytes, HWC). */
function drawShape(shape: number, rng: Rng, out: Uint8Array): void {
  const [background, fill] = colours(rng);
  const half = rng.uniform(MIN_HALF_SIZE, MAX_HALF_SIZE);
  const cx = rng.uniform(half + 1, IMAGE_SIZE - half - 1);
  const cy = rng.uniform(half + 1, IMAGE_SIZE - half - 1);
  // cos and sin of the angle from t = tan(angle / 2): arithmetic only, so every JavaScript
  // engine draws the same pixels (Math.sin and Math.cos may differ in the last bit).
  const t = rng.uniform(-MAX_HALF_ANGLE_TAN, MAX_HALF_ANGLE_TAN);
  const cos = (1 - t * t) / (1 + t * t) / half;
  const sin = (2 * t) / (1 + t * t) / half;
  const low = (c: number) => Math.max(0, Math.floor(c - half - 1));
  const high = (c: number) => Math.min(IMAGE_SIZE - 1, Math.ceil(c + half + 1));
  const coverage = new Float32Array(IMAGE_SIZE * IMAGE_SIZE);
  for (let y = low(cy); y <= high(cy); y++) {
    for (let x = low(cx); x <= high(cx); x++) {
      let hits = 0;
      for (let sy = 0.25; sy < 1; sy += 0.5) {
        for (let sx = 0.25; sx < 1; sx += 0.5) {
          const dx = x + sx - cx;
          const dy = y + sy - cy;
          if (insideShape(shape, cos * dx + sin * dy, cos * dy - sin * dx)) hits++;
        }
      }
      coverage[y * IMAGE_SIZE + x] = hits / 4;
    }
  }
  const clamped = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length); // rounds and clamps on write
  const [r0, g0, b0] = background.map((v) => 255 * v) as [number, number, number];
  const [rd, gd, bd] = fill.map((v, c) => 255 * (v - background[c]!)) as [number, number, number];
  for (let p = 0, o = 0; p < IMAGE_SIZE * IMAGE_SIZE; p++, o += CHANNELS) {
    const a = coverage[p]!;
    const bits = rng.nextUint32();
    clamped[o] = r0 + a * rd + NOISE_TABLE[bits & 1023]!;
    clamped[o + 1] = g0 + a * gd + NOISE_TABLE[(bits >>> 10) & 1023]!;
    clamped[o + 2] = b0 + a * bd + NOISE_TABLE[(bits >>> 20) & 1023]!;
  }
}

/** Generates `count` images (HWC bytes) with balanced, shuffled labels from `rng`. */
export function generateShapes(count: number, rng: Rng): { pixels: Uint8Array; labels: Uint8Array } {
  const classes = SHAPE_CLASSES.length;
  const order = rng.permutation(count);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) labels[i] = order[i]! % classes;
  const imageBytes = IMAGE_SIZE * IMAGE_SIZE * CHANNELS;
  const pixels = new Uint8Array(count * imageBytes);
  for (let i = 0; i < count; i++) drawShape(labels[i]!, rng, pixels.subarray(i * imageBytes, (i + 1) * imageBytes));
  return { pixels, labels };
}

/** Makes the `shapes` dataset for `seed`: train and eval from separate random streams. */
export function makeShapes(seed: number): Dataset {
  const train = generateShapes(SHAPES_TRAIN_COUNT, Rng.forStream(seed, 'shapes/train'));
  const held = generateShapes(SHAPES_EVAL_COUNT, Rng.forStream(seed, 'shapes/eval'));
  const stats = channelStats(train.pixels, CHANNELS);
  const imageLength = IMAGE_SIZE * IMAGE_SIZE * CHANNELS;
  const table = standardisingTable(CHANNELS, stats);
  return {
    name: 'shapes',
    size: IMAGE_SIZE,
    channels: CHANNELS,
    classes: SHAPE_CLASSES.length,
    classNames: SHAPE_CLASSES,
    train: byteSplit(train.pixels, train.labels, imageLength, CHANNELS, table),
    eval: byteSplit(held.pixels, held.labels, imageLength, CHANNELS, table),
    normalisation: stats,
    description: `Procedural shapes (seed ${seed >>> 0}): 10 classes of coloured shapes on coloured backgrounds with noise, `
      + `${SHAPES_TRAIN_COUNT.toLocaleString('en')} train + ${SHAPES_EVAL_COUNT.toLocaleString('en')} eval images `
      + `drawn from separate random streams, ${SHAPES_TRAIN_COUNT / SHAPE_CLASSES.length}/${SHAPES_EVAL_COUNT / SHAPE_CLASSES.length} per class.`,
  };
}
