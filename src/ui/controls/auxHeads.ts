import type { AuxHead, HeadMode } from '../../model/config';
import type { ModelId } from '../../shared/experiment';

/** Where each auxiliary classifier attaches. */
export const AUX_WHERE = { aux1: '4a', aux2: '4d' } as const;

/** The visible label of a head's switch, e.g. "Aux 1 after 4a". */
export function auxSwitchLabel(head: 'aux1' | 'aux2'): string {
  return `Aux ${head === 'aux1' ? 1 : 2} after ${AUX_WHERE[head]}`;
}

/**
 * The accessible name of a head's on/off switch: it starts with the visible label (so a
 * person using speech input can say what they see), then the model. Model A's go on
 * with "Auxiliary classifier N"; model B's do not, so a search by that name finds
 * exactly model A's switch.
 */
export function auxSwitchName(model: ModelId, head: 'aux1' | 'aux2'): string {
  const n = head === 'aux1' ? 1 : 2;
  const label = auxSwitchLabel(head);
  return model === 'A' ? `${label}, model A: Auxiliary classifier ${n} at inception ${AUX_WHERE[head]}` : `${label}, model B`;
}

/** The head after its switch is flipped: off, or back on in the mode it had before (loss by default). */
export function toggledHead(head: AuxHead, on: boolean, previousMode: HeadMode = 'loss'): AuxHead {
  return { ...head, mode: on ? (previousMode === 'off' ? 'loss' : previousMode) : 'off' };
}
