/**
 * Reading a chosen or dropped file as a run file, the same on the page and in the worker that
 * reads files off the page (src/worker/runFile.worker.ts).
 */
import { refusal } from './fileRefusal';
import { packNumbers } from './packNumbers';
import { parseRun } from './parseRun';
import type { Run } from './runFile';

/** A run read from a file, viewed beside the live runs. */
export interface ImportedRun {
  readonly fileName: string;
  readonly run: Run;
}

export type ReadResult = { ok: true; imported: ImportedRun } | { ok: false; error: string };

/**
 * What the run-file worker sends for one file: a refusal, or the run packed (`packNumbers`)
 * in parts, in this order: every number of it in one buffer, its steps' skeletons (the
 * steps with their arrays of numbers as places in that buffer) a few hundred at a time, and
 * the rest (header, events). Each part is a message of its own, taken on the page in a task
 * of its own: the clone of a 10,000-step run's skeleton and its unpacking, 80 to 90 ms in
 * one message, would hold the page's main thread for as long.
 */
export type RunFileReply =
  | { readonly ok: false; readonly error: string }
  | { readonly ok: true; readonly part: 'numbers'; readonly numbers: Float64Array }
  | { readonly ok: true; readonly part: 'steps'; readonly steps: readonly unknown[] }
  | { readonly ok: true; readonly part: 'end'; readonly fileName: string; /** The run without its steps. */ readonly rest: unknown };

/** Steps per 'steps' part: about 4 ms of cloning and unpacking each on the page. */
export const STEPS_PER_PART = 500;

/** A checked run as the worker's messages (RunFileReply), in order; the numbers' buffer is the one to transfer. */
export function runFileParts(fileName: string, run: Run, stepsPerPart = STEPS_PER_PART): RunFileReply[] {
  const { skeleton, numbers } = packNumbers(run);
  const { steps, ...rest } = skeleton as { steps: unknown[] };
  const parts: RunFileReply[] = [{ ok: true, part: 'numbers', numbers }];
  for (let i = 0; i < steps.length; i += stepsPerPart) parts.push({ ok: true, part: 'steps', steps: steps.slice(i, i + stepsPerPart) });
  parts.push({ ok: true, part: 'end', fileName, rest });
  return parts;
}

/** Files larger than this are refused before reading (run files of long sessions are a few tens of MB). */
const MAX_FILE_BYTES = 200_000_000;

/** Reads a file as a run file; never throws, and names the problem of a file it refuses. */
export async function readRunFile(file: Blob & { readonly name: string }): Promise<ReadResult> {
  if (file.size > MAX_FILE_BYTES) return refusal(file, `the file is too large (${Math.round(file.size / 1e6)} MB)`);
  let text: string;
  try {
    text = await file.text();
  } catch (error) {
    return refusal(file, `the file could not be read (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = parseRun(text);
  if (!parsed.ok) return refusal(file, parsed.error);
  if (parsed.run.steps.length === 0) return refusal(file, 'it has no steps to show');
  return { ok: true, imported: { fileName: file.name, run: parsed.run } };
}
