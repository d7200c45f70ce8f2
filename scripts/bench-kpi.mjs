// Adds the KPI figure printed by the wasm test `kpis_over_100k` to bench/results.json.
// Usage: node scripts/bench-kpi.mjs FILE_WITH_THE_TEST_LINE
import { readFileSync, writeFileSync } from 'node:fs';

const line = readFileSync(process.argv[2], 'utf8');
const m = line.match(/median ([\d.]+) ms of (\d+) runs \(min ([\d.]+), max ([\d.]+)\)/);
if (!m) {
  console.error(`bench-kpi: no KPI figure in ${process.argv[2]}`);
  process.exit(1);
}
const results = JSON.parse(readFileSync('bench/results.json', 'utf8'));
results.kpi = { date: new Date().toISOString(), median_ms: Number(m[1]), runs: Number(m[2]), min_ms: Number(m[3]), max_ms: Number(m[4]) };
writeFileSync('bench/results.json', JSON.stringify(results, null, 2) + '\n');
