import { memo, useId, useState } from 'react';
import { AccuracyCurves } from '../../charts/AccuracyCurves';
import { LossCurves } from '../../charts/LossCurves';
import { curvesTable } from '../../charts/tables';
import type { ChartRun } from '../../charts/types';
import { ChartFrame } from './ChartFrame';
import { CURVES_EXPLAINER } from './explainers';
import { Panel } from './Panel';

/** The loss curves' smoothing slider; it renders only when the smoothing changes, not with every training step. */
const Smoothing = memo(function Smoothing({ value, onChange }: { value: number; onChange: (value: number) => void }) {
  const id = useId();
  return (
    <div className="smoothing">
      <label htmlFor={id}>Smoothing</label>
      <input id={id} type="range" min={0} max={0.99} step={0.01} value={value} onChange={(e) => onChange(Number(e.target.value))} />
      <output aria-hidden="true">{value.toFixed(2)}</output>
    </div>
  );
});

/** Loss (smoothed) and accuracy of every head of every run. */
export const CurvesPanel = memo(function CurvesPanel({ runs }: { runs: readonly ChartRun[] }) {
  const [smoothing, setSmoothing] = useState(0.6);
  const actions = <Smoothing value={smoothing} onChange={setSmoothing} />;
  return (
    <Panel title="Loss and accuracy per head" explainer={CURVES_EXPLAINER} actions={actions}>
      <div className="pair">
        <ChartFrame name="loss" table={() => curvesTable(runs, 'loss')}>{(width) => <LossCurves runs={runs} smoothing={smoothing} width={width} height={280} />}</ChartFrame>
        <ChartFrame name="accuracy" table={() => curvesTable(runs, 'accuracy')}>{(width) => <AccuracyCurves runs={runs} smoothing={smoothing} width={width} height={280} />}</ChartFrame>
      </div>
    </Panel>
  );
});
