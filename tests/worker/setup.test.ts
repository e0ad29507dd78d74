import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { PRESETS } from '../../src/model/config';
import { BACKEND_ORDER, type BackendChoice, type BackendName } from '../../src/train/backends/select';
import { backendOrder, selectWithChecks } from '../../src/worker/backendOrder';
import { dataFetcher } from '../../src/worker/dataFetch';
import { headsChangeDetail, modelConfigOf, trainingOf, trainingProblem } from '../../src/worker/runSetup';
import type { BackendInUse } from '../../src/shared/widths';
import { SETTINGS } from './harness';

describe('backend order', () => {
  it("'auto' is webgpu, webgl, wasm, cpu", () => {
    expect(backendOrder('auto')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
    expect(backendOrder('auto')).toEqual(BACKEND_ORDER);
  });

  it('a chosen backend comes first, then the others in the usual order', () => {
    expect(backendOrder('wasm')).toEqual(['wasm', 'webgpu', 'webgl', 'cpu']);
    expect(backendOrder('cpu')).toEqual(['cpu', 'webgpu', 'webgl', 'wasm']);
    expect(backendOrder('webgpu')).toEqual(['webgpu', 'webgl', 'wasm', 'cpu']);
  });
});

describe('fetching data files', () => {
  const respond = (status: number, bytes: number[] = []): typeof fetch => async () => new Response(new Uint8Array(bytes), { status });
  /** A dataset binary's first bytes ("GFIM"), then some more. */
  const BINARY = [0x47, 0x46, 0x49, 0x4d, 1, 0, 0, 0, 0, 0, 0, 0, 7, 7, 7];
  /** A server holding `files` (name -> bytes) under /data/, recording what was asked for. */
  const serve = (files: Record<string, Uint8Array<ArrayBuffer>>, seen: string[] = []): typeof fetch => async (input) => {
    const name = String(input).replace(/^.*\/data\//, '');
    seen.push(String(input));
    const body = files[name];
    return body ? new Response(body) : new Response(null, { status: 404 });
  };

  it('downloads the gzipped copy <base>data/<file>.gz and decompresses it', async () => {
    const seen: string[] = [];
    const fetchImpl = serve({ 'mnist.bin.gz': new Uint8Array(gzipSync(new Uint8Array(BINARY))), 'mnist.bin': new Uint8Array([9]) }, seen);
    expect(Array.from(await dataFetcher('/gradflow/', fetchImpl)('mnist.bin'))).toEqual(BINARY);
    expect(seen).toEqual(['/gradflow/data/mnist.bin.gz']);
  });

  it('takes the copy as it is where the server already decompressed it (Content-Encoding)', async () => {
    expect(Array.from(await dataFetcher('/', serve({ 'mnist.bin.gz': new Uint8Array(BINARY) }))('mnist.bin'))).toEqual(BINARY);
  });

  it('reads the binary itself where there is no gzipped copy (a data folder built before there were any)', async () => {
    const seen: string[] = [];
    expect(Array.from(await dataFetcher('/', serve({ 'mnist.bin': new Uint8Array(BINARY) }, seen))('mnist.bin'))).toEqual(BINARY);
    expect(seen).toEqual(['/data/mnist.bin.gz', '/data/mnist.bin']);
  });

  it('a gzipped copy that does not decompress says so, and how to make it again', async () => {
    const broken = new Uint8Array(gzipSync(new Uint8Array(BINARY)).subarray(0, 12));
    await expect(dataFetcher('/', serve({ 'mnist.bin.gz': broken }))('mnist.bin')).rejects.toThrow(/could not load mnist\.bin: mnist\.bin\.gz does not decompress .*run npm run data -- --force/);
  });

  it('an HTTP failure says which file and how to make it', async () => {
    await expect(dataFetcher('/', respond(404))('mnist.bin')).rejects.toThrow('could not load mnist.bin (404): run npm run data');
    await expect(dataFetcher('/', respond(500))('mnist.bin')).rejects.toThrow('could not load mnist.bin (500): run npm run data');
  });

  it('a network failure says which file and why', async () => {
    const offline: typeof fetch = async () => {
      throw new TypeError('Failed to fetch');
    };
    await expect(dataFetcher('/', offline)('fashion-mnist.bin')).rejects.toThrow('could not load fashion-mnist.bin.gz: Failed to fetch');
  });
});

describe('from settings to models', () => {
  it("a variant's config is the preset with the settings' width, the variant's heads and activation, the dataset's channels", () => {
    const wasm = { active: 'wasm' as const, skipped: [] };
    const config = modelConfigOf({ ...SETTINGS, preset: 'relu-bn', dataset: 'shapes' }, { ...SETTINGS.b, activation: 'tanh' }, wasm);
    expect(config).toEqual({ ...PRESETS['relu-bn'], width: 1 / 8, activation: 'tanh', channels: 3, aux1: SETTINGS.b.aux1, aux2: SETTINGS.b.aux2 });
  });

  it("an 'auto' width is the backend's: narrow on the CPU backends and software GPUs, 1/2 on a real GPU; a chosen width stays", () => {
    const auto = { ...SETTINGS, width: 'auto' as const };
    const widthOn = (backend: BackendInUse) => modelConfigOf(auto, SETTINGS.a, backend).width;
    expect(widthOn({ active: 'wasm', skipped: [] })).toBe(1 / 8);
    expect(widthOn({ active: 'cpu', skipped: [] })).toBe(1 / 8);
    expect(widthOn({ active: 'webgpu', skipped: [], softwareGpu: false })).toBe(1 / 2);
    expect(widthOn({ active: 'webgl', skipped: [] })).toBe(1 / 2);
    expect(widthOn({ active: 'webgl', skipped: [], softwareGpu: true })).toBe(1 / 8);
    expect(modelConfigOf({ ...SETTINGS, width: 1 / 4 }, SETTINGS.a, { active: 'webgpu', skipped: [] }).width).toBe(1 / 4);
  });

  it('training settings are the defaults overridden by the experiment, and are checked', () => {
    expect(trainingOf(SETTINGS)).toMatchObject({ optimizer: 'sgd', learningRate: 0.01, batchSize: 2, seed: 3, perHeadEvery: 1000, evalEvery: 1000, momentum: 0.9 });
    expect(trainingProblem(trainingOf(SETTINGS))).toBeNull();
    expect(trainingProblem(trainingOf({ ...SETTINGS, batchSize: 0 }))).toBe('the batch size must be an integer of at least 1 (got 0)');
  });

  it('a change of heads reads as what changed', () => {
    const on = { mode: 'loss', weight: 0.3 } as const;
    const off = { mode: 'off', weight: 0.3 } as const;
    expect(headsChangeDetail('A', { aux1: on, aux2: on }, { aux1: off, aux2: on })).toBe('A: aux1 off');
    expect(headsChangeDetail('B', { aux1: on, aux2: on }, { aux1: off, aux2: { mode: 'probe', weight: 0.3 } })).toBe('B: aux1 off, aux2 probe');
    expect(headsChangeDetail('A', { aux1: on, aux2: on }, { aux1: on, aux2: on })).toBe('A: aux1 loss 0.3, aux2 loss 0.3');
  });
});

describe('backend checks before tfjs tries', () => {
  const selectFirst = async (order: readonly BackendName[]): Promise<BackendChoice> => ({ active: order[0]!, skipped: [] });
  const noGpu = async (): Promise<string> => 'no WebGPU adapter (GPU) is available';

  it('a backend whose check fails is left out and listed with the reason', async () => {
    const choice = await selectWithChecks(backendOrder('auto'), { webgpu: noGpu }, selectFirst);
    expect(choice).toEqual({ active: 'webgl', skipped: [{ name: 'webgpu', reason: 'no WebGPU adapter (GPU) is available' }] });
  });

  it('a failed check is not listed when the choice never got that far; reasons stay in the order tried', async () => {
    expect(await selectWithChecks(backendOrder('wasm'), { webgpu: noGpu }, selectFirst)).toEqual({ active: 'wasm', skipped: [] });
    const webglFails = async (order: readonly BackendName[]): Promise<BackendChoice> => ({ active: 'wasm', skipped: order[0] === 'webgl' ? [{ name: 'webgl', reason: 'no WebGL' }] : [] });
    expect((await selectWithChecks(backendOrder('auto'), { webgpu: noGpu }, webglFails)).skipped.map((s) => s.name)).toEqual(['webgpu', 'webgl']);
  });

  it("keeps what the selection says of the backend it chose (wasm's missing SIMD kernels)", async () => {
    const slow = async (): Promise<BackendChoice> => ({ active: 'wasm', skipped: [], slowKernels: 'no SIMD in this WebAssembly' });
    expect(await selectWithChecks(backendOrder('wasm'), { webgpu: noGpu }, slow)).toEqual({ active: 'wasm', skipped: [], slowKernels: 'no SIMD in this WebAssembly' });
  });

  it('when nothing starts, the error names the checks too', async () => {
    const nothing = async (): Promise<BackendChoice> => {
      throw new Error('no backend could start: cpu: broken');
    };
    await expect(selectWithChecks(['webgpu', 'cpu'], { webgpu: noGpu }, nothing)).rejects.toThrow('no backend could start: cpu: broken; webgpu: no WebGPU adapter (GPU) is available');
  });
});
