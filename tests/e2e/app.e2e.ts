import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { longHistoryRun } from '../../scripts/bench/longHistory';
import { parseRun } from '../../src/shared/parseRun';
import { serializeRun } from '../../src/shared/runFile';
import { wasmThreadsPayOff } from '../../src/worker/wasmThreads';
import { FAST, fetchedScripts, open, PAINTED_PIXELS, pause, stepCount, waitForStep, wasmPthreads } from './appPage';
import { e2eTest, pageErrors, waitForExpression } from './harness';
import { CHROMIUM, CHROMIUM_ARGS, DIST } from './preview';

/** A and B identical (aux heads off): same seed, same batches, so the same gradients until A changes. */
const BOTH_OFF = 'a.aux1=off&a.aux2=off&b.aux1=off&b.aux2=off';

/** The `d` of the latest gradient-by-depth line of one run ('A', 'B' or 'file'). */
async function depthPath(page: Page, run: string): Promise<string> {
  return (await page.locator(`path[data-run="${run}"][data-series="latest"]`).first().getAttribute('d')) ?? '';
}

/** A message of the run-file reader's schema library (zod), in every chunk that holds it. */
const RUN_FILE_READER_TEXT = 'ZodError';

/** A built JavaScript chunk: its file name in dist/assets and its code. */
interface Chunk { readonly file: string; readonly code: string }

/** Every built JavaScript chunk. */
async function builtChunks(): Promise<Chunk[]> {
  const assets = join(DIST, 'assets');
  const files = (await readdir(assets)).filter((f) => f.endsWith('.js'));
  return Promise.all(files.map(async (file) => ({ file, code: await readFile(join(assets, file), 'utf8') })));
}

/** The one chunk whose code holds `text`; fails unless exactly one does, so a check that uses it cannot pass by finding none. */
function chunkHolding(chunks: readonly Chunk[], text: string): Chunk {
  const holders = chunks.filter((c) => c.code.includes(text));
  assert.equal(holders.length, 1, `one chunk holds ${text}: ${holders.map((c) => c.file).join(', ')}`);
  return holders[0]!;
}

