// Shared helpers for the end-to-end tests.
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

export const NAV_EN = ['Intake', 'Board', 'Drills', 'KPIs', 'Data', 'Settings'];
export const NAV_ZH = ['受理', '派单看板', '应急演练', '绩效指标', '数据', '设置'];
export const ROUTES = ['/intake', '/board', '/drills', '/kpi', '/data', '/settings'];

/** Waits until the wasm app has replaced the static shell. */
export async function appReady(page) {
  await expect(page.locator('nav.shell-nav a')).toHaveCount(6);
}

/**
 * The text fields on the page whose typed text Chromium would keep in its session file, in
 * the clear, to restore the page: a text input unless it or its form says autocomplete="off",
 * a textarea unless its form does (Blink reads only the form's attribute for a textarea).
 */
export async function fieldsKeptByBrowser(page) {
  return page.evaluate(() => {
    const formOff = (el) => el.form?.getAttribute('autocomplete') === 'off';
    const kept = [];
    for (const el of document.querySelectorAll('input, textarea')) {
      const text = el.tagName === 'TEXTAREA' || ['text', 'search', 'tel', 'email', 'url', 'number'].includes(el.type);
      if (!text) continue;
      const off = formOff(el) || (el.tagName === 'INPUT' && el.getAttribute('autocomplete') === 'off');
      if (!off) kept.push(el.id || el.getAttribute('data-testid') || el.getAttribute('aria-label') || el.outerHTML.slice(0, 80));
    }
    return kept;
  });
}

/** Collects console errors and uncaught exceptions of a page. */
export function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); d.dismiss(); });
  return errors;
}

/** Serves a folder on its own port; `stop()` kills the server (for offline tests). */
export async function startServer(dir, port, extraArgs = []) {
  const child = spawn('node', ['scripts/serve.mjs', '--dir', dir, '--port', String(port), ...extraArgs], { stdio: 'pipe' });
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => { if (String(d).includes('serving')) resolve(); });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise((resolve) => { child.once('exit', resolve); child.kill(); }),
  };
}

/** A copy of dist/ in the running test's output folder (test-results/, emptied by
 *  Playwright when a run starts): copies in the system's temporary folder were never removed,
 *  5 MB each, four a run. */
export function copyOfDist() {
  const info = test.info();
  mkdirSync(info.outputDir, { recursive: true });
  const dir = mkdtempSync(join(info.outputDir, 'dist-'));
  cpSync('dist', dir, { recursive: true });
  return dir;
}

/** Re-runs the post-build step on a folder (a "rebuild" after changing a file). */
export function rebuild(dir) {
  execFileSync('node', ['scripts/post-build.mjs', dir]);
  return buildIdOf(dir);
}

export function buildIdOf(dir) {
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  return html.match(/<meta name="patroldesk-build" content="([^"]*)">/)[1];
}

/** Adds a roster member from the Settings view (which must be open). */
export async function addStaff(page, name, role, dept) {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.locator('#staff-role').selectOption(role);
  await page.locator('#staff-dept').selectOption(dept);
  await page.getByRole('button', { name: 'Add to roster' }).click();
  await expect(page.getByTestId('roster').locator('.roster-name', { hasText: name })).toHaveCount(1);
}

