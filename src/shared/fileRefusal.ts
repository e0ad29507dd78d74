/**
 * How a chosen or dropped file that cannot be opened is named to the person, wherever it is
 * read: the run-file reader (./readRunFile.ts), its worker, and the page when it cannot load
 * that reader. Apart from the reader, so the page can say it without loading the reader.
 */

/** A message naming the file and why it was refused. */
export function refusal(file: { readonly name: string }, why: string): { ok: false; error: string } {
  return { ok: false, error: `Could not open “${file.name.slice(0, 80)}”: ${why}.` };
}
