/**
 * Reading a chosen or dropped file as a run file, the same on the page and in the worker that
 * reads files off the page (src/worker/runFile.worker.ts).
 */
import type { Packed } from './packNumbers';
import { parseRun, type Run } from './runFile';

/** A run read from a file, viewed beside the live runs. */
export interface ImportedRun {
  readonly fileName: string;
  readonly run: Run;
}

export type ReadResult = { ok: true; imported: ImportedRun } | { ok: false; error: string };

/** What the run-file worker answers: a refusal, or the run packed (`packNumbers`). */
export type RunFileReply = { ok: true; fileName: string; packed: Packed } | { ok: false; error: string };

/** Files larger than this are refused before reading (run files of long sessions are a few tens of MB). */
const MAX_FILE_BYTES = 200_000_000;

/** A message naming the file and why it was refused. */
export function refusal(file: Blob & { readonly name: string }, why: string): { ok: false; error: string } {
  return { ok: false, error: `Could not open “${file.name.slice(0, 80)}”: ${why}.` };
}

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
