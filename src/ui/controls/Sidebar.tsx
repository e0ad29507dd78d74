import { memo } from 'react';
import type { ExperimentSettings, ModelVariant } from '../../shared/experiment';
import type { RunImport } from '../runImport';
import { AuxControls } from './AuxControls';
import { ExperimentControls, ViewControls, type AutoWidth } from './ExperimentControls';
import { FileControls, type LabelledRun, type SaveableRun } from './FileControls';
import { Switch } from './fields';

export interface SidebarProps {
  readonly settings: ExperimentSettings;
  readonly setSettings: (update: (current: ExperimentSettings) => ExperimentSettings) => void;
  readonly setA: (variant: ModelVariant) => void;
  readonly setB: (variant: ModelVariant) => void;
  readonly autoWidth: AutoWidth | null;
  /** Which live runs can be saved (compared by content: it changes only when a model gets its first step). */
  readonly saveable: readonly SaveableRun[];
  /** The live runs as they are when a save button is pressed. */
  readonly liveRuns: () => readonly LabelledRun[];
  readonly runImport: RunImport;
}

function SidebarView({ settings, setSettings, setA, setB, autoWidth, saveable, liveRuns, runImport }: SidebarProps) {
  return (
    <aside className="sidebar" aria-label="Settings">
      <section className="control-group" aria-labelledby="aux-heading">
        <h2 id="aux-heading">Auxiliary classifiers</h2>
        <p className="hint">Switching one applies from the next step.</p>
        <AuxControls model="A" variant={settings.a} onChange={setA} />
        {settings.compare && <AuxControls model="B" variant={settings.b} onChange={setB} />}
        <Switch name="Compare with model B" checked={settings.compare} onChange={(compare) => setSettings((s) => ({ ...s, compare }))}>
          Compare with model B
        </Switch>
      </section>
      <ExperimentControls settings={settings} update={setSettings} autoWidth={autoWidth} />
      <ViewControls settings={settings} update={setSettings} />
      <FileControls saveable={saveable} liveRuns={liveRuns} runImport={runImport} />
    </aside>
  );
}

const sameSaveable = (a: readonly SaveableRun[], b: readonly SaveableRun[]): boolean =>
  a.length === b.length && a.every((r, i) => r.model === b[i]!.model && r.hasSteps === b[i]!.hasSteps);

/** Whether the sidebar would draw the same: every prop the same object, `saveable` the same content. */
export function sameSidebarProps(prev: SidebarProps, next: SidebarProps): boolean {
  return (Object.keys(next) as (keyof SidebarProps)[]).every((key) =>
    key === 'saveable' ? sameSaveable(prev.saveable, next.saveable) : Object.is(prev[key], next[key]));
}

/**
 * The settings on the left: the auxiliary heads, the experiment, the view and the files.
 * Nothing in it changes with a training step, so it does not render again with each one
 * (the page's main thread is shared with every chart's step).
 */
export const Sidebar = memo(SidebarView, sameSidebarProps);
