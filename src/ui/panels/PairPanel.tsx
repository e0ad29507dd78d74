import type { ReactNode } from 'react';
import type { TableData } from '../../charts/tables';
import type { ChartRun } from '../../charts/types';
import { ChartFrame } from './ChartFrame';

/** The heading of a model's chart: its colour swatch and label. */
export function RunHeading({ run }: { run: ChartRun }) {
  return (
    <>
      <span className={`swatch ${run.model === 'file' ? 'file' : ''}`} style={run.model === 'B' ? { background: 'var(--model-b)' } : undefined} aria-hidden="true" />
      <span className="run-heading-text">Model {run.model === 'file' ? 'from file' : run.model}</span>
      <span className="muted run-heading-label">{run.label.replace(/^[AB] · /, '')}</span>
    </>
  );
}

/** One chart per run, side by side (A, B, then an opened file if the chart shows it). */
export function PairOfCharts({ name, runs, children, table }: {
  name: string; runs: readonly ChartRun[]; children: (run: ChartRun, width: number) => ReactNode; table?: (run: ChartRun) => TableData;
}) {
  if (runs.length === 0) return <div className="empty-chart">Waiting for the first step…</div>;
  return (
    <div className="pair">
      {runs.map((run) => (
        <ChartFrame key={run.id} name={`${name} ${run.model === 'file' ? 'file' : `model ${run.model}`}`} heading={<RunHeading run={run} />}
          table={table && (() => table(run))}>
          {(width) => children(run, width)}
        </ChartFrame>
      ))}
    </div>
  );
}
