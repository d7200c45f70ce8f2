// What the main wasm's code is made of, by crate and by the app's own modules (issue 23):
// twiggy over cargo's release output for the app (the same code before wasm-bindgen and
// wasm-opt, which strip the names), custom sections left out since the shipped file has
// none. Shares are of the code and data; the shipped file is wasm-opt'ed, so its bytes are
// smaller in about the same proportions.
// Usage: node scripts/wasm-breakdown.mjs [path/to/patroldesk.wasm] — prints two tables and
// adds them to bench/results.json under `wasm_breakdown`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const wasm = process.argv[2] || 'target/wasm32-unknown-unknown/release/patroldesk.wasm';

/**
 * The module without the linker's relocation sections (`linking`, `reloc.*`), which the
 * app's link keeps for the split (scripts/build-app.mjs) and twiggy 0.7 cannot read.
 */
function withoutRelocations(bytes) {
  const leb = (at) => {
    let value = 0, shift = 0, byte;
    do { byte = bytes[at++]; value += (byte & 0x7f) * 2 ** shift; shift += 7; } while (byte & 0x80);
    return [value, at];
  };
  const kept = [bytes.subarray(0, 8)];
  for (let at = 8; at < bytes.length;) {
    const start = at;
    const id = bytes[at];
    const [size, body] = leb(at + 1);
    at = body + size;
    if (id === 0) {
      const [nameLength, name] = leb(body);
      const sectionName = Buffer.from(bytes.subarray(name, name + nameLength)).toString('utf8');
      if (sectionName === 'linking' || sectionName.startsWith('reloc.')) continue;
    }
    kept.push(bytes.subarray(start, at));
  }
  return Buffer.concat(kept);
}
const plain = join(mkdtempSync(join(tmpdir(), 'wasm-breakdown-')), 'app.wasm');
writeFileSync(plain, withoutRelocations(readFileSync(wasm)));
const items = JSON.parse(execFileSync('twiggy', ['top', '-n', '1000000', '--format', 'json', plain], { maxBuffer: 1 << 30 }).toString());

/** The crate a (demangled) item belongs to: the first path of its name, `<impl … for T>` by T's. */
function crateOf(name) {
  // Custom sections and wasm-bindgen's describe functions are gone from the shipped file.
  if (name.startsWith('custom section') || name.endsWith('subsection') || name.startsWith('__wbindgen_describe')) return null;
  if (/^data\[\d+\]$/.test(name)) return '(static data)';
  if (/^(import|export) /.test(name) || (/^(elem|table|type|global|memory|code|func)\b/.test(name) && !name.includes('::'))) return '(types, imports, exports, tables)';
  const bare = (t) => t.replace(/^<+/, '').replace(/^(&mut |&|dyn |\*const |\*mut )+/, '');
  let n = bare(name);
  const impl = /^impl .* for ([^<>\s]+)/.exec(n);
  if (impl) n = bare(impl[1]);
  // `<T as trait::Path>::f`: T's crate when T is a path, else the trait's.
  const as = /^([^\s<>]+)(?:<[^>]*>)? as ([^\s<>]+)/.exec(n);
  if (as) n = as[1].includes('::') ? as[1] : bare(as[2]);
  const head = n.split('::')[0].replace(/\[[0-9a-f]+\]$/, '');
  if (!head || !n.includes('::')) return '(wasm-bindgen glue and other unnamed)';
  return ['core', 'alloc', 'std', '__rustc', 'dlmalloc', 'compiler_builtins'].includes(head) ? 'Rust standard library' : head;
}

/** The app's own module: `patroldesk::ui::board::…` → `ui::board`. */
function moduleOf(name) {
  const n = name.replace(/^<+/, '');
  const m = /^patroldesk::([a-z_]+)(?:::([a-z_]+))?/.exec(n) || /for patroldesk::([a-z_]+)(?:::([a-z_]+))?/.exec(n);
  return m ? [m[1], m[2]].filter(Boolean).join('::') : null;
}

const byCrate = new Map();
const byModule = new Map();
let total = 0;
for (const { name, shallow_size: size } of items) {
  const crate = crateOf(name);
  if (!crate) continue;
  total += size;
  byCrate.set(crate, (byCrate.get(crate) || 0) + size);
  if (crate === 'patroldesk') {
    const module = moduleOf(name) || '(generic)';
    byModule.set(module, (byModule.get(module) || 0) + size);
  }
}
const table = (title, map, n) => {
  const rows = [...map].sort((a, b) => b[1] - a[1]);
  console.log(`${title.padEnd(44)} KB   share`);
  for (const [k, v] of rows.slice(0, n)) console.log(`  ${k.padEnd(40)}${(v / 1024).toFixed(0).padStart(6)}  ${((v * 100) / total).toFixed(1).padStart(5)} %`);
  const rest = rows.slice(n).reduce((s, [, v]) => s + v, 0);
  if (rest) console.log(`  ${`(${rows.length - n} more)`.padEnd(40)}${(rest / 1024).toFixed(0).padStart(6)}  ${((rest * 100) / total).toFixed(1).padStart(5)} %`);
  return Object.fromEntries(rows.map(([k, v]) => [k, v]));
};
console.log(`the app's wasm before the split and wasm-opt: ${(total / 1024).toFixed(0)} KB of code and data (names and custom sections left out)`);
const crates = table('by crate', byCrate, 20);
const modules = table('the app itself, by module', byModule, 20);
mkdirSync('bench', { recursive: true });
const previous = (() => { try { return JSON.parse(readFileSync('bench/results.json', 'utf8')); } catch { return {}; } })();
writeFileSync('bench/results.json', JSON.stringify({ ...previous, wasm_breakdown: { date: new Date().toISOString(), total_bytes: total, by_crate: crates, app_by_module: modules } }, null, 2) + '\n');
