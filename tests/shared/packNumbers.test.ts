import { describe, expect, it } from 'vitest';
import { packNumbers, unpackNumbers } from '../../src/shared/packNumbers';
import { parseRun } from '../../src/shared/parseRun';
import { serializeRun } from '../../src/shared/runFile';
import { syntheticRun } from '../charts/fixtures';

/** What a structured clone does to the packed value on its way to the other thread. */
const travel = <T>(value: T): T => structuredClone(value);

describe('packNumbers (a run between threads, its arrays of numbers in one Float64Array)', () => {
  it("gives back a run file's run exactly, every number to the bit", () => {
    const parsed = parseRun(serializeRun(syntheticRun({ steps: 40, aux: true })));
    if (!parsed.ok) throw new Error(parsed.error);
    const packed = travel(packNumbers(parsed.run));
    expect(unpackNumbers(packed)).toStrictEqual(parsed.run);
  });

  it('keeps NaN, infinities, -0 and the largest and smallest floats, and leaves other arrays and single numbers as they are', () => {
    const value = {
      numbers: [NaN, Infinity, -Infinity, -0, 0, Number.MAX_VALUE, Number.MIN_VALUE, 1, 2.5],
      empty: [] as number[],
      names: ['conv1', 'conv2'],
      mixed: [1, 'two', null],
      nested: [{ at: 3, values: [1e-40, -7] }, { at: 4, values: [] as number[] }],
      one: -0,
      none: null,
      flag: true,
    };
    const packed = travel(packNumbers(value));
    expect(packed.numbers).toHaveLength(9 + 2);
    const back = unpackNumbers(packed) as typeof value;
    expect(back).toStrictEqual(value);
    expect(Object.is(back.numbers[3], -0)).toBe(true);
    expect(Object.is(back.one, -0)).toBe(true);
  });

  it('moves every array of numbers out of the skeleton', () => {
    const { skeleton, numbers } = packNumbers({ a: [1, 2], b: [{ c: [3] }] });
    expect(skeleton).toEqual({ a: { __packedNumbers: [0, 2] }, b: [{ c: { __packedNumbers: [2, 1] } }] });
    expect([...numbers]).toEqual([1, 2, 3]);
  });

  it('packs a Float64Array like an array, and unpacks as views only where asked, by path', () => {
    const value = { header: { mean: [0.5] }, steps: [{ a: new Float64Array([1, -0, NaN]), b: [2] }], events: [] as number[] };
    const seen: string[] = [];
    const back = unpackNumbers(travel(packNumbers(value)), (path) => {
      seen.push(path.join('.'));
      return path[0] === 'steps';
    }) as { header: { mean: number[] }; steps: { a: Float64Array; b: Float64Array }[]; events: number[] };
    expect(seen).toStrictEqual(['header.mean', 'steps.0.a', 'steps.0.b', 'events']);
    expect(back.header.mean).toStrictEqual([0.5]);
    expect(back.events).toStrictEqual([]);
    expect(back.steps[0]!.a).toBeInstanceOf(Float64Array);
    expect(Array.from(back.steps[0]!.a)).toStrictEqual([1, -0, NaN]);
    expect(back.steps[0]!.b.buffer).toBe(back.steps[0]!.a.buffer);
  });
});
