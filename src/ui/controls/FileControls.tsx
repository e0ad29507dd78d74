import { useRef } from 'react';
import { runLossesToCsv, runToCsv } from '../../shared/csv';
import { serializeRun, type Run } from '../../shared/runFile';
import { downloadText } from '../download';
import type { RunImport } from '../runImport';
import { exportFileName, joinCsv } from '../runExports';

/** The live runs with the labels their exports carry. */
export interface LabelledRun {
  readonly model: 'A' | 'B';
  readonly label: string;
  readonly run: Run;
}

/** A live run's save button: its model, and whether it has a step to save yet. */
export interface SaveableRun {
  readonly model: 'A' | 'B';
  readonly hasSteps: boolean;
}

/** The save buttons of `runs`. */
export function saveableRuns(runs: readonly LabelledRun[]): SaveableRun[] {
  return runs.map((r) => ({ model: r.model, hasSteps: r.run.steps.length > 0 }));
}

/** The runs with steps, and the latest step among them (the exports' file names carry it). */
function withSteps(runs: readonly LabelledRun[]): { runs: LabelledRun[]; last: number } {
  const ready = runs.filter((r) => r.run.steps.length > 0);
  return { runs: ready, last: Math.max(0, ...ready.map((r) => r.run.steps[r.run.steps.length - 1]?.step ?? 0)) };
}

/**
 * Downloads (run files, CSV) and opening a run file to view beside the live runs. The
 * buttons follow `saveable`; what they save is read from `liveRuns()` when pressed, so the
 * panel need not render again with every training step.
 */
export function FileControls({ saveable, liveRuns, runImport }: { saveable: readonly SaveableRun[]; liveRuns: () => readonly LabelledRun[]; runImport: RunImport }) {
  const inputRef = useRef<HTMLInputElement | null>(null);
  const anySteps = saveable.some((r) => r.hasSteps);
  const saveRun = (model: 'A' | 'B') => {
    const { runs, last } = withSteps(liveRuns());
    const r = runs.find((x) => x.model === model);
    if (!r) return;
    const run = { ...r.run, header: { ...r.run.header, label: r.label } };
    downloadText(serializeRun(run), exportFileName(`model-${r.model}`, last, 'json'), 'application/json');
  };
  const saveCsv = (kind: 'layers' | 'losses') => {
    const toCsv = kind === 'layers' ? runToCsv : runLossesToCsv;
    const { runs, last } = withSteps(liveRuns());
    downloadText(joinCsv(runs.map((r) => toCsv(r.run, r.label))), exportFileName(kind, last, 'csv'), 'text/csv');
  };
  return (
    <section className="control-group" aria-labelledby="files-heading">
      <h2 id="files-heading">Files</h2>
      <div className="button-row">
        {saveable.map((r) => (
          <button key={r.model} type="button" disabled={!r.hasSteps} onClick={() => saveRun(r.model)}>Run {r.model} (JSON)</button>
        ))}
      </div>
      <div className="button-row">
        <button type="button" disabled={!anySteps} onClick={() => saveCsv('layers')}>Gradients CSV</button>
        <button type="button" disabled={!anySteps} onClick={() => saveCsv('losses')}>Losses CSV</button>
      </div>
      <div className="button-row">
        <button type="button" onClick={() => inputRef.current?.click()}>Open run file…</button>
        <input ref={inputRef} type="file" accept=".json,application/json" className="visually-hidden" tabIndex={-1}
          aria-label="Run file to open" data-testid="run-file-input"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) runImport.open(file);
            e.target.value = '';
          }} />
      </div>
      <p className="hint">or drop a run file anywhere on the page.</p>
      {runImport.error && (
        <p className="inline-error" role="alert">
          {runImport.error} <button type="button" className="link" onClick={runImport.dismissError}>Dismiss</button>
        </p>
      )}
      {runImport.imported && (
        <div className="imported">
          <span className="swatch file" aria-hidden="true" />
          <span className="imported-name" title={runImport.imported.fileName}>{runImport.imported.fileName}</span>
          <span className="muted">{runImport.imported.run.steps.length} steps</span>
          <button type="button" className="link" onClick={runImport.clear} aria-label={`Close ${runImport.imported.fileName}`}>Close</button>
        </div>
      )}
    </section>
  );
}
