/**
 * A bench page for the development server (scripts/bench/launches.ts): the GPU programs a
 * training step of a small preset launches on tfjs's webgl or webgpu backend
 * (`?backend=webgl|webgpu`, `&batch=N`, default 32, `&optimizer=sgd|adam`, default sgd,
 * `&preset=relu|sigmoid|tanh|relu-bn`, default relu, the default preset),
 * counted where the backend launches them: each WebGL program run (a draw), each WebGPU
 * compute dispatch. A plain, an
 * instrumented and a per-head step, each after two steps that compile the programs. Each
 * launch is put down to the tfjs kernel the engine ran it for (the outermost one: the
 * backend's kernels call one another directly too), with `&byProgram=1` also to the
 * backend's program class that ran (`FusedConv2D: MatMulPackedProgram`). The result lands
 * in window.__launches.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { describe } from '../../../src/model/architecture';
import { PRESET_NAMES, PRESETS, type PresetName } from '../../../src/model/config';
import { createParams, disposeParams } from '../../../src/model/params';
import { selectBackend } from '../../../src/train/backends/select';
import { floatSplit, type Dataset } from '../../../src/train/datasets';
import { Optimizer, type OptimizerName } from '../../../src/train/optimizer';
import { Trainer } from '../../../src/train/trainer';
import { plainStep, type HostBatch } from '../plainStep';

type GpuBackend = 'webgl' | 'webgpu';

/** One step's launches: how many, and how many for each tfjs kernel. */
export interface StepLaunches {
  readonly launches: number;
  /** WebGPU buffer copies recorded (`copyBufferToBuffer`: uploads, readbacks, and the copies of webgpuCopyKernels.ts); not launches. 0 on webgl. */
  readonly copies: number;
  /** Launches by tfjs kernel, or by kernel and program class with `&byProgram=1`, most first. */
  readonly byKernel: Record<string, number>;
  /** The tfjs kernels the engine ran, Reshape left out (what the earlier count on the cpu backend counted, less its op scopes). */
  readonly kernels: number;
}

export type LaunchesResult =
  | { readonly ok: true; readonly backend: GpuBackend; readonly batch: number; readonly optimizer: OptimizerName; readonly preset: PresetName; readonly adapter: string; readonly steps: Record<'plain' | 'instrumented' | 'perHead', StepLaunches> }
  | { readonly ok: false; readonly error: string };

const NEVER = 1_000_000_000;

/** The kernels running now, outermost first, as the engine dispatched them. */
const running: string[] = [];
/** Launches counted since the last reset, by the outermost kernel running at the time. */
let counted: Record<string, number> = {};
/** Kernels the engine ran since the last reset, Reshape left out. */
let kernelsRun = 0;
/** WebGPU buffer copies recorded since the last reset. */
let copies = 0;

/** Whether each launch is put down to its program class as well as its kernel. */
const byProgram = new URLSearchParams(location.search).get('byProgram') === '1';

function countLaunch(program: object): void {
  const kernel = running[0] ?? '(outside any kernel)';
  const key = byProgram ? `${kernel}: ${program.constructor.name}` : kernel;
  counted[key] = (counted[key] ?? 0) + 1;
}

/** Every kernel of `backend` registered again, wrapped to keep `running` up to date. */
function wrapKernels(backend: GpuBackend): void {
  for (const config of tf.getKernelsForBackend(backend)) {
    tf.unregisterKernel(config.kernelName, backend);
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        if (config.kernelName !== 'Reshape') kernelsRun++;
        running.push(config.kernelName);
        try {
          return config.kernelFunc(args);
        } finally {
          running.pop();
        }
      },
    });
  }
}

interface WebglInternals { runWebGLProgram(...args: unknown[]): tf.TensorInfo }
interface WebgpuInternals { recordAndSubmit(...args: unknown[]): void; adapterInfo?: { vendor?: string; architecture?: string; description?: string } }

/** Counts each program the backend runs: WebGL's runWebGLProgram (one draw, unless its output is empty), WebGPU's recordAndSubmit (one dispatch). */
function countPrograms(backend: GpuBackend): void {
  const instance = tf.backend() as unknown as WebglInternals & WebgpuInternals;
  if (backend === 'webgl') {
    const run = instance.runWebGLProgram.bind(instance);
    instance.runWebGLProgram = (...args: unknown[]) => {
      const program = args[0] as { outputShape: number[] };
      if (tf.util.sizeFromShape(program.outputShape) > 0) countLaunch(program);
      return run(...args);
    };
  } else {
    const encoder = (globalThis as unknown as { GPUCommandEncoder: { prototype: { copyBufferToBuffer(...args: unknown[]): void } } }).GPUCommandEncoder.prototype;
    const copy = encoder.copyBufferToBuffer;
    encoder.copyBufferToBuffer = function (this: unknown, ...args: unknown[]) {
      copies++;
      copy.apply(this, args);
    };
    const record = instance.recordAndSubmit.bind(instance);
    instance.recordAndSubmit = (...args: unknown[]) => {
      countLaunch(args[0] as object);
      record(...args);
    };
  }
}

