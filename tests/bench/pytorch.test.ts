import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describe as describeNet } from '../../src/model/architecture';
import { PRESETS } from '../../src/model/config';
import { findTorchPython, measurePytorch, parsePytorchOutput, type PytorchResult } from '../../scripts/bench/pytorch';
import type { BackendResult } from '../../scripts/bench/measure';
import { gpuLine, pytorchLine, table } from '../../scripts/bench/report';
import { gpuVerdict, pytorchRatio } from '../../scripts/bench/targets';

const dir = mkdtempSync(join(tmpdir(), 'gradflow-pytorch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An executable shell script standing in for a Python. */
function fakePython(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const measured = { torch: '2.5.1', device: 'cuda', deviceName: 'NVIDIA H200', threads: 8, params: 165832, stepMs: 24, forwardMs: 8.25, reps: 5 } as const;
const pytorch = (device: PytorchResult['device'], stepMs: number): PytorchResult => ({ ...measured, device, stepMs, python: 'python3' });
const backend = (stepMs: number): BackendResult => ({
  where: 'node', stepMs, forwardMs: stepMs / 3, backwardForwardRatio: 2, instrumentedRatio: 1, perHeadRatio: 2, readbacksPerStep: 1,
  trainGflops: 1, matmulGflops: 2, efficiency: 0.5, instrumentedMs: stepMs, perHeadMs: 2 * stepMs, matmulMs: 1, trainGflopPerStep: 4.7, reps: 5,
});

describe('PyTorch eager as the yardstick of the bench', () => {
  it('compares a backend only with PyTorch on the same kind of device', () => {
    expect(pytorchRatio('wasm', 450, pytorch('cpu', 300))).toBe(1.5);
    expect(pytorchRatio('webgpu', 72, pytorch('cuda', 24))).toBe(3);
    expect(pytorchRatio('webgpu', 72, pytorch('mps', 36))).toBe(2);
    expect(pytorchRatio('wasm', 450, pytorch('cuda', 24))).toBeNull();
    expect(pytorchRatio('webgpu', 72, pytorch('cpu', 300))).toBeNull();
    expect(pytorchRatio('wasm', 450, null)).toBeNull();
  });

  it('judges the GPU target only with a GPU backend and PyTorch on a GPU, and says why not otherwise', () => {
    expect(gpuVerdict(backend(280), '', { ok: true, result: pytorch('cuda', 24) })).toEqual({ target: '<= 3', met: false, by: '8.67 over (3.89x the target)' });
    expect(gpuVerdict(backend(60), '', { ok: true, result: pytorch('cuda', 24) })).toEqual({ target: '<= 3', met: true, by: '0.50 under' });
    expect(gpuVerdict(undefined, 'no WebGPU adapter (no Vulkan)', { ok: true, result: pytorch('cpu', 300) })).toEqual({ target: '<= 3', met: null, by: 'no GPU backend here (no WebGPU adapter (no Vulkan))' });
    expect(gpuVerdict(backend(280), '', null).by).toBe('PyTorch was not run (--no-pytorch)');
    expect(gpuVerdict(backend(280), '', { ok: false, reason: 'no Python here imports torch' }).by).toBe('PyTorch did not run (no Python here imports torch)');
    expect(gpuVerdict(backend(280), '', { ok: true, result: pytorch('cpu', 300) })).toMatchObject({ met: null, by: expect.stringMatching(/^PyTorch found no GPU here \(it ran on the cpu\)/) });
  });

  it('prints the yardstick and the GPU verdict, NOT MEASURED when it is', () => {
    expect(pytorchLine({ ok: true, result: pytorch('cpu', 306) })).toMatch(/^pytorch: 2\.5\.1 eager on cpu \(NVIDIA H200\), the same network \(165,832 parameters\) and step: step 306 ms, forward 8\.250 ms/);
    expect(pytorchLine({ ok: false, reason: 'why' })).toBe('pytorch: not measured: why');
    expect(gpuLine(null, gpuVerdict(undefined, 'no adapter', null))).toBe('GPU target (a GPU backend: pytorchRatio <= 3, PyTorch eager on the same GPU): NOT MEASURED: no GPU backend here (no adapter)');
    expect(gpuLine({ backend: 'webgpu', adapter: 'NVIDIA H200' }, gpuVerdict(backend(60), '', { ok: true, result: pytorch('cuda', 24) }))).toBe('GPU target (webgpu on NVIDIA H200: pytorchRatio <= 3, PyTorch eager on the same GPU): MET: 0.50 under');
  });

  it('shows pytorchRatio in the table where it was measured, and a dash where not', () => {
    const text = table({ wasm: { ...backend(450), pytorchRatio: 1.5 }, cpu: backend(9000) });
    const row = text.split('\n').find((l) => l.startsWith('pytorchRatio'));
    expect(row?.split(/\s+/).slice(0, 3)).toEqual(['pytorchRatio', '1.500', '-']);
  });

  it('reads the script\'s result and refuses anything else with what is wrong', () => {
    expect(parsePytorchOutput(JSON.stringify(measured), '/usr/bin/python3')).toEqual({ ...measured, python: '/usr/bin/python3' });
    expect(() => parsePytorchOutput('Traceback', 'python3')).toThrow(/printed no JSON/);
    expect(() => parsePytorchOutput(JSON.stringify({ ...measured, stepMs: -1 }), 'python3')).toThrow(/stepMs/);
    expect(() => parsePytorchOutput(JSON.stringify({ ...measured, device: 'tpu' }), 'python3')).toThrow(/device/);
  });

  it('takes the first Python that imports torch, and says for each one why not (named Pythons: no advice to name one)', async () => {
    const noTorch = fakePython('no-torch', `echo "ModuleNotFoundError: No module named 'torch'" >&2; exit 1`);
    const withTorch = fakePython('with-torch', 'exit 0');
    expect(await findTorchPython([join(dir, 'missing'), noTorch, withTorch])).toEqual({ python: withTorch });
    const none = await findTorchPython([join(dir, 'missing'), noTorch]);
    expect('reason' in none && none.reason).toBe(
      `no Python here imports torch (${join(dir, 'missing')}: not found; ${noTorch}: ModuleNotFoundError: No module named 'torch'); install PyTorch (apt-get install python3-torch, or pip install torch)`,
    );

  });

  it('hands the script GradFlow\'s setting and layer list on stdin, and returns what it printed', async () => {
    const spec = join(dir, 'spec.json');
    const python = fakePython('python-ok', `[ "$1" = "-c" ] && exit 0\ncat > ${spec}\necho '  pytorch: round 1/1: step 24 ms' >&2\necho '${JSON.stringify(measured)}'`);
    const log: string[] = [];
    const outcome = await measurePytorch({ config: PRESETS.relu, batchSize: 32, reps: 3, warmup: 2, seed: 1, learningRate: 0.01, momentum: 0.9, pythons: [python], log: (l) => void log.push(l) });
    expect(outcome).toEqual({ ok: true, result: { ...measured, python } });
    const sent = JSON.parse(readFileSync(spec, 'utf8')) as { config: unknown; layers: { name: string; kernelShape: number[] }[]; batchSize: number; reps: number };
    expect(sent.config).toEqual(PRESETS.relu);
    expect(sent.layers).toEqual(describeNet(PRESETS.relu).layers.map((l) => ({ name: l.name, kernelShape: l.kernelShape })));
    expect([sent.batchSize, sent.reps]).toEqual([32, 3]);
    expect(log).toContain('  pytorch: round 1/1: step 24 ms');
  });

  it('says so when the script dies before reading its setting', async () => {
    const python = fakePython('python-dies', `[ "$1" = "-c" ] && exit 0\nexec 0<&-\necho "SyntaxError: invalid syntax" >&2\nexit 1`);
    const outcome = await measurePytorch({ config: PRESETS.relu, batchSize: 32, reps: 1, warmup: 1, seed: 1, learningRate: 0.01, momentum: 0.9, pythons: [python], log: () => undefined });
    expect(!outcome.ok && outcome.reason).toMatch(/failed \(exit 1\): SyntaxError: invalid syntax$/);
  });

  it('turns a failed run into a reason with the script\'s last words, not an exception', async () => {
    const python = fakePython('python-fails', `[ "$1" = "-c" ] && exit 0\ncat > /dev/null\necho "the PyTorch network differs from GradFlow's: conv1/3x3" >&2\nexit 1`);
    const outcome = await measurePytorch({ config: PRESETS.relu, batchSize: 32, reps: 1, warmup: 1, seed: 1, learningRate: 0.01, momentum: 0.9, pythons: [python], log: () => undefined });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toMatch(/scripts\/bench\/pytorch_step\.py failed \(exit 1\): the PyTorch network differs from GradFlow's: conv1\/3x3$/);
  });
});
