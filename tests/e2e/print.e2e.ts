import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { FAST, open, pause, stepCount, waitForStep } from './appPage';
import { e2eTest, waitForExpression } from './harness';

/** The panel under the heading `title`. */
const panel = (page: Page, title: string): Locator => page.locator('section.panel', { has: page.getByRole('heading', { level: 2, name: title, exact: true }) });

/** The text of every caption in a panel. */
async function captions(page: Page, title: string): Promise<string> {
  return (await panel(page, title).locator('figcaption').allInnerTexts()).join('\n');
}

/** The whole text of a panel. */
const text = (page: Page, title: string): Promise<string> => panel(page, title).innerText();

export default [
  e2eTest('printing (or saving as PDF) shows every panel at the current step: panels off screen catch up first', async ({ page, baseURL, artifactsDir, errors }) => {
    // Short enough that the last three panels start well below the fold (and its 300 px margin).
    await page.setViewportSize({ width: 1600, height: 600 });
    await open(page, baseURL, FAST);
    await waitForStep(page, 5);
    await pause(page);
    const step = await stepCount(page);

    // Off screen, they kept the picture from before the first step, which says so.
    for (const title of ['Gradient over time', 'Where the gradient comes from', 'Loss and accuracy per head']) {
      assert.match(await text(page, title), /waiting for the first step/i, `${title} is still at its first picture`);
    }
    assert.equal(await panel(page, 'Loss and accuracy per head').locator('canvas[data-layer="A"]').count(), 0);
    // A narrower page: the charts on screen take the new width; those off screen wait for it until scrolled to.
    const widths = (title: string) => `[...[...document.querySelectorAll('section.panel')].find((p) => p.querySelector('h2').textContent === '${title}').querySelectorAll('.chart-body')]
      .filter((b) => b.querySelector('svg')).map((b) => [Number(b.querySelector('svg').getAttribute('width')), b.clientWidth])`;
    await page.setViewportSize({ width: 1300, height: 600 });
    await waitForExpression(page, `${widths('Gradient by depth')}.every(([drawn, frame]) => Math.abs(drawn - frame) <= 1)`, { timeout: 10_000 });
    await page.waitForTimeout(500);
    const waiting = (await page.evaluate(widths('Loss and accuracy per head'))) as [number, number][];
    assert.ok(waiting.length === 2 && waiting.every(([drawn, frame]) => drawn > frame + 1), `off screen, the curves kept their old width ([drawn, frame]: ${JSON.stringify(waiting)})`);

    // What the printout is laid out from: the page as it is after GradFlow's own `beforeprint` (this listener comes later).
    await page.evaluate(`window.addEventListener('beforeprint', () => {
      const panel = [...document.querySelectorAll('section.panel')].find((p) => p.querySelector('h2').textContent === 'Loss and accuracy per head');
      const heatmaps = [...document.querySelectorAll('section.panel')].find((p) => p.querySelector('h2').textContent === 'Gradient over time').querySelectorAll('canvas');
      const painted = (c) => c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((v, i) => i % 4 === 3 && v > 0).length;
      window.__printed = {
        canvases: panel.querySelectorAll('canvas').length,
        layers: [...panel.querySelectorAll('g[data-layer]')].map((g) => g.querySelectorAll('path[data-series]').length),
        smoothedWidths: [...panel.querySelectorAll('path[data-series="smoothed"]')].map((p) => p.getAttribute('stroke-width')),
        heatmapCells: [...heatmaps].map((c) => [c.width * c.height, painted(c)]),
        curveWidths: ${widths('Loss and accuracy per head')},
      };
    })`);
    await page.pdf({ path: join(artifactsDir, 'print.pdf'), width: '1600px', height: '1200px', printBackground: true });

    // What was printed is what the page holds now: every panel at the current step.
    for (const title of ['Gradient over time', 'Where the gradient comes from', 'Loss and accuracy per head']) {
      assert.doesNotMatch(await text(page, title), /waiting/i, `${title} caught up for the printout`);
    }
    const heads = await captions(page, 'Where the gradient comes from');
    const perHead = [...heads.matchAll(/at per-head step (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(perHead.length, 2, `both models' head charts name their step: ${heads}`);
    for (const s of perHead) assert.ok(s >= step - 1 && s <= step, `per-head step ${s} is the latest measured by step ${step} (every 2nd)`);
    assert.match(await captions(page, 'Gradient over time'), new RegExp(`columns 1 to ${step}\\)`));
    // Its lines went to paper as vector paths: a canvas drawn while printing prints opaque, over the axes and the other run's lines.
    const printed = (await page.evaluate('window.__printed')) as { canvases: number; layers: number[]; heatmapCells: [number, number][]; curveWidths: [number, number][]; smoothedWidths: string[] };
    // A few steps across the plot: the smoothed lines at their full width (only a line with more steps than pixels is drawn 1 px wide).
    assert.ok(printed.smoothedWidths.length >= 4 && printed.smoothedWidths.every((w) => w === '1.75'), `smoothed lines 1.75 px wide (${printed.smoothedWidths.join(', ')})`);
    // At the page's width now, not the one they had when they went off screen.
    assert.ok(printed.curveWidths.length === 2 && printed.curveWidths.every(([drawn, frame]) => Math.abs(drawn - frame) <= 1), `the curves printed at their frames' width ([drawn, frame]: ${JSON.stringify(printed.curveWidths)})`);
    // The heatmaps' cells were painted for it, every one: a column per step, a row per block.
    assert.equal(printed.heatmapCells.length, 2);
    for (const [cells, painted] of printed.heatmapCells) assert.ok(cells === step * 12 && painted === cells, `heatmap cells painted for the printout: ${painted} of ${cells}`);
    assert.equal(printed.canvases, 0, 'no canvas of lines in the printout');
    assert.equal(printed.layers.length, 4, 'both charts printed both models\' lines');
    for (const paths of printed.layers) assert.ok(paths >= 2, `each model's lines printed (${printed.layers.join(', ')} paths)`);
    // Back on screen, the canvases again.
    for (const chart of ['Loss per head', 'Accuracy per head']) {
      for (const model of ['A', 'B']) {
        const lines = await panel(page, 'Loss and accuracy per head').locator(`figure[aria-label="${chart}"] canvas[data-layer="${model}"]`).getAttribute('data-lines');
        assert.ok(Number(lines) >= 2, `${chart}: model ${model}'s lines are drawn for the printout (${lines})`);
      }
    }
    assert.deepEqual(errors, []);
  }, 90_000),
];
