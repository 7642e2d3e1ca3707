// Prints "N passed, N failed, N skipped" from vitest's JSON report; exits 1 when tests failed, when no
// test ran, or when the report is missing (vitest crashed before writing it).
import { existsSync, readFileSync } from 'node:fs';

interface VitestJsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults: Array<{ status: string }>;
  }>;
}

const path = process.argv[2] ?? 'reports/vitest.json';
if (!existsSync(path)) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(path, 'utf8')) as VitestJsonReport;
// A test file that failed without a failing test (an import error, a failing hook) counts as one failure.
const brokenFiles = report.testResults.filter(
  (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
);
for (const file of brokenFiles)
  console.error(`test file failed outside a test: ${file.name}\n${file.message ?? ''}`);
const failed = report.numFailedTests + brokenFiles.length;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`${report.numPassedTests} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || report.numPassedTests === 0 ? 1 : 0);
