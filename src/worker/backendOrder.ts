import type { BackendPreference } from '../shared/experiment';
import { BACKEND_ORDER, type BackendChoice, type BackendName } from '../train/backends/select';

/** The backends to try for a preference: BACKEND_ORDER for 'auto', else the chosen one first and then the others in BACKEND_ORDER. */
export function backendOrder(preference: BackendPreference): BackendName[] {
  if (preference === 'auto') return [...BACKEND_ORDER];
  return [preference, ...BACKEND_ORDER.filter((name) => name !== preference)];
}

/** A quick test run before tfjs tries a backend: why it cannot start here, or null. */
export type BackendCheck = () => Promise<string | null>;

/**
 * Runs `select` over `order` without the backends whose check fails (tfjs only says such a
 * backend "failed to start"); each left-out backend is listed in `skipped` with the check's
 * reason, in order, if the choice went past it.
 */
export async function selectWithChecks(
  order: readonly BackendName[],
  checks: Partial<Record<BackendName, BackendCheck>>,
  select: (order: readonly BackendName[]) => Promise<BackendChoice>,
): Promise<BackendChoice> {
  const refused: { name: BackendName; reason: string }[] = [];
  for (const name of order) {
    const reason = await checks[name]?.();
    if (reason) refused.push({ name, reason });
  }
  const rank = (name: BackendName): number => order.indexOf(name);
  let choice: BackendChoice;
  try {
    choice = await select(order.filter((name) => !refused.some((r) => r.name === name)));
  } catch (error) {
    const also = refused.map((r) => `${r.name}: ${r.reason}`).join('; ');
    throw new Error(`${error instanceof Error ? error.message : String(error)}${also ? `; ${also}` : ''}`);
  }
  const passed = refused.filter((r) => rank(r.name) < rank(choice.active));
  return { ...choice, skipped: [...passed, ...choice.skipped].sort((a, b) => rank(a.name) - rank(b.name)) };
}
