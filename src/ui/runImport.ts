import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { stepColumns } from '../charts/curves';
import { refusal } from '../shared/fileRefusal';
import { unpackNumbers } from '../shared/packNumbers';
import type { ImportedRun, ReadResult, RunFileReply } from '../shared/readRunFile';
import { isStepNumbers, type Run } from '../shared/runFile';

export type { ImportedRun } from '../shared/readRunFile';

/**
 * Takes the run-file worker's messages for one file in order (runFileParts) and returns what
 * the page keeps once the last has come (undefined until then): the run with its step
 * numbers as views into the transferred buffer, off the JS heap (isStepNumbers), each part of
 * steps unpacked as it comes. Its loss and accuracy columns are read here, with the import,
 * so that the charts' first drawing of a long run, when a panel is scrolled into view, does
 * not read thousands of steps in the same frame.
 */
export function runAssembler(): (reply: RunFileReply) => ReadResult | undefined {
  let numbers: Float64Array | null = null;
  const steps: unknown[] = [];
  const unexpected = (what: string): ReadResult => ({ ok: false, error: `Could not open the file: the reader sent ${what}.` });
  return (reply) => {
    if (!reply.ok) return reply;
    if (reply.part === 'numbers') {
      numbers = reply.numbers;
      return undefined;
    }
    if (!numbers) return unexpected(`its ${reply.part === 'steps' ? 'steps' : 'run'} before its numbers`);
    if (reply.part === 'steps') {
      const unpacked = unpackNumbers({ skeleton: reply.steps, numbers }, (path) => isStepNumbers(['steps', ...path])) as unknown[];
      for (const step of unpacked) steps.push(step);
      return undefined;
    }
    const rest = unpackNumbers({ skeleton: reply.rest, numbers }) as Omit<Run, 'steps'>;
    const run: Run = { ...rest, steps: steps as Run['steps'] };
    stepColumns(run.steps);
    return { ok: true, imported: { fileName: reply.fileName, run } };
  };
}

/**
 * Reads a run file on the page itself: the reader, with the schema library it checks files
 * with, is loaded only then, so the page does not carry it for the worker's sake.
 */
async function readRunFileHere(file: File): Promise<ReadResult> {
  try {
    const { readRunFile } = await import('../shared/readRunFile');
    return await readRunFile(file);
  } catch (error) {
    return refusal(file, `the page's reader could not be loaded (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * Reads a run file in a worker of its own, which ends with the read (see
 * src/worker/runFile.worker.ts); on the page itself if that worker cannot start or fails.
 */
export function readRunFileOffPage(file: File): Promise<ReadResult> {
  let worker: Worker;
  try {
    worker = new Worker(new URL('../worker/runFile.worker.ts', import.meta.url), { type: 'module' });
  } catch {
    return readRunFileHere(file);
  }
  return new Promise<ReadResult>((resolve) => {
    const done = (result: ReadResult | Promise<ReadResult>) => {
      worker.terminate();
      resolve(result);
    };
    const take = runAssembler();
    worker.onmessage = (event: MessageEvent<RunFileReply>) => {
      const result = take(event.data);
      if (result) done(result);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      done(readRunFileHere(file));
    };
    worker.onmessageerror = () => done(readRunFileHere(file));
    worker.postMessage(file);
  });
}

/** The imported run, the last import problem, and whether a file is being dragged over the page. */
export interface RunImport {
  readonly imported: ImportedRun | null;
  readonly error: string | null;
  /** The name of the file being read, until it is shown or refused. */
  readonly reading: string | null;
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
  const [reading, setReading] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const latestRef = useRef(0);

  const open = useCallback((file: File) => {
    const ticket = ++latestRef.current;
    setReading(file.name);
    void readRunFileOffPage(file).then((result) => {
      if (ticket !== latestRef.current) return;
      setReading(null);
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
    setReading(null);
  }, []);
  const dismissError = useCallback(() => setError(null), []);
  // One object while nothing in it changes: the sidebar, which shows it, skips training steps.
  return useMemo(() => ({ imported, error, reading, dragging, open, clear, dismissError }), [imported, error, reading, dragging, open, clear, dismissError]);
}
