import { describe, expect, it } from 'vitest';
import { findings, fraction } from '../../src/charts/findings';
import type { Run, RunHeader, RunStep } from '../../src/shared/runFile';
import { TINY_HEADER, tinyStep } from './fixtures';

// Tiny layers: conv1/3x3 (100 params), conv2 x2, inception_4a x2, loss3/classifier (110), loss1/fc (30).
const CLS_RMS = 2 / Math.sqrt(110);
/** Norms whose conv1 gradRms is `fraction` of the classifier's (gradRms = norm / sqrt(params)). */
const norms = (conv1Fraction: number) => [conv1Fraction * CLS_RMS * Math.sqrt(100), 3, 4, 0.6, 0.8, 2, 5];

const withAux = (mode: 'loss' | 'off', other: Partial<RunHeader['config']> = {}): RunHeader => ({
  ...TINY_HEADER,
  config: { ...TINY_HEADER.config, ...other, aux1: { mode, weight: 0.3 }, aux2: { mode, weight: 0.3 } },
});
const run = (header: RunHeader, steps: RunStep[], events: Run['events'] = []): Run => ({ header, steps, events });
const perHead = (conv1: [number, number, number]) => ({
  gradNorm: { main: [conv1[0], 0, 0, 0, 0, 1, 0], aux1: [conv1[1], 0, 0, 0, 0, 0, 1], aux2: [conv1[2], 0, 0, 0, 0, 0, 0] },
  actGradRms: { main: [0, 0, 0], aux1: [0, 0, 0], aux2: [0, 0, 0] },
});

describe('findings', () => {
  it('says nothing without steps', () => {
    expect(findings(run(withAux('loss'), []), run(withAux('off'), []), 'gradRms')).toEqual([]);
    expect(findings(run(withAux('loss'), []), null, 'gradRms')).toEqual([]);
  });

  it('reports how far below the classifier conv1 is, as a rounded power of ten', () => {
    const b = run(withAux('off'), [tinyStep(7, norms(3.2e-6))]);
    const said = findings(run(withAux('loss'), [tinyStep(7, norms(0.5))]), b, 'gradRms');
    expect(said).toContain("In B, conv1 gets about 10\u207b\u2075 of the classifier's gradient (RMS per parameter, step 7).");
    expect(said.some((s) => s.startsWith('In A, conv1 gets'))).toBe(false); // 0.5 is not below 1/10
  });

  it('does not report a vanishing ratio it cannot compute (zero or non-finite)', () => {
    for (const conv1 of [0, NaN, Infinity]) {
      const n = norms(1);
      n[0] = conv1;
      expect(findings(run(withAux('off'), [tinyStep(1, n)]), null, 'gradRms').filter((s) => s.includes('of the classifier'))).toEqual([]);
    }
  });

  it('credits the aux heads with the A/B ratio at conv1 when only the aux heads differ', () => {
    const a = run(withAux('loss'), [tinyStep(1, norms(1)), tinyStep(2, norms(387 * 1e-4))]);
    const b = run(withAux('off'), [tinyStep(1, norms(1)), tinyStep(2, norms(1e-4))]);
    expect(findings(a, b, 'gradRms')).toContain("The aux heads raise conv1's gradient RMS 390× in A (A/B at step 2).");
  });

  it('says "less than 2×", not "the same", for a ratio within a factor of 2, and nothing when the runs are at different steps', () => {
    const a = run(withAux('loss'), [tinyStep(1, norms(0.13))]);
    const b = run(withAux('off'), [tinyStep(1, norms(0.1))]);
    expect(findings(a, b, 'gradRms')).toContain('The gradient RMS at conv1 differs by less than 2× between A and B (A/B = 1.3 at step 1).');
    const ahead = run(withAux('off'), [tinyStep(1, norms(0.1)), tinyStep(2, norms(0.0001))]);
    expect(findings(a, ahead, 'gradRms').filter((s) => s.includes('A and B') || s.includes('aux heads raise'))).toEqual([]);
  });

  it('does not credit the aux heads when the activation differs too', () => {
    const a = run(withAux('loss'), [tinyStep(3, norms(0.39))]);
    const b = run(withAux('off', { activation: 'sigmoid' }), [tinyStep(3, norms(0.001))]);
    const said = findings(a, b, 'gradRms');
    expect(said).toContain('The gradient RMS at conv1 is 390× larger in A than in B at step 3.');
    expect(said.some((s) => s.includes('aux heads'))).toBe(false);
  });

  it("gives an aux head's share of the per-head norms at conv1 from the latest per-head step", () => {
    const a = run(withAux('loss'), [tinyStep(3, norms(1), { perHead: perHead([1, 4, 0]) }), tinyStep(4, norms(1))]);
    expect(findings(a, null, 'gradRms')).toContain('In A, aux1 supplies 80% of the per-head gradient norms at conv1 (per-head step 3; shares of norms, not of the summed gradient).');
    const both = run(withAux('loss'), [tinyStep(5, norms(1), { perHead: perHead([1, 2, 1]) })]);
    expect(findings(both, null, 'gradRms').find((s) => s.includes('supplies'))).toMatch(/^In A, aux1 supplies 50% and aux2 25% of the per-head/);
  });

  it('gives no share without a per-head step, or when no aux head reaches conv1', () => {
    expect(findings(run(withAux('loss'), [tinyStep(1, norms(1))]), null, 'gradRms').some((s) => s.includes('supplies'))).toBe(false);
    const probe = run(withAux('loss'), [tinyStep(1, norms(1), { perHead: perHead([1, 0, 0]) })]);
    expect(findings(probe, null, 'gradRms').some((s) => s.includes('supplies'))).toBe(false);
  });

  it('names the step and the place where a run diverged', () => {
    const b = run(withAux('off'), [tinyStep(11, norms(1)), tinyStep(12, norms(NaN), { diverged: { where: 'inception_4a/3x3 (gradient NaN)' } })]);
    expect(findings(run(withAux('loss'), [tinyStep(11, norms(1))]), b, 'gradRms')[0]).toBe('B diverged at step 12: first non-finite in inception_4a/3x3 (gradient NaN).');
  });
});

describe('fraction', () => {
  it('writes ratios down to 1/100 as fractions and smaller ones as powers of ten', () => {
    expect(fraction(0.05)).toBe('1/20');
    expect(fraction(0.012)).toBe('1/83');
    expect(fraction(3.2e-6)).toBe('about 10\u207b\u2075');
  });
});
