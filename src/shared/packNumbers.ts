/**
 * Moving a large run between threads, and keeping it, without its numbers on the JS heap.
 * A structured clone rebuilds every array of numbers as an array of boxed numbers: a
 * 10,000-step run arrives as millions of small heap objects, which the page's garbage
 * collector then marks on every major collection. Packed, every array of numbers travels
 * in one transferred Float64Array; unpacked, the arrays a caller chooses (a run's steps)
 * become views into that buffer, so their numbers stay off the heap for as long as the run
 * is open: with a 10,000-step run open, the page's heap kept 14 to 16 MB after a major
 * collection, against 56 MB with arrays of doubles (docs/benchmarks.md). The rest of the
 * value (objects, strings, single numbers) is cloned as usual.
 */

/** Stands in for an array of numbers in a packed value: its offset and length in `numbers`. */
const MARK = '__packedNumbers';

export interface Packed {
  readonly skeleton: unknown;
  readonly numbers: Float64Array;
}

const isNumberArray = (value: unknown): value is ArrayLike<number> =>
  (Array.isArray(value) && value.every((v) => typeof v === 'number')) || value instanceof Float64Array;

/** `value` with every array of numbers (or Float64Array, as a live run's steps hold) moved into one Float64Array (plain data only: objects, arrays, strings, numbers, booleans, null). */
export function packNumbers(value: unknown): Packed {
  let total = 0;
  const count = (v: unknown): void => {
    if (isNumberArray(v)) total += v.length;
    else if (Array.isArray(v)) v.forEach(count);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(count);
  };
  count(value);
  const numbers = new Float64Array(total);
  let at = 0;
  const pack = (v: unknown): unknown => {
    if (isNumberArray(v)) {
      numbers.set(v, at);
      at += v.length;
      return { [MARK]: [at - v.length, v.length] };
    }
    if (Array.isArray(v)) return v.map(pack);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pack(x)]));
    return v;
  };
  return { skeleton: pack(value), numbers };
}

/** Where an array sits in the value: the keys and indices from the top. */
export type ValuePath = readonly (string | number)[];

/**
 * The value `packNumbers` was given, rebuilt in place (the skeleton, a fresh clone, becomes
 * the value). Each array of numbers at a path `asView` accepts becomes a Float64Array view
 * into `numbers` (views share the buffer: read-only by convention); the others become plain
 * arrays of doubles again (filled one by one: one block of memory, not boxed numbers), so
 * that code expecting an array (a header's lists, an empty list of events) gets one.
 */
export function unpackNumbers({ skeleton, numbers }: Packed, asView: (path: ValuePath) => boolean = () => false): unknown {
  const path: (string | number)[] = [];
  const unpack = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        v[i] = unpack(v[i]);
        path.pop();
      }
      return v;
    }
    const record = v as Record<string, unknown>;
    const place = record[MARK];
    if (Array.isArray(place) && Object.keys(record).length === 1) {
      const [offset, length] = place as [number, number];
      if (asView(path)) return numbers.subarray(offset, offset + length);
      const out: number[] = [];
      for (let i = 0; i < length; i++) out.push(numbers[offset + i]!);
      return out;
    }
    for (const key of Object.keys(record)) {
      path.push(key);
      record[key] = unpack(record[key]);
      path.pop();
    }
    return record;
  };
  return unpack(skeleton);
}
