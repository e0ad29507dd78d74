import { useCallback, useEffect, useMemo, useRef } from 'react';
import type { BackendPreference, ModelId, ModelVariant } from '../shared/experiment';
import { saveableRuns, type LabelledRun } from './controls/FileControls';
import { RunControls } from './controls/RunControls';
import { Sidebar } from './controls/Sidebar';
import { useChartRuns } from './hooks/useChartRuns';
import { useHashSettings } from './hooks/useHashSettings';
import { useSpaceToPlay } from './hooks/useSpaceToPlay';
import { useTrainingSession } from './hooks/useTrainingSession';
import { FaultNotice } from './FaultNotice';
import { Notices } from './Notices';
import { CurvesPanel } from './panels/CurvesPanel';
import { DepthPanel } from './panels/DepthPanel';
import { HeadsPanel } from './panels/HeadsPanel';
import { HeatmapPanel } from './panels/HeatmapPanel';
import { NetworkPanel } from './panels/NetworkPanel';
import { useRunImport } from './runImport';

/**
 * GradFlow's page: the run controls on top, the settings on the left, the charts of
 * models A and B side by side in the main grid. State lives in hooks: the settings in the
 * URL hash, the training history in the session, an opened run file in the import.
 */
export function App() {
  const { settings, notices, setSettings, dismissNotices } = useHashSettings();
  const session = useTrainingSession(settings, true);
  const runImport = useRunImport();
  const charts = useChartRuns(session.state.runs, runImport.imported, settings);
  const { state } = session;

  const togglePlay = useCallback(() => (state.playing ? session.pause() : session.play()), [state.playing, session]);
  useSpaceToPlay(togglePlay);

  const setVariant = useCallback((model: ModelId, variant: ModelVariant) =>
    setSettings((s) => (model === 'A' ? { ...s, a: variant } : { ...s, b: variant })), [setSettings]);
  const setA = useCallback((v: ModelVariant) => setVariant('A', v), [setVariant]);
  const setB = useCallback((v: ModelVariant) => setVariant('B', v), [setVariant]);

  const builtWidth = state.models.A?.config.width;
  const autoWidth = useMemo(() => (settings.width === 'auto' && builtWidth !== undefined && state.backend ? { width: builtWidth, backend: state.backend.active } : null),
    [settings.width, builtWidth, state.backend]);
  const resume = useCallback((backend: BackendPreference) => setSettings(() => session.resume(backend)), [session, setSettings]);

  const live = useMemo(() => [charts.a, charts.b].filter((r) => r !== null), [charts.a, charts.b]);
  const labelled: LabelledRun[] = live.map((r) => ({ model: r.model === 'B' ? 'B' : 'A', label: r.label, run: r.run }));
  // The sidebar saves the runs as they are when a button is pressed, without rendering at each step.
  const labelledRef = useRef(labelled);
  useEffect(() => {
    labelledRef.current = labelled;
  });
  const liveRuns = useCallback(() => labelledRef.current, []);

  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <h1>GradFlow</h1>
          <p>GoogLeNet training live: watch each layer's gradient, with and without the auxiliary classifiers.</p>
        </div>
        <RunControls session={session} />
      </header>
      <div className="layout">
        <Sidebar settings={settings} setSettings={setSettings} setA={setA} setB={setB} autoWidth={autoWidth}
          saveable={saveableRuns(labelled)} liveRuns={liveRuns} runImport={runImport} />
        <main className="main">
          <FaultNotice state={state} onResume={resume} />
          <Notices hashNotices={notices} onDismissHash={dismissNotices} errors={state.errors}
            onDismissErrors={session.dismissErrors} divergence={state.divergence} />
          <NetworkPanel runs={live} settings={settings} onVariant={setVariant} />
          <DepthPanel runs={charts.all} a={charts.a} b={charts.b} measure={settings.measure} detail={settings.detail} />
          <HeatmapPanel runs={live} measure={settings.measure} detail={settings.detail} />
          <HeadsPanel runs={live} detail={settings.detail} />
          <CurvesPanel runs={charts.all} />
        </main>
      </div>
      {runImport.dragging && <div className="drop-overlay" aria-hidden="true">Drop a run file to view it beside the live runs</div>}
      <p className="reading-note" aria-live="polite">{runImport.reading !== null && `Reading “${runImport.reading.slice(0, 80)}”…`}</p>
    </div>
  );
}
