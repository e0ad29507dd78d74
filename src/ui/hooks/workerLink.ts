import type { Command, WorkerEvent } from '../../worker/protocol';
import { createTrainingWorker, type TrainingWorker } from '../../worker/client';
import { pageBusyFlag } from '../pageBusy';

/** Silence after which the page says the worker may be gone (the worker speaks every 2 s). */
export const SILENCE_MS = 15_000;

/** What the link tells the page. */
export interface LinkListener {
  /** Worker events, in arrival order, at most once per animation frame. */
  events(events: WorkerEvent[]): void;
  /** The worker has said nothing for `seconds`. */
  silent(seconds: number): void;
  /** It spoke again after `silent`. */
  heard(): void;
  /** The worker could not be started at all. */
  failed(message: string): void;
}

/**
 * The page's line to the training worker: starts (and restarts) it, batches its events per
 * animation frame, and watches for silence. A worker that crashes says so through an
 * error event; one that is stopped from outside, or hangs, says nothing at all, so the
 * worker speaks every 2 s and a silence longer than SILENCE_MS, or three times the longest
 * pause seen so far (a long step blocks it), is reported. Not React: the hook owns one.
 */
export class WorkerLink {
  private worker: TrainingWorker | null = null;
  private queue: WorkerEvent[] = [];
  private frame = 0;
  private generation = 0;
  private lastHeard = 0;
  private longestGap = 0;
  private silenceReported = false;
  private readonly watch: ReturnType<typeof setInterval>;

  /** `onEvent` sees each event as it arrives (before batching), e.g. to answer `ready` at once. */
  constructor(private readonly listener: LinkListener, private readonly onEvent: (event: WorkerEvent, link: WorkerLink) => void) {
    this.watch = setInterval(() => this.checkSilence(), 1000);
  }

  /** Starts a new worker, ending the old one if any. False if it could not start. */
  start(): boolean {
    this.worker?.terminate();
    this.worker = null;
    const generation = ++this.generation;
    this.queue = [];
    this.lastHeard = performance.now();
    this.longestGap = 0;
    this.silenceReported = false;
    try {
      this.worker = createTrainingWorker((event) => {
        if (generation === this.generation) this.receive(event);
      }, pageBusyFlag());
      return true;
    } catch (error) {
      this.listener.failed(`The training worker could not start: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  /** Whether a worker is running (false after end(), or when it could not start). */
  get running(): boolean {
    return this.worker !== null;
  }

  send(command: Command): void {
    this.worker?.send(command);
  }

  /** Ends the worker (one that failed as a whole cannot be trusted to go on); start() makes a new one. */
  end(): void {
    this.generation += 1;
    this.worker?.terminate();
    this.worker = null;
  }

  /** Ends the worker and the watch, for good. */
  stop(): void {
    this.generation += 1;
    clearInterval(this.watch);
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.worker?.terminate();
    this.worker = null;
  }

  private receive(event: WorkerEvent): void {
    const now = performance.now();
    this.longestGap = Math.max(this.longestGap, now - this.lastHeard);
    this.lastHeard = now;
    if (this.silenceReported) {
      this.silenceReported = false;
      this.listener.heard();
    }
    this.onEvent(event, this);
    if (event.type === 'alive') return;
    this.queue.push(event);
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frame = 0;
    const events = this.queue;
    this.queue = [];
    if (events.length > 0) this.listener.events(events);
  }

  private checkSilence(): void {
    if (!this.worker || this.silenceReported) return;
    const silentFor = performance.now() - this.lastHeard;
    if (silentFor > Math.max(SILENCE_MS, 3 * this.longestGap)) {
      this.silenceReported = true;
      this.listener.silent(Math.round(silentFor / 1000));
    }
  }
}
