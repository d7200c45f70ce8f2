// First-load transfer size of a release build: wasm + js + css, raw and brotli.
// Usage: node scripts/size.mjs [dist]  — prints a table and adds it to bench/results.json.
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, extname } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

const dir = process.argv[2] || 'dist';
const rows = { wasm: [0, 0], js: [0, 0], css: [0, 0] };
const brotli = (raw) => brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
// Loaded only when asked for: the XLSX worker, and the views split off the app's wasm
// (scripts/build-app.mjs: every module in app-*/ but the first view's main_bg.wasm, its glue
// main.js and the split modules' loader __wasm_split.js). Counted apart from the first load.
const later = [0, 0];
const views = [0, 0, 0];
const firstOfApp = new Set(['main.js', 'main_bg.wasm', '__wasm_split.js']);
const files = readdirSync(dir).flatMap((name) => (name.startsWith('app-')
  ? readdirSync(join(dir, name)).map((inner) => [join(name, inner), inner, !firstOfApp.has(inner)])
  : [[name, name, false]]));
for (const [path, name, isView] of files) {
  const kind = extname(name).slice(1);
  if (!(kind in rows)) continue;
  const raw = readFileSync(join(dir, path));
  if (name.startsWith('xlsx_worker')) {
    later[0] += raw.length;
    later[1] += brotli(raw);
  } else if (isView) {
    views[0] += raw.length;
    views[1] += brotli(raw);
    views[2] += 1;
  } else {
    rows[kind][0] += raw.length;
    rows[kind][1] += brotli(raw);
  }
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
console.log(`  ${'views split off'.padEnd(20)}${kb(views[0])}  ${kb(views[1])}   (${views[2]} modules, fetched when a view first opens)`);
console.log(JSON.stringify({ first_load: { raw_bytes: total[0], brotli_bytes: total[1], by_kind: rows }, on_demand: { raw_bytes: later[0], brotli_bytes: later[1] }, views_split_off: { raw_bytes: views[0], brotli_bytes: views[1], modules: views[2] } }));
mkdirSync('bench', { recursive: true });
const previous = (() => { try { return JSON.parse(readFileSync('bench/results.json', 'utf8')); } catch { return {}; } })();
writeFileSync('bench/results.json', JSON.stringify({ ...previous, size: { date: new Date().toISOString(), first_load: { raw_bytes: total[0], brotli_bytes: total[1], by_kind: rows }, on_demand_xlsx: { raw_bytes: later[0], brotli_bytes: later[1] }, views_split_off: { raw_bytes: views[0], brotli_bytes: views[1], modules: views[2] } } }, null, 2) + '\n');
