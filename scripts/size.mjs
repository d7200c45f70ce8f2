// First-load transfer size of a release build: wasm + js + css, raw and brotli.
// Usage: node scripts/size.mjs [dist]  — prints a table and one JSON line.
import { readdirSync, readFileSync } from 'node:fs';
import { join, extname } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';

const dir = process.argv[2] || 'dist';
const rows = { wasm: [0, 0], js: [0, 0], css: [0, 0] };
for (const name of readdirSync(dir)) {
  const kind = extname(name).slice(1);
  if (!(kind in rows)) continue;
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
console.log(JSON.stringify({ first_load: { raw_bytes: total[0], brotli_bytes: total[1], by_kind: rows } }));
