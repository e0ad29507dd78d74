import { useCallback, useEffect, useRef, useState } from 'react';
import { parseRun, type Run } from '../shared/runFile';

/** A run read from a file, viewed beside the live runs. */
export interface ImportedRun {
  readonly fileName: string;
  readonly run: Run;
}

/** Files larger than this are refused before reading (run files of long sessions are a few tens of MB). */
const MAX_FILE_BYTES = 200_000_000;

/** Reads a chosen or dropped file as a run file; never throws, and names the problem of a file it refuses. */
export async function readRunFile(file: File): Promise<{ ok: true; imported: ImportedRun } | { ok: false; error: string }> {
  const refuse = (why: string) => ({ ok: false as const, error: `Could not open “${file.name.slice(0, 80)}”: ${why}.` });
  if (file.size > MAX_FILE_BYTES) return refuse(`the file is too large (${Math.round(file.size / 1e6)} MB)`);
  let text: string;
  try {
    text = await file.text();
  } catch (error) {
    return refuse(`the file could not be read (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = parseRun(text);
  if (!parsed.ok) return refuse(parsed.error);
  if (parsed.run.steps.length === 0) return refuse('it has no steps to show');
  return { ok: true, imported: { fileName: file.name, run: parsed.run } };
}

/** The imported run, the last import problem, and whether a file is being dragged over the page. */
export interface RunImport {
  readonly imported: ImportedRun | null;
  readonly error: string | null;
  readonly dragging: boolean;
  readonly open: (file: File) => void;
  readonly clear: () => void;
  readonly dismissError: () => void;
}

/**
 * Opening run files by file picker (call `open`) or by dropping one anywhere on the page.
 * A file that is not a valid run file leaves the current import as it was and sets `error`.
 */
export function useRunImport(): RunImport {
  const [imported, setImported] = useState<ImportedRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const latestRef = useRef(0);

  const open = useCallback((file: File) => {
    const ticket = ++latestRef.current;
    void readRunFile(file).then((result) => {
      if (ticket !== latestRef.current) return;
      if (result.ok) {
        setImported(result.imported);
        setError(null);
      } else {
        setError(result.error);
      }
    });
  }, []);

  useEffect(() => {
    const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer?.types ?? []).includes('Files');
    const onDragOver = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
      setDragging(true);
    };
    const onDragLeave = (event: DragEvent) => {
      if (event.relatedTarget === null) setDragging(false);
    };
    const onDrop = (event: DragEvent) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      setDragging(false);
      const file = event.dataTransfer?.files[0];
      if (file) open(file);
    };
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, [open]);

  const clear = useCallback(() => {
    latestRef.current++;
    setImported(null);
    setError(null);
  }, []);
  const dismissError = useCallback(() => setError(null), []);
  return { imported, error, dragging, open, clear, dismissError };
}
