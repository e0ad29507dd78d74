import { useMemo } from 'react';
import type { ChartRun } from '../../charts/types';
import type { ExperimentSettings } from '../../shared/experiment';
import type { Run } from '../../shared/runFile';
import { variantLabel } from '../../shared/settings';
import type { ImportedRun } from '../runImport';

/** The live runs and an opened run file, labelled for legends. */
export interface ChartRuns {
  readonly a: ChartRun | null;
  readonly b: ChartRun | null;
  readonly file: ChartRun | null;
  /** Every run, in legend order (A, B, file). */
  readonly all: readonly ChartRun[];
}

/** A short legend label for a model: "A · aux1 loss 0.3, aux2 loss 0.3, relu". */
export function modelLabel(model: 'A' | 'B', settings: ExperimentSettings): string {
  return `${model} · ${variantLabel(model === 'A' ? settings.a : settings.b)}`;
}

/** Wraps runs for the charts; each ChartRun keeps its identity while its run does (so memoised charts skip work). */
export function useChartRuns(runs: { A: Run | null; B: Run | null }, imported: ImportedRun | null, settings: ExperimentSettings): ChartRuns {
  const labelA = modelLabel('A', settings);
  const labelB = modelLabel('B', settings);
  const a = useMemo(() => (runs.A ? { id: 'A', label: labelA, model: 'A' as const, run: runs.A } : null), [runs.A, labelA]);
  const b = useMemo(() => (runs.B && settings.compare ? { id: 'B', label: labelB, model: 'B' as const, run: runs.B } : null), [runs.B, labelB, settings.compare]);
  const file = useMemo(() => (imported ? { id: 'file', label: `file · ${imported.run.header.label ?? imported.fileName}`, model: 'file' as const, run: imported.run } : null), [imported]);
  const all = useMemo(() => [a, b, file].filter((r): r is ChartRun => r !== null), [a, b, file]);
  return { a, b, file, all };
}
