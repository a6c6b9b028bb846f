// Prints one closing line over the CTest (JUnit XML) and Vitest (JSON) reports:
// "N passed, N failed". A missing report counts as a failure.
// Usage: node scripts/test_summary.mjs CTEST_XML VITEST_JSON...
import { readFileSync } from 'node:fs';

const [ctestXml, ...vitestJsons] = process.argv.slice(2);
let passed = 0, failed = 0, missing = [];
try {
  const xml = readFileSync(ctestXml, 'utf8');
  const tests = Number(/<testsuite[^>]*\btests="(\d+)"/.exec(xml)?.[1] ?? 0);
  const failures = Number(/<testsuite[^>]*\bfailures="(\d+)"/.exec(xml)?.[1] ?? 0);
  const skipped = Number(/<testsuite[^>]*\bskipped="(\d+)"/.exec(xml)?.[1] ?? 0);
  passed += tests - failures - skipped;
  failed += failures;
} catch {
  missing.push('ctest');
}
for (const file of vitestJsons) {
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    passed += r.numPassedTests;
    failed += r.numFailedTests;
    if (!r.success && r.numFailedTests === 0) missing.push(`${file} (a suite failed to load)`);
  } catch {
    missing.push(file);
  }
}
if (missing.length) console.log(`missing or broken reports: ${missing.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || missing.length ? 1 : 0);
