import assert from 'node:assert/strict';
import { FAST, open, PAINTED_PIXELS, waitForStep } from './appPage';
import { e2eTest, waitForExpression } from './harness';
import { startDevServer, stopPreview } from './preview';

/**
 * What `npm start` serves: the development server, where React runs its development checks
 * (StrictMode runs every effect's cleanup and the effect again), which the other browser
 * tests, on the build, never see.
 */
export default [
  e2eTest('the development server (npm start): the models train and the charts draw their lines, with no error in the page', async ({ page, errors }) => {
    const server = await startDevServer();
    try {
      await page.setViewportSize({ width: 1600, height: 1200 });
      // The dependencies the development server pre-bundled, as the page and its workers fetch them.
      const deps: string[] = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/node_modules/.vite/deps/')) deps.push(request.url());
      });
      await open(page, server.url, FAST);
      await waitForStep(page, 3, 120_000);
      await page.getByRole('heading', { level: 2, name: 'Loss and accuracy per head' }).scrollIntoViewIfNeeded();
      // Every canvas of lines shows its run's lines, whoever paints it (a canvas handed over to the line-drawing worker is copied to be read).
      const painted = `[...document.querySelectorAll('figure[aria-label="Loss per head"] canvas[data-layer], figure[aria-label="Accuracy per head"] canvas[data-layer]')].map(${PAINTED_PIXELS})`;
      await waitForExpression(page, `((counts) => counts.length >= 4 && counts.every((n) => n > 100))(${painted})`, { timeout: 20_000 });
      const depth = (await page.locator('path[data-run="A"][data-series="latest"]').first().getAttribute('d')) ?? '';
      assert.match(depth, /^M/, 'the gradient-by-depth chart drew model A\'s line');
      // The pre-bundled tfjs-core has its tape walks rewritten, as the build has (scripts/tfjsTapeWalks.ts).
      const bodies = await Promise.all(deps.filter((url) => url.includes('.js')).map(async (url) => (await page.request.get(url)).text()));
      const tapes = bodies.filter((body) => body.includes('Cannot backprop through input'));
      assert.equal(tapes.length, 1, `one pre-bundled file holds tfjs's tape, of ${deps.length} fetched`);
      assert.equal(tapes[0]!.split('of Object.keys(node.inputs)').length - 1, 2);
      assert.ok(!tapes[0]!.includes('for (const inputName in '), 'no for-in over a node\'s inputs');
      assert.deepEqual(errors, []);
    } finally {
      await stopPreview(server.child);
    }
  }, 180_000),
];
