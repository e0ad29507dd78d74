import { memo, useState } from 'react';
import { HeadContributions } from '../../charts/HeadContributions';
import { headTable } from '../../charts/tables';
import type { ChartRun, Detail } from '../../charts/types';
import { Segmented } from '../controls/fields';
import { HEADS_EXPLAINER } from './explainers';
import { PairOfCharts } from './PairPanel';
import { Panel } from './Panel';

type Mode = 'grouped' | 'stacked';

/** Per-head contributions to each layer's gradient, one chart per model. */
export const HeadsPanel = memo(function HeadsPanel({ runs, detail }: { runs: readonly ChartRun[]; detail: Detail }) {
  const [mode, setMode] = useState<Mode>('grouped');
  const actions = (
    <Segmented label="Show contributions as" hideLabel value={mode} onChange={setMode}
      options={[{ value: 'grouped', label: 'Size (log)' }, { value: 'stacked', label: 'Share' }]} />
  );
  return (
    <Panel title="Where the gradient comes from" explainer={HEADS_EXPLAINER} actions={actions}>
      <PairOfCharts name="head contributions" runs={runs} table={(run) => headTable(run, detail)}>
        {(run, width) => <HeadContributions run={run} detail={detail} mode={mode} width={width} height={260} />}
      </PairOfCharts>
    </Panel>
  );
});
