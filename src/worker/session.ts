import type { AuxHead } from '../model/config';
import type { BackendPreference, ExperimentSettings, ModelId } from '../shared/experiment';
import type { BackendInUse } from '../shared/widths';
import { loadDataset as loadAnyDataset } from '../train/datasets';
import { Trainer, type TrainerOptions } from '../train/trainer';
import { CHECKPOINT_EVERY_MS, checkpointOf } from './checkpoints';
import { transfersOf, type Command, type FrameMessage, type SessionCheckpoint, type WorkerEvent } from './protocol';
import { disposeRun, frameMessage, isPaused, Pace, type Run, type SessionTrainer } from './run';
import { DatasetCache } from './datasetCache';
import { buildRun, descriptionsOf } from './runBuild';
import { changeHeads, changeLearningRate, headsProblem } from './runChanges';
import { trainingOf, trainingProblem } from './runSetup';
import type { SessionOptions } from './sessionOptions';

/** What the session needs of a trainer (see run.ts), and what it runs on. */
export type { SessionTrainer } from './run';
export type { Report, SessionOptions } from './sessionOptions';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const yieldToEvents = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** The engine's Trainer, which is what the session uses outside tests. */
const engineTrainer = (options: TrainerOptions): SessionTrainer => new Trainer(options);

/**
 * The training controller behind the worker: builds models A (and B) from the settings,
 * steps them in lockstep, and reports every step, state change, setting change and error
 * through `report`. No DOM and no postMessage: the worker entry (or a test) wires it up.
 */
export class TrainingSession {
  /** The newest configure's run id (the run being built or running). */
  private runId = 0;
  /** The id of the last configure whose build has finished, failed or been skipped. */
  private settledRunId = 0;
  private run: Run | null = null;
  private settings: ExperimentSettings | null = null;
  private playing = false;
  private loopToken = 0;
  private readonly pace = new Pace();
  private queue: Promise<void> = Promise.resolve();
  private backend: { preference: BackendPreference; choice: BackendInUse } | null = null;
  private readonly datasets: DatasetCache;
  /** When the last checkpoint was sent (ms, Date.now), or -Infinity. */
  private checkpointedAt = -Infinity;

  constructor(private readonly options: SessionOptions) {
    const load = options.loadDataset ?? loadAnyDataset;
    this.datasets = new DatasetCache((name, seed) => load(name, seed, options.fetchBytes));
  }

  /** Takes one command; resolves once it has been handled (configure: after `ready`; step: after its events). */
  handle(command: Command): Promise<void> {
    if (typeof command !== 'object' || command === null) return this.enqueue(() => this.complain('a command must be an object with a type'));
    switch (command.type) {
      case 'configure':
        return this.configure(command.settings, command.resume);
      case 'reset':
        if (this.settings) return this.configure(this.settings);
        return this.enqueue(() => this.complain('cannot reset: nothing was configured yet'));
      case 'play':
        return this.enqueue(() => this.play());
      case 'pause':
        return this.enqueue(() => this.pause());
      case 'step':
        return this.enqueue(() => this.stepOnce());
      case 'setAuxHeads':
        return this.enqueue(() => this.setAuxHeads(command.model, command.aux1, command.aux2));
      case 'setLearningRate':
        return this.enqueue(() => this.setLearningRate(command.learningRate));
      default:
        return this.enqueue(() => this.complain(`unknown command ${JSON.stringify((command as { type?: unknown }).type)}`));
    }
  }

  /** Stops everything and frees the models (waits for a step in flight). */
  async dispose(): Promise<void> {
    this.runId += 1;
    this.playing = false;
    this.run?.abort.abort();
    await this.enqueue(() => this.teardown());
  }

  private enqueue(task: () => void | Promise<void>): Promise<void> {
    const next = this.queue.then(task).catch((error: unknown) => this.emit({ type: 'error', runId: this.runId, message: messageOf(error), fatal: true }));
    this.queue = next;
    return next;
  }

  private emit(event: WorkerEvent): void {
    this.options.report(event, transfersOf(event));
  }

  private complain(message: string): void {
    this.emit({ type: 'error', runId: this.runId, message, fatal: false });
  }

