import type { BackendChoice, BackendName } from '../train/backends/select';

/**
 * The network's width when the person leaves it to the backend ("auto", the default).
 * A step on the CPU backends costs in proportion to the arithmetic, so they get the
 * narrowest width. On a GPU a step of this small network is bound by kernel launches, not
 * arithmetic: measured on a GPU (tfjs's webgpu kernels, batch 32) a step took the same at
 * widths 1/8, 1/4 and 1/2 and a third more at 1, so a real GPU gets the sharper 1/2. A
 * software GPU (SwiftShader, a fallback adapter) is the slowest backend of all: automatic
 * choice passes it over (src/worker/gpuChecks.ts), and chosen by name it gets 1/8.
 * `npm run bench -- --widths ...` measures the trade-off on the machine at hand.
 */
export const AUTO_WIDTHS: Readonly<Record<BackendName, number>> = { wasm: 1 / 8, cpu: 1 / 8, webgl: 1 / 2, webgpu: 1 / 2 };

/** The width setting: a width, or 'auto' (AUTO_WIDTHS for the backend in use). */
export type WidthSetting = number | 'auto';

/** A backend in use, and whether its GPU is drawn in software (no real GPU behind it). */
export interface BackendInUse extends BackendChoice {
  readonly softwareGpu?: boolean;
}

/** The width a run uses: the one chosen, or the backend's. */
export function resolveWidth(width: WidthSetting, backend: BackendInUse): number {
  if (width !== 'auto') return width;
  return backend.softwareGpu ? 1 / 8 : AUTO_WIDTHS[backend.active];
}

/** A width as people write it: "1", "1/2", ... */
export function widthText(width: number): string {
  return width === 1 ? '1' : `1/${Math.round(1 / width)}`;
}
