/**
 * GPU programs launched per training step on tfjs's webgl and webgpu backends, counted
 * where each backend launches them (scripts/bench/pages/launches.ts), in headless Chromium
 * on whatever adapter it offers: on a machine without a GPU, SwiftShader, whose counts are
 * a GPU's (the programs are tfjs's, not the device's). A plain, an instrumented and a
 * per-head step of the default preset, or of another small one (`--preset`). On a GPU a step of this small network is bound by
 * launches, not arithmetic (see docs/benchmarks.md), so the count is what can be measured
 * here of a GPU step's cost. On webgpu the buffer copies a step records are counted apart
 * (uploads, readbacks, and the joins and cuts of src/train/backends/webgpuCopyKernels.ts):
 * a copy is not a launch (no pipeline, no bind group, no uniforms). With webgpu it also
 * times the optimizer's cut and join both ways, programs against copies, side by side
 * (scripts/bench/pages/copies.ts).
 *
 *   npx tsx scripts/bench/launches.ts                      # both backends, batch 32
 *   npx tsx scripts/bench/launches.ts --backends webgl --batch 8
 *   npx tsx scripts/bench/launches.ts --optimizer adam      # Adam's update instead of SGD's
 *   npx tsx scripts/bench/launches.ts --preset tanh         # the tanh preset instead of the default (relu)
 *   npx tsx scripts/bench/launches.ts --by-kernel 20       # also the 20 kernels that launch most in a plain step
 *   npx tsx scripts/bench/launches.ts --by-kernel 20 --by-program  # the same, by kernel and program class
 *   npx tsx scripts/bench/launches.ts --json               # the results as one JSON object
 */
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { PRESET_NAMES } from '../../src/model/config';
import { pageErrors, waitForExpression } from '../../tests/e2e/harness';
import { CHROMIUM, CHROMIUM_ARGS, startDevServer, stopPreview } from '../../tests/e2e/preview';
import type { CopiesResult } from './pages/copies';
import type { LaunchesResult } from './pages/launches';

