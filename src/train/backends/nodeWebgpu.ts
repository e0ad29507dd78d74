/**
 * WebGPU in Node, for the command line: the optional npm package `webgpu` (Dawn's
 * dawn.node) gives Node a `navigator.gpu`, on which tfjs's webgpu backend runs as it does
 * in a browser. It needs a GPU driver Dawn can use (Vulkan on Linux); where there is none
 * the package still installs and loads, and offers no adapter.
 *
 * Two stages. `checkWebgpu` asks a child Node process whether Dawn offers an adapter:
 * Dawn writes its own warnings straight to the process's stderr (two lines for a machine
 * without Vulkan), and a broken driver can take the whole process down, so the question
 * is asked where neither can touch the training run, and Dawn's words become the reason
 * people see. Only after a yes does `installWebgpu` load Dawn into this process and
 * register tfjs's webgpu backend, which must see `navigator.gpu` when it is imported.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The part of the `webgpu` package used here (its own types need @webgpu/types). */
interface DawnModule {
  create(options: string[]): { requestAdapter(options?: object): Promise<object | null> };
  readonly globals: object;
}

/** An adapter Dawn offers: a readable name, and whether it is software (a CPU driver). */
export interface WebgpuAdapter {
  readonly name: string;
  readonly software: boolean;
}

export type WebgpuOutcome = { readonly ok: true; readonly adapter: WebgpuAdapter } | { readonly ok: false; readonly reason: string };

/** A driver that hangs must not hang the command line. */
const CHECK_TIMEOUT_MS = 30_000;

/**
 * Run by the child Node process (plain JavaScript, argv[1] = the package's file URL):
 * prints one JSON object, `{ adapter: { name, software } | null }` or `{ error }`.
 */
const CHECK_SCRIPT = `
const describe = (info = {}) => ({
  name: info.description || [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') || 'unnamed adapter',
  software: info.isFallbackAdapter === true,
});
let result;
try {
  const { create, globals } = await import(process.argv[1]);
  Object.assign(globalThis, globals);
  const adapter = await create([]).requestAdapter({ powerPreference: 'high-performance' });
  result = { adapter: adapter === null ? null : describe(adapter.info) };
} catch (error) {
  result = { error: error instanceof Error ? error.message : String(error) };
}
process.stdout.write(JSON.stringify(result), () => process.exit(0));
`;

const firstLine = (text: string): string => text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';

/** Dawn's first warning on stderr ("Warning: Couldn't load Vulkan: …"), without its source location. */
function dawnWarning(stderr: string): string | null {
  const line = stderr.split('\n').find((l) => l.startsWith('Warning: '));
  return line === undefined ? null : line.slice('Warning: '.length).trim().replace(/\.$/, '');
}

/** The file URL of the `webgpu` package's entry, or null when the optional package is absent. */
function webgpuPackageUrl(): string | null {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch {
    return null;
  }
}

/** What the child printed: `{ adapter }` or `{ error }`, or null when it printed nothing readable. */
function parseAnswer(stdout: string): { adapter?: WebgpuAdapter | null; error?: string } | null {
  try {
    const value: unknown = JSON.parse(stdout);
    return typeof value === 'object' && value !== null ? value : null;
  } catch {
    return null;
  }
}

const NOT_INSTALLED = 'the optional package webgpu is not installed';

/** Whether Dawn offers an adapter here, asked in a child process (see the file comment). */
export async function checkWebgpu(): Promise<WebgpuOutcome> {
  const url = webgpuPackageUrl();
  if (url === null) return { ok: false, reason: NOT_INSTALLED };
  const { stdout, stderr, failure } = await new Promise<{ stdout: string; stderr: string; failure: string | null }>((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', CHECK_SCRIPT, url], { timeout: CHECK_TIMEOUT_MS, encoding: 'utf8' }, (error, out, err) => {
      const failure = error === null ? null
        : error.killed ? `no answer within ${CHECK_TIMEOUT_MS / 1000} s`
        : `exited with ${error.signal ?? `code ${String(error.code)}`}`;
      resolve({ stdout: out, stderr: err, failure });
    });
  });
  const answer = parseAnswer(stdout);
  const said = dawnWarning(stderr);
  // An answer counts even if the child then failed to exit cleanly (a driver's teardown).
  if (answer === null) {
    const detail = [failure ?? 'no answer', said ?? firstLine(stderr)].filter((s) => s !== '').join(': ');
    return { ok: false, reason: `the WebGPU check failed (${detail})` };
  }
  if (answer.error !== undefined) return { ok: false, reason: `the webgpu package did not load (${firstLine(answer.error)})` };
  if (!answer.adapter) return { ok: false, reason: `no WebGPU adapter (${said ?? 'Dawn found no usable GPU driver'})` };
  return { ok: true, adapter: answer.adapter };
}

/** `navigator.gpu` for tfjs: Node 20 has no `navigator`; later versions have one without `gpu`. */
function setNavigatorGpu(gpu: unknown): void {
  const scope = globalThis as { navigator?: object };
  if (scope.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(scope.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
}

/**
 * Removes `navigator.gpu` again. Dawn keeps Node from exiting while its GPU object is
 * reachable, so a run that falls back lets go of it.
 */
export function uninstallWebgpu(): void {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav !== undefined) delete nav.gpu;
}

/**
 * Loads Dawn into this process, gives it `navigator.gpu` and the WebGPU globals
 * (GPUBufferUsage and the like, which tfjs reads), checks that an adapter is offered, then
 * imports tfjs's webgpu backend, which registers itself only when it finds
 * `navigator.gpu`. `dawnOptions` go to Dawn's create(), e.g. ['backend=vulkan'].
 */
export async function installWebgpu(dawnOptions: readonly string[] = []): Promise<{ readonly ok: true } | { readonly ok: false; readonly reason: string }> {
  const url = webgpuPackageUrl();
  if (url === null) return { ok: false, reason: NOT_INSTALLED };
  try {
    const dawn = (await import(url)) as DawnModule;
    Object.assign(globalThis, dawn.globals);
    const gpu = dawn.create([...dawnOptions]);
    if ((await gpu.requestAdapter({ powerPreference: 'high-performance' })) === null) return { ok: false, reason: 'no WebGPU adapter' };
    setNavigatorGpu(gpu);
    await import('@tensorflow/tfjs-backend-webgpu');
    return { ok: true };
  } catch (error) {
    uninstallWebgpu();
    return { ok: false, reason: `WebGPU did not load in this process (${firstLine(error instanceof Error ? error.message : String(error))})` };
  }
}
