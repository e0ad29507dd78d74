import { describe, expect, it } from 'vitest';
import { AFTER_CHANGE_MS, droppedNearText, dropsNearChanges, type PageChange } from '../../scripts/bench/longHistory';

/** The bench window's own changes: a scroll every 2 s from 0, with a page-width change every other time. */
const WINDOW: readonly (readonly [number, PageChange])[] = [[0, 'scroll'], [2_000, 'width'], [4_000, 'scroll'], [6_000, 'width']];

describe('dropsNearChanges', () => {
  it('puts each dropped frame with the change it came after, or elsewhere', () => {
    const dropped: [number, number][] = [
      [2_080, 50], // right after the width change at 2 s
      [4_030, 33.3], // began before the scroll at 4 s, ended after it: the scroll's
      [4_450, 33.3], // within 0.5 s of that scroll
      [3_000, 33.3], // 1 s after the width change: elsewhere
      [6_020, 33.3], // began 13 ms before the width change at 6 s and ended after it
      [1_500, 33.3], // 1.5 s after the first scroll: elsewhere
    ];
    expect(dropsNearChanges(dropped, WINDOW)).toEqual({ widthChange: 2, scroll: 2, elsewhere: 2 });
  });

  it('counts a frame that began within the span as the change\'s, and one that began after it as elsewhere', () => {
    const end = 2_000 + AFTER_CHANGE_MS + 20;
    expect(dropsNearChanges([[end, 40]], WINDOW)).toEqual({ widthChange: 1, scroll: 0, elsewhere: 0 });
    expect(dropsNearChanges([[end, 10]], WINDOW)).toEqual({ widthChange: 0, scroll: 0, elsewhere: 1 });
  });

  it('does not give a frame that ended before a change to it', () => {
    expect(dropsNearChanges([[1_999, 33.3]], WINDOW)).toEqual({ widthChange: 0, scroll: 0, elsewhere: 1 });
    expect(dropsNearChanges([[100, 33.3]], [])).toEqual({ widthChange: 0, scroll: 0, elsewhere: 1 });
  });

  it('has nothing to sort without dropped frames, and says what it sorted in words', () => {
    const near = dropsNearChanges([], WINDOW);
    expect(near).toEqual({ widthChange: 0, scroll: 0, elsewhere: 0 });
    expect(droppedNearText({ widthChange: 3, scroll: 1, elsewhere: 2 })).toBe('3 within 0.5 s of a page-width change, 1 of a scroll alone, 2 elsewhere');
  });
});
