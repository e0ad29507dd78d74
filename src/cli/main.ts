import { backendOf, parse, USAGE, UsageError } from './args';
import { probe } from './probe';
import { summary } from './summary';
import { train } from './train';

/** The command line: `npm run --silent cli -- <command> [flags]`. */
async function main(argv: readonly string[]): Promise<number> {
  const { command, flags } = parse(argv);
  if (flags.help || command === undefined || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && !flags.help ? 2 : 0;
  }
  if (command === 'summary') {
    process.stdout.write(`${summary(flags)}\n`);
    return 0;
  }
  if (command !== 'probe' && command !== 'train') throw new UsageError(`unknown command "${command}" (summary, probe, train)`);
  const backend = backendOf(flags);
  // The backends load only for commands that compute.
  const { useNodeBackend } = await import('../train/backends/node');
  const choice = await useNodeBackend(backend);
  // A GPU that could not be used is one line; the notice already names the reason.
  if (choice.notice !== null) process.stderr.write(`gradflow: ${choice.notice}\n`);
  if (choice.slowKernels) process.stderr.write(`gradflow: wasm runs without its SIMD backward kernels (${choice.slowKernels}): training is slower\n`);
  for (const s of choice.skipped) if (s.name !== 'webgpu') process.stderr.write(`backend ${s.name} not used: ${s.reason}\n`);
  if (command === 'probe') {
    process.stderr.write(`${await probe(flags)}\n`);
    return 0;
  }
  const { message, code } = await train(flags, choice.active);
  process.stderr.write(`${message}\n`);
  return code;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`gradflow: ${error.message}\nRun with --help for usage.\n`);
      process.exit(2);
    }
    process.stderr.write(`gradflow: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