const STEPS = ['plain', 'instrumented', 'perHead'] as const;
const BACKENDS = ['webgl', 'webgpu'] as const;
type Backend = (typeof BACKENDS)[number];
/** A batch-32 step on a software adapter takes seconds; the page runs nine, and compiles every program first. */
const PAGE_TIMEOUT_MS = 15 * 60_000;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { backends: { type: 'string', default: BACKENDS.join(',') }, batch: { type: 'string', default: '32' }, optimizer: { type: 'string', default: 'sgd' }, preset: { type: 'string', default: 'relu' }, 'by-kernel': { type: 'string', default: '0' }, 'by-program': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  });
  const backends = values.backends.split(',').map((b) => b.trim());
  const unknown = backends.filter((b) => !(BACKENDS as readonly string[]).includes(b));
  if (unknown.length > 0) throw new Error(`--backends takes ${BACKENDS.join(' and ')}, not ${unknown.join(', ')}`);
  const batch = Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch takes a whole number of at least 1, not "${values.batch}"`);
  const optimizer = values.optimizer;
  if (optimizer !== 'sgd' && optimizer !== 'adam') throw new Error(`--optimizer takes sgd or adam, not "${optimizer}"`);
  const presets = PRESET_NAMES.filter((p) => p !== 'paper');
  const preset = presets.find((p) => p === values.preset);
  if (!preset) throw new Error(`--preset takes ${presets.join(', ')}, not "${values.preset}"`);
  const byKernel = Number(values['by-kernel']);
  const log = (line: string) => process.stderr.write(`${line}\n`);

  const server = await startDevServer();
  // WebGPU is behind a flag in Chromium on Linux.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, '--enable-unsafe-webgpu'] });
  const results: Partial<Record<Backend, LaunchesResult & { ok: true }>> = {};
  let copies: (CopiesResult & { ok: true }) | null = null;
  try {
    for (const backend of backends as Backend[]) {
      log(`launches: ${backend}, ${preset} preset, batch ${batch}, ${optimizer}: compiling and running nine steps`);
      const page = await browser.newPage();
      const errors = pageErrors(page);
      await page.goto(`${server.url}scripts/bench/pages/launches.html?backend=${backend}&batch=${batch}&optimizer=${optimizer}&preset=${preset}${values['by-program'] ? '&byProgram=1' : ''}`, { waitUntil: 'commit' });
      await waitForExpression(page, 'window.__launches !== undefined', { timeout: 60_000 });
      await page.waitForFunction('window.__launches.then(() => true)', undefined, { timeout: PAGE_TIMEOUT_MS });
      const result = (await page.evaluate('window.__launches')) as LaunchesResult;
      if (!result.ok) throw new Error(`${backend}: ${result.error}`);
      if (errors.length > 0) throw new Error(`${backend}: the page logged ${errors.join('; ')}`);
      results[backend] = result;
      await page.close();
    }
    if (backends.includes('webgpu')) {
      log('launches: webgpu, the cut and the join by programs and by copies, alternating');
      const page = await browser.newPage();
      const errors = pageErrors(page);
      await page.goto(`${server.url}scripts/bench/pages/copies.html`, { waitUntil: 'commit' });
      await waitForExpression(page, 'window.__copies !== undefined', { timeout: 60_000 });
      await page.waitForFunction('window.__copies.then(() => true)', undefined, { timeout: PAGE_TIMEOUT_MS });
      const result = (await page.evaluate('window.__copies')) as CopiesResult;
      if (!result.ok) throw new Error(`webgpu copies: ${result.error}`);
      if (errors.length > 0) throw new Error(`webgpu copies: the page logged ${errors.join('; ')}`);
      copies = result;
      await page.close();
    }
  } finally {
    await browser.close();
    await stopPreview(server.child);
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ batch, optimizer, preset, backends: results, webgpuCopies: copies })}\n`);
    return;
  }
  const measured = Object.values(results);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`GPU programs launched per training step, ${preset === 'relu' ? 'default (relu)' : preset} preset, batch ${batch}, ${optimizer} (Chromium ${browser.version()})`);
  for (const r of measured) out(`  ${r.backend}: ${r.adapter}`);
  out('');
  const webgpu = measured.find((r) => r.backend === 'webgpu');
  const header = ['step', ...measured.map((r) => `${r.backend} launches`), ...(webgpu ? ['webgpu buffer copies'] : []), 'tfjs kernels run (no Reshape)'];
  const rows = STEPS.map((s) => [
    s,
    ...measured.map((r) => String(r.steps[s].launches)),
    ...(webgpu ? [String(webgpu.steps[s].copies)] : []),
    String(measured[0]?.steps[s].kernels ?? ''),
  ]);
  out(table([header, ...rows]));
  if (copies) {
    const c = copies;
    const ms = (x: number) => x.toFixed(2);
    const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`;
    out(`\nwebgpu: the optimizer's cut of ${c.elements} weights into ${c.pieces} variables, and the join of ${c.pieces} tensors, median of ${c.runs} alternating runs (ms)`);
    out(
      table([
        ['op', 'programs: recorded', 'copies: recorded', 'ratio', 'programs: read back', 'copies: read back', 'ratio'],
        ...(['split', 'join'] as const).map((op) => {
          const { programs: p, copies: k } = c[op];
          return [op === 'split' ? 'cut (SplitV)' : 'join (Concat)', ms(p.recordMs), ms(k.recordMs), ratio(p.recordMs, k.recordMs), ms(p.readMs), ms(k.readMs), ratio(p.readMs, k.readMs)];
        }),
      ]),
    );
    out('  recorded: until the ops returned (the host\'s time to record them); read back: until the last piece was read, with the device\'s work on this adapter.');
  }
  if (byKernel > 0) {
    for (const r of measured) {
      const what = values['by-program'] ? 'tfjs kernels and program classes' : 'tfjs kernels';
      out(`\n${r.backend}, plain step: the ${byKernel} ${what} that launch most`);
      out(table([[values['by-program'] ? 'kernel: program' : 'kernel', 'launches'], ...Object.entries(r.steps.plain.byKernel).slice(0, byKernel).map(([k, n]) => [k, String(n)])]));
    }
  }
}

/** Rows as columns, the first left-aligned, the rest right-aligned. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ')).join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`launches: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
