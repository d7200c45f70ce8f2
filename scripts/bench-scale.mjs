// The scale table: each everyday action timed on a small and on a large store in one run
// (same build, same browser), with the ratio. An action whose cost grows with the data
// shows here first. Usage:
//   node scripts/bench-scale.mjs DIST SIZE:EXPORT.json [SIZE:EXPORT.json …]
// e.g. node scripts/bench-scale.mjs dist 200:target/bench-200.json 10000:target/bench-export.json
// BENCH_RUNS (default 3) runs of each action, the median kept; results merged into
// bench/results.json under "scale" (BENCH_SCALE_KEY names the entry: "after" by default).
// Actions on sizes above 10,000 are only the ones the goals name (cold start, detail, step, KPIs).
// BENCH_SETTLE_MS waits after the imports before timing: by default 0 up to 10,000 tickets
// and 180 s above (see stock()).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config.js';
import { keystroke, scaleGoalMet } from './bench-lib.mjs';

const [dist, ...specs] = process.argv.slice(2);
// SIZE:FILE or SIZE:FILE1,FILE2,… (several tablets' files imported one after another, as head office would).
const sizes = specs.map((s) => { const [n, files] = s.split(':'); return { n: Number(n), file: files.split(',') }; });
const RUNS = Number(process.env.BENCH_RUNS || 3);
const KEY = process.env.BENCH_SCALE_KEY || 'after';
const PORT = 8093;
const URL = `http://127.0.0.1:${PORT}`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const LONG = { timeout: Number(process.env.BENCH_WAIT_MS || 900_000) };

const server = spawn('node', ['scripts/serve.mjs', '--dir', dist, '--port', String(PORT)], { stdio: 'pipe' });
await new Promise((ok, fail) => {
  server.stdout.on('data', (d) => String(d).includes('serving') && ok());
  server.on('exit', (code) => fail(new Error(`server exited ${code} (port ${PORT} in use?)`)));
});
process.on('exit', () => server.kill());
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });

const ready = (page) => page.locator('nav.shell-nav a').nth(5).waitFor(LONG);
const nav = (page, name) => page.locator('nav.shell-nav a', { hasText: name }).first().click();
const boardShown = (page) => page.getByTestId('board-count').filter({ hasText: /^[\d,]+ tickets?$/ }).filter({ hasNotText: /^0 tickets$/ }).waitFor(LONG);
const boardSettled = (page) => page.locator('[data-testid="board-count"][data-settled="true"]').filter({ hasNotText: /^0 tickets$/ }).waitFor(LONG);
/** Milliseconds `act` takes, timed in node around the Playwright calls (same overhead at every size). */
async function timed(act) {
  const t0 = performance.now();
  await act();
  return performance.now() - t0;
}

