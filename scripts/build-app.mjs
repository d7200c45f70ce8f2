// The app's wasm, split (issue 23): the views a user rarely opens first (drills, KPIs,
// records, data, settings) become wasm of their own, fetched when first opened, so the first
// load carries only the shell, intake, the board and a ticket. Trunk cannot split a wasm
// (its hooks run before the build or after wasm-bindgen, and the split needs the linker's
// relocations that wasm-bindgen drops), so this runs the app's pipeline itself:
//   cargo rustc --features split, the linker keeping its relocations
//   → wasm-split-cli (wasm_split_cli_support, cargo install at a pinned version)
//   → wasm-bindgen --target web → wasm-opt on every module.
// The files go into `app-<hash of their contents>/` in the build folder, so a new build
// never shares a name with an old one, and the loader goes into index.html where the
// `<!-- patroldesk-app -->` mark is. Called by scripts/post-build.mjs inside trunk's build.
// Usage: node scripts/build-app.mjs STAGING_DIR [release|debug]
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const [dir, profile = 'release'] = process.argv.slice(2);
if (!dir) {
  console.error('build-app: give the build folder');
  process.exit(2);
}
const release = profile === 'release';
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });

// The same flags as trunk's wasm-opt step for the XLSX worker (index.html).
const WASM_OPT_FEATURES = ['--enable-reference-types', '--enable-bulk-memory', '--enable-nontrapping-float-to-int',
  '--enable-sign-ext', '--enable-mutable-globals', '--enable-multivalue'];

// `cargo rustc` gives `--emit-relocs` to the app's link alone: the split needs the linker's
// relocations, and the XLSX worker (built by trunk, sharing every dependency) must not have
// them, or wasm-opt cannot shrink it. The worker is built without `split` too: the split
// views' exports would keep every view alive in it.
run('cargo', ['rustc', '--locked', '--offline', '--target', 'wasm32-unknown-unknown', '--bin', 'patroldesk',
  '--features', 'split', ...(release ? ['--release'] : []), '--', '-Clink-args=--emit-relocs']);
const built = `target/wasm32-unknown-unknown/${release ? 'release' : 'debug'}/patroldesk.wasm`;

const work = mkdtempSync(join(tmpdir(), 'patroldesk-app-'));
try {
  const split = join(work, 'split');
  const out = join(work, 'out');
  run('wasm-split-cli', [built, split]);
  // `main` because the split modules' loader imports the app's glue as ./main.js.
  run('wasm-bindgen', [join(split, 'main.wasm'), '--out-dir', out, '--out-name', 'main', '--target', 'web',
    '--keep-lld-exports', '--no-typescript']);
  for (const name of readdirSync(split)) {
    if (name !== 'main.wasm') copyFileSync(join(split, name), join(out, name));
  }
  const modules = readdirSync(out).filter((n) => n.endsWith('.wasm'));
  if (release) {
    // Two at a time: the main module takes most of the time, the chunks are small.
    const queue = [...modules].sort((a, b) => (a === 'main_bg.wasm' ? -1 : b === 'main_bg.wasm' ? 1 : 0));
    const lanes = Math.max(1, Math.min(2, cpus().length));
    const workers = Array.from({ length: lanes }, async () => {
      for (let name = queue.shift(); name; name = queue.shift()) {
        const path = join(out, name);
        await new Promise((ok, fail) => execFile('wasm-opt', ['-Oz', ...WASM_OPT_FEATURES, path, '-o', path],
          (e) => (e ? fail(e) : ok())));
      }
    });
    await Promise.all(workers);
  }
  const names = readdirSync(out).sort();
  const sum = createHash('sha256');
  for (const name of names) sum.update(name + '\0').update(readFileSync(join(out, name)));
  const folder = `app-${sum.digest('hex').slice(0, 16)}`;
  const target = join(dir, folder);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const name of names) copyFileSync(join(out, name), join(target, name));

  const indexPath = join(dir, 'index.html');
  const html = readFileSync(indexPath, 'utf8');
  const mark = '<!-- patroldesk-app -->';
  if (!html.includes(mark)) {
    console.error(`build-app: no ${mark} in index.html`);
    process.exit(1);
  }
  const loader = [
    `<link rel="modulepreload" href="/${folder}/main.js">`,
    `<link rel="modulepreload" href="/${folder}/__wasm_split.js">`,
    `<link rel="preload" href="/${folder}/main_bg.wasm" as="fetch" type="application/wasm" crossorigin>`,
    `<script type="module">import init from '/${folder}/main.js'; await init({ module_or_path: '/${folder}/main_bg.wasm' });</script>`,
  ].join('\n  ');
  writeFileSync(indexPath, html.replace(mark, loader));
  console.log(`build-app: ${folder}, ${modules.length} wasm modules (${release ? 'optimised' : 'debug'})`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
