import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../src/shared/settings';
import type { Run } from '../../src/shared/runFile';
import { saveableRuns, type LabelledRun } from '../../src/ui/controls/FileControls';
import { sameSidebarProps, type SidebarProps } from '../../src/ui/controls/Sidebar';
import type { RunImport } from '../../src/ui/runImport';
import { tinyHeader } from '../helpers/runs';

const run = (steps: number): Run => ({
  header: tinyHeader(),
  steps: Array.from({ length: steps }, (_, i) => ({ step: i + 1 }) as Run['steps'][number]),
  events: [],
});

const noop = () => undefined;
const runImport: RunImport = { imported: null, error: null, reading: null, dragging: false, open: noop, clear: noop, dismissError: noop };
const props: SidebarProps = {
  settings: DEFAULT_SETTINGS, setSettings: noop, setA: noop, setB: noop, autoWidth: null,
  saveable: [{ model: 'A', hasSteps: true }, { model: 'B', hasSteps: false }], liveRuns: () => [], runImport,
};

describe('saveableRuns', () => {
  it('gives each live run a save button that is ready once the run has a step', () => {
    const runs: LabelledRun[] = [{ model: 'A', label: 'A', run: run(3) }, { model: 'B', label: 'B', run: run(0) }];
    expect(saveableRuns(runs)).toStrictEqual([{ model: 'A', hasSteps: true }, { model: 'B', hasSteps: false }]);
  });
});

describe('sameSidebarProps', () => {
  it('holds for the props of the next training step: a new saveable list with the same buttons', () => {
    expect(sameSidebarProps(props, { ...props, saveable: props.saveable.map((r) => ({ ...r })) })).toBe(true);
  });

  it('fails when a button becomes ready, a run comes or goes, or any other prop is a new object', () => {
    expect(sameSidebarProps(props, { ...props, saveable: [{ model: 'A', hasSteps: true }, { model: 'B', hasSteps: true }] })).toBe(false);
    expect(sameSidebarProps(props, { ...props, saveable: [{ model: 'A', hasSteps: true }] })).toBe(false);
    expect(sameSidebarProps(props, { ...props, settings: { ...DEFAULT_SETTINGS } })).toBe(false);
    expect(sameSidebarProps(props, { ...props, runImport: { ...runImport, error: 'bad file' } })).toBe(false);
    expect(sameSidebarProps(props, { ...props, liveRuns: () => [] })).toBe(false);
  });
});