async function stock(file) {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${URL}/settings`);
  await ready(page);
  // A supervisor on duty, for the drill run and the steps.
  await page.getByLabel('Name', { exact: true }).fill('张主管');
  await page.locator('#staff-role').selectOption('supervisor');
  await page.locator('#staff-dept').selectOption('customer_service');
  await page.getByRole('button', { name: 'Add to roster' }).click();
  await page.getByTestId('on-duty').selectOption({ label: '张主管' });
  await nav(page, 'Data');
  await page.locator('#import-files:not([disabled])').waitFor({ state: 'attached', ...LONG });
  // One file at a time, as a tablet's memory allows (five 75 MB files at once do not fit).
  for (const one of file) {
    await page.locator('#import-files:not([disabled])').waitFor({ state: 'attached', ...LONG });
    await page.locator('#import-files').setInputFiles([one]);
    await page.getByTestId('import-preview').waitFor(LONG);
    await page.getByRole('button', { name: /^Import 1 file$/ }).click();
    await page.getByTestId('import-result').waitFor(LONG);
  }
  // A tablet does not take a 75 MB import and a step in the same minute: BENCH_SETTLE_MS
  // lets the browser's storage finish compacting after it before anything is timed. Right
  // after head office's five files (375 MB) a bare IndexedDB get took 160–410 ms and a put
  // 150–340 ms with no app code involved; three minutes later 1 ms and 2 ms.
  await page.waitForTimeout(Number(process.env.BENCH_SETTLE_MS ?? (file.length > 1 ? 180_000 : 0)));
  return { context, page, errors };
}

/** The number of a ticket still new, as the board lists it. */
async function aNewTicket(page, skip) {
  const cards = page.locator('[data-status="new"] [data-testid="ticket-card"]');
  await cards.first().waitFor(LONG);
  return cards.nth(skip).getAttribute('data-number');
}

async function measure({ n, file }) {
  const { context, page, errors } = await stock(file);
  const cdp = await context.newCDPSession(page);
  const out = {};
  const full = n <= 10000;

  // Cold start to an interactive board, CPU 4× slower.
  const starts = [];
  for (let i = 0; i < RUNS; i++) {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    starts.push(await timed(async () => {
      await page.goto(`${URL}/board`);
      await boardShown(page);
      await page.locator('#f-search').waitFor(LONG);
    }));
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  }
  out['cold start to the board, CPU 4× slower'] = median(starts);
  await boardSettled(page);

  if (full) {
    const keys = [];
    for (let i = 0; i < RUNS; i++) {
      keys.push(await keystroke(page, ['漏', '电', '梯'][i % 3]));
      await page.evaluate(() => { const input = document.querySelector('#f-search'); input.value = ''; input.dispatchEvent(new Event('input', { bubbles: true })); });
      await page.waitForTimeout(300);
    }
    out['board search keystroke → next paint'] = median(keys);
  }

  // Intake saves and quick reports first: they also give the steps below new tickets to
  // act on at every size.
    // Intake save: Save → "saved" and the ticket in the recent list.
    await nav(page, 'Intake');
    await page.locator('#description').waitFor();
    const saves = [];
    for (let i = 0; i < RUNS; i++) {
      await page.locator('label[for="kind-repair"]').click();
      await page.locator('#reporter-name').fill('李娜');
      await page.locator('#phone').fill('13800138000');
      await page.locator('#unit').fill('1-1-101');
      await page.locator('#category').selectOption('plumbing');
      await page.locator('#description').fill(`厨房水管漏水 ${i}`);
      saves.push(await timed(async () => {
        await page.getByRole('button', { name: 'Save ticket' }).click();
        await page.getByTestId('intake-status').filter({ hasText: /saved/ }).waitFor(LONG);
        await page.getByTestId('recent-ticket').filter({ hasText: `厨房水管漏水 ${i}` }).waitFor(LONG);
      }));
      await page.waitForTimeout(200);
    }
    out['intake save (Save → saved and listed)'] = median(saves);

    // Quick patrol report from the board: Save report → confirmation.
    await nav(page, 'Board');
    await boardShown(page);
    const quicks = [];
    for (let i = 0; i < RUNS; i++) {
      await page.getByTestId('quick-open').click();
      const dialog = page.getByRole('dialog', { name: 'Quick patrol report' });
      await dialog.getByRole('radio', { name: 'Lift', exact: true }).click();
      quicks.push(await timed(async () => {
        await dialog.getByRole('button', { name: 'Save report' }).click();
        await page.getByTestId('quick-confirmation').filter({ hasText: /saved/ }).waitFor(LONG);
      }));
      await page.waitForTimeout(300);
    }
    out['quick patrol report (Save → confirmation)'] = median(quicks);

  await nav(page, 'Board');
  await boardShown(page);

  // A step on the board: Assess → Confirm → the card shown in its new column.
  const steps = [];
  for (let i = 0; i < RUNS; i++) {
    const number = await aNewTicket(page, 0);
    const card = page.locator(`[data-testid="ticket-card"][data-number="${number}"]`);
    await card.locator('[data-action="assess"]').click();
    const dialog = page.getByTestId('action-form');
    await dialog.waitFor();
    steps.push(await timed(async () => {
      await dialog.getByRole('button', { name: 'Confirm' }).click();
      await page.getByTestId('board-status').filter({ hasText: number }).waitFor(LONG);
      await page.locator(`[data-status="assessed"] [data-number="${number}"]`).waitFor({ state: 'attached', ...LONG });
    }));
  }
  out['a workflow step (Assess → Confirm → card moved)'] = median(steps);

  // Opening a ticket from the board: link tap → its history shown.
  const opens = [];
  for (let i = 0; i < RUNS; i++) {
    const number = await aNewTicket(page, i);
    opens.push(await timed(async () => {
      await page.locator(`[data-testid="ticket-card"][data-number="${number}"] a.card-number`).click();
      await page.getByTestId('history-entry').first().waitFor(LONG);
    }));
    await page.goBack();
    await page.getByTestId('board-count').waitFor(LONG);
  }
  out["ticket detail open (link → history shown)"] = median(opens);

  // The KPI view from the board: nav tap → figures shown.
  const kpis = [];
  for (let i = 0; i < RUNS; i++) {
    kpis.push(await timed(async () => {
      await nav(page, 'KPIs');
      await page.getByTestId('kpi-card').first().waitFor(LONG);
    }));
    await nav(page, 'Board');
    await boardShown(page);
  }
  out['KPI view open (nav → figures)'] = median(kpis);

  if (full) {
    // A drill check-off: Mark step done → stamped.
    await nav(page, 'Drills');
    await page.getByRole('link', { name: 'Start Fire evacuation' }).click();
    const form = page.getByTestId('run-setup');
    await form.getByLabel('Site / location').fill('3号楼大堂');
    await form.getByRole('button', { name: 'Start the clock' }).click();
    await page.getByTestId('run-step').first().waitFor(LONG);
    const checks = [];
    for (let i = 1; i <= RUNS; i++) {
      checks.push(await timed(async () => {
        await page.getByRole('button', { name: `Mark step ${i} done`, exact: true }).click();
        await page.getByTestId('run-step').nth(i - 1).getByTestId('step-status').filter({ hasText: /Done at/ }).waitFor(LONG);
      }));
    }
    out['drill check-off (Mark done → stamped)'] = median(checks);
  }
  if (errors.length) console.log(`page errors at ${n}:`, errors.slice(0, 5));
  await context.close();
  return out;
}

const table = {};
for (const size of sizes) {
  console.log(`measuring ${size.n} tickets…`);
  table[size.n] = await measure(size);
  console.log(table[size.n]);
}
await browser.close();
server.kill();

mkdirSync('bench', { recursive: true });
const previous = (() => { try { return JSON.parse(readFileSync('bench/results.json', 'utf8')); } catch { return {}; } })();
const scale = { ...(previous.scale || {}), [KEY]: { date: new Date().toISOString(), runs: RUNS, sizes: table } };
writeFileSync('bench/results.json', JSON.stringify({ ...previous, scale }, null, 2) + '\n');

const [small, ...large] = sizes.map((s) => s.n);
console.log(`\nScale table (${KEY}, median of ${RUNS}, ms)`);
for (const action of Object.keys(table[small])) {
  const cells = large.map((n) => {
    const v = table[n][action];
    if (v === undefined) return '';
    const ratio = v / table[small][action];
    const met = scaleGoalMet(action, n, table[small][action], v);
    const ok = met === null ? 'no goal' : met ? 'ok' : 'MISSED';
    return `${n}: ${Math.round(v)} (${ratio.toFixed(1)}×, ${ok})`;
  });
  console.log(`  ${action.padEnd(52)} ${small}: ${String(Math.round(table[small][action])).padStart(6)}   ${cells.join('   ')}`);
}
