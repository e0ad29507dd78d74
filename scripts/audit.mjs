// `npm run audit`: the runtime dependencies against npm's advisory database, failing on
// any advisory rated high or critical. Where the advisory service cannot be reached (a
// registry mirror, a proxy that refuses it) that is said in one line and the exit code
// is 0: no answer is not a finding, but it must not pass unnoticed either.
import { spawnSync } from 'node:child_process';

const result = spawnSync('npm', ['audit', '--omit=dev', '--json'], { encoding: 'utf8' });
let report;
try {
  report = JSON.parse(result.stdout);
} catch {
  console.error(`audit: npm audit printed no report (exit ${result.status}): ${(result.stderr || '').split('\n')[0]}`);
  process.exit(1);
}
if (report.statusCode !== undefined || report.error !== undefined) {
  const why = report.message ?? report.error?.summary ?? 'no answer';
  console.log(`audit: NOT CHECKED, the advisory service did not answer (${why})`);
  process.exit(0);
}
const counts = report.metadata?.vulnerabilities ?? {};
const serious = (counts.high ?? 0) + (counts.critical ?? 0);
const names = Object.values(report.vulnerabilities ?? {})
  .filter((v) => v.severity === 'high' || v.severity === 'critical')
  .map((v) => `${v.name} (${v.severity})`);
console.log(`audit: runtime dependencies: ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low`);
if (serious > 0) {
  console.error(`audit: high or critical advisories: ${names.join(', ')}`);
  process.exit(1);
}
