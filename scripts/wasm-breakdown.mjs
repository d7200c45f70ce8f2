// What the main wasm's code is made of, by crate and by the app's own modules (issue 23):
// twiggy over cargo's release output for the app (the same code before wasm-bindgen and
// wasm-opt, which strip the names), custom sections left out since the shipped file has
// none. Shares are of the code and data; the shipped file is wasm-opt'ed, so its bytes are
// smaller in about the same proportions.
// Then the same for the part the first load carries: the first view's module, as the app's
// build splits it (wasm-split-cli).
// Usage: node scripts/wasm-breakdown.mjs [path/to/patroldesk.wasm] — prints four tables and
// adds them to bench/results.json under `wasm_breakdown`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const plainDir = mkdtempSync(join(tmpdir(), 'wasm-breakdown-'));
const plain = join(plainDir, 'app.wasm');
writeFileSync(plain, withoutRelocations(readFileSync(wasm)));
const items = JSON.parse(execFileSync('twiggy', ['top', '-n', '1000000', '--format', 'json', plain], { maxBuffer: 1 << 30 }).toString());
rmSync(plainDir, { recursive: true, force: true });

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

/**
 * What the first load carries: the module the splitter leaves for the first view (the app's
 * build splits the same wasm the same way), its functions by name and its data. Read here,
 * because twiggy 0.7 cannot read the splitter's element segments.
 */
function firstViewItems(wasm) {
  const dir = mkdtempSync(join(tmpdir(), 'wasm-breakdown-split-'));
  execFileSync('wasm-split-cli', [wasm, dir], { stdio: 'ignore' });
  const bytes = readFileSync(join(dir, 'main.wasm'));
  rmSync(dir, { recursive: true, force: true });
  let at = 8;
  const leb = () => { let v = 0, s = 0, b; do { b = bytes[at++]; v += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return v; };
  const skipLimits = () => { const flags = bytes[at++]; leb(); if (flags & 1) leb(); };
  let imported = 0;
  const sizes = [];
  const names = new Map();
  const out = [];
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 2) {
      for (let n = leb(); n > 0; n--) {
        for (const _ of [0, 1]) { const length = leb(); at += length; } // module and field names
        const kind = bytes[at++];
        if (kind === 0) { leb(); imported++; } else if (kind === 1) { at++; skipLimits(); } else if (kind === 2) skipLimits(); else at += 2;
      }
    } else if (id === 10) {
      for (let n = leb(); n > 0; n--) { const s = leb(); sizes.push(s); at += s; }
    } else if (id === 11) {
      out.push({ name: 'data[0]', shallow_size: size });
    } else if (id === 0) {
      const l = leb();
      const section = bytes.subarray(at, at + l).toString(); at += l;
      while (section === 'name' && at < end) {
        const sub = bytes[at++]; const subEnd = leb() + at;
        if (sub === 1) for (let n = leb(); n > 0; n--) { const index = leb(); const nl = leb(); names.set(index, bytes.subarray(at, at + nl).toString()); at += nl; }
        at = subEnd;
      }
    }
    at = end;
  }
  sizes.forEach((size, i) => out.push({ name: demangle(names.get(i + imported) || ''), shallow_size: size }));
  return out;
}

/** Rust's legacy symbol names read back into paths; a v0 name to its crate alone. */
function demangle(symbol) {
  const v0 = /^_R.*?C(?:s[0-9a-zA-Z]*_)?\d+([a-z_][a-z0-9_]*)/.exec(symbol);
  if (v0) return `${v0[1]}::(v0 symbol)`;
  const legacy = /^_ZN(.*)E$/.exec(symbol);
  if (!legacy) return symbol;
  const parts = [];
  for (let rest = legacy[1]; rest.length;) {
    const d = /^(\d+)/.exec(rest);
    if (!d) break;
    parts.push(rest.substr(d[1].length, Number(d[1])));
    rest = rest.substr(d[1].length + Number(d[1]));
  }
  const escapes = { LT: '<', GT: '>', RF: '&', BP: '*', C: ',', SP: '@', u20: ' ', u27: "'", u3b: ';', u5b: '[', u5d: ']', u7b: '{', u7d: '}', u7e: '~' };
  return parts.filter((p) => !/^h[0-9a-f]{16}$/.test(p)).join('::')
    .replace(/\$([A-Za-z0-9]+)\$/g, (m, e) => escapes[e] ?? m).replace(/\.\./g, '::').replace(/^_</, '<');
}

function tally(list) {
  const byCrate = new Map();
  const byModule = new Map();
  let total = 0;
  for (const { name, shallow_size: size } of list) {
    const crate = crateOf(name);
    if (!crate) continue;
    total += size;
    byCrate.set(crate, (byCrate.get(crate) || 0) + size);
    if (crate === 'patroldesk') {
      const module = moduleOf(name) || '(generic)';
      byModule.set(module, (byModule.get(module) || 0) + size);
    }
  }
  return { byCrate, byModule, total };
}
const { byCrate, byModule, total } = tally(items);
const table = (title, map, n, total) => {
  const rows = [...map].sort((a, b) => b[1] - a[1]);
  console.log(`${title.padEnd(44)} KB   share`);
  for (const [k, v] of rows.slice(0, n)) console.log(`  ${k.padEnd(40)}${(v / 1024).toFixed(0).padStart(6)}  ${((v * 100) / total).toFixed(1).padStart(5)} %`);
  const rest = rows.slice(n).reduce((s, [, v]) => s + v, 0);
  if (rest) console.log(`  ${`(${rows.length - n} more)`.padEnd(40)}${(rest / 1024).toFixed(0).padStart(6)}  ${((rest * 100) / total).toFixed(1).padStart(5)} %`);
  return Object.fromEntries(rows.map(([k, v]) => [k, v]));
};
console.log(`the app's wasm before the split and wasm-opt: ${(total / 1024).toFixed(0)} KB of code and data (names and custom sections left out)`);
const crates = table('by crate', byCrate, 20, total);
const modules = table('the app itself, by module', byModule, 20, total);
const first = tally(firstViewItems(wasm));
console.log(`\nwhat the first load carries of it (the first view's module after the split, before wasm-opt): ${(first.total / 1024).toFixed(0)} KB`);
const firstCrates = table('by crate', first.byCrate, 15, first.total);
const firstModules = table('the app itself, by module', first.byModule, 20, first.total);
mkdirSync('bench', { recursive: true });
const previous = (() => { try { return JSON.parse(readFileSync('bench/results.json', 'utf8')); } catch { return {}; } })();
writeFileSync('bench/results.json', JSON.stringify({ ...previous, wasm_breakdown: { date: new Date().toISOString(), total_bytes: total, by_crate: crates, app_by_module: modules, first_view: { total_bytes: first.total, by_crate: firstCrates, app_by_module: firstModules } } }, null, 2) + '\n');
