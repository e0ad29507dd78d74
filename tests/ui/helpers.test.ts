import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import { auxSwitchLabel, auxSwitchName, toggledHead } from '../../src/ui/controls/auxHeads';
import { slowKernelsNote, softwareGpuNote, statusText } from '../../src/ui/controls/status';
import { planCommands, shapeKey } from '../../src/ui/hooks/sessionCommands';
import { exportFileName, joinCsv } from '../../src/ui/runExports';

describe('planCommands', () => {
  const s = DEFAULT_SETTINGS;

  it('configures a worker that has no settings yet', () => {
    expect(planCommands(null, s)).toStrictEqual({ commands: [{ type: 'configure', settings: s }], restart: true });
  });

  it('restarts when the shape of the model changes', () => {
    for (const next of [{ ...s, batchSize: 4 }, { ...s, width: 1 / 4 }, { ...s, seed: 2 }, { ...s, optimizer: 'adam' as const }, { ...s, backend: 'wasm' as const }, { ...s, a: { ...s.a, activation: 'tanh' as const } }]) {
      expect(planCommands(s, next).restart).toBe(true);
    }
  });

  it('changes an aux head from the next step without a restart', () => {
    const next = { ...s, a: { ...s.a, aux1: { mode: 'off' as const, weight: 0.3 } } };
    expect(planCommands(s, next)).toStrictEqual({ commands: [{ type: 'setAuxHeads', model: 'A', aux1: next.a.aux1, aux2: s.a.aux2 }], restart: false });
  });

  it('changes the learning rate without a restart, and view settings need nothing', () => {
    expect(planCommands(s, { ...s, learningRate: 0.001 })).toStrictEqual({ commands: [{ type: 'setLearningRate', learningRate: 0.001 }], restart: false });
    expect(planCommands(s, { ...s, measure: 'actGradRms', detail: 'layer' })).toStrictEqual({ commands: [], restart: false });
    expect(shapeKey(s)).toBe(shapeKey({ ...s, learningRate: 1, measure: 'gradNorm' }));
  });
});

describe('aux head switches', () => {
  it('names model A switches "Auxiliary classifier N" and model B switches otherwise', () => {
    expect(auxSwitchName('A', 'aux1')).toMatch(/Auxiliary classifier 1/);
    expect(auxSwitchName('A', 'aux2')).toMatch(/Auxiliary classifier 2/);
    expect(auxSwitchName('B', 'aux1')).not.toMatch(/Auxiliary classifier/);
  });

  it('starts every switch name with its visible label (label in name)', () => {
    for (const model of ['A', 'B'] as const) {
      expect(auxSwitchName(model, 'aux1').startsWith(auxSwitchLabel('aux1'))).toBe(true);
      expect(auxSwitchName(model, 'aux2').startsWith('Aux 2 after 4d')).toBe(true);
    }
    expect(auxSwitchName('B', 'aux2')).toBe('Aux 2 after 4d, model B');
  });

  it('switches a head off and back on in the mode it had', () => {
    const probe = { mode: 'probe' as const, weight: 0.5 };
    expect(toggledHead(probe, false)).toStrictEqual({ mode: 'off', weight: 0.5 });
    expect(toggledHead({ mode: 'off', weight: 0.5 }, true, 'probe')).toStrictEqual(probe);
    expect(toggledHead({ mode: 'off', weight: 0.3 }, true)).toStrictEqual({ mode: 'loss', weight: 0.3 });
  });
});

describe('slowKernelsNote', () => {
  it('says when wasm runs without its SIMD backward kernels, and nothing otherwise', () => {
    expect(slowKernelsNote({ active: 'wasm', skipped: [], slowKernels: 'no SIMD in this WebAssembly' })).toBe('wasm without its SIMD backward kernels (no SIMD in this WebAssembly): training is slower');
    expect(slowKernelsNote({ active: 'wasm', skipped: [] })).toBeNull();
    expect(slowKernelsNote(null)).toBeNull();
  });
});

describe('softwareGpuNote', () => {
  it('says when a GPU backend chosen by name is drawn in software, and nothing otherwise', () => {
    expect(softwareGpuNote({ active: 'webgpu', skipped: [], softwareGpu: true })).toBe('webgpu is drawn in software here (no GPU): a step takes far longer than on wasm; Backend auto passes it over');
    expect(softwareGpuNote({ active: 'webgl', skipped: [], softwareGpu: true })).toMatch(/^webgl is drawn in software here/);
    expect(softwareGpuNote({ active: 'webgpu', skipped: [], softwareGpu: false })).toBeNull();
    expect(softwareGpuNote({ active: 'wasm', skipped: [] })).toBeNull();
    expect(softwareGpuNote(null)).toBeNull();
  });
});

describe('statusText', () => {
  it('reads "step N · x steps/s · backend name"', () => {
    expect(statusText({ step: 12, stepsPerSecond: 2.44, backend: { active: 'wasm', skipped: [] }, runId: 1 })).toBe('step 12 · 2.4 steps/s · backend wasm');
    expect(statusText({ step: 0, stepsPerSecond: null, backend: null, runId: null })).toBe('step 0 · – steps/s · starting…');
  });

  it('gives seconds per step below one step a second, where steps per second would round to 0.0', () => {
    const pace = (stepsPerSecond: number) => statusText({ step: 6, stepsPerSecond, backend: { active: 'webgl', skipped: [] }, runId: 1 }).split(' · ')[1];
    expect([0.04, 0.12, 0.5, 0.96, 1, 9.96, 12.4].map(pace)).toEqual(['25 s/step', '8.3 s/step', '2.0 s/step', '1.0 steps/s', '1.0 steps/s', '10 steps/s', '12 steps/s']);
    expect([0, Infinity, NaN].map(pace)).toEqual(['– steps/s', '– steps/s', '– steps/s']);
  });
});

describe('exports', () => {
  it('joinCsv keeps one header line', () => {
    expect(joinCsv(['a,b\r\n1,2\r\n', 'a,b\r\n3,4\r\n'])).toBe('a,b\r\n1,2\r\n3,4\r\n');
  });
  it('names files by what and step', () => {
    expect(exportFileName('model-A', 40, 'json')).toBe('gradflow-model-A-step-40.json');
  });
});
