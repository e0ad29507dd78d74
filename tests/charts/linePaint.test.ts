import { describe, expect, it } from 'vitest';
import { RUN_DASHES } from '../../src/charts/theme';
import { dashSegments, lineDrawer, paintLines, type LineContext, type LineDrawingMessage, type LinePicture, type LineStroke } from '../../src/charts/linePaint';

/** A 2D context that writes down what is done to it. */
function recordingContext(): LineContext & { calls: string[] } {
  const calls: string[] = [];
  const context = {
    calls,
    globalAlpha: 1,
    strokeStyle: '' as unknown,
    lineWidth: 1,
    setTransform: (...a: number[]) => calls.push(`transform ${a.join(',')}`),
    clearRect: (...a: number[]) => calls.push(`clear ${a.join(',')}`),
    save: () => calls.push('save'),
    restore: () => calls.push('restore'),
    beginPath: () => calls.push('begin'),
    rect: (...a: number[]) => calls.push(`rect ${a.join(',')}`),
    clip: () => calls.push('clip'),
    setLineDash: (s: number[]) => calls.push(`dash ${s.join(',')}`),
    moveTo: (x: number, y: number) => calls.push(`move ${x},${y}`),
    lineTo: (x: number, y: number) => calls.push(`line ${x},${y}`),
    stroke: () => calls.push(`stroke ${context.strokeStyle as string} ${context.lineWidth} ${context.globalAlpha}`),
  };
  return context;
}

const stroke = (over: Partial<LineStroke>): LineStroke => ({
  id: 'A-main', kind: 'smoothed', points: new Float64Array([NaN, NaN, 10, 20, 30, 40]), colour: '#0072b2', opacity: 1, width: 1.75, dash: '', ...over,
});

const picture = (strokes: readonly LineStroke[], width = 200): LinePicture => ({
  strokes, width, height: 100, ratio: 2, area: { left: 10, top: 5, right: width - 10, bottom: 90 },
});

describe('dashSegments (SVG dash arrays on a canvas)', () => {
  it('reads every run dash the charts use, and a solid line as no segments', () => {
    expect(RUN_DASHES.map(dashSegments)).toEqual([[], [6, 3], [2, 3], [10, 3, 2, 3]]);
  });

  it('accepts commas and extra spaces as SVG does, and drops what is not a length', () => {
    expect(dashSegments(' 4, 2 ')).toEqual([4, 2]);
    expect(dashSegments('4 x -1 2')).toEqual([4, 2]);
  });
});

describe('paintLines', () => {
  it('sizes the bitmap at the pixel ratio, clips to the plot area and strokes each line with its own style, in order', () => {
    const canvas = { width: 1, height: 1 };
    const context = recordingContext();
    paintLines(canvas, context, picture([
      stroke({ kind: 'raw', opacity: 0.25, width: 1, dash: '6 3' }),
      stroke({ points: new Float64Array(0) }),
      stroke({ colour: '#d55e00', points: new Float64Array([NaN, NaN, 1, 2, NaN, NaN, 5, 6, 7, 8]) }),
    ]));
    expect(canvas).toEqual({ width: 400, height: 200 });
    expect(context.calls).toEqual([
      'transform 2,0,0,2,0,0', 'clear 0,0,200,100', 'save', 'begin', 'rect 10,5,180,85', 'clip',
      'dash 6,3', 'begin', 'move 10,20', 'line 30,40', 'stroke #0072b2 1 0.25',
      // The empty line is skipped; a gap moves the pen.
      'dash ', 'begin', 'move 1,2', 'move 5,6', 'line 7,8', 'stroke #d55e00 1.75 1',
      'restore',
    ]);
  });

  it('leaves a canvas of the right size as it is (setting its size would clear it twice)', () => {
    let sets = 0;
    const size = { w: 400, h: 200 };
    const canvas = {
      get width() { return size.w; }, set width(v: number) { sets++; size.w = v; },
      get height() { return size.h; }, set height(v: number) { sets++; size.h = v; },
    };
    paintLines(canvas, recordingContext(), picture([stroke({})]));
    expect(sets).toBe(0);
  });
});

describe('lineDrawer (the line-drawing worker)', () => {
  /** A drawer whose deferred tasks wait in `tasks` until the test runs them. */
  function drawer() {
    const tasks: (() => void)[] = [];
    const contexts = new Map<string, ReturnType<typeof recordingContext>>();
    const take = lineDrawer<{ name: string; width: number; height: number }>((task) => tasks.push(task), (canvas) => {
      if (!contexts.has(canvas.name)) contexts.set(canvas.name, recordingContext());
      return contexts.get(canvas.name)!;
    });
    const strokesOf = (name: string) => contexts.get(name)?.calls.filter((c) => c.startsWith('stroke')) ?? [];
    const run = () => tasks.splice(0).forEach((t) => t());
    return { take, tasks, strokesOf, run };
  }
  const attach = (id: number, name: string): LineDrawingMessage<{ name: string; width: number; height: number }> => ({ type: 'attach', id, label: name, canvas: { name, width: 300, height: 150 } });

  it('paints a canvas later, once, with the newest of the pictures that came meanwhile', () => {
    const { take, tasks, strokesOf, run } = drawer();
    take(attach(1, 'file'));
    take({ type: 'draw', id: 1, picture: picture([stroke({ colour: 'old' })]) });
    take({ type: 'draw', id: 1, picture: picture([stroke({ colour: 'new' })]) });
    expect(strokesOf('file')).toEqual([]);
    expect(tasks).toHaveLength(1);
    run();
    expect(strokesOf('file')).toEqual(['stroke new 1.75 1']);
    run();
    expect(strokesOf('file')).toEqual(['stroke new 1.75 1']);
  });

  it('paints every canvas with a new picture in one task, each at its own size', () => {
    const { take, tasks, strokesOf, run } = drawer();
    const a = attach(1, 'A');
    const b = attach(2, 'B');
    take(a);
    take(b);
    take({ type: 'draw', id: 1, picture: picture([stroke({ colour: 'a' })], 200) });
    take({ type: 'draw', id: 2, picture: picture([stroke({ colour: 'b' })], 150) });
    expect(tasks).toHaveLength(1);
    run();
    expect([a, b].map((m) => (m.type === 'attach' ? m.canvas.width : 0))).toEqual([400, 300]);
    expect([...strokesOf('A'), ...strokesOf('B')]).toEqual(['stroke a 1.75 1', 'stroke b 1.75 1']);
  });

  it('forgets a detached canvas: a picture for it, or for a canvas it never had, paints nothing', () => {
    const { take, strokesOf, run } = drawer();
    take(attach(1, 'A'));
    take({ type: 'draw', id: 1, picture: picture([stroke({})]) });
    take({ type: 'detach', id: 1 });
    take({ type: 'draw', id: 1, picture: picture([stroke({})]) });
    take({ type: 'draw', id: 7, picture: picture([stroke({})]) });
    run();
    expect(strokesOf('A')).toEqual([]);
  });
});
