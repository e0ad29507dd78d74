/**
 * A build-time rewrite of the loops in tfjs-core 4.22 that Chromium's JavaScript engine
 * keeps throwing away and compiling again while the app trains.
 *
 * Every backward pass walks the gradient tape (`getFilteredNodesXToY` and
 * `backpropagateGradients` in `dist/tape.js`), and every `tidy` walks what its function
 * returned (`walkTensorContainer` in `dist/tensor_util.js`), each with
 * `for (const key in object)` over objects whose shape differs from kernel to kernel
 * (`{x}`, `{a, b}`, `{x, filter, bias}`, ...). In Chromium 156, the optimised code of the tape
 * filter and of the container walk is deoptimised ("wrong map") over and over and compiled
 * again, about eight times a second in the training worker for as long as it trains
 * (docs/benchmarks.md, "The runs of 2026-12-06, late night"); the backward walk has the same loop
 * and is rewritten with them. Looping over `Object.keys(object)` visits the same keys in the
 * same order (these objects are plain object literals and arrays, with no inherited
 * enumerable keys) and compiles once.
 *
 * Since 2026-12-07 the training passes walk the tape with GradFlow's own code
 * (src/train/tape.ts, one forward pass for several objectives), which loops over
 * `Object.keys` from the start; tfjs's two tape walks now run only where tfjs's own
 * gradient functions are called (`tf.grad`, `tf.variableGrads`), and stay rewritten for
 * them. The container walk runs in every `tidy`, training's too.
 *
 * Each rewrite must find its loop exactly as often as stated, or the build stops with a
 * message: a tfjs upgrade that changes these files is then looked at, not silently missed.
 * Node (the command line, the bench's Node part) loads tfjs-core's own Node bundle, which
 * this does not touch; Node 20's engine (without Maglev) settles on those loops after one
 * deoptimisation (measured over 150 steps of the command line).
 */
import type { Plugin } from 'vite';

interface Rewrite {
  /** The loop's head as tfjs-core 4.22 writes it. */
  readonly from: string;
  readonly to: string;
  /** How many times the file holds it. */
  readonly count: number;
}

/** The rewrites per file of tfjs-core's `dist/` (the ES modules that bundlers load). */
export const TAPE_WALK_REWRITES: Readonly<Record<string, readonly Rewrite[]>> = {
  'tape.js': [
    { from: 'for (const inputName in nodeInputs) {', to: 'for (const inputName of Object.keys(nodeInputs)) {', count: 2 },
    { from: 'for (const inputName in node.inputs) {', to: 'for (const inputName of Object.keys(node.inputs)) {', count: 2 },
  ],
  'tensor_util.js': [
    { from: 'for (const k in iterable) {', to: 'for (const k of Object.keys(iterable)) {', count: 1 },
  ],
};

/** A module of tfjs-core's `dist/`, with either slash: `/@tensorflow/tfjs-core/dist/tape.js` gives `tape.js`. */
const TFJS_CORE_MODULE = /[\\/]@tensorflow[\\/]tfjs-core[\\/]dist[\\/]([^\\/]+)$/;

/** The file's name when `id` is one of the modules of TAPE_WALK_REWRITES, else null. Query strings (`?v=…`) are ignored. */
export function tapeWalkFile(id: string): string | null {
  const file = TFJS_CORE_MODULE.exec(id.replace(/\?.*$/, ''))?.[1];
  return file !== undefined && Object.hasOwn(TAPE_WALK_REWRITES, file) ? file : null;
}

/** `code` of tfjs-core's `file` with its tape walks rewritten; throws when a loop is not found as expected. */
export function rewriteTapeWalks(file: string, code: string): string {
  const rewrites = TAPE_WALK_REWRITES[file];
  if (rewrites === undefined) throw new Error(`tfjs tape walks: no rewrite is known for ${file}`);
  let out = code;
  for (const { from, to, count } of rewrites) {
    const pieces = out.split(from);
    const found = pieces.length - 1;
    if (found !== count) {
      throw new Error(
        `tfjs tape walks: expected ${count} × "${from}" in @tensorflow/tfjs-core/dist/${file}, found ${found}. ` +
        'tfjs-core changed: check whether the loop still needs rewriting (scripts/tfjsTapeWalks.ts) and update the rewrite.',
      );
    }
    out = pieces.join(to);
  }
  return out;
}

/**
 * The rewrite as a plugin, for the page's and the workers' builds and for the development
 * server's pre-bundling of dependencies (a plugin of Vite's own pipeline does not see the
 * pre-bundled files; rolldown, which pre-bundles them, takes the same plugin).
 */
export function tfjsTapeWalks(): Plugin {
  return {
    name: 'gradflow-tfjs-tape-walks',
    transform(code, id) {
      const file = tapeWalkFile(id);
      return file === null ? null : { code: rewriteTapeWalks(file, code), map: null };
    },
  };
}