export default [
  e2eTest('app: loads without errors, Play trains and the step count rises, every panel draws; screenshot', async ({ page, baseURL, artifactsDir, errors }) => {
    await page.setViewportSize({ width: 1600, height: 1200 });
    const data: string[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/data/')) data.push(path);
    });
    const scripts = fetchedScripts(page);
    await open(page, baseURL, FAST);
    // Training starts by itself; pause it, then Play must start it again.
    await waitForStep(page, 1);
    await pause(page);
    const paused = await stepCount(page);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await waitForStep(page, paused + 1);
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();
    const later = await waitForStep(page, paused + 4);
    assert.ok(later >= paused + 4);
    assert.match(await page.getByRole('status').innerText(), /steps\/s · backend wasm/);
    // The wasm build follows the machine's cores: threaded where XNNPACK gets two threads or
    // more, else the build without threads (no idle pthread pool); either runs the SIMD backward kernels.
    const trainingWorker = page.workers().find((w) => w.url().includes('training.worker'));
    assert.ok(trainingWorker, 'the training worker is running');
    const cores = (await trainingWorker.evaluate('navigator.hardwareConcurrency')) as number;
    assert.equal(wasmPthreads(page) > 0, wasmThreadsPayOff(cores), `${wasmPthreads(page)} pthread workers with ${cores} logical cores`);
    assert.equal(await page.getByText('without its SIMD backward kernels', { exact: false }).count(), 0);
    // The dataset comes as its gzipped copy, a fifth of the binary's size (src/worker/dataFetch.ts).
    assert.deepEqual(data, ['/data/mnist.bin.gz']);
    // No GPU here ('auto' passes WebGPU and software WebGL over): their backends' code is never fetched.
    const chunks = await builtChunks();
    // Each GPU backend's chunk, found by a flag it alone registers.
    const gpuChunks = ['WEBGL_VERSION', 'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE'].map((flag) => chunkHolding(chunks, flag).file);
    assert.ok(scripts.some((f) => f.startsWith('training.worker')), `the worker's chunk was fetched: ${scripts.join(', ')}`);
    assert.deepEqual(scripts.filter((f) => gpuChunks.includes(f)), [], `fetched: ${scripts.join(', ')}`);
    // The worker trains with tfjs's tape walks looping over Object.keys, not for-in (scripts/tfjsTapeWalks.ts).
    const tape = chunkHolding(chunks, 'Cannot backprop through input'); // an error message of tfjs's backward walk
    assert.ok(scripts.includes(tape.file), `the tape's chunk ${tape.file} was fetched: ${scripts.join(', ')}`);
    assert.equal(tape.code.match(/for\(const \w+ of Object\.keys\(\w+\.inputs\)\)/g)?.length, 2, 'both walks over node.inputs');
    assert.doesNotMatch(tape.code, /for\(const \w+ in \w+\.inputs\)/);
    // The run-file reader and its schema library load only where a file is read: its worker, or the page's fallback.
    const readers = chunks.filter((c) => c.code.includes(RUN_FILE_READER_TEXT));
    assert.ok(readers.some((c) => c.file.startsWith('runFile.worker')), `the run-file worker reads files: ${readers.map((c) => c.file).join(', ')}`);
    assert.ok(readers.some((c) => !c.file.includes('.worker')), `the page has its own reader to load: ${readers.map((c) => c.file).join(', ')}`);
    assert.deepEqual(scripts.filter((f) => readers.some((c) => c.file === f)), [], `fetched: ${scripts.join(', ')}`);
    // Space pauses and plays when focus is not in a control.
    await page.evaluate('document.activeElement?.blur()');
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Pause', exact: true }).waitFor();

    // Every chart is a named figure with something drawn (per-head numbers come every 2nd step here).
    // Panels off screen keep their last picture, so bring each into view first.
    for (const title of ['The network', 'Gradient by depth', 'Gradient over time', 'Where the gradient comes from', 'Loss and accuracy per head']) {
      const heading = page.getByRole('heading', { level: 2, name: title });
      assert.ok(await heading.isVisible(), `panel "${title}" is missing`);
      await heading.scrollIntoViewIfNeeded();
      await page.waitForTimeout(300);
    }
    await waitForExpression(page, 'document.querySelectorAll("[data-state=empty]").length === 0', { timeout: 30_000 });
    const figures = page.getByRole('figure');
    const count = await figures.count();
    assert.ok(count >= 10, `expected at least 10 figures, found ${count}`);
    for (let i = 0; i < count; i++) {
      const figure = figures.nth(i);
      assert.ok(((await figure.getAttribute('aria-label')) ?? '').length > 0, `figure ${i} has no name`);
      const box = await figure.boundingBox();
      assert.ok(box && box.width > 100 && box.height > 80, `figure ${i} is too small: ${JSON.stringify(box)}`);
      const marks = await figure.locator('path[d]:not([d=""]), rect, circle, canvas').count();
      assert.ok(marks > 0, `figure "${await figure.getAttribute('aria-label')}" draws nothing`);
    }
    await page.evaluate('window.scrollTo(0, 0)');
    await page.waitForTimeout(500);
    await page.screenshot({ path: join(artifactsDir, 'app.png') });
    await page.screenshot({ path: join(artifactsDir, 'app-full.png'), fullPage: true });

    // Reset: fresh weights from the seed, the step count starts over, training goes on.
    const beforeReset = await waitForStep(page, 8);
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    await waitForExpression(page, `Number(/step (\\d+)/.exec(document.querySelector('[role=status]')?.textContent ?? '')?.[1]) < ${beforeReset}`, { timeout: 20_000, polling: 100 });
    await waitForStep(page, 2);
    assert.deepEqual(errors, []);
  }, 90_000),

  e2eTest("offered only WebGPU's software adapter, automatic choice passes it over, says why, and trains on wasm; chosen by name, it is used, with a note", async ({ baseURL }) => {
    // Chromium with WebGPU switched on and no GPU offers SwiftShader as a fallback adapter:
    // 49 s per step there, 0.34 s on wasm (src/worker/gpuChecks.ts).
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, '--enable-unsafe-webgpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1200 } });
      const errors = pageErrors(page);
      const scripts = fetchedScripts(page);
      await open(page, baseURL, FAST.replace('backend=wasm&', ''));
      assert.equal(await page.evaluate('navigator.gpu.requestAdapter().then((a) => a?.info?.isFallbackAdapter ?? null)'), true, 'this Chromium offers a fallback adapter');
      await waitForStep(page, 2);
      assert.match(await page.getByRole('status').innerText(), /backend wasm/);
      const note = await page.locator('.backend-note', { hasText: 'not used:' }).innerText();
      assert.match(note, /webgpu \(software WebGPU \(swiftshader\), no GPU: wasm is faster here\)/, note);
      assert.match(note, /webgl \(software WebGL \(SwiftShader\), no GPU: wasm is faster here\)/, note);
      // Passed over on their checks, neither GPU backend's code was fetched.
      const chunks = await builtChunks();
      const gpuChunks = ['WEBGL_VERSION', 'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE'].map((flag) => chunkHolding(chunks, flag).file);
      assert.deepEqual(scripts.filter((f) => gpuChunks.includes(f)), [], `fetched: ${scripts.join(', ')}`);
      // Chosen by name, WebGPU is used all the same, and the page says what that costs.
      await page.getByLabel('Backend').selectOption('webgpu');
      await waitForExpression(page, `/backend webgpu/.test(document.querySelector('[role=status]')?.textContent ?? '')`, { timeout: 60_000 });
      await page.getByText('webgpu is drawn in software here (no GPU): a step takes far longer than on wasm; Backend auto passes it over').waitFor();
      assert.equal(await page.getByText('software WebGPU (swiftshader)').count(), 0, 'WebGPU is no longer listed as not used');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  }, 120_000),

  e2eTest('toggling "Auxiliary classifier 1" changes model A\'s gradient by depth and marks the change', async ({ page, baseURL }) => {
    await open(page, baseURL, `${FAST}&${BOTH_OFF}`);
    await waitForStep(page, 2);
    await pause(page);
    await page.waitForTimeout(300);
    // Identical settings from one seed: identical lines.
    assert.equal(await depthPath(page, 'A'), await depthPath(page, 'B'));
    const aux1 = page.getByRole('switch', { name: /Auxiliary classifier 1/ });
    assert.equal(await aux1.count(), 1, 'exactly one switch (model A) is named "Auxiliary classifier 1"');
    // Label in name: the accessible name starts with the words on screen.
    const shown = (await aux1.innerText()).replace(/\s+/g, ' ').trim();
    assert.ok((await aux1.getAttribute('aria-label'))!.startsWith(shown), `"${shown}" is not the start of the switch's name`);
    assert.equal(await aux1.getAttribute('aria-checked'), 'false');
    await aux1.click();
    assert.equal(await aux1.getAttribute('aria-checked'), 'true');
    const before = await stepCount(page);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await waitForStep(page, before + 1);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await waitForStep(page, before + 2);
    await page.waitForTimeout(300);
    assert.notEqual(await depthPath(page, 'A'), await depthPath(page, 'B'), "model A's line must differ from B's once aux 1 is on");
    // The change is marked on A's time axes, and kept in the address.
    await page.getByRole('heading', { level: 2, name: 'Gradient over time' }).scrollIntoViewIfNeeded();
    const heatmapA = page.getByRole('figure', { name: /heatmap, A/ });
    await heatmapA.locator('[data-event="setting"]').first().waitFor({ state: 'attached', timeout: 5_000 });
    assert.match((await heatmapA.locator('[data-event="setting"] title').first().textContent()) ?? '', /aux1 loss/);
    assert.match(page.url(), /a\.aux1=loss/);
  }, 90_000),

  e2eTest('the URL hash reproduces the settings; a bad hash falls back to defaults with a notice', async ({ page, baseURL }) => {
    await open(page, baseURL, 'preset=tanh&dataset=fashion-mnist&width=1/4&lr=0.03&batch=8&seed=7&backend=wasm&a.aux2=probe:0.5&b.aux1=loss:0.3&measure=gradNorm&detail=layer');
    const selected = (label: string) => page.getByLabel(label, { exact: true }).locator('option:checked').innerText();
    assert.equal(await selected('Preset'), 'Tanh');
    assert.equal(await selected('Dataset'), 'Fashion-MNIST');
    assert.equal(await selected('Activation'), 'tanh');
    assert.equal(await selected('Width'), '1/4');
    assert.equal(await selected('Learning rate'), '0.03');
    assert.equal(await selected('Batch size'), '8');
    assert.equal(await selected('Backend'), 'wasm');
    assert.equal(await selected('Measure'), 'Weight gradient, L2 norm');
    assert.equal(await page.getByLabel('Seed', { exact: true }).inputValue(), '7');
    assert.equal(await page.getByRole('switch', { name: /Auxiliary classifier 2/ }).getAttribute('aria-checked'), 'true');
    assert.equal(await page.getByRole('radiogroup', { name: 'Model A aux 2 mode' }).getByRole('radio', { name: 'probe' }).getAttribute('aria-checked'), 'true');
    assert.equal(await page.getByRole('switch', { name: 'Aux 1 after 4a, model B' }).getAttribute('aria-checked'), 'true');
    assert.equal(await page.getByRole('radiogroup', { name: 'Detail' }).getByRole('radio', { name: 'Layers' }).getAttribute('aria-checked'), 'true');
    assert.match(page.url(), /seed=7/);
    assert.match(page.url(), /a\.aux2=probe:0\.5/);

    await page.goto('about:blank');
    await open(page, baseURL, 'batch=zero&nonsense=1');
    const notice = page.getByRole('alert').filter({ hasText: 'not understood' });
    await notice.waitFor();
    assert.match(await notice.innerText(), /batch/);
    assert.equal(await selected('Batch size'), '16');
    assert.equal(await selected('Preset'), 'ReLU (paper)');
  }, 60_000),

  e2eTest('a bad run file shows an error and the live runs stay; a saved run opens beside them', async ({ page, baseURL }) => {
    // Files are read in a worker of their own, so that reading one leaves no garbage on the page's heap.
    const readers: string[] = [];
    page.on('worker', (worker) => {
      if (worker.url().includes('runFile.worker')) readers.push(worker.url());
    });
    await open(page, baseURL, FAST);
    await waitForStep(page, 2);
    const input = page.locator('input[type=file]');
    await input.setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"format":"nope"}') });
    const error = page.getByRole('alert').filter({ hasText: 'bad.json' });
    await error.waitFor();
    assert.match(await error.innerText(), /not a GradFlow run file/);
    assert.equal(readers.length, 1, 'the file was read in a run-file worker');
    assert.ok((await depthPath(page, 'A')).length > 0, 'the live run A is still drawn');
    assert.equal(await page.locator('path[data-run="file"]').count(), 0);
    const step = await stepCount(page);
    await waitForStep(page, step + 1);

    // A save takes the run as it is when the button is pressed (the sidebar itself does not redraw with each step).
    const shown = await stepCount(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Run A (JSON)' }).click()]);
    const path = await download.path();
    assert.ok(path, 'the run file was saved');
    const saved = parseRun(await readFile(path, 'utf8'));
    assert.ok(saved.ok, 'the saved run reads back');
    const savedLast = saved.run.steps[saved.run.steps.length - 1]!.step;
    assert.ok(savedLast >= shown, `the saved run reaches the step shown when saving (${savedLast} >= ${shown})`);
    assert.equal(download.suggestedFilename(), `gradflow-model-A-step-${savedLast}.json`);
    await input.setInputFiles(path);
    await page.locator('path[data-run="file"][data-series="latest"]').first().waitFor();
    assert.equal(await page.getByRole('alert').filter({ hasText: 'bad.json' }).count(), 0, 'a good file clears the error');
    assert.ok((await depthPath(page, 'A')).length > 0);

    // Dropping a bad file anywhere on the page: an error, and the opened run stays.
    await page.evaluate(`(() => {
      const data = new DataTransfer();
      data.items.add(new File(['not json at all'], 'dropped.json', { type: 'application/json' }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    })()`);
    await page.getByRole('alert').filter({ hasText: 'dropped.json' }).waitFor();
    assert.equal(await page.locator('path[data-run="file"][data-series="latest"]').count(), 1);

    // A new batch size restarts the run cleanly: the step count starts over and training goes on.
    const beforeRestart = await stepCount(page);
    await page.getByLabel('Batch size', { exact: true }).selectOption({ label: '8' });
    await waitForExpression(page, `Number(/step (\\d+)/.exec(document.querySelector('[role=status]')?.textContent ?? '')?.[1]) < ${beforeRestart}`, { timeout: 20_000, polling: 100 });
    await waitForStep(page, 2);
    assert.match(page.url(), /batch=8/);
    assert.equal(await page.locator('path[data-run="file"][data-series="latest"]').count(), 1, 'the opened run stays across a restart');
  }, 90_000),

  e2eTest('time charts draw each run\'s lines on a canvas of its own, redraw an opened run only when it changes, and save them as vector paths', async ({ page, baseURL, errors }) => {
    // Count the pictures the page sends the line-drawing worker for each canvas of lines, by its run.
    await page.addInitScript(`
      window.__draws = {};
      const labels = new Map();
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (message, ...rest) {
        if (message?.type === 'attach') labels.set(message.id, message.label);
        const layer = message?.type === 'draw' ? labels.get(message.id) : undefined;
        if (layer) window.__draws[layer] = (window.__draws[layer] ?? 0) + 1;
        return post.call(this, message, ...rest);
      };
    `);
    await page.setViewportSize({ width: 1600, height: 1200 });
    await open(page, baseURL, FAST);
    await waitForStep(page, 2);
    // A long opened run whose largest loss sets the loss chart's y axis, so that live steps change neither axis.
    const long = longHistoryRun(2_000);
    const run = { ...long, steps: long.steps.map((s) => (s.step === 1 ? { ...s, loss: { ...s.loss, total: 40 } } : s)) };
    // While the file is read (off the page), the panel says so.
    await page.evaluate(`new MutationObserver((records) => {
      for (const r of records) for (const n of [r.target, ...r.addedNodes]) if ((n.textContent ?? '').startsWith('Reading “long.json”…')) window.__sawReading = true;
    }).observe(document.body, { subtree: true, childList: true, characterData: true })`);
    await page.locator('input[type=file]').setInputFiles({ name: 'long.json', mimeType: 'application/json', buffer: Buffer.from(serializeRun(run)) });
    await page.getByRole('heading', { level: 2, name: 'Loss and accuracy per head' }).scrollIntoViewIfNeeded();
    const loss = page.getByRole('figure', { name: 'Loss per head' });
    await loss.locator('canvas[data-layer="file"]').waitFor();
    assert.equal(await page.evaluate('window.__sawReading'), true, 'a note said the file was being read');
    assert.equal(await page.getByText('Reading “long.json”…').count(), 0, 'the note goes once the run is shown');
    // The opened run: 4 heads, a raw and a smoothed line each, and every line drawn on the canvas.
    assert.equal(await loss.locator('canvas[data-layer="file"]').getAttribute('data-lines'), '8');
    assert.equal(await loss.locator('canvas[data-layer="A"]').getAttribute('data-lines'), '8');
    // Painted by the worker: the page can no longer draw on a canvas it handed over, only copy what it shows.
    const fileCanvasPainted = `(${PAINTED_PIXELS})(document.querySelector('figure[aria-label="Loss per head"] canvas[data-layer="file"]'))`;
    await waitForExpression(page, `${fileCanvasPainted} > 2000`, { timeout: 10_000 });
    const handedOver = `[...document.querySelectorAll('.chart-body canvas[data-layer]')].map((c) => { try { c.getContext('2d'); return false; } catch (e) { return e.name === 'InvalidStateError'; } })`;
    const handed = (await page.evaluate(handedOver)) as boolean[];
    assert.ok(handed.length >= 4 && handed.every(Boolean), `every canvas of lines is drawn by the line-drawing worker (${JSON.stringify(handed)})`);

    // Live steps redraw the live runs' canvases, not the opened run's.
    await page.waitForTimeout(500);
    const before = (await page.evaluate('({ ...window.__draws })')) as Record<string, number>;
    const step = await stepCount(page);
    await waitForStep(page, step + 3);
    await page.waitForTimeout(500);
    const after = (await page.evaluate('({ ...window.__draws })')) as Record<string, number>;
    assert.ok((after.A ?? 0) > (before.A ?? 0), `the live run's lines were redrawn (${JSON.stringify({ before, after })})`);
    assert.equal(after.file, before.file, 'the opened run\'s lines were not drawn again');

    // A narrower page: the opened run's canvas is drawn again at its new size (after the frame that lays the page out).
    const fileCanvas = loss.locator('canvas[data-layer="file"]');
    const sized = `(() => { const c = document.querySelector('figure[aria-label="Loss per head"] canvas[data-layer="file"]');
      return c && c.width === Math.round(c.clientWidth * devicePixelRatio) && c.height === Math.round(c.clientHeight * devicePixelRatio); })()`;
    const wide = await fileCanvas.evaluate((c: HTMLCanvasElement) => c.width);
    // Each frame, the frame number at which each chart took a new width, and whether it was on
    // screen then; and at which each canvas of lines was drawn at its new size.
    await page.evaluate(`(() => {
      const bodies = [...document.querySelectorAll('.chart-body')];
      const widthOf = (b) => b.querySelector('svg')?.getAttribute('width') ?? null;
      const start = bodies.map(widthOf);
      const changes = window.__widthChanges = [];
      const canvases = [...document.querySelectorAll('.chart-body canvas[data-layer]')];
      const canvasStart = canvases.map((c) => c.width);
      const canvasChanges = window.__canvasChanges = [];
      let n = 0;
      const tick = () => {
        window.__frame = ++n;
        bodies.forEach((b, i) => {
          if (start[i] === null || changes.some((c) => c.chart === i) || widthOf(b) === start[i]) return;
          const r = b.getBoundingClientRect();
          // Near: on screen or within the 300 px margin in which panels count as in view.
          changes.push({ chart: i, frame: n, onScreen: r.bottom > 0 && r.top < innerHeight, near: r.bottom > -300 && r.top < innerHeight + 300 });
        });
        canvases.forEach((c, i) => {
          if (c.isConnected && c.width !== canvasStart[i] && !canvasChanges.some((k) => k.canvas === i)) canvasChanges.push({ canvas: i, frame: n });
        });
        // Until the test has seen every chart and canvas at its new size (or a minute at 60 Hz), however slow the machine.
        if (!window.__sized && n < 3600) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    await page.setViewportSize({ width: 1300, height: 1200 });
    await waitForExpression(page, `${sized} && document.querySelector('figure[aria-label="Loss per head"] canvas[data-layer="file"]').width < ${wide}`, { timeout: 10_000 });
    // Every chart near the screen takes its new width, one per frame (so that no frame does them all), those on screen first.
    const resized = (where: string): string => `[...document.querySelectorAll('.chart-body')].filter((b) => { const r = b.getBoundingClientRect(); return ${where}; })
      .every((b) => Number(b.querySelector('svg')?.getAttribute('width') ?? 0) <= b.clientWidth + 1)`;
    const nearScreen = 'r.bottom > -300 && r.top < innerHeight + 300';
    await waitForExpression(page, resized(nearScreen), { timeout: 10_000 });
    // And every canvas of lines is drawn at its new size (until then it shows its old picture stretched).
    await waitForExpression(page, `[...document.querySelectorAll('.chart-body canvas[data-layer]')].every((c) => c.width === Math.max(1, Math.round(c.clientWidth * devicePixelRatio)))`, { timeout: 10_000 });
    // The charts far off screen (the panels at the top) wait, at their old width, until they are scrolled to.
    const farScreen = '!(r.bottom > -300 && r.top < innerHeight + 300)';
    await page.waitForTimeout(1_000);
    const far = (await page.evaluate(`[...document.querySelectorAll('.chart-body')].filter((b) => { const r = b.getBoundingClientRect(); return b.querySelector('svg') && ${farScreen}; })
      .map((b) => [Number(b.querySelector('svg')?.getAttribute('width') ?? 0), b.clientWidth])`)) as [number, number][];
    assert.ok(far.length >= 3, `charts far above the screen (${JSON.stringify(far)})`);
    assert.ok(far.every(([drawn, frame]) => drawn > frame + 1), `charts far off screen kept their old width ([drawn, frame]: ${JSON.stringify(far)})`);
    await page.evaluate('window.__scrolledAt = window.__frame; window.scrollTo(0, 0)');
    await waitForExpression(page, resized('true'), { timeout: 10_000 });
    await page.evaluate('window.__sized = true');
    const changes = (await page.evaluate('window.__widthChanges')) as { chart: number; frame: number; onScreen: boolean; near: boolean }[];
    // The canvases of lines took their new sizes, painted by the worker, the opened run's with its lines.
    const canvasChanges = (await page.evaluate('window.__canvasChanges')) as { canvas: number; frame: number }[];
    assert.ok(canvasChanges.length >= 4, `the canvases of lines were drawn at their new sizes (${JSON.stringify(canvasChanges)})`);
    assert.ok(((await page.evaluate(handedOver)) as boolean[]).every(Boolean), 'the canvases are still drawn by the worker');
    await waitForExpression(page, `${fileCanvasPainted} > 2000`, { timeout: 10_000 });
    const perFrame = new Map<number, number>();
    for (const c of changes) perFrame.set(c.frame, (perFrame.get(c.frame) ?? 0) + 1);
    assert.ok(changes.length >= 6, `the charts took new widths (${JSON.stringify(changes)})`);
    assert.ok(perFrame.size >= changes.length / 2, `new widths were spread over frames (${JSON.stringify(changes)})`);
    assert.ok(changes.every((c) => c.near), `no chart took its new width while far off screen (${JSON.stringify(changes)})`);
    // Before the scroll, those on screen first, then those near it; after it, the ones that waited.
    const scrolledAt = (await page.evaluate('window.__scrolledAt')) as number;
    const beforeScroll = changes.filter((c) => c.frame <= scrolledAt);
    const firstOffScreen = beforeScroll.findIndex((c) => !c.onScreen);
    assert.ok(firstOffScreen === -1 || beforeScroll.slice(firstOffScreen).every((c) => !c.onScreen), `charts on screen took their widths first (${JSON.stringify(changes)})`);
    assert.ok(changes.length - beforeScroll.length >= far.length, `the charts that waited took their widths once scrolled to (${JSON.stringify(changes)})`);
    const redrawn = (await page.evaluate('({ ...window.__draws })')) as Record<string, number>;
    assert.ok((redrawn.file ?? 0) >= (after.file ?? 0) + 2, `the opened run's loss and accuracy canvases were drawn again at the new size (${JSON.stringify({ after, redrawn })})`);

    // Saved as SVG, the lines are vector paths: every series, each at most 3 points per pixel column.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Save loss as SVG' }).click()]);
    const svg = await readFile((await download.path())!, 'utf8');
    for (const head of ['main', 'aux1', 'aux2', 'total']) {
      for (const kind of ['raw', 'smoothed']) {
        const d = new RegExp(`<path data-series="${kind}" data-id="file-${head}" d="([^"]+)"`).exec(svg)?.[1];
        assert.ok(d, `the saved SVG has the opened run's ${kind} ${head} line`);
        // 2,000 steps across about 1,000 px: a zigzag per column, stroked 1 px wide (the smoothed line too; isDense of timeDrawing.ts).
        const stroke = new RegExp(`<path data-series="${kind}" data-id="file-${head}" d="[^"]+"[^>]* stroke-width="([^"]+)"`).exec(svg)?.[1];
        assert.equal(stroke, '1', `${kind} ${head}: stroke width of a dense line`);
        const points = d.match(/[ML]/g)!.length;
        assert.ok(points > 200 && points <= 3 * 1300, `${kind} ${head}: ${points} points`);
      }
    }
    assert.match(svg, /<path data-series="smoothed" data-id="A-main" d="M/);
    assert.doesNotMatch(svg, /<image/, 'no line is saved as a picture');
    assert.deepEqual(errors, []);
  }, 120_000),

  e2eTest('after a page-width change, no panel moves while the charts take their new widths one per frame', async ({ page, baseURL, errors }) => {
    await page.setViewportSize({ width: 1600, height: 1200 });
    await open(page, baseURL, FAST);
    await waitForStep(page, 2);
    await pause(page);
    // Panels near the middle of the page: charts on screen above and below, every panel's place watched.
    await page.getByRole('heading', { level: 2, name: 'Gradient by depth' }).evaluate((h) => h.closest('section')!.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(500);
    // Each frame: the page's width, every panel's place on the page, and how many charts are drawn at the page's width.
    await page.evaluate(`(() => {
      const frames = window.__frames = [];
      const tick = () => {
        const panels = [...document.querySelectorAll('section.panel')].map((p) => Math.round(p.getBoundingClientRect().top + scrollY));
        const fitted = [...document.querySelectorAll('.chart-body')].filter((b) => Number(b.querySelector('svg')?.getAttribute('width') ?? 0) <= b.clientWidth + 1).length;
        frames.push({ width: innerWidth, panels: panels.join(','), fitted });
        if (frames.length < 600) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    await page.setViewportSize({ width: 1300, height: 1200 });
    const nearScreen = `[...document.querySelectorAll('.chart-body')].filter((b) => { const r = b.getBoundingClientRect(); return r.bottom > -300 && r.top < innerHeight + 300; })
      .every((b) => Number(b.querySelector('svg')?.getAttribute('width') ?? 0) <= b.clientWidth + 1)`;
    await waitForExpression(page, nearScreen, { timeout: 10_000 });
    await page.waitForTimeout(300);
    const frames = (await page.evaluate('window.__frames')) as { width: number; panels: string; fitted: number }[];
    const narrow = frames.filter((f) => f.width === 1300);
    assert.ok(narrow.length > 0, 'frames were recorded at the new width');
    // The charts took their new widths over several frames after the one that laid the page out...
    const fittedCounts = [...new Set(narrow.map((f) => f.fitted))];
    assert.ok(fittedCounts.length >= 3, `charts took their new widths in several frames (charts fitted per frame: ${JSON.stringify(narrow.map((f) => f.fitted))})`);
    // ...and the page did not move under them: every panel stayed where the new width put it.
    const places = [...new Set(narrow.map((f) => f.panels))];
    assert.deepEqual(places, [narrow[0]!.panels], `panels' places on the page in each frame after the change: ${JSON.stringify(narrow.map((f) => f.panels))}`);
    assert.deepEqual(errors, []);
  }, 60_000),

  e2eTest('no long task over 50 ms on the main thread while training', async ({ page, baseURL }) => {
    await page.addInitScript(`
      window.__longTasks = [];
      new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(Math.round(e.duration)); })
        .observe({ type: 'longtask', buffered: false });
    `);
    await page.setViewportSize({ width: 1600, height: 1200 });
    await open(page, baseURL, FAST);
    await waitForStep(page, 3);
    await page.evaluate('window.__longTasks.length = 0');
    const start = await stepCount(page);
    await page.waitForTimeout(10_000);
    const end = await stepCount(page);
    const long = (await page.evaluate('window.__longTasks')) as number[];
    assert.ok(end > start + 3, `training went on (${start} -> ${end})`);
    assert.deepEqual(long.filter((d) => d > 50), [], `long tasks (ms) during ${end - start} steps`);
  }, 60_000),

  e2eTest('while the models train, only the charts and the status line change: the settings and the panels\' own controls are left alone, and the depth chart redraws its lines in place', async ({ page, baseURL, errors }) => {
    await page.setViewportSize({ width: 1600, height: 1200 });
    await open(page, baseURL, FAST);
    await waitForStep(page, 2);
    // Every change to the page outside the charts and the status line, from here on.
    await page.evaluate(`(() => {
      window.__controlChanges = [];
      const observer = new MutationObserver((records) => {
        for (const r of records) {
          const element = r.target.nodeType === 1 ? r.target : r.target.parentElement;
          if (element?.closest('[role=status]')) continue;
          window.__controlChanges.push(r.type + ' ' + (element?.tagName ?? '?') + (r.attributeName ? '@' + r.attributeName : '') + ' in ' + (element?.closest('aside, .panel-head, .topbar')?.className ?? '?'));
        }
      });
      for (const element of document.querySelectorAll('aside.sidebar, .panel-head, header.topbar')) {
        observer.observe(element, { subtree: true, childList: true, attributes: true, characterData: true });
      }
    })()`);
    const from = await stepCount(page);
    const drawn = await depthPath(page, 'A');
    await waitForStep(page, from + 3);
    const changes = (await page.evaluate('window.__controlChanges')) as string[];
    assert.notEqual(await depthPath(page, 'A'), drawn, 'the charts moved with the steps');
    assert.deepEqual(changes, [], 'no control was rewritten by a training step');
    // The observed parts are there.
    assert.equal(await page.locator('aside.sidebar input, aside.sidebar select').count() > 5, true);
    assert.equal(await page.locator('.panel-head input[type=range]').count(), 1, 'the smoothing slider is watched too');

    // Past 9 steps every step moves all of the depth chart's trail to other steps: its lines are redrawn where they are, not re-created.
    await waitForStep(page, 10);
    const marked = await page.evaluate(`(() => {
      const lines = [...document.querySelectorAll('path[data-run="A"][data-series]')];
      for (const line of lines) line.__seen = true;
      window.__depthLines = lines;
      return lines.length;
    })()`);
    assert.equal(marked, 9, 'the latest line and 8 trail lines of run A');
    await waitForStep(page, (await stepCount(page)) + 2);
    assert.equal(await page.evaluate('window.__depthLines.filter((line) => line.isConnected).length'), 9, 'the same 9 line elements are still drawn');
    assert.equal(await page.evaluate(`[...document.querySelectorAll('path[data-run="A"][data-series]')].every((line) => line.__seen)`), true);
    assert.deepEqual(errors, []);
  }, 60_000),

  e2eTest('while the page scrolls, the training worker waits for its redraws, within a budget: training goes on', async ({ page, baseURL, errors }) => {
    await page.setViewportSize({ width: 1600, height: 1200 });
    await open(page, baseURL, FAST);
    await waitForStep(page, 2);
    const worker = page.workers().find((w) => w.url().includes('training.worker'));
    assert.ok(worker, 'the training worker is running');
    const waited = async () => (await worker.evaluate('self.gradflowPageYield.waitedMs')) as number;
    // Left alone, the page raises no flag once it has settled: the worker does not wait.
    await page.waitForTimeout(1_000);
    const settled = await waited();
    const step = await stepCount(page);
    await waitForStep(page, step + 2);
    assert.equal(await waited(), settled, 'no waiting while nothing is scrolled or resized');
    // Scrolling without a pause keeps the flag up: the worker waits, but only part of the time.
    await page.evaluate(`window.__scrolling = setInterval(() => window.scrollBy(0, window.scrollY > 0 ? -40 : 40), 30)`);
    const from = await stepCount(page);
    await waitForStep(page, from + 3, 30_000);
    await page.evaluate('clearInterval(window.__scrolling)');
    assert.ok((await waited()) > settled, 'the worker waited for the page while it scrolled');
    assert.deepEqual(errors, []);
  }, 60_000),

  e2eTest('a panel off screen keeps its picture while the models train, and both its charts catch up once it is scrolled into view', async ({ page, baseURL, errors }) => {
    await page.setViewportSize({ width: 1600, height: 1200 });
    await open(page, baseURL, FAST);
    // The loss and accuracy panel starts below the fold: it keeps its first picture while the models train.
    const panel = 'section.panel:last-of-type';
    assert.equal(await page.evaluate(`document.querySelector('${panel}').getBoundingClientRect().top > innerHeight`), true, 'the last panel starts off screen');
    await waitForStep(page, 3);
    await pause(page);
    await page.waitForTimeout(500);
    assert.equal(await page.locator(`${panel} canvas[data-layer="A"]`).count(), 0, 'off screen, the panel kept its picture from before the first step');
    // What each of its charts shows while off screen; scrolled into view, every one must change.
    const charts = `[...document.querySelectorAll('${panel} .chart-canvas')]`;
    assert.equal(await page.evaluate(`(window.__kept = ${charts}.map((c) => c.innerHTML)).length`), 2, 'the panel has its two charts (loss, accuracy)');
    await page.evaluate(`document.querySelector('${panel}').scrollIntoView({ block: 'start' })`);
    await waitForExpression(page, `${charts}.every((c, i) => c.innerHTML !== window.__kept[i])`, { timeout: 10_000 });
    // Caught up: both charts draw both models' lines.
    for (const chart of ['Loss per head', 'Accuracy per head']) {
      for (const model of ['A', 'B']) {
        const lines = await page.locator(`${panel} figure[aria-label="${chart}"] canvas[data-layer="${model}"]`).getAttribute('data-lines');
        assert.ok(Number(lines) >= 2, `${chart}: model ${model}'s lines are drawn (${lines})`);
      }
    }
    assert.deepEqual(errors, []);
  }, 90_000),
];
