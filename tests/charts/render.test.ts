import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { AccuracyCurves } from '../../src/charts/AccuracyCurves';
import { DataTable } from '../../src/charts/DataTable';
import { GradientByDepth } from '../../src/charts/GradientByDepth';
import { GradientHeatmap } from '../../src/charts/GradientHeatmap';
import { HeadContributions } from '../../src/charts/HeadContributions';
import { LossCurves } from '../../src/charts/LossCurves';
import { NetworkDiagram, switchKeys } from '../../src/charts/NetworkDiagram';
import { RatioChart, ratioTick } from '../../src/charts/RatioChart';
import { depthTable, ratioTable } from '../../src/charts/tables';
import type { ChartRun } from '../../src/charts/types';
import type { Run } from '../../src/shared/runFile';
import type { LayerMetric } from '../../src/train/frame';
import { chartRun, syntheticRun, tinyRun, tinyStep } from './fixtures';

const render = <P extends object>(component: FunctionComponent<P>, props: P): string => renderToStaticMarkup(createElement(component, props));
const count = (html: string, pattern: RegExp): number => (html.match(new RegExp(pattern, 'g')) ?? []).length;
/** The canvases of a time chart's lines: how many lines each run's canvas draws (a raw and a smoothed line per series). */
const lineLayers = (html: string): Record<string, number> =>
  Object.fromEntries([...html.matchAll(/<canvas data-layer="([^"]+)" data-lines="(\d+)"/g)].map((m) => [m[1]!, Number(m[2])]));
const SIZE = { width: 640, height: 300 };

const A = chartRun(syntheticRun({ steps: 30, aux: true }), 'A', 'A: aux on');
const B = chartRun(syntheticRun({ steps: 30, aux: false }), 'B', 'B: aux off');
const EMPTY = chartRun({ ...A.run, steps: [] }, 'file', 'empty');

/** A with one step edited: a layer's numbers replaced. */
function withLayer(run: ChartRun, layer: string, value: number): ChartRun {
  const index = run.run.header.layers.findIndex((l) => l.name === layer);
  const steps = run.run.steps.map((s, i) => (i < run.run.steps.length - 1 ? s : {
    ...s, layers: Object.fromEntries(Object.entries(s.layers).map(([k, v]) => [k, Array.from(v, (x, j) => (j === index ? value : x))])) as Record<LayerMetric, number[]>,
  }));
  return { ...run, run: { ...run.run, steps } };
}

/** Every chart's root: a named figure with a visible caption. */
function expectFigure(html: string, name: RegExp) {
  expect(html).toMatch(/^<figure role="figure" aria-label="[^"]+"/);
  expect(html).toMatch(name);
  expect(html).toMatch(/<figcaption[^>]*>[^<]+/);
}

describe('GradientByDepth', () => {
  it('draws one latest line per run, a faded trail, aux markers and a legend', () => {
    const html = render(GradientByDepth, { runs: [A, B], measure: 'gradRms', detail: 'block', ...SIZE });
    expectFigure(html, /aria-label="gradient RMS by depth"/);
    expect(count(html, /data-series="latest"/)).toBe(2);
    expect(count(html, /data-series="trail"/)).toBe(16);
    expect(html).toContain('data-aux-marker="aux1"');
    expect(html).toContain('data-aux-marker="aux2"');
    expect(html).toContain('>A: aux on</text>');
    for (const label of ['conv1', 'conv2', '3a', '4e', '5b', 'cls']) expect(html).toContain(`>${label}</text>`);
    expect(count(html, /data-mark="(zero|non-finite)"/)).toBe(0);
  });

  it('moves the plot and the aux labels below a legend that wraps, so that they do not overlap', () => {
    const long = (run: ChartRun, label: string) => ({ ...run, label });
    const runs = [long(A, 'A · aux1 loss 0.3, aux2 loss 0.3, relu'), long(B, 'B · aux1 off, aux2 off, relu')];
    const rowsOf = (html: string) => new Set([...html.matchAll(/<g transform="translate\([\d.]+,(\d+)\)"><line x2="18"/g)].map((m) => Number(m[1]))).size;
    const auxLabelY = (html: string) => Number(/data-aux-marker="aux1"[^>]*><line[^>]*><\/line><text y="([\d.-]+)"/.exec(html)![1]);
    const wide = render(GradientByDepth, { runs, measure: 'gradRms', detail: 'block', width: 900, height: 300 });
    const narrow = render(GradientByDepth, { runs, measure: 'gradRms', detail: 'block', width: 420, height: 300 });
    expect(rowsOf(wide)).toBe(1);
    expect(rowsOf(narrow)).toBe(2);
    // The legend starts at y 12, a row is 15 px: the second row's text reaches about y 32.
    expect(auxLabelY(wide)).toBe(31);
    expect(auxLabelY(narrow)).toBe(31 + 15);
  });

  it('draws an exact zero at the floor with a zero mark, and a non-finite value as a red ×', () => {
    const zero = withLayer(A, 'conv1/3x3', 0);
    const html = render(GradientByDepth, { runs: [zero, withLayer(B, 'conv1/3x3', NaN)], measure: 'gradRms', detail: 'block', trail: 0, ...SIZE });
    expect(count(html, /data-mark="zero"/)).toBe(1);
    expect(html).toContain('data-mark="zero-floor"');
    expect(count(html, /data-mark="non-finite"/)).toBe(1);
    expect(html).toMatch(/B: aux off, conv1 at step 30: NaN/);
    expect(html).toMatch(/A: aux on, conv1 at step 30: 0 \(exactly zero\)/);
  });

  it('waits for the first step', () => {
    const html = render(GradientByDepth, { runs: [EMPTY], measure: 'gradRms', detail: 'layer', ...SIZE });
    expect(html).toContain('waiting for the first step');
    expect(count(html, /<path data-series/)).toBe(0);
  });

  it('in layer detail, has one point per trunk layer', () => {
    const html = render(GradientByDepth, { runs: [A], measure: 'gradNorm', detail: 'layer', trail: 0, ...SIZE });
    const d = html.match(/data-series="latest"[^>]* d="([^"]+)"/)![1]!;
    expect(count(d, /[ML]/)).toBe(A.run.header.layers.filter((l) => l.head === 'main').length);
  });
});

