import { memo, useMemo } from 'react';
import { findings } from '../../charts/findings';
import { GradientByDepth } from '../../charts/GradientByDepth';
import { RatioChart } from '../../charts/RatioChart';
import { depthTable, ratioTable } from '../../charts/tables';
import type { ChartRun, Detail } from '../../charts/types';
import type { Measure } from '../../shared/experiment';
import { ChartFrame } from './ChartFrame';
import { DEPTH_EXPLAINER } from './explainers';
import { Panel } from './Panel';

/** Findings as a list; nothing when there are none yet. */
export function Findings({ items }: { items: readonly string[] }) {
  if (items.length === 0) return <p className="findings-empty">No findings yet: they appear once both models have trained a few steps.</p>;
  return (
    <ul className="findings" aria-label="Findings">
      {items.map((text, i) => <li key={i}>{text}</li>)}
    </ul>
  );
}

/** Gradient by depth of every run on one shared log scale, the A/B ratio beside it, and the findings. */
export const DepthPanel = memo(function DepthPanel({ runs, a, b, measure, detail }: {
  runs: readonly ChartRun[]; a: ChartRun | null; b: ChartRun | null; measure: Measure; detail: Detail;
}) {
  const items = useMemo(() => (a ? findings(a.run, b?.run ?? null, measure) : []), [a, b, measure]);
  return (
    <Panel title="Gradient by depth" explainer={DEPTH_EXPLAINER} className="depth-panel">
      <div className="pair wide-left">
        <ChartFrame name="gradient by depth" table={() => depthTable(runs, measure, detail)}>
          {(width) => <GradientByDepth runs={runs} measure={measure} detail={detail} width={width} height={300} />}
        </ChartFrame>
        {a && b ? (
          <ChartFrame name="ratio A over B" table={() => ratioTable(a, b, measure, detail)}>
            {(width) => <RatioChart a={a} b={b} measure={measure} detail={detail} width={width} height={300} />}
          </ChartFrame>
        ) : <div className="empty-chart">The A ÷ B ratio needs model B (turn Compare on).</div>}
      </div>
      <Findings items={items} />
    </Panel>
  );
});