async function measure(run: () => Promise<unknown>): Promise<StepLaunches> {
  counted = {};
  kernelsRun = 0;
  copies = 0;
  // Not under tf.profile: its profiler reads every kernel's output back, which on WebGL runs
  // a program of its own per output and leaves values on the host that change later choices.
  await run();
  const launches = Object.values(counted).reduce((a, b) => a + b, 0);
  const byKernel = Object.fromEntries(Object.entries(counted).sort((a, b) => b[1] - a[1]));
  return { launches, copies, byKernel, kernels: kernelsRun };
}

function adapterName(backend: GpuBackend): string {
  if (backend === 'webgpu') {
    const info = (tf.backend() as unknown as WebgpuInternals).adapterInfo;
    return [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown';
  }
  const gl = (tf.backend() as unknown as { gpgpu: { gl: WebGL2RenderingContext } }).gpgpu.gl;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  return String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
}

async function main(backend: GpuBackend, batch: number, optimizerName: OptimizerName, preset: PresetName): Promise<LaunchesResult> {
  const load = { webgl: () => import('@tensorflow/tfjs-backend-webgl'), webgpu: () => import('@tensorflow/tfjs-backend-webgpu') };
  const choice = await selectBackend([backend], load);
  if (choice.active !== backend) throw new Error(`${backend} did not start: ${choice.skipped.map((s) => s.reason).join('; ')}`);
  wrapKernels(backend);
  countPrograms(backend);
  const config = PRESETS[preset];
  const images = Float32Array.from({ length: batch * 32 * 32 }, (_, i) => Math.sin(i));
  const split = floatSplit(images, Uint8Array.from({ length: batch }, (_, i) => i % 10), 32 * 32);
  const dataset: Dataset = {
    name: 'mnist', size: 32, channels: 1, classes: 10, classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    train: split, eval: split, normalisation: { mean: [0], std: [1] }, description: 'a fixed pattern for counting launches',
  };
  const params = createParams(describe(config), 1);
  const optimizer = new Optimizer(optimizerName, 0.9);
  const host: HostBatch = { images, labels: Int32Array.from(split.labels), shape: [batch, 32, 32, 1] };
  for (let i = 1; i <= 2; i++) await plainStep(params, optimizer, host, config, i, 0.01, 1);
  const plain = await measure(() => plainStep(params, optimizer, host, config, 3, 0.01, 1));
  disposeParams(params);
  optimizer.dispose();
  const trainerSteps: Partial<Record<'instrumented' | 'perHead', StepLaunches>> = {};
  for (const [name, perHeadEvery] of [['instrumented', NEVER], ['perHead', 1]] as const) {
    const trainer = new Trainer({ config, dataset, training: { optimizer: optimizerName, learningRate: 0.01, momentum: 0.9, batchSize: batch, seed: 1, perHeadEvery, evalEvery: NEVER, evalSize: batch } });
    for (let i = 0; i < 2; i++) await trainer.trainStep(); // the first step is a per-head one
    trainerSteps[name] = await measure(() => trainer.trainStep());
    trainer.dispose();
  }
  return { ok: true, backend, batch, optimizer: optimizerName, preset, adapter: adapterName(backend), steps: { plain, instrumented: trainerSteps.instrumented!, perHead: trainerSteps.perHead! } };
}

const query = new URLSearchParams(location.search);
const requested: GpuBackend = query.get('backend') === 'webgpu' ? 'webgpu' : 'webgl';
const preset = PRESET_NAMES.find((p) => p !== 'paper' && p === query.get('preset')) ?? 'relu';
(window as unknown as { __launches: Promise<LaunchesResult> }).__launches = main(requested, Number(query.get('batch') ?? 32), query.get('optimizer') === 'adam' ? 'adam' : 'sgd', preset).catch(
  (error: unknown): LaunchesResult => ({ ok: false, error: error instanceof Error ? `${error.message}\n${error.stack}` : String(error) }),
);
