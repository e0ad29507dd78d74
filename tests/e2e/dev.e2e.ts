import assert from 'node:assert/strict';
import { chromium, type Page } from 'playwright-core';
import { BIAS_GRAD_KERNEL, PACKED_FILTER_KERNEL, RELU_BIAS_GRAD_KERNEL, RELU_GRAD_KERNEL } from '../../src/train/backends/kernelNames';
import { FAST, open, PAINTED_PIXELS, waitForStep } from './appPage';
import { e2eTest, pageErrors, waitForExpression, type E2EContext } from './harness';
import { CHROMIUM, CHROMIUM_ARGS, startDevServer, stopPreview } from './preview';
import type { GpuKernelsResult } from './pages/gpuKernels';
import type { WebgpuCopiesResult } from './pages/webgpuCopies';
import type { GpuLossResult } from './pages/gpuLoss';
import type { GpuMaxPoolGradResult } from './pages/gpuMaxPoolGrad';
import type { GpuPassResult } from './pages/gpuPass';

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

  e2eTest('on WebGL each convolution runs with its ReLU in one kernel, and the network\'s gradients are the same as with the ReLUs apart', async (context) => {
    await onDevServer('webgl', context, (page, url) => checkFusedRelu(page, url, 'webgl'));
  }, 180_000),

  e2eTest('on WebGPU (Chromium\'s software adapter) the same: each convolution with its ReLU in one kernel, the same gradients as apart', async (context) => {
    await onDevServer('webgpu', context, (page, url) => checkFusedRelu(page, url, 'webgpu'));
  }, 180_000),

  e2eTest('on WebGL GradFlow\'s ReLU-gradient and bias-gradient programs give tfjs\'s numbers, packed inputs or not, NaN and infinities kept; tanh\'s and the sigmoid\'s gradients those of double precision, a packed Tanh tfjs\'s to the bit; the per-layer magnitudes are right, a layer of zeros 0', async (context) => {
    await onDevServer('webgl', context, (page, url) => checkGpuKernels(page, url, 'webgl'));
  }, 180_000),

  e2eTest('on WebGPU (Chromium\'s software adapter) the same: the ReLU-gradient and bias-gradient programs give tfjs\'s numbers, and the two in one program the same to the bit; tanh\'s and the sigmoid\'s gradients and the magnitudes are right', async (context) => {
    await onDevServer('webgpu', context, (page, url) => checkGpuKernels(page, url, 'webgpu'));
  }, 180_000),

  e2eTest('on WebGPU the max-pool gradient is one program, routed as on wasm (a tie to the first maximum) to the bit, NaN among them', async (context) => {
    await onDevServer('webgpu', context, (page, url) => checkGpuMaxPoolGrad(page, url, 'webgpu'));
  }, 180_000),

  e2eTest('on WebGL the same: the max-pool gradient is one program reading packed inputs, routed as on wasm to the bit', async (context) => {
    await onDevServer('webgl', context, (page, url) => checkGpuMaxPoolGrad(page, url, 'webgl'));
  }, 180_000),

  e2eTest('on WebGPU a head\'s cross-entropy and accuracy are one program and its gradient one more, as in double precision, NaN where tfjs\'s ops give NaN', async (context) => {
    await onDevServer('webgpu', context, (page, url) => checkGpuLoss(page, url, 'webgpu'));
  }, 180_000),

  e2eTest('on WebGL the same: a head\'s cross-entropy and accuracy are one program and its gradient one more, as in double precision', async (context) => {
    await onDevServer('webgl', context, (page, url) => checkGpuLoss(page, url, 'webgl'));
  }, 180_000),

  e2eTest('a training pass on WebGPU and one on WebGL, with GradFlow\'s kernels there, give the cpu backend\'s losses, accuracies and gradients', async (context) => {
    await onDevServer('webgpu', context, checkGpuPass);
  }, 300_000),

  e2eTest('on WebGPU a vector is cut and joined by buffer copies, no program, to the bit; a cut on another axis is one program and copies; other joins stay with tfjs\'s programs', async (context) => {
    await onDevServer('webgpu', context, checkWebgpuCopies);
  }, 180_000),
];

/**
 * Runs `check` against a development server of its own, on WebGL in the test's page, on
 * WebGPU in a browser of its own (WebGPU is behind a flag in Chromium on Linux); the page
 * must log no error.
 */