describe('GradientHeatmap', () => {
  it('puts the cells on a canvas of one pixel per cell, labels rows in SVG and marks setting changes', () => {
    const run: ChartRun = { ...A, run: { ...A.run, events: [{ step: 12, type: 'setting', detail: 'learningRate 0.01 -> 0.001' }] } };
    const html = render(GradientHeatmap, { run, measure: 'gradRms', detail: 'block', ...SIZE });
    expectFigure(html, /aria-label="gradient RMS heatmap, A: aux on"/);
    expect(html).toMatch(/<canvas width="30" height="12" aria-hidden="true"/); // 30 steps fit; 11 blocks + classifier
    expect(html).toContain('>3a</text>');
    expect(count(html, /data-event="setting"/)).toBe(1);
    expect(html).toContain('data-legend="colour"');
  });

  it('downsamples columns to the plot width', () => {
    const long = chartRun(syntheticRun({ steps: 900, aux: true }), 'A');
    expect(render(GradientHeatmap, { run: long, measure: 'gradRms', detail: 'block', width: 384, height: 200 })).toMatch(/<canvas width="300"/);
  });
});

describe('HeadContributions', () => {
  it('groups one bar per head per depth point and names the per-head step', () => {
    const html = render(HeadContributions, { run: A, detail: 'block', mode: 'grouped', ...SIZE });
    expectFigure(html, /aria-label="Per-head gradient norms by depth, A: aux on"/);
    expect(html).toContain('per-head step 29');
    // 12 points x 3 heads, but the aux heads give loss3/classifier exactly zero: 2 zero marks.
    expect(count(html, /<rect data-head=/)).toBe(34);
    expect(count(html, /data-mark="zero"/)).toBe(2);
  });

  it('stacks shares in stacked mode and says that shares of norms are not shares of the vector', () => {
    const html = render(HeadContributions, { run: A, detail: 'block', mode: 'stacked', ...SIZE });
    expect(html).toContain('Shares of norms are not shares of the gradient vector');
    expect(html).toMatch(/60% of the norms/);
  });

  it('waits for the first per-head step', () => {
    expect(render(HeadContributions, { run: EMPTY, detail: 'block', mode: 'grouped', ...SIZE })).toContain('waiting for the first per-head step');
  });
});

describe('LossCurves and AccuracyCurves', () => {
  it('draws a smoothed and a raw line per head per run, leaving out heads that are off', () => {
    const html = render(LossCurves, { runs: [A, B], ...SIZE });
    expectFigure(html, /aria-label="Loss per head"/);
    // A: main, aux1, aux2, total; B: main, total.
    expect(lineLayers(html)).toEqual({ [A.id]: 2 * 4, [B.id]: 2 * 2 });
    expect(count(html, /data-mark="non-finite"/)).toBe(0);
  });

  it('marks a non-finite loss and setting changes on the time axis', () => {
    const last = A.run.steps[29]!;
    const run: Run = { ...A.run, steps: [...A.run.steps.slice(0, 29), { ...last, loss: { ...last.loss, main: NaN, total: NaN }, diverged: { where: "the main head's loss (NaN)" } }], events: [{ step: 10, type: 'setting', detail: 'aux1 loss -> off' }] };
    const html = render(LossCurves, { runs: [{ ...A, run }], ...SIZE });
    expect(count(html, /data-mark="non-finite"/)).toBe(2); // main and total
    expect(count(html, /data-event="setting"/)).toBe(1);
  });

  it('AccuracyCurves adds held-out accuracy as dots', () => {
    const html = render(AccuracyCurves, { runs: [A, B], ...SIZE });
    expectFigure(html, /aria-label="Accuracy per head"/);
    expect(lineLayers(html)).toEqual({ [A.id]: 2 * 3, [B.id]: 2 * 1 });
    // One path per series of dots (A: three heads, B: main), one circle in it per evaluation.
    const paths = [...html.matchAll(/data-series="eval"[^>]* d="([^"]*)"/g)].map((m) => m[1]!);
    expect(paths).toHaveLength(4);
    expect(paths.map((d) => count(d, /M/))).toEqual([15, 15, 15, 15]);
  });
});

