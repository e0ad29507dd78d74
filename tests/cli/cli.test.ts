import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRun } from '../../src/shared/parseRun';
import { cli } from '../helpers/cli';



const scratch = mkdtempSync(join(tmpdir(), 'gradflow-cli-'));

describe('the command line', () => {
  it('summary --preset paper --json: every weighted layer in order, 6,998,552 trunk parameters', async () => {
    const { code, stdout } = await cli('summary', '--preset', 'paper', '--json');
    expect(code).toBe(0);
    const s = JSON.parse(stdout) as { preset: string; layers: { name: string; kind: string; params: number; outputShape: number[] }[]; blocks: { name: string; outputShape: number[] }[]; totalParams: number };
    expect(s.preset).toBe('paper');
    expect(s.layers[0]).toEqual({ name: 'conv1/7x7_s2', kind: 'stem', params: 7 * 7 * 3 * 64 + 64, outputShape: [112, 112, 64] });
    const trunk = s.layers.filter((l) => !l.name.startsWith('loss1/') && !l.name.startsWith('loss2/'));
    expect(trunk.reduce((sum, l) => sum + l.params, 0)).toBe(6_998_552);
    expect(s.blocks.map((b) => b.name)).toEqual(['conv1', 'conv2', 'inception_3a', 'inception_3b', 'inception_4a', 'inception_4b', 'inception_4c', 'inception_4d', 'inception_4e', 'inception_5a', 'inception_5b']);
    expect(s.totalParams).toBe(s.layers.reduce((sum, l) => sum + l.params, 0));
  });

  it('summary without --json prints a readable table', async () => {
    const { code, stdout } = await cli('summary', '--preset', 'relu', '--width', '1/4');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^GoogLeNet, preset relu: small stem/);
    expect(stdout).toMatch(/inception_4a\/5x5_reduce +inception +\d/);
    expect(stdout).toMatch(/total parameters: [\d,]+/);
  });

  it('probe writes config, seed, input, labels, weights, losses and per-head gradient norms', async () => {
    const out = join(scratch, 'probe.json');
    const { code, stderr } = await cli('probe', '--preset', 'sigmoid', '--batch', '2', '--seed', '5', '--aux2', 'probe', '--out', out);
    expect(code, stderr).toBe(0);
    const p = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(p.config).sort()).toEqual(['activation', 'aux1', 'aux2', 'batchNorm', 'channels', 'classes', 'init', 'inputSize', 'stem', 'width'].sort());
    expect(p.config.aux2).toEqual({ mode: 'probe', weight: 0.3 });
    expect(p.seed).toBe(5);
    expect(p.input.shape).toEqual([2, 32, 32, 1]);
    expect(p.input.data).toHaveLength(2 * 32 * 32);
    expect(p.labels).toHaveLength(2);
    expect(p.weights['conv1/3x3'].kernel.shape).toEqual([3, 3, 1, 8]);
    expect(p.weights['conv1/3x3'].bias.data).toHaveLength(8);
    expect(Object.keys(p.losses)).toEqual(['main', 'aux1', 'aux2', 'total']);
    expect(p.losses.total).toBeCloseTo(p.losses.main + 0.3 * p.losses.aux1 + 0.3 * p.losses.aux2, 5);
    expect(p.gradNorm['conv1/3x3'].aux2).toBe(0); // a probe head sends nothing into the trunk
    expect(p.gradNorm['loss2/classifier'].aux2).toBeGreaterThan(0);
  });

  it('train writes a run file that parses, with one step per step taken', async () => {
    const out = join(scratch, 'run.json');
    const { code, stderr } = await cli('train', '--preset', 'relu', '--steps', '3', '--batch', '4', '--aux1', 'off', '--eval-every', '2', '--out', out);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/step 3\/3/);
    expect(stderr).toMatch(/gradient RMS over the last 3 steps: conv1\/3x3/);
    const parsed = parseRun(readFileSync(out, 'utf8'));
    if (!parsed.ok) throw new Error(parsed.error);
    expect(parsed.run.steps.map((s) => s.step)).toEqual([1, 2, 3]);
    expect(parsed.run.header.config.aux1.mode).toBe('off');
    expect(parsed.run.steps[0]!.loss.aux1).toBeNaN();
    expect(parsed.run.steps[1]!.evalAccuracy).toBeDefined();
    expect(parsed.run.header.backend).toBe('wasm');
  });

  it('bad arguments get a clear message and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['train', '--preset', 'resnet'], /--preset must be one of paper, relu, sigmoid, tanh, relu-bn \(got "resnet"\)/],
      [['train', '--preset', 'relu', '--steps', '0'], /--steps must be a whole number from 1/],
      [['probe', '--preset', 'relu'], /--out FILE is required/],
      [['summary', '--preset', 'relu', '--width', '1/3'], /--width must be 1, 1\/2, 1\/4 or 1\/8/],
      [['train', '--preset', 'relu', '--lr', 'fast'], /--lr must be a number/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['summary', '--presett', 'relu'], /Unknown option '--presett'/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await cli(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toMatch(message);
    }
  });
});
