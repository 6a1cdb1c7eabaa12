// Print vitest's result as one plain line, "N passed, N failed", from its JSON report.
// Exits non-zero when the report is missing (type check or lint failed before tests ran).
import { existsSync, readFileSync } from 'node:fs';

const path = process.argv[2];
if (!path || !existsSync(path)) {
  console.log('vitest: 0 passed, 0 failed');
  console.error(`no vitest report at ${path}: the type check or lint failed before the tests ran`);
  process.exit(1);
}
const report = JSON.parse(readFileSync(path, 'utf8'));
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(
  `${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`,
);
process.exit(report.numFailedTests > 0 || report.success === false ? 1 : 0);