describe('NetworkDiagram', () => {
  it('makes each aux branch a keyboard-operable switch', () => {
    const html = render(NetworkDiagram, { run: A, measure: 'gradRms', auxModes: { aux1: 'loss', aux2: 'off' }, onToggleAux: () => {}, ...SIZE });
    expectFigure(html, /aria-label="GoogLeNet diagram of A: aux on"/);
    expect(html).toContain('role="switch" aria-checked="true" aria-label="Auxiliary classifier 1 (on inception 4a)" tabindex="0"');
    expect(html).toContain('role="switch" aria-checked="false" aria-label="Auxiliary classifier 2 (on inception 4d)" tabindex="0"');
    for (const node of ['conv1', 'inception_3a', 'pool3', 'inception_5b', 'classifier', 'softmax0', 'aux1', 'softmax2']) expect(html).toContain(`data-node="${node}"`);
    expect(html).toContain('stroke-dasharray="4 3"'); // aux2 drawn dashed
    expect(html).toMatch(/<svg [^>]*role="group"/); // not "img", which would hide the switches from assistive technology
  });

  it('toggles a switch with Enter or Space, and lets other keys pass', () => {
    const toggled: string[] = [];
    let prevented = 0;
    const handler = switchKeys('aux2', (h) => toggled.push(h));
    for (const key of ['Enter', ' ', 'Tab', 'a']) handler({ key, preventDefault: () => { prevented++; } });
    expect(toggled).toEqual(['aux2', 'aux2']);
    expect(prevented).toBe(2);
  });

  it('is read-only without onToggleAux and fills a zero block with the zero colour', () => {
    const html = render(NetworkDiagram, { run: withLayer(A, 'conv1/3x3', 0), measure: 'gradRms', auxModes: { aux1: 'probe', aux2: 'loss' }, ...SIZE });
    expect(count(html, /role="switch"/)).toBe(2);
    expect(html).not.toContain('tabindex');
    expect(html).toMatch(/data-node="conv1"[^]*?fill="#FFFFFF"[^]*?exactly zero/);
  });
});

describe('RatioChart', () => {
  it('draws log10(A/B) bars with ratio ticks and marks undefined ratios', () => {
    const html = render(RatioChart, { a: withLayer(A, 'conv1/3x3', 0), b: B, measure: 'gradRms', detail: 'block', ...SIZE });
    expectFigure(html, /aria-label="Ratio of gradient RMS, A: aux on over B: aux off"/);
    expect(html).toContain('>A/B (×)</text>');
    for (const t of ['1/10', '>1<', '>10<']) expect(html).toContain(t);
    expect(count(html, /data-mark="undefined"/)).toBe(1); // conv1: A is zero
    expect(count(html, /<rect data-ratio=/)).toBe(11);
    expect(html).toContain('at step 30');
  });

  it('ratioTick writes powers of ten as ratios', () => {
    expect([-2, -1, 0, 1, 2, 7].map(ratioTick)).toEqual(['1/100', '1/10', '1', '10', '100', '1e7']);
  });
});

describe('DataTable', () => {
  it('renders the rows behind a chart as an accessible table', () => {
    const table = depthTable([A, B], 'gradRms', 'block');
    const html = render(DataTable, table);
    expect(html).toMatch(/^<table[^>]*><caption[^>]*>gradient RMS by depth at the latest step of each run \(A: aux on: step 30, B: aux off: step 30\)<\/caption>/);
    expect(count(html, /<th scope="col"/)).toBe(3);
    expect(count(html, /<th scope="row"/)).toBe(12);
    const ratio = ratioTable(A, withLayer(B, 'conv1/3x3', 0), 'gradRms', 'block');
    expect(ratio.rows[0]).toMatchObject({ depth: 'conv1', b: '0', ratio: 'undefined (B is zero)' });
  });

  it('tiny runs render too', () => {
    const tiny = chartRun(tinyRun([tinyStep(1, [1, 2, 3, 4, 5, 6, 7])]), 'file');
    expect(render(GradientByDepth, { runs: [tiny], measure: 'gradMaxAbs', detail: 'block', ...SIZE })).toContain('data-series="latest"');
  });
});
