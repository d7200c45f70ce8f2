// Lighthouse 12 (npm, pinned) against the release build in dist/, served with brotli/gzip
// the way a real host would, in Debian's Chromium. Mobile (Lighthouse's default: Moto G
// class device, 4x CPU, slow 4G) and desktop; performance, accessibility, best practices.
// Usage: node scripts/lighthouse.mjs  — prints the scores and adds them to bench/results.json.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import * as chromeLauncher from 'chrome-launcher';
import { CHROMIUM_ARGS } from '../playwright.config.js';

const PORT = 8093;
const URL = `http://127.0.0.1:${PORT}/`;
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];

const server = spawn('node', ['scripts/serve.mjs', '--dir', 'dist', '--port', String(PORT), '--compress'], { stdio: 'pipe' });
await new Promise((ok, fail) => {
  server.stdout.on('data', (d) => String(d).includes('serving') && ok());
  server.on('exit', (code) => fail(new Error(`server exited ${code} (port ${PORT} in use?)`)));
});
process.on('exit', () => server.kill());

const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROME_PATH || '/usr/bin/chromium', chromeFlags: CHROMIUM_ARGS });
const scores = {};
const failing = {};
try {
  for (const [form, config] of [['mobile', undefined], ['desktop', desktopConfig]]) {
    const result = await lighthouse(URL, { port: chrome.port, onlyCategories: CATEGORIES, logLevel: 'error', output: 'json' }, config);
    const lhr = result.lhr;
    if (lhr.runtimeError) throw new Error(`${form}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
    scores[form] = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round((lhr.categories[c].score ?? 0) * 100)]));
    scores[form].metrics = {
      fcp_ms: Math.round(lhr.audits['first-contentful-paint'].numericValue),
      lcp_ms: Math.round(lhr.audits['largest-contentful-paint'].numericValue),
      tbt_ms: Math.round(lhr.audits['total-blocking-time'].numericValue),
      cls: Number(lhr.audits['cumulative-layout-shift'].numericValue.toFixed(3)),
    };
    // What cost points, so a score below 100 comes with its reasons.
    failing[form] = Object.values(lhr.audits)
      .filter((a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode !== 'informative' && a.scoreDisplayMode !== 'manual')
      .map((a) => `${a.id}${a.displayValue ? ` (${a.displayValue})` : ''}`);
  }
} finally {
  await chrome.kill();
  server.kill();
}

mkdirSync('bench', { recursive: true });
const previous = (() => { try { return JSON.parse(readFileSync('bench/results.json', 'utf8')); } catch { return {}; } })();
writeFileSync('bench/results.json', JSON.stringify({ ...previous, lighthouse: { date: new Date().toISOString(), scores, below_90: failing } }, null, 2) + '\n');
console.log('\nLighthouse 12.2.3 (goal 100 each)   performance  accessibility  best-practices   FCP / LCP / TBT');
for (const [form, s] of Object.entries(scores)) {
  console.log(`  ${form.padEnd(34)}${String(s.performance).padStart(11)}  ${String(s.accessibility).padStart(13)}  ${String(s['best-practices']).padStart(14)}   ${s.metrics.fcp_ms} / ${s.metrics.lcp_ms} / ${s.metrics.tbt_ms} ms`);
  if (failing[form].length) console.log(`    below 90: ${failing[form].join(', ')}`);
}
