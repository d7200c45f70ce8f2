// Prints every benchmark figure of bench/results.json beside its reference and goal, as the
// Markdown table the README carries.
import { readFileSync } from 'node:fs';
import { scaleGoalMet } from './bench-lib.mjs';

const r = JSON.parse(readFileSync('bench/results.json', 'utf8'));
const kb = (n) => `${Math.round(n / 1024)} KB`;
const rows = [];
if (r.size) {
  const s = r.size;
  rows.push(['First-load transfer (wasm + js + css), brotli', kb(s.first_load.brotli_bytes), `raw ${kb(s.first_load.raw_bytes)}; XLSX worker on demand ${kb(s.on_demand_xlsx.brotli_bytes)}`, '≤ 250 KB', s.first_load.brotli_bytes <= 250 * 1024]);
}
if (r.wasm_breakdown) {
  const w = r.wasm_breakdown;
  const share = (map, n) => Object.entries(map).slice(0, n).map(([k, v]) => `${k} ${Math.round((v * 100) / w.total_bytes)} %`).join(', ');
  rows.push(['Main wasm by crate (twiggy, before wasm-opt)', kb(w.total_bytes), `${share(w.by_crate, 6)}; the app's own largest modules: ${share(w.app_by_module, 4)}`, '—', null]);
}
for (const [name, f] of Object.entries(r.speed?.figures || {})) {
  const goal = f.goal.match(/≤ ([\d.]+)/);
  let met = null;
  if (goal && f.goal.includes('reference')) met = Number(f.goal.match(/\(([\d.]+)×\)/)?.[1]) <= Number(goal[1]);
  else if (goal) met = f.value <= Number(goal[1]);
  rows.push([name, String(f.value), f.reference, f.goal, met]);
}
for (const [name, f] of Object.entries(r.couch?.figures || {})) {
  const goal = f.goal.match(/≤ ([\d.]+)/);
  const met = goal ? (f.goal.includes('reference') ? Number(f.goal.match(/\(([\d.]+)×\)/)?.[1]) <= Number(goal[1]) : f.value <= Number(goal[1])) : null;
  rows.push([`live sync: ${name}`, String(f.value), f.reference, f.goal, met]);
}
if (r.kpi) rows.push(['All KPIs over 100,000 tickets in the browser (ms)', String(r.kpi.median_ms), `min ${r.kpi.min_ms}, max ${r.kpi.max_ms} (${r.kpi.runs} runs)`, '≤ 100', r.kpi.median_ms <= 100]);
for (const [form, s] of Object.entries(r.lighthouse?.scores || {})) {
  for (const c of ['performance', 'accessibility', 'best-practices']) {
    const why = c === 'performance' ? `FCP ${s.metrics.fcp_ms} ms, LCP ${s.metrics.lcp_ms} ms, TBT ${s.metrics.tbt_ms} ms` : '—';
    rows.push([`Lighthouse ${form}: ${c}`, String(s[c]), why, '100', s[c] >= 100]);
  }
}
console.log(`\nBenchmarks — ${r.speed?.machine || ''}, ${(r.speed?.date || '').slice(0, 10)}\n`);
console.log('| Figure | Value | Reference / detail | Goal | Met |');
console.log('|---|---|---|---|---|');
for (const [a, b, c, d, met] of rows) console.log(`| ${a} | ${b} | ${c} | ${d} | ${met === null ? '—' : met ? 'yes' : 'no'} |`);

// The scale table: each everyday action on a small and a large store, before and after.
for (const [key, entry] of Object.entries(r.scale || {})) {
  const sizes = Object.keys(entry.sizes).map(Number).sort((a, b) => a - b);
  const [small, ...large] = sizes;
  console.log(`\nScale table (${key}, ${entry.date.slice(0, 10)}, median of ${entry.runs}, ms)\n`);
  console.log(`| Action | ${sizes.map((n) => `${n.toLocaleString('en')} tickets`).join(' | ')} | ${large.map((n) => `ratio ${n.toLocaleString('en')} / ${small}`).join(' | ')} | Goal met |`);
  console.log(`|---|${sizes.map(() => '---|').join('')}${large.map(() => '---|').join('')}---|`);
  for (const action of Object.keys(entry.sizes[small])) {
    const v = (n) => entry.sizes[n][action];
    const cells = sizes.map((n) => (v(n) === undefined ? '—' : String(Math.round(v(n)))));
    const ratios = large.map((n) => (v(n) === undefined ? '—' : `${(v(n) / v(small)).toFixed(1)}×`));
    const judged = large.filter((n) => v(n) !== undefined).map((n) => scaleGoalMet(action, n, v(small), v(n))).filter((m) => m !== null);
    const met = judged.length === 0 ? '—' : judged.every(Boolean) ? 'yes' : 'no';
    console.log(`| ${action} | ${cells.join(' | ')} | ${ratios.join(' | ')} | ${met} |`);
  }
}
