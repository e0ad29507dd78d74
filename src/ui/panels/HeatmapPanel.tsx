import { memo } from 'react';
import { GradientHeatmap } from '../../charts/GradientHeatmap';
import { heatmapTable } from '../../charts/tables';
import type { ChartRun, Detail } from '../../charts/types';
import type { Measure } from '../../shared/experiment';
import { HEATMAP_EXPLAINER } from './explainers';
import { PairOfCharts } from './PairPanel';
import { Panel } from './Panel';

/** The gradient at every depth over time, one heatmap per run. */
export const HeatmapPanel = memo(function HeatmapPanel({ runs, measure, detail }: {
  runs: readonly ChartRun[]; measure: Measure; detail: Detail;
}) {
  return (
    <Panel title="Gradient over time" explainer={HEATMAP_EXPLAINER}>
      <PairOfCharts name="gradient heatmap" runs={runs} table={(run) => heatmapTable(run, measure, detail)}>
        {(run, width) => <GradientHeatmap run={run} measure={measure} detail={detail} width={width} height={detail === 'layer' ? 340 : 260} />}
      </PairOfCharts>
    </Panel>
  );
});
