import { describe, expect, it } from 'vitest';
import { parseWidths, recommendWidth } from '../../scripts/bench/widthSweep';

describe('the width sweep of the benchmark', () => {
  it('reads decimal and fractional widths, narrowest first, each once; refuses widths GradFlow does not build', () => {
    expect(parseWidths('0.5,1/8, 0.25,1/2')).toEqual([0.125, 0.25, 0.5]);
    expect(() => parseWidths('0.3')).toThrow(/"0.3" is not a width/);
  });

  it('recommends the widest width costing at most 1.25x the narrowest', () => {
    // Launch-bound (a GPU): the same cost up to 1/2, a third more at 1.
    expect(recommendWidth([{ width: 0.125, stepMs: 280 }, { width: 0.25, stepMs: 282 }, { width: 0.5, stepMs: 279 }, { width: 1, stepMs: 380 }])).toBe(0.5);
    // Arithmetic-bound (a CPU): every doubling costs more than 1.25x.
    expect(recommendWidth([{ width: 0.125, stepMs: 600 }, { width: 0.25, stepMs: 1412 }, { width: 0.5, stepMs: 4647 }])).toBe(0.125);
  });
});
