/**
 * Which worker commands a change of settings needs: a clean restart when the model's
 * shape changes, otherwise only the parts that apply from the next step (aux heads,
 * learning rate). View settings (measure, detail) need nothing. Pure, no DOM.
 */
import type { Command, SessionCheckpoint } from '../../worker/protocol';
import type { ExperimentSettings, ModelId, ModelVariant } from '../../shared/experiment';
import type { AuxHead } from '../../model/config';

/** The settings that define the run, as a comparable key (aux heads, learning rate and view settings left out). */
export function shapeKey(s: ExperimentSettings): string {
  const { a, b, learningRate: _lr, measure: _m, detail: _d, ...rest } = s;
  return JSON.stringify({ ...rest, a: a.activation, b: b.activation });
}

const sameHead = (x: AuxHead, y: AuxHead): boolean => x.mode === y.mode && x.weight === y.weight;
const sameHeads = (x: ModelVariant, y: ModelVariant): boolean => sameHead(x.aux1, y.aux1) && sameHead(x.aux2, y.aux2);

/** The commands that bring a worker running `sent` to `next`, and whether they start a new run. */
export function planCommands(sent: ExperimentSettings | null, next: ExperimentSettings): { commands: Command[]; restart: boolean } {
  if (sent === null || shapeKey(sent) !== shapeKey(next)) {
    return { commands: [{ type: 'configure', settings: next }], restart: true };
  }
  const commands: Command[] = [];
  if (!sameHeads(sent.a, next.a)) commands.push({ type: 'setAuxHeads', model: 'A', aux1: next.a.aux1, aux2: next.a.aux2 });
  if (next.compare && !sameHeads(sent.b, next.b)) commands.push({ type: 'setAuxHeads', model: 'B', aux1: next.b.aux1, aux2: next.b.aux2 });
  if (sent.learningRate !== next.learningRate) commands.push({ type: 'setLearningRate', learningRate: next.learningRate });
  return { commands, restart: false };
}

/**
 * The commands that take a new worker to where the old one was: configure from the
 * checkpoint, then whatever the person changed after it was taken (heads, rate), so
 * the run goes on with the settings on screen.
 */
export function resumeCommands(settings: ExperimentSettings, checkpoint: SessionCheckpoint | null): Command[] {
  if (!checkpoint) return [{ type: 'configure', settings }];
  const heads = (model: ModelId): ModelVariant | null => {
    const saved = checkpoint.models[model];
    return saved ? { ...(model === 'A' ? settings.a : settings.b), aux1: saved.heads.aux1, aux2: saved.heads.aux2 } : null;
  };
  const savedSettings: ExperimentSettings = {
    ...settings,
    learningRate: checkpoint.learningRate,
    a: heads('A') ?? settings.a,
    b: heads('B') ?? settings.b,
  };
  return [{ type: 'configure', settings, resume: checkpoint }, ...planCommands(savedSettings, settings).commands];
}