async function onDevServer(backend: 'webgl' | 'webgpu', context: E2EContext, check: (page: Page, url: string) => Promise<void>): Promise<void> {
  const server = await startDevServer();
  const browser = backend === 'webgpu' ? await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, '--enable-unsafe-webgpu'] }) : null;
  try {
    const page = browser ? await browser.newPage() : context.page;
    const errors = browser ? pageErrors(page) : context.errors;
    await check(page, server.url);
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await stopPreview(server.child);
  }
}

/**
 * Opens tests/e2e/pages/gpuKernels.html on `backend`: GradFlow's gradient programs against
 * tfjs's ops on the same backend (the ReLU gradient to the bit, NaN where theirs is),
 * against double-precision sums (the bias gradient) and against double precision and
 * tfjs's compositions (tanh's and the sigmoid's), every case clean; and the per-layer
 * magnitudes against double precision.
 */
async function checkGpuKernels(page: Page, url: string, backend: 'webgl' | 'webgpu'): Promise<void> {
  await page.goto(`${url}tests/e2e/pages/gpuKernels.html?backend=${backend}`, { waitUntil: 'commit' });
  await waitForExpression(page, 'window.__gpuKernels !== undefined', { timeout: 60_000 });
  const result = (await page.evaluate('window.__gpuKernels')) as GpuKernelsResult;
  if (!result.ok) assert.fail(result.error);
  assert.equal(result.backend, backend);
  // Eleven shapes; on WebGL each with its inputs unpacked and packed.
  assert.equal(result.cases.length, backend === 'webgl' ? 22 : 11);
  for (const c of result.cases) {
    assert.deepEqual(c.relu, [], `${c.name}: the ReLU gradient as tfjs's dy * step(x)`);
    assert.deepEqual(c.bias, [], `${c.name}: the bias gradient within 1e-6 of the magnitudes summed`);
    assert.deepEqual(c.activations, [], `${c.name}: tanh's and the sigmoid's gradients as double precision and tfjs's compositions, within float32 rounding`);
    if (backend === 'webgpu') {
      assert.deepEqual(c.fused, [], `${c.name}: the two in one program as the two programs, bit for bit, and as double precision`);
      assert.deepEqual(c.fusedRan, { programs: 1, copies: 2 }, `${c.name}: one program, its output cut in two by copies`);
    } else {
      assert.equal(c.fused, null, 'no program for the two together on WebGL');
      assert.deepEqual(c.tanh, { differences: [], packed: true }, `${c.name}: GradFlow's packed Tanh as tfjs's, bit for bit, its output packed`);
    }
  }
  assert.deepEqual(result.cases.filter((c) => c.chunked).map((c) => c.name), backend === 'webgl' ? ['[2, 200, 200, 2]', '[2, 200, 200, 2], packed'] : [], 'one shape of rows added in chunks, on WebGL');
  const special = (key: 'nan' | 'infinite' | 'zero') => result.cases.reduce((n, c) => n + c.special[key], 0);
  assert.ok(special('nan') > 0 && special('infinite') > 0 && special('zero') > 0, 'NaN, infinities and zeros came through the ReLU gradient');
  assert.ok(result.biasWorst > 0, 'the bias gradient was compared where float32 rounds');
  // A layer no gradient reaches (an auxiliary head that is off) has magnitudes 0, not NaN: a NaN reads as a diverged run.
  assert.deepEqual(result.magnitudes, [], 'the per-layer magnitudes, zeros and extreme values among them, as in double precision');
}

/**
 * Opens tests/e2e/pages/webgpuCopies.html: Concat and SplitV on WebGPU, each case's outputs
 * equal to the host's bit for bit, by copies alone where the pieces are runs of elements
 * (one copy per piece that has elements), by tfjs's programs elsewhere, nothing leaked.
 */
