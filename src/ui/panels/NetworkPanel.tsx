import { memo } from 'react';
import { NetworkDiagram } from '../../charts/NetworkDiagram';
import { depthTable } from '../../charts/tables';
import type { ChartRun } from '../../charts/types';
import type { ExperimentSettings, ModelId, ModelVariant } from '../../shared/experiment';
import { AUX_WHERE, toggledHead } from '../controls/auxHeads';
import { NETWORK_EXPLAINER } from './explainers';
import { PairOfCharts } from './PairPanel';
import { Panel } from './Panel';

/** The accessible name of an aux branch in a model's diagram (distinct from the sidebar switches' names). */
export function diagramAuxName(model: ModelId, head: 'aux1' | 'aux2'): string {
  return `Model ${model} diagram: aux ${head === 'aux1' ? 1 : 2} (inception ${AUX_WHERE[head]})`;
}

/** The topology of A and B coloured by the latest gradient; clicking an aux branch switches it. */
export const NetworkPanel = memo(function NetworkPanel({ runs, settings, onVariant }: {
  runs: readonly ChartRun[]; settings: ExperimentSettings; onVariant: (model: ModelId, variant: ModelVariant) => void;
}) {
  return (
    <Panel title="The network" explainer={NETWORK_EXPLAINER}>
      <PairOfCharts name="network" runs={runs} table={(run) => depthTable([run], settings.measure, 'block')}>
        {(run, width) => {
          const model: ModelId = run.model === 'B' ? 'B' : 'A';
          const variant = model === 'A' ? settings.a : settings.b;
          const toggle = (head: 'aux1' | 'aux2') => onVariant(model, { ...variant, [head]: toggledHead(variant[head], variant[head].mode === 'off') });
          return (
            <NetworkDiagram run={run} measure={settings.measure} auxModes={{ aux1: variant.aux1.mode, aux2: variant.aux2.mode }}
              onToggleAux={toggle} auxNames={{ aux1: diagramAuxName(model, 'aux1'), aux2: diagramAuxName(model, 'aux2') }} width={width} height={230} />
          );
        }}
      </PairOfCharts>
    </Panel>
  );
});
