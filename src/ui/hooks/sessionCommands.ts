/**
 * Which worker commands a change of settings needs: a clean restart when the model's
 * shape changes, otherwise only the parts that apply from the next step (aux heads,
 * learning rate). View settings (measure, detail) need nothing. Pure, no DOM.
 */
import type { Command } from '../../worker/protocol';
import type { ExperimentSettings, ModelVariant } from '../../shared/experiment';
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