async function checkWebgpuCopies(page: Page, url: string): Promise<void> {
  await page.goto(`${url}tests/e2e/pages/webgpuCopies.html`, { waitUntil: 'commit' });
  await waitForExpression(page, 'window.__webgpuCopies !== undefined', { timeout: 60_000 });
  const result = (await page.evaluate('window.__webgpuCopies')) as WebgpuCopiesResult;
  if (!result.ok) assert.fail(result.error);
  for (const c of result.cases) assert.deepEqual(c.wrong, [], `${c.name}: the host's values, bit for bit`);
  const ran = Object.fromEntries(result.cases.map((c) => [c.name, { programs: c.programs, copies: c.copies }]));
  // 128 pieces, of which pieceSizes makes 8 of no element: nothing to copy for those.
  assert.deepEqual(ran['a vector cut into 128 pieces (some of no element)'], { programs: 0, copies: 120 });
  assert.deepEqual(ran['the 128 pieces joined again'], { programs: 0, copies: 120 });
  assert.deepEqual(ran['a matrix cut into rows on axis 0'], { programs: 0, copies: 2 });
  assert.deepEqual(ran['joined on axis 1 behind an axis of length 1'], { programs: 0, copies: 2 });
  assert.deepEqual(ran['joined on axis -2 (the same axis)'], { programs: 0, copies: 2 });
  assert.deepEqual(ran['int32 vectors joined'], { programs: 0, copies: 2 });
  assert.deepEqual(ran['inputs just written by programs'], { programs: 2, copies: 2 });
  assert.deepEqual(ran['an output read by a program'], { programs: 1, copies: 2 });
  // Pieces that are not runs of elements: one program puts them in order, then a copy per piece (tfjs's kernel ran a program per piece).
  assert.deepEqual(ran['a matrix cut on axis 1 (not runs of elements)'], { programs: 1, copies: 2 });
  assert.deepEqual(ran['an NHWC tensor cut into channel groups (an inception block\'s gradient), one of no channel'], { programs: 1, copies: 4 });
  assert.deepEqual(ran['a cut on the middle axis'], { programs: 1, copies: 2 });
  assert.deepEqual(ran['int32 cut on axis 1'], { programs: 2, copies: 0 }, 'tfjs\'s Slice programs for int32');
  assert.deepEqual(ran['small vectors still on the host'], { programs: 0, copies: 0 }, 'tfjs joins them on the host');
  assert.equal(result.leakedTensors, 0);
  assert.equal(result.leakedBytes, 0);
}

/**
 * Opens tests/e2e/pages/gpuMaxPoolGrad.html on `backend`: GradFlow's MaxPoolGrad against
 * the wasm kernel's routing, bit for bit, in every case; one program where tfjs's kernel runs
 * two (on WebGL four: it unpacks x and dy first); the gradient through tf.maxPool the same;
 * tfjs's own kernel different where windows have ties, the same where they have none and
 * no NaN; nothing leaked.
 */
async function checkGpuMaxPoolGrad(page: Page, url: string, backend: 'webgl' | 'webgpu'): Promise<void> {
  await page.goto(`${url}tests/e2e/pages/gpuMaxPoolGrad.html?backend=${backend}`, { waitUntil: 'commit' });
  await waitForExpression(page, 'window.__gpuMaxPoolGrad !== undefined', { timeout: 60_000 });
  const result = (await page.evaluate('window.__gpuMaxPoolGrad')) as GpuMaxPoolGradResult;
  if (!result.ok) assert.fail(result.error);
  assert.equal(result.backend, backend);
  assert.equal(result.cases.length, 8);
  for (const c of result.cases) {
    assert.deepEqual(c.wrong, [], `${c.name}: the wasm kernel's dx, bit for bit`);
    assert.deepEqual(c.programs, { ours: 1, tfjs: backend === 'webgpu' ? 2 : 4 }, `${c.name}: one program, where tfjs's kernel runs two (and on WebGL unpacks x and dy)`);
    assert.ok(c.nonZero > 0, `${c.name}: some gradient reached x`);
  }
  assert.deepEqual(result.throughMaxPool, [], 'the gradient through tf.maxPool as the wasm kernel routes it');
  // Why GradFlow's: tfjs's GPU kernel routes a tie to the window's last maximum, not its first (and NaN otherwise); without either, the same numbers.
  for (const c of result.cases) {
    if (c.name.endsWith('ties')) assert.equal(c.tfjsSame, false, `${c.name}: tfjs's kernel routes ties elsewhere`);
    if (c.name.endsWith('plain')) assert.equal(c.tfjsSame, true, `${c.name}: tfjs's kernel gives the same numbers where there is no tie`);
  }
  assert.equal(result.leakedTensors, 0);
}

/**
 * Opens tests/e2e/pages/gpuLoss.html on `backend`: every case's loss, accuracy and gradient
 * as in double precision and as tfjs's ops; one program for the loss and accuracy (on WebGPU
 * and two copies; on WebGL a view of the texture), one for the gradient; NaN kept; nothing
 * leaked.
 */
