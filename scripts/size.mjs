// First-load transfer size of a release build: wasm + js + css, raw and brotli.
// Usage: node scripts/size.mjs [dist]  — prints a table and adds it to bench/results.json.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, extname } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

const dir = process.argv[2] || 'dist';
const rows = { wasm: [0, 0], js: [0, 0], css: [0, 0] };
// Loaded only when asked for (the XLSX worker): counted apart from the first load.
const onDemand = (name) => name.startsWith('xlsx_worker');
const later = [0, 0];
for (const name of readdirSync(dir)) {
  const kind = extname(name).slice(1);
  if (!(kind in rows)) continue;
  if (onDemand(name)) {
    const raw = readFileSync(join(dir, name));
    later[0] += raw.length;
    later[1] += brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    continue;
  }
  const raw = readFileSync(join(dir, name));
  const br = brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  rows[kind][0] += raw.length;
  rows[kind][1] += br.length;
}
const kb = (n) => (n / 1024).toFixed(1).padStart(8);
let total = [0, 0];
console.log('first-load transfer    raw KB  brotli KB');
for (const [kind, [raw, br]] of Object.entries(rows)) {
  console.log(`  ${kind.padEnd(20)}${kb(raw)}  ${kb(br)}`);
  total = [total[0] + raw, total[1] + br];
}
console.log(`  ${'total'.padEnd(20)}${kb(total[0])}  ${kb(total[1])}   (goal ≤ 250 KB brotli)`);
console.log(`  ${'on demand (XLSX)'.padEnd(20)}${kb(later[0])}  ${kb(later[1])}   (not in the first load)`);
console.log(JSON.stringify({ first_load: { raw_bytes: total[0], brotli_bytes: total[1], by_kind: rows }, on_demand: { raw_bytes: later[0], brotli_bytes: later[1] } }));
mkdirSync('bench', { recursive: true });
const previous = (() => { try { return JSON.parse(readFileSync('bench/results.json', 'utf8')); } catch { return {}; } })();
writeFileSync('bench/results.json', JSON.stringify({ ...previous, size: { date: new Date().toISOString(), first_load: { raw_bytes: total[0], brotli_bytes: total[1], by_kind: rows }, on_demand_xlsx: { raw_bytes: later[0], brotli_bytes: later[1] } } }, null, 2) + '\n');
