/** Pure pieces of the downloads: joined CSV texts and file names. */

/** Several CSV texts with one header: the header line of every part after the first is dropped. */
export function joinCsv(parts: readonly string[]): string {
  return parts.map((part, i) => (i === 0 ? part : part.slice(part.indexOf('\n') + 1))).join('');
}

/** "gradflow-model-A-step-120.json", "gradflow-losses-step-120.csv". */
export function exportFileName(what: string, step: number, extension: 'json' | 'csv'): string {
  return `gradflow-${what}-step-${step}.${extension}`;
}