async function checkGpuLoss(page: Page, url: string, backend: 'webgl' | 'webgpu'): Promise<void> {
  await page.goto(`${url}tests/e2e/pages/gpuLoss.html?backend=${backend}`, { waitUntil: 'commit' });
  await waitForExpression(page, 'window.__gpuLoss !== undefined', { timeout: 60_000 });
  const result = (await page.evaluate('window.__gpuLoss')) as GpuLossResult;
  if (!result.ok) assert.fail(result.error);
  assert.equal(result.backend, backend);
  assert.equal(result.cases.length, 9);
  for (const c of result.cases) {
    assert.deepEqual(c.wrong, [], `${c.name}: as in double precision and as tfjs's ops`);
    assert.deepEqual(c.ran, { programs: 1, copies: backend === 'webgpu' ? 2 : 0, gradientPrograms: 1 }, `${c.name}: one program for the loss and accuracy, one for the gradient`);
  }
  const loss = Object.fromEntries(result.cases.map((c) => [c.name, c.loss]));
  for (const name of ['a NaN logit', 'an infinite logit', 'a logit of -infinity off the label']) assert.ok(Number.isNaN(loss[name]), `${name}: the loss is NaN, as tfjs's`);
  assert.ok(Number.isFinite(loss['a label outside the classes']) && loss['a label outside the classes']! > 0);
  assert.ok(result.cases.some((c) => c.accuracy > 0), 'some row classified right');
  assert.equal(result.leakedTensors, 0);
}

/** ||a - b|| / ||b|| (0 where both are 0). */
function relativeError(a: readonly number[], b: readonly number[]): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return diff === 0 ? 0 : Math.sqrt(diff / norm);
}

/**
 * Opens tests/e2e/pages/gpuPass.html: one training pass of the default network on WebGPU,
 * on WebGL and on cpu, the same batch and weights. On each GPU backend each head's
 * cross-entropy within 1e-5 of cpu's, the same accuracies, and every weight's and block's
 * gradient within 1e-4 of cpu's (relative, over the tensor): float32 in other orders of
 * addition, nothing more.
 */
async function checkGpuPass(page: Page, url: string): Promise<void> {
  await page.goto(`${url}tests/e2e/pages/gpuPass.html`, { waitUntil: 'commit' });
  await waitForExpression(page, 'window.__gpuPass !== undefined', { timeout: 60_000 });
  const result = (await page.evaluate('window.__gpuPass')) as GpuPassResult;
  if (!result.ok) assert.fail(result.error);
  const passes: Extract<GpuPassResult, { ok: true }> = result;
  const { cpu } = passes;
  const names = Object.keys(cpu.grads);
  assert.equal(names.length, 128, 'a kernel and a bias for each of the 64 weighted layers');
  for (const name of names) assert.ok(cpu.grads[name]!.some((v) => v !== 0), `${name}: some gradient reaches it`);
  for (const backend of ['webgpu', 'webgl'] as const) {
    const gpu = passes[backend];
    cpu.crossEntropy.forEach((want, h) => {
      assert.ok(Number.isFinite(want) && Math.abs(gpu.crossEntropy[h]! - want) <= 1e-5 * Math.max(1, Math.abs(want)), `${backend}, head ${h}: cross-entropy ${gpu.crossEntropy[h]}, cpu ${want}`);
    });
    assert.deepEqual(gpu.accuracy, cpu.accuracy, `${backend}: the accuracies`);
    assert.deepEqual(Object.keys(gpu.grads), names);
    const far = names.map((name) => [name, relativeError(gpu.grads[name]!, cpu.grads[name]!)] as const).filter(([, error]) => error > 1e-4);
    assert.ok(far.length === 0, `${backend}: every weight's gradient within 1e-4 of cpu's; not these (relative error):\n${far.map(([name, error]) => `${name}: ${error.toExponential(2)}`).join('\n')}`);
    assert.deepEqual(gpu.blockGrads.map((g) => g === null), cpu.blockGrads.map((g) => g === null));
    cpu.blockGrads.forEach((want, b) => {
      if (want) assert.ok(relativeError(gpu.blockGrads[b]!, want) <= 1e-4, `${backend}, block ${b}: the gradient reaching it, ${relativeError(gpu.blockGrads[b]!, want)} from cpu's`);
    });
  }
}

/**
 * Opens tests/e2e/pages/fusedRelu.html on `backend` and checks what it computed: the
 * default network's 128 weight gradients, each convolution's ReLU fused, equal to those with
 * the ReLUs apart, and a NaN kept in the same places.
 */
