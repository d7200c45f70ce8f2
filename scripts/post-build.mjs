// Post-build step (trunk hook, or `node scripts/post-build.mjs DIR` by hand/tests):
// 1. the CSP meta tag gets the sha256 of every inline script (the app's module loader),
//    so the policy can forbid all other inline script;
// 2. the XLSX worker's files get a hash in their names, like trunk's own;
// 3. index.html gets this build's id (a hash of the build's files);
// 4. sw.js is written from public/sw.js with the build id and the exact list of files to
//    precache. Running it twice on the same folder gives the same result.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
if (!dir) {
  console.error('post-build: give the build folder as an argument or TRUNK_STAGING_DIR');
  process.exit(2);
}
const swTemplate = fileURLToPath(new URL('../public/sw.js', import.meta.url));

function walk(root) {
  const out = [];
  for (const name of readdirSync(root)) {
    const full = join(root, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}

// Inside trunk's build, first the app's own wasm, split, and its loader (scripts/build-app.mjs).
if (!process.argv[2]) {
  execFileSync('node', [fileURLToPath(new URL('./build-app.mjs', import.meta.url)), dir, process.env.TRUNK_PROFILE || 'release'],
    { stdio: ['ignore', 'inherit', 'inherit'] });
}

const indexPath = join(dir, 'index.html');
let html = readFileSync(indexPath, 'utf8');

// 0. The static shell's words ({{nav.intake}} …) from the app's own locale files, in both
//    languages; the shell's inline script shows the one the app will start in.
const locales = Object.fromEntries(['en', 'zh-CN'].map((lang) =>
  [lang, JSON.parse(readFileSync(fileURLToPath(new URL(`../locales/${lang}.json`, import.meta.url)), 'utf8'))]));
const escapeHtml = (text) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
html = html.replace(/\{\{([a-z_.]+)\}\}/g, (whole, key) => {
  const words = Object.entries(locales).map(([lang, table]) => [lang, key.split('.').reduce((t, k) => t?.[k], table)]);
  if (words.some(([, w]) => typeof w !== 'string')) {
    console.error(`post-build: no text for ${whole} in locales/`);
    process.exit(1);
  }
  return words.map(([lang, w]) => `<span class="boot-text" lang="${lang}">${escapeHtml(w)}</span>`).join('');
});

// 1. Hashes of inline scripts (a <script> with a body and no src attribute).
const hashes = [];
for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)) {
  if (m[1].trim() === '') continue;
  hashes.push(`'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`);
}
const csp = [
  "default-src 'self'",
  `script-src 'self' 'wasm-unsafe-eval' ${hashes.join(' ')}`.trim(),
  "style-src 'self'",
  "img-src 'self' blob: data:",
  // A company CouchDB on another origin (PATROLDESK_COUCH_ORIGIN=https://couch.example.com
  // at build time); without it, live sync goes through the app's own origin (/couch/).
  `connect-src 'self'${process.env.PATROLDESK_COUCH_ORIGIN ? ` ${process.env.PATROLDESK_COUCH_ORIGIN}` : ''}`,
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
const cspTag = /<meta http-equiv="Content-Security-Policy" content="[^"]*">/;
if (!cspTag.test(html)) {
  console.error('post-build: no CSP meta tag in index.html');
  process.exit(1);
}
html = html.replace(cspTag, `<meta http-equiv="Content-Security-Policy" content="${csp}">`);

// 2. Files loaded on demand that trunk names without a hash (the XLSX worker: its loader,
//    its glue and its wasm) get one, from their contents, and the loader's name goes into
//    the meta tag the app reads. An old tab then never loads a new build's worker by the
//    same name, and the host may let browsers keep them like every other hashed file.
const workerMeta = /<meta name="patroldesk-xlsx-worker" content="[^"]*">/;
const unversioned = ['xlsx_worker_loader.js', 'xlsx_worker.js', 'xlsx_worker_bg.wasm'];
if (unversioned.every((f) => existsSync(join(dir, f)))) {
  const sum = createHash('sha256');
  for (const f of unversioned) sum.update(f + '\0').update(readFileSync(join(dir, f)));
  const h = sum.digest('hex').slice(0, 16);
  const versioned = (f) => f.replace(/(\.[a-z]+)$/, `-${h}$1`);
  const mention = (f) => new RegExp(`(?<![\\w-])${f.replace(/\./g, '\\.')}`, 'g');
  for (const f of unversioned) {
    let body = readFileSync(join(dir, f));
    if (f.endsWith('.js')) {
      let text = body.toString('utf8');
      for (const other of unversioned) text = text.replace(mention(other), versioned(other));
      body = Buffer.from(text, 'utf8');
    }
    writeFileSync(join(dir, versioned(f)), body);
    unlinkSync(join(dir, f));
  }
  if (!workerMeta.test(html)) {
    console.error('post-build: no patroldesk-xlsx-worker meta tag in index.html');
    process.exit(1);
  }
  html = html.replace(workerMeta, `<meta name="patroldesk-xlsx-worker" content="/${versioned(unversioned[0])}">`);
} else if (unversioned.some((f) => existsSync(join(dir, f)))) {
  console.error('post-build: only part of the XLSX worker is in the build');
  process.exit(1);
}

// 3. Build id over every file but sw.js, with index.html's own id blanked.
const buildTag = /<meta name="patroldesk-build" content="[^"]*">/;
const files = walk(dir)
  .map((f) => relative(dir, f).split(sep).join('/'))
  .filter((f) => f !== 'sw.js')
  .sort();
const id = createHash('sha256');
for (const f of files) {
  id.update(f + '\0');
  id.update(f === 'index.html'
    ? html.replace(buildTag, '<meta name="patroldesk-build" content="">')
    : readFileSync(join(dir, f)));
}
const build = id.digest('hex').slice(0, 16);
html = html.replace(buildTag, `<meta name="patroldesk-build" content="${build}">`);
writeFileSync(indexPath, html);

// 4. The service worker for exactly these files.
const sw = readFileSync(swTemplate, 'utf8')
  .replace('__PATROLDESK_BUILD__', build)
  .replace("['__PATROLDESK_FILES__']", JSON.stringify(files.map((f) => '/' + f)));
writeFileSync(join(dir, 'sw.js'), sw);
console.log(`post-build: build ${build}, ${files.length} files precached, ${hashes.length} inline script hash(es)`);
