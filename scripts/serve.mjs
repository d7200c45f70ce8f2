// A small static server for release builds (tests, benchmarks): correct MIME types,
// single-page fallback to index.html, optional gzip/brotli, loopback only.
// Usage: node scripts/serve.mjs [--dir dist] [--port 8080] [--compress] [--max-age SECONDS]
//   [--couch http://127.0.0.1:5984]
// --couch passes /couch/… on to a CouchDB, as the README's same-origin proxy does (the app's
// CSP lets it talk to its own origin only); a CouchDB that does not answer is a 502.
// --max-age gives every file that freshness, as a careless host would (the update tests use
// it to show that a new service worker never precaches a stale copy from the HTTP cache).
import { createServer, request } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join, normalize, extname } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const root = opt('--dir', 'dist');
const port = Number(opt('--port', '8080'));
const compress = args.includes('--compress');
const maxAge = opt('--max-age', null);
const couch = opt('--couch', null);

function proxy(req, res) {
  const target = new URL(req.url.replace(/^\/couch/, '') || '/', couch);
  const headers = { ...req.headers, host: target.host };
  const upstream = request(target, { method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode || 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end('{"error":"bad_gateway","reason":"CouchDB did not answer"}');
  });
  req.pipe(upstream);
}
// Compressed bodies by file and encoding: compressing the wasm at quality 11 takes seconds,
// which a real host does once at deploy time, not per request.
const packed = new Map();

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm', '.json': 'application/json', '.webmanifest': 'application/manifest+json',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
};

async function resolve(urlPath) {
  const clean = normalize(decodeURIComponent(urlPath.split('?')[0])).replace(/^([/\\])+/, '');
  if (clean.startsWith('..')) return null;
  const file = join(root, clean);
  try {
    if ((await stat(file)).isFile()) return file;
  } catch { /* fall through to the single-page fallback */ }
  return extname(clean) ? null : join(root, 'index.html');
}

createServer(async (req, res) => {
  if (couch && (req.url === '/couch' || req.url?.startsWith('/couch/'))) {
    proxy(req, res);
    return;
  }
  try {
    const file = await resolve(req.url || '/');
    if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    let body = await readFile(file);
    const headers = {
      'content-type': TYPES[extname(file)] || 'application/octet-stream',
      // Hashed files never change; index.html and sw.js must always be checked.
      'cache-control': maxAge !== null ? `public, max-age=${Number(maxAge)}`
        : /-[0-9a-f]{12,16}\.|\/icons\//.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    const accept = String(req.headers['accept-encoding'] || '');
    if (compress && !/\.png$/.test(file)) {
      const encoding = accept.includes('br') ? 'br' : accept.includes('gzip') ? 'gzip' : null;
      if (encoding) {
        const key = `${encoding} ${file} ${body.length}`;
        if (!packed.has(key)) packed.set(key, encoding === 'br' ? brotliCompressSync(body) : gzipSync(body));
        body = packed.get(key);
        headers['content-encoding'] = encoding;
      }
      headers.vary = 'accept-encoding';
    }
    res.writeHead(200, headers);
    res.end(body);
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end(String(e));
  }
}).listen(port, '127.0.0.1', () => console.log(`serving ${root} on http://127.0.0.1:${port}`));