  /**
   * The backend lost its device (a WebGL context lost, a GPU reset): nothing computed on
   * it can be trusted or finished, so the run stops at once, without waiting for a step in
   * flight. The error is the worker's own (runId -1): no later run can use that backend
   * here either, so the page ends this worker and resumes in a new one.
   */
  backendLost(reason: string): void {
    const run = this.run;
    this.playing = false;
    this.emit({ type: 'error', runId: -1, message: `${reason}; the run cannot go on in this worker`, fatal: true });
    if (!run) return;
    run.failed = true;
    run.abort.abort();
    this.reportState(run);
  }

  /** Cancels the current run at once (a step in flight finishes, unseen); the build waits its turn. */
  private configure(settings: ExperimentSettings, resume?: SessionCheckpoint): Promise<void> {
    const id = ++this.runId;
    this.settings = settings;
    this.playing = false;
    this.run?.abort.abort();
    return this.enqueue(async () => {
      try {
        if (id === this.runId) await this.build(id, settings, resume);
      } catch (error) {
        if (id === this.runId) this.emit({ type: 'error', runId: id, message: messageOf(error), fatal: true });
      } finally {
        this.settledRunId = Math.max(this.settledRunId, id);
      }
    });
  }

  private async build(id: number, settings: ExperimentSettings, resume?: SessionCheckpoint): Promise<void> {
    await this.teardown();
    const training = trainingOf(settings);
    const problem = trainingProblem(training);
    if (problem) throw new Error(problem);
    const choice = await this.backendFor(settings.backend);
    const dataset = await this.datasets.get(settings.dataset, settings.seed);
    if (id !== this.runId) return;
    const createTrainer = this.options.createTrainer ?? engineTrainer;
    const run = buildRun({ id, settings, training, backend: choice, dataset, createTrainer, ...(resume && { resume }) });
    this.run = run;
    this.checkpointedAt = -Infinity; // the first step sends one: a fault loses at most one interval of steps
    this.emit({ type: 'ready', runId: id, backend: choice, models: descriptionsOf(run), ...(resume && { resumedFrom: run.step }) });
    this.reportState(run);
  }

  /** Drops the current run: waits for its step in flight (whose result is dropped), then frees its models. */
  private async teardown(): Promise<void> {
    const run = this.run;
    if (!run) return;
    this.run = null;
    run.abort.abort();
    while (run.inFlight) await run.inFlight;
    disposeRun(run);
  }

  private async backendFor(preference: BackendPreference): Promise<BackendInUse> {
    if (this.backend?.preference === preference) return this.backend.choice;
    this.backend = null;
    const choice = await this.options.selectBackend(preference);
    this.backend = { preference, choice };
    return choice;
  }

  /** The run commands act on, or null (with a complaint unless a newer configure is on its way). */
  private current(what: string): Run | null {
    const run = this.run;
    if (run && run.id === this.runId && !run.failed) return run;
    if (this.settledRunId < this.runId) return null;
    this.complain(run?.failed ? `cannot ${what}: the run stopped after an error; reset or configure to start again` : `cannot ${what}: no model is ready; configure first`);
    return null;
  }

  private play(): void {
    const run = this.current('play');
    if (!run || this.playing) return;
    if (run.models.every((m) => m.paused)) return this.complain('cannot play: every model diverged and is paused; lower the learning rate or reset');
    this.playing = true;
    this.pace.start();
    this.reportState(run);
    void this.loop(run, ++this.loopToken);
  }

  private async loop(run: Run, token: number): Promise<void> {
    while (this.playing && token === this.loopToken && this.run === run && !run.failed) {
      await this.iteration(run);
      await yieldToEvents();
    }
  }

  private async pause(): Promise<void> {
    if (!this.playing) return;
    this.playing = false;
    const run = this.run;
    if (!run || run.id !== this.runId) return;
    this.reportState(run);
    // Paused is where people leave a tab: what they trained should survive the worker.
    while (run.inFlight) await run.inFlight;
    await this.sendCheckpoint(run);
  }

