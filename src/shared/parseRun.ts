/**
 * Reading a run file's text (docs/run-file.md): the format's envelope, then every field
 * against its rules (./runFileSchema.ts). Apart from ./runFile.ts, which holds the format's
 * types and its writer, so that what only writes runs (the page, saving a live run) does
 * not load the schema library with them.
 */
import { oneLine } from './plainText';
import { RUN_FILE_FORMAT, RUN_FILE_VERSION, type Run, type RunStep } from './runFile';
import { describeIssue, fileSchema, forbiddenKeyProblem, headerProblem, lengthProblem, located, RUN_FILE_LIMITS, stepSchema } from './runFileSchema';

/** Sizes past which parseRun rejects a file (text, steps, events, layers, blocks, string length). */
export { RUN_FILE_LIMITS } from './runFileSchema';

/** The outcome of parseRun: the run, or one short message naming the first problem. */
export type ParseResult = { ok: true; run: Run } | { ok: false; error: string };

/** Why `data` is not a run file this code can read (format and version), or null. */
function envelopeProblem(data: unknown): string | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not a GradFlow run file (it is not a JSON object)';
  const { format, version } = data as Record<string, unknown>;
  if (!Object.hasOwn(data, 'format')) return 'not a GradFlow run file (format is missing)';
  if (format !== RUN_FILE_FORMAT) {
    const shown = typeof format === 'string' ? JSON.stringify(format.slice(0, 40)) : 'not a string';
    return `not a GradFlow run file (format is ${shown}, expected "${RUN_FILE_FORMAT}")`;
  }
  if (!Object.hasOwn(data, 'version')) return 'run file version is missing';
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    const shown = typeof version === 'number' ? String(version) : typeof version === 'string' ? JSON.stringify(version.slice(0, 40)) : `of type ${version === null ? 'null' : typeof version}`;
    return `run file version ${shown} is not a valid version (this GradFlow reads version ${RUN_FILE_VERSION})`;
  }
  if (version > RUN_FILE_VERSION) return `run file version ${version} is newer than this GradFlow understands (${RUN_FILE_VERSION})`;
  return null;
}

/** Reads a run file's text; never throws, and names the first problem of a file it rejects, on one line. */
export function parseRun(text: string): ParseResult {
  const fail = (error: string): ParseResult => ({ ok: false, error: oneLine(error) });
  try {
    if (typeof text !== 'string') return fail('a run file must be read as text');
    if (text.length > RUN_FILE_LIMITS.maxChars) {
      return fail(`run file is too large (${Math.ceil(text.length / 1e5) / 10} MB of text; the limit is ${RUN_FILE_LIMITS.maxChars / 1e6} MB)`);
    }
    let data: unknown;
    try {
      data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (error) {
      return fail(`not JSON: ${(error instanceof Error ? error.message : String(error)).slice(0, 200)}`);
    }
    const early = forbiddenKeyProblem(data) ?? envelopeProblem(data);
    if (early !== null) return fail(early);
    const file = fileSchema.safeParse(data);
    if (!file.success) return fail(describeIssue(file.error.issues[0]!, data));
    const { header, steps: rawSteps, events } = file.data;
    const problem = headerProblem(header);
    if (problem !== null) return fail(problem);
    const steps: RunStep[] = [];
    for (const [i, raw] of rawSteps.entries()) {
      const parsed = stepSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        return fail(describeIssue({ ...issue, path: ['steps', i, ...issue.path] }, data));
      }
      const step: RunStep = parsed.data;
      const previous = steps[steps.length - 1]?.step ?? 0;
      if (step.step <= previous) return fail(`steps[${i}] is step ${step.step}, which does not come after step ${previous}: step numbers must be strictly increasing`);
      const wrong = lengthProblem(step, header.layers.length, header.blocks.length);
      if (wrong) return fail(located(data, ['steps', i, ...wrong.path], wrong.what));
      steps.push(step);
    }
    for (const [i, event] of events.entries()) {
      const before = events[i - 1];
      if (before && event.step < before.step) return fail(`events[${i}] is at step ${event.step}, before events[${i - 1}] (step ${before.step}): events must be in step order`);
    }
    return { ok: true, run: { header, steps, events } };
  } catch (error) {
    // Only reachable through a bug here; say so rather than throw.
    return fail(`could not read the run file (internal error: ${error instanceof Error ? String(error.message).slice(0, 200) : 'unknown'})`);
  }
}
