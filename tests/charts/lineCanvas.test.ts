import { describe, expect, it } from 'vitest';
import { dashSegments } from '../../src/charts/linePaint';
import { RUN_DASHES } from '../../src/charts/theme';

describe('dashSegments (SVG dash arrays on a canvas)', () => {
  it('reads every run dash the charts use, and a solid line as no segments', () => {
    expect(RUN_DASHES.map(dashSegments)).toEqual([[], [6, 3], [2, 3], [10, 3, 2, 3]]);
  });

  it('accepts commas and extra spaces as SVG does, and drops what is not a length', () => {
    expect(dashSegments(' 4, 2 ')).toEqual([4, 2]);
    expect(dashSegments('4 x -1 2')).toEqual([4, 2]);
  });
});
