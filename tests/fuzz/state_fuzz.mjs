// The long fuzz run of the playground's URL-state and embed-attribute parsers: the
// fast-check properties of state_properties.mjs, in rounds with fresh seeds, until --runs
// executions in total (default 10^7) or --seconds have passed. On a failure it prints the
// shrunk counterexample and the seed that replays it, and exits 1.
// Usage: node tests/fuzz/state_fuzz.mjs [--runs N] [--seconds S]
import fc from 'fast-check';
import { embedProperties, importEmbed, properties } from './state_properties.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};
const runs = arg('--runs', 1e7);
const seconds = arg('--seconds', Infinity);
const round = 2_000;  // runs per property per round; small, so --seconds is kept to

const { embedUrl, attributeNames } = await importEmbed();
const all = Object.entries({ ...properties, ...embedProperties(embedUrl, attributeNames) });
const start = Date.now();
let done = 0;
let seed = Date.now() % 2 ** 31;
while (done < runs && (Date.now() - start) / 1000 < seconds) {
  for (const [name, property] of all) {
    const numRuns = Math.min(round, runs - done);
    if (numRuns <= 0 || (Date.now() - start) / 1000 >= seconds) break;
    const r = fc.check(property, { numRuns, seed });
    done += r.numRuns;
    if (r.failed) {
      console.log(`state_fuzz: FAILED "${name}" after ${done} runs (seed ${r.seed}, path "${r.counterexamplePath}")`);
      console.log(`counterexample: ${fc.stringify(r.counterexample)}`);
      console.log(String(r.errorInstance?.message ?? r.errorInstance));
      process.exit(1);
    }
    seed = (seed + 1) % 2 ** 31;
  }
}
console.log(`Done ${done} runs in ${Math.round((Date.now() - start) / 1000)} second(s)`);