async function checkFusedRelu(page: Page, url: string, backend: 'webgl' | 'webgpu'): Promise<void> {
  // The page computes everything; its module runs after the document has loaded.
  await page.goto(`${url}tests/e2e/pages/fusedRelu.html?backend=${backend}`, { waitUntil: 'commit' });
  await waitForExpression(page, 'window.__fusedRelu !== undefined', { timeout: 60_000 });
  const result = (await page.evaluate('window.__fusedRelu')) as FusedReluResult; // evaluate waits for the promise
  if (!result.ok) assert.fail(result.error);
  assert.equal(result.backend, backend);
  assert.deepEqual(result.fuses, [true, false], `fused on ${backend}, apart on the same kernels under another name`);
  // Fused: a ReLU kernel only for the two dense layers that have one (the aux heads' first); apart: one per convolution too.
  assert.equal(result.fused.kernels.FusedConv2D, 59);
  assert.equal(result.fused.kernels.Relu, 2);
  assert.equal(result.apart.kernels.FusedConv2D, 59);
  assert.equal(result.apart.kernels.Relu, 61);
  // Each ReLU's gradient is one program of GradFlow's, and each convolution's bias gradient too (gpuKernels.ts);
  // on WebGPU a fused ReLU's gradient and its convolution's bias gradient are one program together.
  const together = backend === 'webgpu' ? 59 : 0;
  assert.equal(result.fused.kernels[RELU_GRAD_KERNEL], 61 - together);
  assert.equal(result.fused.kernels[BIAS_GRAD_KERNEL] ?? 0, 59 - together);
  assert.equal(result.fused.kernels[RELU_BIAS_GRAD_KERNEL] ?? 0, together);
  assert.equal(result.apart.kernels[RELU_GRAD_KERNEL], 61);
  assert.equal(result.apart.kernels[BIAS_GRAD_KERNEL], 59);
  assert.equal(result.apart.kernels[RELU_BIAS_GRAD_KERNEL], undefined, 'ReLUs apart: nothing to do together');
  for (const step of [result.fused, result.apart]) assert.equal(step.kernels.Step, undefined, 'no Step: tfjs\'s composition of the ReLU gradient did not run');
  const names = Object.keys(result.apart.grads);
  assert.equal(names.length, 128, 'a kernel and a bias for each of the 64 weighted layers');
  assert.deepEqual(Object.keys(result.fused.grads), names);
  for (const name of names) {
    const fused: number[] = result.fused.grads[name]!;
    const apart: number[] = result.apart.grads[name]!;
    assert.ok(apart.some((v) => v !== 0), `${name}: some gradient reaches it`);
    assert.deepEqual(fused, apart, `${name}: the same gradient fused and apart`);
  }
  // On WebGL each convolution's filter is packed once (for the convolution and its input gradient); the same gradients to the bit as unpacked.
  if (backend === 'webgl') {
    assert.equal(result.fused.kernels[PACKED_FILTER_KERNEL], 59, 'each convolution\'s filter packed once');
    assert.ok(result.unpackedFilters, 'the step with the filters given unpacked');
    assert.equal(result.unpackedFilters.kernels[PACKED_FILTER_KERNEL], undefined);
    for (const name of names) assert.deepEqual(result.unpackedFilters.grads[name], result.fused.grads[name], `${name}: the same gradient, filters packed first or not`);
  } else {
    assert.equal(result.fused.kernels[PACKED_FILTER_KERNEL], undefined, 'no packing on WebGPU');
    assert.equal(result.unpackedFilters, null);
  }
  // A NaN in a fused layer's input stays NaN where the separate ReLU keeps it: the output and every gradient.
  assert.deepEqual(result.nan.fused, result.nan.plain);
  assert.deepEqual(result.nan.fused.map((where) => where.some(Boolean)), [true, true, true, true]);
}

/** What tests/e2e/pages/fusedRelu.ts leaves in window.__fusedRelu. */
type FusedReluResult =
  | { ok: false; error: string }
  | {
    ok: true;
    backend: string;
    fuses: [boolean, boolean];
    fused: { grads: Record<string, number[]>; kernels: Record<string, number> };
    apart: { grads: Record<string, number[]>; kernels: Record<string, number> };
    /** On WebGL, the fused step with the filters given unpacked; null elsewhere. */
    unpackedFilters: { grads: Record<string, number[]>; kernels: Record<string, number> } | null;
    nan: { fused: boolean[][]; plain: boolean[][] };
  };
