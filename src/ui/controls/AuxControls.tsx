import { useRef } from 'react';
import type { AuxHead, HeadMode } from '../../model/config';
import type { ModelId, ModelVariant } from '../../shared/experiment';
import { AUX_WHERE, auxSwitchName, toggledHead } from './auxHeads';
import { Segmented, SettlingRange, Switch, type Option } from './fields';

type AuxName = 'aux1' | 'aux2';

const MODES: readonly Option<HeadMode>[] = [
  { value: 'loss', label: 'loss' },
  { value: 'probe', label: 'probe' },
  { value: 'off', label: 'off' },
];

function HeadRow({ model, head, value, onChange }: {
  model: ModelId; head: AuxName; value: AuxHead; onChange: (next: AuxHead) => void;
}) {
  const lastOn = useRef<HeadMode>(value.mode === 'off' ? 'loss' : value.mode);
  if (value.mode !== 'off') lastOn.current = value.mode;
  const n = head === 'aux1' ? 1 : 2;
  const short = `Model ${model} aux ${n}`;
  return (
    <div className="aux-row">
      <Switch name={auxSwitchName(model, head)} checked={value.mode !== 'off'}
        onChange={(on) => onChange(toggledHead(value, on, lastOn.current))}>
        {/* The same words as auxSwitchLabel, the start of the switch's accessible name. */}
        Aux {n} <span className="muted">after {AUX_WHERE[head]}</span>
      </Switch>
      <div className="aux-settings">
        <Segmented label={`${short} mode`} hideLabel value={value.mode} options={MODES} onChange={(mode) => onChange({ ...value, mode })} />
        <SettlingRange label={`${short} weight`} value={value.weight} min={0} max={1} step={0.05}
          disabled={value.mode === 'off'} format={(w) => w.toFixed(2)} onChange={(weight) => onChange({ ...value, weight })} />
      </div>
    </div>
  );
}

/** The auxiliary classifiers of one model: per head an on/off switch, its mode and its loss weight. */
export function AuxControls({ model, variant, onChange }: {
  model: ModelId; variant: ModelVariant; onChange: (next: ModelVariant) => void;
}) {
  return (
    <fieldset className={`aux-model model-${model}`}>
      <legend><span className="swatch" aria-hidden="true" />Model {model}</legend>
      <HeadRow model={model} head="aux1" value={variant.aux1} onChange={(aux1) => onChange({ ...variant, aux1 })} />
      <HeadRow model={model} head="aux2" value={variant.aux2} onChange={(aux2) => onChange({ ...variant, aux2 })} />
    </fieldset>
  );
}
