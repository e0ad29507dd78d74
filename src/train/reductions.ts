import * as tf from '@tensorflow/tfjs-core';
import { MAGNITUDES_KERNEL, TINY, type MagnitudeOutput } from './backends/wasmReductions';
import { flatten } from './perVariable';

/**
 * On-device reductions of gradient tensors. Norms are computed scaled by the largest
 * magnitude, so that neither the tiny gradients of a vanishing network (squares below
 * float32's range) nor large ones (squares above it) are lost: ||g|| = s ||g / s||, with
 * s = max(max |g|, TINY) (TINY keeps a group of zeros from 0 / 0, and with s on both
 * sides a group of subnormal gradients alone keeps its true norm); a non-finite element
 * makes the result non-finite, never a silent zero.
 *
 * Where the backend has the one-kernel version (wasm, see backends/wasmReductions.ts),
 * each reduction is that one kernel instead of about fifteen op launches.
 */

/** The one-kernel reduction of `parts`, or null where the active backend has none. */
function oneKernel(parts: readonly tf.Tensor[], output: MagnitudeOutput): tf.Tensor | null {
  if (!tf.getKernel(MAGNITUDES_KERNEL, tf.getBackend())) return null;
  return tf.engine().runKernel(MAGNITUDES_KERNEL, parts as unknown as tf.NamedTensorMap, { output } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** [4]: L2 norm, RMS, mean |g| and max |g| over all elements of `parts` taken together. */
export function magnitudeStats(parts: readonly tf.Tensor[]): tf.Tensor1D {
  const fast = oneKernel(parts, 'stats');
  if (fast) return fast as tf.Tensor1D;
  return tf.tidy(() => {
    const flat = flatten(parts); // [n]
    const n = flat.shape[0]!;
    const abs = tf.abs(flat);
    const maxAbs = tf.max(abs);
    const scale = tf.maximum(maxAbs, TINY);
    const norm = tf.mul(scale, tf.sqrt(tf.sum(tf.square(tf.div(abs, scale)))));
    const meanAbs = tf.div(tf.sum(abs), n);
    return tf.stack([norm, tf.div(norm, Math.sqrt(n)), meanAbs, maxAbs]) as tf.Tensor1D;
  });
}

/** Scalar L2 norm over all elements of `parts`, scaled as above. */
export function l2Norm(parts: readonly tf.Tensor[]): tf.Scalar {
  const fast = oneKernel(parts, 'norm');
  if (fast) return fast as tf.Scalar;
  return tf.tidy(() => {
    const flat = flatten(parts);
    const scale = tf.maximum(tf.max(tf.abs(flat)), TINY);
    return tf.mul(scale, tf.sqrt(tf.sum(tf.square(tf.div(flat, scale))))) as tf.Scalar;
  });
}

/** Scalar root mean square of all elements of t, scaled as above. */
export function rms(t: tf.Tensor): tf.Scalar {
  const fast = oneKernel([t], 'rms');
  if (fast) return fast as tf.Scalar;
  return tf.tidy(() => {
    const scale = tf.maximum(tf.max(tf.abs(t)), TINY);
    return tf.mul(scale, tf.sqrt(tf.mean(tf.square(tf.div(t, scale))))) as tf.Scalar;
  });
}

/** Index tensors of groupMagnitudes, per backend and group sizes (the same sizes recur every step). */
const layouts = new Map<string, Layout>();
/** Distinct group layouts kept: a model's layers, and a few more for a model built again. */
const LAYOUTS_KEPT = 8;

interface Layout {
  /** For each element of the padded rows, where it comes from in the concatenated groups (the zero appended last for padding). */
  readonly index: tf.Tensor1D;
  /** The row of each group, in group order. */
  readonly inverse: tf.Tensor1D;
  /** Each size class's rows and width, in row order. */
  readonly buckets: readonly { rows: number; width: number }[];
  /** Elements per row, in row order. */
  readonly counts: tf.Tensor1D;
}

/**
 * Where each element of the concatenated groups goes in the padded rows of its size
 * class: groups whose sizes round up to the same power of four share a [rows, width]
 * matrix (width the largest size among them, so at most four times any row's size), and
 * the padding reads a zero appended after the last element.
 */
function layoutOf(sizes: readonly number[]): Layout {
  const key = `${tf.getBackend()}|${sizes.join(',')}`;
  const known = layouts.get(key);
  if (known) {
    layouts.delete(key);
    layouts.set(key, known); // most recently used last
    return known;
  }
  const starts: number[] = [];
  let total = 0;
  for (const n of sizes) {
    starts.push(total);
    total += n;
  }
  const classes = new Map<number, number[]>();
  sizes.forEach((n, g) => {
    const c = Math.ceil(Math.log2(Math.max(1, n)) / 2);
    const members = classes.get(c);
    if (members) members.push(g);
    else classes.set(c, [g]);
  });
  const buckets = [...classes.keys()].sort((a, b) => a - b).map((c) => {
    const members = classes.get(c)!;
    return { members, rows: members.length, width: Math.max(...members.map((g) => sizes[g]!)) };
  });
  // Built in place: at the paper's width the padded rows run to tens of millions of entries.
  const index = new Int32Array(buckets.reduce((n, b) => n + b.rows * b.width, 0));
  const order: number[] = [];
  let at = 0;
  for (const { members, width } of buckets) {
    for (const g of members) {
      for (let i = 0; i < width; i++) index[at++] = i < sizes[g]! ? starts[g]! + i : total;
      order.push(g);
    }
  }
  const inverse = new Array<number>(sizes.length);
  order.forEach((g, row) => (inverse[g] = row));
  const layout: Layout = {
    index: tf.keep(tf.tensor1d(index, 'int32')),
    inverse: tf.keep(tf.tensor1d(inverse, 'int32')),
    buckets: buckets.map(({ rows, width }) => ({ rows, width })),
    counts: tf.keep(tf.tensor1d(order.map((g) => sizes[g]!), 'float32')),
  };
  layouts.set(key, layout);
  if (layouts.size > LAYOUTS_KEPT) {
    const [oldest, old] = layouts.entries().next().value!;
    layouts.delete(oldest);
    for (const t of [old.index, old.inverse, old.counts]) t.dispose();
  }
  return layout;
}

/**
 * magnitudeStats of each group ('stats', [groups, 4]), or its norm or RMS ([groups]):
 * the same numbers, up to the order of float32 sums. With the one-kernel reduction (wasm)
 * that kernel runs once per group. Elsewhere (the GPU backends, cpu) the groups are
 * reduced together, so a model's layers cost a few dozen kernel launches instead of a
 * dozen per layer: every element in one concatenation, gathered into one zero-padded
 * matrix per size class (sizes within a factor of four), each matrix reduced along its
 * rows, the rows' results combined at once.
 */
export function groupMagnitudes(groups: readonly (readonly tf.Tensor[])[], output: MagnitudeOutput): tf.Tensor {
  if (tf.getKernel(MAGNITUDES_KERNEL, tf.getBackend())) {
    const one = (parts: readonly tf.Tensor[]): tf.Tensor => {
      if (output === 'stats') return magnitudeStats(parts);
      if (output === 'norm') return l2Norm(parts);
      return parts.length === 1 ? rms(parts[0]!) : tf.tidy(() => tf.reshape(tf.slice(magnitudeStats(parts), [1], [1]), []));
    };
    return tf.stack(groups.map(one));
  }
  return tf.tidy(() => {
    const sizes = groups.map((parts) => parts.reduce((n, p) => n + p.size, 0));
    return paddedGroups(tf.reshape(flatten([...groups.flat(), tf.zeros([1])]), [1, -1]), sizes, output);
  });
}

/**
 * groupMagnitudes of groups that lie one after the other in each of `flats`, `sizes[g]`
 * elements each (together all of it), one vector after the other: [flats x groups, 4] or
 * [flats x groups]. The same numbers as groupMagnitudes of the pieces, without first cutting
 * them out of vectors the caller already has whole; on the backends without the one-kernel
 * reduction the vectors are reduced together, in the launches of one. With the one-kernel
 * reduction (wasm) the pieces are cut out and reduced one by one, as there.
 */
export function groupMagnitudesOfFlats(flats: readonly tf.Tensor1D[], sizes: readonly number[], output: MagnitudeOutput): tf.Tensor {
  const total = sizes.reduce((a, b) => a + b, 0);
  for (const flat of flats) if (total !== flat.size) throw new Error(`groupMagnitudesOfFlats: the groups hold ${total} elements, the vector ${flat.size}`);
  if (tf.getKernel(MAGNITUDES_KERNEL, tf.getBackend())) {
    return tf.tidy(() => tf.concat(flats.map((flat) => groupMagnitudes(tf.split(flat, [...sizes]).map((part) => [part]), output))));
  }
  // The vectors joined and seen as rows (on webgpu buffer copies, where a stack is a program).
  return tf.tidy(() => paddedGroups(tf.pad(tf.reshape(flatten(flats), [flats.length, total]), [[0, 0], [0, 1]]) as tf.Tensor2D, sizes, output));
}

/**
 * The batched reduction of groupMagnitudes on each row of `all` [vectors, elements + 1]:
 * every group's elements one after the other, then one zero (what padding reads). Each
 * vector's groups are reduced as they would be alone (the same rows, of the same width).
 * [vectors x groups, 4], or [vectors x groups] for 'norm' and 'rms'.
 */
function paddedGroups(all: tf.Tensor2D, sizes: readonly number[], output: MagnitudeOutput): tf.Tensor {
  if (sizes.some((n) => n === 0)) throw new Error('groupMagnitudes: a group has no elements');
  const layout = layoutOf(sizes);
  const vectors = all.shape[0];
  const padded = tf.gather(tf.abs(all), layout.index, 1); //                               [vectors, sum of rows x width]
  // Per size class: each row's largest |g|, sum of |g| and sum of squares scaled by the largest.
  const largest: tf.Tensor[] = [];
  const scales: tf.Tensor[] = [];
  const sums: tf.Tensor[] = [];
  const squares: tf.Tensor[] = [];
  let at = 0;
  for (const b of layout.buckets) {
    const abs = tf.reshape(tf.slice(padded, [0, at], [vectors, b.rows * b.width]), [vectors, b.rows, b.width]);
    const maxAbs = tf.max(abs, 2); //                                                    [vectors, rows]
    const scale = tf.maximum(maxAbs, TINY);
    largest.push(maxAbs);
    scales.push(scale);
    sums.push(tf.sum(abs, 2));
    squares.push(tf.sum(tf.square(tf.div(abs, tf.reshape(scale, [vectors, b.rows, 1]))), 2));
    at += b.rows * b.width;
  }
  const join = (parts: tf.Tensor[]): tf.Tensor => (parts.length === 1 ? parts[0]! : tf.concat(parts, 1));
  const maxAbs = join(largest); //                                                       [vectors, groups], in row order
  const norm = tf.mul(join(scales), tf.sqrt(join(squares)));
  const rows = tf.stack([norm, tf.div(norm, tf.sqrt(layout.counts)), tf.div(join(sums), layout.counts), maxAbs], 2);
  const stats = tf.reshape(tf.gather(rows, layout.inverse, 1), [-1, 4]); //               [vectors x groups, 4]
  return output === 'stats' ? stats : tf.reshape(tf.slice(stats, [0, output === 'norm' ? 0 : 1], [-1, 1]), [-1]);
}