/** A JPEG of the given size drawn in the page (a stand-in for a camera photo). */
export async function cameraPhoto(page, width, height, seed = 1) {
  const bytes = await page.evaluate(async ([w, h, s]) => {
    const canvas = new OffscreenCanvas(w, h);
    const g = canvas.getContext('2d');
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, `hsl(${s * 40}, 70%, 50%)`);
    grad.addColorStop(1, '#123');
    g.fillStyle = grad;
    g.fillRect(0, 0, w, h);
    g.fillStyle = '#fff';
    g.font = `${Math.floor(h / 8)}px sans-serif`;
    g.fillText(`photo ${s}`, w / 10, h / 2);
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.95 });
    return Array.from(new Uint8Array(await blob.arrayBuffer()));
  }, [width, height, seed]);
  return { name: `IMG_${seed}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(bytes) };
}


/** Takes in a ticket through the intake form (reporter 李娜, unit 1-1-101). */
export async function intake(page, { kind = 'repair', category, description }) {
  await page.goto('/intake');
  await appReady(page);
  await page.locator(`label[for="kind-${kind}"]`).click();
  await page.locator('#reporter-name').fill('李娜');
  await page.locator('#phone').fill('13800138000');
  await page.locator('#unit').fill('1-1-101');
  await page.locator('#category').selectOption(category);
  await page.locator('#description').fill(description);
  await page.getByRole('button', { name: 'Save ticket' }).click();
  await expect(page.getByTestId('intake-status')).toHaveText(/saved/);
}

/**
 * Walks the first ticket on the board through every step up to the return visit by its
 * dialogs (what was done filled in at Resolve); `inDialog(step, dialog)` runs in each open
 * dialog before Confirm.
 */
export async function walkToReturnVisit(page, inDialog = async () => {}) {
  for (const step of ['Assess', 'Dispatch', 'Start work', 'Resolve', 'Return visit']) {
    await page.getByRole('button', { name: new RegExp(`^${step} · `) }).first().click();
    const dialog = page.getByRole('dialog');
    await inDialog(step, dialog);
    if (step === 'Resolve') await dialog.getByLabel('What was done').fill('更换阀芯');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await expect(dialog).toBeHidden();
  }
}

/** The app's canonical payload text: keys sorted, compact (as serde_json writes a Value). */
export function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export async function exportFile(page, { changesOnly = false, redacted = false, passphrase = null, photos = true } = {}) {
  await page.goto('/data');
  await appReady(page);
  if (!photos) await page.locator('#export-photos').uncheck();
  if (redacted) await page.locator('#export-redacted').check();
  if (passphrase) {
    await page.locator('#export-encrypt').check();
    await page.locator('#export-passphrase').fill(passphrase);
  }
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: changesOnly ? 'Export changes since last export' : 'Export everything' }).click();
  const file = await download;
  const path = test.info().outputPath(file.suggestedFilename());
  await file.saveAs(path);
  await expect(page.getByTestId('export-status')).toHaveText(/^Exported \d+ records?/, { timeout: 30_000 });
  return path;
}

export async function importFiles(page, paths, passphrase = null) {
  await page.goto('/data');
  await appReady(page);
  await expect(page.locator('#import-files')).toBeEnabled();
  await page.locator('#import-files').setInputFiles(paths);
  await expect(page.getByTestId('import-file')).toHaveCount(paths.length);
  if (passphrase) {
    await page.locator('#import-passphrase').fill(passphrase);
    await page.getByRole('button', { name: 'Open encrypted files' }).click();
  }
  await page.getByRole('button', { name: /^Import \d+ files?$/ }).click();
  await expect(page.getByTestId('import-result')).toHaveCount(paths.length, { timeout: 30_000 });
  return page.getByTestId('import-result').allTextContents();
}

/** Every record in IndexedDB, sorted, as JSON with its keys sorted at every level: two
 * databases with the same data compare equal. The server revision a pull keeps in a row
 * (`couch_rev`) is the tablet's own bookkeeping, not the record's, and is left out. */
export async function records(page) {
  return page.evaluate(async () => {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open('patroldesk'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const canonical = (v) => (Array.isArray(v) ? `[${v.map(canonical).join(',')}]`
      : v && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`
        : JSON.stringify(v));
    const out = [];
    for (const store of ['tickets', 'ticket_events', 'drill_plans', 'drill_runs', 'improvements']) {
      const all = await new Promise((ok, fail) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
      out.push(...all.map(({ couch_rev: _, ...record }) => canonical(record)));
    }
    db.close();
    return out.sort();
  });
}

export async function renamePlan(page, from, to) {
  await page.goto('/drills');
  await appReady(page);
  await page.getByRole('link', { name: `Edit ${from}` }).click();
  const form = page.getByTestId('plan-form');
  await form.getByLabel('Plan name').fill(to);
  await form.getByRole('button', { name: 'Save plan' }).click();
  await expect(page).toHaveURL(/\/drills$/);
}
