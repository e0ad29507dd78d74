/**
 * Moving a large run between threads without boxing its numbers. A structured clone
 * rebuilds every array of numbers as an array of boxed numbers: a 10,000-step run arrives
 * as millions of small heap objects (about three times the heap of the same run read with
 * JSON.parse), which the page's garbage collector then marks on every major collection.
 * Packed, every array of numbers travels in one transferred Float64Array and is rebuilt as
 * a plain array of doubles; the rest of the value (objects, strings, single numbers) is
 * cloned as usual.
 */

/** Stands in for an array of numbers in a packed value: its offset and length in `numbers`. */
const MARK = '__packedNumbers';

export interface Packed {
  readonly skeleton: unknown;
  readonly numbers: Float64Array;
}

const isNumberArray = (value: unknown): value is readonly number[] =>
  Array.isArray(value) && value.every((v) => typeof v === 'number');

/** `value` with every array of numbers moved into one Float64Array (plain data only: objects, arrays, strings, numbers, booleans, null). */
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

/**
 * The value `packNumbers` was given, its arrays of numbers rebuilt as plain arrays. It
 * rebuilds in place: the skeleton (a fresh clone) becomes the value.
 */
export function unpackNumbers({ skeleton, numbers }: Packed): unknown {
  const unpack = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = unpack(v[i]);
      return v;
    }
    const record = v as Record<string, unknown>;
    const place = record[MARK];
    if (Array.isArray(place) && Object.keys(record).length === 1) {
      const [offset, length] = place as [number, number];
      // Filled one by one: an array of doubles (one block of memory), not of boxed numbers.
      const out: number[] = [];
      for (let i = 0; i < length; i++) out.push(numbers[offset + i]!);
      return out;
    }
    for (const key of Object.keys(record)) record[key] = unpack(record[key]);
    return record;
  };
  return unpack(skeleton);
}