  /** Sends the run's checkpoint (between iterations); a run that failed or was replaced sends none. */
  private async sendCheckpoint(run: Run): Promise<void> {
    if (run.failed || run.disposed || run.abort.signal.aborted) return;
    this.checkpointedAt = Date.now();
    try {
      const checkpoint = await checkpointOf(run);
      if (this.run === run && !run.abort.signal.aborted) this.emit({ type: 'checkpoint', runId: run.id, checkpoint });
    } catch (error) {
      this.complain(`could not save a checkpoint at step ${run.step} (training goes on; the previous one is kept): ${messageOf(error)}`);
    }
  }

  private async stepOnce(): Promise<void> {
    const run = this.current('step');
    if (!run || this.playing) return;
    if (run.models.every((m) => m.paused)) return this.complain('cannot step: every model diverged and is paused; lower the learning rate or reset');
    await this.iteration(run);
  }

  /** Runs one iteration, never two at once. */
  private async iteration(run: Run): Promise<void> {
    while (run.inFlight) await run.inFlight;
    const inFlight = this.iterate(run);
    run.inFlight = inFlight;
    await inFlight;
    run.inFlight = null;
  }

  /** Steps every model that is not paused, at one step number, and reports them in one event. */
  private async iterate(run: Run): Promise<void> {
    if (run.abort.signal.aborted || run.failed) return;
    const active = run.models.filter((m) => !m.paused);
    if (active.length === 0) return;
    const results = await Promise.allSettled(active.map(async (m) => m.trainer.trainStep(run.learningRate)));
    if (run.abort.signal.aborted) return; // stale: dropped; teardown frees the models
    try {
      const frames: { A?: FrameMessage; B?: FrameMessage } = {};
      active.forEach((model, i) => {
        const result = results[i]!;
        if (result.status === 'rejected') throw result.reason;
        frames[model.id] = frameMessage(result.value);
        if (result.value.diverged) model.paused = true;
        else model.rollback.afterStep(model.trainer, result.value.step);
      });
      run.step += 1;
      this.emit({ type: 'step', runId: run.id, frames });
      if (run.models.every((m) => m.paused)) this.playing = false;
      if (this.playing) this.pace.tick();
      this.reportState(run);
      for (const action of run.atBoundary.splice(0)) action();
      if (Date.now() - this.checkpointedAt >= (this.options.checkpointEveryMs ?? CHECKPOINT_EVERY_MS)) await this.sendCheckpoint(run);
    } catch (error) {
      run.failed = true;
      this.playing = false;
      this.emit({ type: 'error', runId: run.id, message: `step ${run.step + 1} failed: ${messageOf(error)}`, fatal: true });
      this.reportState(run);
      disposeRun(run);
    }
  }

  /** Runs `action` now if no step is computing, else right after the step in flight. */
  private atBoundary(run: Run, action: () => void): void {
    if (run.inFlight) run.atBoundary.push(action);
    else action();
  }

  private setAuxHeads(id: ModelId, aux1: AuxHead, aux2: AuxHead): void {
    const run = this.current('change the aux heads');
    if (!run) return;
    const problem = headsProblem(run, id, aux1, aux2);
    if (problem) return this.complain(`cannot change the aux heads of model ${id}: ${problem}`);
    this.atBoundary(run, () => {
      let detail: string;
      try {
        detail = changeHeads(run, id, aux1, aux2);
      } catch (error) {
        return this.complain(`cannot change the aux heads of model ${id}: ${messageOf(error)}`);
      }
      this.emit({ type: 'settingApplied', runId: run.id, model: id, step: run.step + 1, detail });
    });
  }

  private setLearningRate(learningRate: number): void {
    const run = this.current('change the learning rate');
    if (!run) return;
    if (!(learningRate > 0 && Number.isFinite(learningRate))) return this.complain(`the learning rate must be a positive number (got ${learningRate})`);
    this.atBoundary(run, () => {
      const { detail, rejoined } = changeLearningRate(run, learningRate);
      this.emit({ type: 'settingApplied', runId: run.id, model: 'both', step: run.step + 1, detail });
      if (rejoined) this.reportState(run);
    });
  }

  private reportState(run: Run): void {
    const playing = this.playing && this.run === run;
    const stepsPerSecond = playing ? this.pace.perSecond() : null;
    this.emit({ type: 'state', runId: run.id, playing, step: run.step, stepsPerSecond, paused: { A: isPaused(run, 'A'), B: isPaused(run, 'B') } });
  }
}
