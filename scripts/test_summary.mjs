// Prints one closing line over the test reports: "N passed, N failed". A report is JUnit
// XML (.xml, from CTest) or JSON (.json) with numPassedTests and numFailedTests (Vitest's
// JSON reporter, and scripts/fuzz.sh's build/reports/fuzz.json). A missing report counts
// as a failure.
// Usage: node scripts/test_summary.mjs REPORT...
import { readFileSync } from 'node:fs';

let passed = 0, failed = 0, missing = [];
for (const file of process.argv.slice(2)) {
  try {
    if (file.endsWith('.xml')) {
      const xml = readFileSync(file, 'utf8');
      const count = (name) => Number(new RegExp(`<testsuite[^>]*\\b${name}="(\\d+)"`).exec(xml)?.[1] ?? 0);
      if (!/<testsuite\b/.test(xml)) throw new Error('no testsuite');
      passed += count('tests') - count('failures') - count('skipped');
      failed += count('failures');
    } else {
      const r = JSON.parse(readFileSync(file, 'utf8'));
      if (!Number.isInteger(r.numPassedTests) || !Number.isInteger(r.numFailedTests)) throw new Error('no counts');
      passed += r.numPassedTests;
      failed += r.numFailedTests;
      if (!r.success && r.numFailedTests === 0) missing.push(`${file} (a suite failed to load)`);
    }
  } catch {
    missing.push(file);
  }
}
if (missing.length) console.log(`missing or broken reports: ${missing.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed || missing.length ? 1 : 0);
