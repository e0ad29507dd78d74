import type { Activation } from '../../model/config';
import { MEASURES, TRAINABLE_PRESETS, type BackendPreference, type ExperimentSettings, type Measure } from '../../shared/experiment';
import { settingsForPreset } from '../../shared/settings';
import { widthText, type WidthSetting } from '../../shared/widths';
import type { DatasetName } from '../../train/datasets/types';
import { IntegerField, Segmented, SelectField, type Option } from './fields';

type Update = (update: (current: ExperimentSettings) => ExperimentSettings) => void;

const opts = <T extends string | number>(values: readonly T[], label: (v: T) => string = String): Option<T>[] =>
  values.map((value) => ({ value, label: label(value) }));

const PRESET_LABELS: Record<string, string> = { relu: 'ReLU (paper)', sigmoid: 'Sigmoid', tanh: 'Tanh', 'relu-bn': 'ReLU + batch norm' };
const DATASETS: Option<DatasetName>[] = [
  { value: 'mnist', label: 'MNIST digits' }, { value: 'fashion-mnist', label: 'Fashion-MNIST' }, { value: 'shapes', label: 'Shapes (colour)' },
];
const ACTIVATIONS = opts<Activation>(['relu', 'sigmoid', 'tanh']);
const WIDTHS = opts([1 / 8, 1 / 4, 1 / 2, 1], (w) => (w === 1 ? '1 (full, slow)' : widthText(w)));

/** The width choices, 'auto' first, saying what it came to on the backend in use (the select is narrow: the hint says why). */
function widthOptions(auto: AutoWidth | null): Option<WidthSetting>[] {
  const label = auto ? `auto (${widthText(auto.width)})` : 'auto';
  return [{ value: 'auto', label }, ...WIDTHS];
}

/** What an 'auto' width came to: the width the models were built with, and on which backend. */
export interface AutoWidth {
  readonly width: number;
  readonly backend: string;
}
const BATCHES = opts([4, 8, 16, 32, 64, 128]);
const RATES = opts([0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1]);
const OPTIMIZERS = opts<ExperimentSettings['optimizer']>(['sgd', 'adam'], (o) => (o === 'sgd' ? 'SGD' : 'Adam'));
const BACKENDS = opts<BackendPreference>(['auto', 'webgpu', 'webgl', 'wasm', 'cpu'], (b) => (b === 'auto' ? 'auto' : b));

/** Plain names of the gradient measures (metrics.md). */
export const MEASURE_LABELS: Record<Measure, string> = {
  gradRms: 'Weight gradient, RMS',
  gradNorm: 'Weight gradient, L2 norm',
  gradMeanAbs: 'Weight gradient, mean |g|',
  gradMaxAbs: 'Weight gradient, max |g|',
  actGradRms: 'Activation gradient, RMS',
};

/** The settings that define the run (changing one restarts training), grouped like the Playground's top bar. */
export function ExperimentControls({ settings, update, autoWidth }: { settings: ExperimentSettings; update: Update; autoWidth: AutoWidth | null }) {
  const set = <K extends keyof ExperimentSettings>(key: K) => (value: ExperimentSettings[K]) => update((s) => ({ ...s, [key]: value }));
  return (
    <section className="control-group" aria-labelledby="experiment-heading">
      <h2 id="experiment-heading">Experiment</h2>
      <p className="hint">Changing these restarts both models from the seed.</p>
      <SelectField label="Preset" value={settings.preset} options={opts(TRAINABLE_PRESETS, (p) => PRESET_LABELS[p] ?? p)}
        onChange={(preset) => update((s) => settingsForPreset(s, preset))} />
      <SelectField label="Dataset" value={settings.dataset} options={DATASETS} onChange={set('dataset')} />
      <SelectField label="Activation" value={settings.a.activation} options={ACTIVATIONS}
        onChange={(act) => update((s) => ({ ...s, a: { ...s.a, activation: act }, b: { ...s.b, activation: act } }))} />
      <div className="field-pair">
        <SelectField label="Width" value={settings.width} options={widthOptions(autoWidth)} onChange={set('width')}
          hint={autoWidth ? `Channels of every layer relative to the paper's; auto: ${widthText(autoWidth.width)} on ${autoWidth.backend} (1/2 on a GPU, 1/8 on a CPU)` : "Channels of every layer relative to the paper's; auto: 1/2 on a GPU, 1/8 on a CPU"} />
        <SelectField label="Batch size" value={settings.batchSize} options={BATCHES} onChange={set('batchSize')} />
      </div>
      <div className="field-pair">
        <SelectField label="Optimizer" value={settings.optimizer} options={OPTIMIZERS} onChange={set('optimizer')} />
        <SelectField label="Learning rate" value={settings.learningRate} options={RATES} onChange={set('learningRate')}
          hint="Applies from the next step, without a restart" />
      </div>
      <div className="field-pair">
        <IntegerField label="Seed" value={settings.seed} min={0} max={2 ** 32 - 1} onChange={set('seed')} />
        <SelectField label="Backend" value={settings.backend} options={BACKENDS} onChange={set('backend')} />
      </div>
    </section>
  );
}

/** How the gradient charts look: never restarts training. */
export function ViewControls({ settings, update }: { settings: ExperimentSettings; update: Update }) {
  const set = <K extends keyof ExperimentSettings>(key: K) => (value: ExperimentSettings[K]) => update((s) => ({ ...s, [key]: value }));
  return (
    <section className="control-group" aria-labelledby="view-heading">
      <h2 id="view-heading">View</h2>
      <SelectField label="Measure" value={settings.measure} options={MEASURES.map((m) => ({ value: m, label: MEASURE_LABELS[m] }))} onChange={set('measure')} />
      <Segmented label="Detail" value={settings.detail} options={[{ value: 'block', label: 'Blocks' }, { value: 'layer', label: 'Layers' }]} onChange={set('detail')} />
    </section>
  );
}
