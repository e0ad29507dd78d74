import type { AuxHead, HeadMode } from '../../model/config';
import type { ModelId } from '../../shared/experiment';

/** Where each auxiliary classifier attaches. */
export const AUX_WHERE = { aux1: '4a', aux2: '4d' } as const;

/**
 * The accessible name of a head's on/off switch. Model A's contain "Auxiliary classifier N";
 * model B's do not, so a search by that name finds exactly model A's switch.
 */
export function auxSwitchName(model: ModelId, head: 'aux1' | 'aux2'): string {
  const n = head === 'aux1' ? 1 : 2;
  return model === 'A' ? `Auxiliary classifier ${n} (inception ${AUX_WHERE[head]}), model A` : `Model B aux ${n} (inception ${AUX_WHERE[head]})`;
}

/** The head after its switch is flipped: off, or back on in the mode it had before (loss by default). */
export function toggledHead(head: AuxHead, on: boolean, previousMode: HeadMode = 'loss'): AuxHead {
  return { ...head, mode: on ? (previousMode === 'off' ? 'loss' : previousMode) : 'off' };
}
