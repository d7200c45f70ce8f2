// Retention (issue 21): a ticket closed longer ago than the site's period is archived and its
// resident erased — from every store of the database; an older copy imported afterwards does
// not bring the resident back; another tablet that imports the purging tablet's export erases
// them too; the archive opens (by explicit choice, logged) and holds them.
import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { addStaff, appReady, cameraPhoto, canonical, exportFile, importFiles, watchErrors } from './helpers.js';

const NAME = '标记住户甲乙';
const PHONE = '13912340001';
const PASSPHRASE = 'archive-pass-2026';
const DAY_MS = 86_400_000;

/** Every store of the app's database as text (Blobs as their bytes). */
async function dumpIndexedDb(page) {
  return page.evaluate(async () => {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open('patroldesk'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const out = [];
    for (const name of db.objectStoreNames) {
      const all = await new Promise((ok, fail) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
      for (const v of all) {
        if (v instanceof Blob) out.push(`${name}:${v.type}:${new TextDecoder('latin1').decode(await v.arrayBuffer())}`);
        else out.push(`${name}:${JSON.stringify(v)}`);
      }
    }
    db.close();
    return out.join('\n');
  });
}

async function act(page, action, fill = async () => {}) {
  await page.locator(`.card-actions button[data-action="${action}"]`).first().click();
  const dialog = page.getByRole('dialog');
  await fill(dialog);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog).toBeHidden();
}

/** A resident's inquiry with a photo, walked to closed, its resolution quoting the resident. */
async function closedTicket(page) {
  await page.goto('/settings');
  await appReady(page);
  await addStaff(page, '张主管', 'supervisor', 'customer_service');
  await page.getByTestId('on-duty').selectOption({ label: '张主管' });
  await page.goto('/intake');
  await appReady(page);
  await page.locator('label[for="kind-inquiry"]').click();
  await page.locator('#reporter-name').fill(NAME);
  await page.locator('#phone').fill(PHONE);
  await page.locator('#unit').fill('5-1-802');
  await page.locator('#category').selectOption('other');
  await page.locator('#description').fill(`${NAME}询问停车位，回电${PHONE}`);
  await page.locator('#intake-photos').setInputFiles(await cameraPhoto(page, 640, 480, 3));
  await expect(page.getByTestId('photo-list').locator('img')).toHaveCount(1);
  await page.getByRole('button', { name: 'Save ticket' }).click();
  const status = page.getByTestId('intake-status');
  await expect(status).toHaveText(/^Ticket (\S+) saved\./);
  const number = (await status.textContent()).match(/^Ticket (\S+) saved\./)[1];
  await page.goto('/board');
  await appReady(page);
  await page.locator(`[data-testid="ticket-card"][data-number="${number}"]`).getByRole('link', { name: `Open ${number}` }).click();
  await act(page, 'assess');
  await act(page, 'dispatch', async (d) => { await d.locator('#act-department').selectOption('customer_service'); });
  await act(page, 'start');
  await act(page, 'resolve', async (d) => {
    await d.locator('#act-work-done').fill(`已电话${PHONE}答复`);
    await d.locator('#act-cause').fill(`${NAME}不了解车位规定`);
  });
  await act(page, 'close');
  await expect(page.getByTestId('detail-state')).toHaveText('Closed');
  return number;
}

/** The file with every time and stamp moved `days` into the past, its checksum made again. */
function movedBack(path, days, out) {
  const shift = days * DAY_MS;
  const move = (v) => {
    if (typeof v === 'string') {
      const stamp = /^(\d{13})(-\d{6}-[0-9a-f]{32})$/.exec(v);
      if (stamp) return `${String(Number(stamp[1]) - shift).padStart(13, '0')}${stamp[2]}`;
      if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v)) return new Date(Date.parse(v) - shift).toISOString();
      return v;
    }
    if (Array.isArray(v)) return v.map(move);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, move(x)]));
    return v;
  };
  const envelope = JSON.parse(readFileSync(path, 'utf8'));
  envelope.payload = move(envelope.payload);
  envelope.until = move(envelope.until);
  envelope.payload_sha256 = createHash('sha256').update(canonical(envelope.payload)).digest('hex');
  writeFileSync(out, JSON.stringify(envelope, null, 2));
  return out;
}

async function retentionMonths(page, months) {
  await page.goto('/settings');
  await appReady(page);
  await page.locator('#target-retention_months').fill(String(months));
  await page.getByTestId('targets-form').getByRole('button', { name: 'Save targets' }).click();
  await expect(page.getByText('Targets saved.')).toBeVisible();
}

test('a purge archives and erases a resident everywhere, and nothing brings them back', async ({ browser }, info) => {
  test.setTimeout(180_000);
  // Tablet A took the report and closed it; the file is moved four months back.
  const a = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await closedTicket(a);
  const older = movedBack(await exportFile(a), 120, info.outputPath('four-months-ago.json'));

  // Tablet B keeps residents' data one month after closing.
  const b = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const errors = watchErrors(b);
  await retentionMonths(b, 1);
  await importFiles(b, [older]);
  // A resident's name typed at the desk and not saved: the intake form's draft.
  await b.goto('/intake');
  await appReady(b);
  await b.locator('#reporter-name').fill(NAME);
  await b.waitForTimeout(1500);
  let dump = await dumpIndexedDb(b);
  expect(dump).toContain(NAME);
  expect(dump).toContain(PHONE);
  expect(dump).toMatch(/^photos:image\//m);
  // Offered where a supervisor works once it is due.
  await b.goto('/board');
  await appReady(b);
  await expect(b.getByTestId('retention-offer')).toHaveText("1 closed tickets are past the retention period: archive and erase their residents' data under Data.");

  await b.goto('/data');
  await appReady(b);
  const card = b.getByTestId('retention');
  await expect(card.getByTestId('retention-due')).toHaveText('1 closed tickets are past that and still hold a resident\'s data.');
  // The purge and the archive reader pass axe, in both languages.
  for (const lang of ['zh-CN', 'en']) {
    await b.getByTestId('language').selectOption(lang);
    const found = (await new AxeBuilder({ page: b }).include('[data-testid="retention"]').analyze()).violations.filter((v) => ['moderate', 'serious', 'critical'].includes(v.impact));
    expect(found.map((v) => v.id)).toEqual([]);
  }
  await expect(card.getByTestId('purge')).toHaveText('Archive and erase (1 tickets)');
  await card.locator('#retention-passphrase').fill('short');
  await card.getByTestId('purge').click();
  await expect(card.getByTestId('retention-status')).toContainText('at least');
  await card.locator('#retention-passphrase').fill(PASSPHRASE);
  const download = b.waitForEvent('download');
  await card.getByTestId('purge').click();
  const archiveFile = await download;
  const archivePath = info.outputPath(archiveFile.suggestedFilename());
  await archiveFile.saveAs(archivePath);
  expect(archiveFile.suggestedFilename()).toMatch(/-archive-\d{8}-\d{4}\.json$/);
  await expect(card.getByTestId('retention-status')).toContainText(/Residents' data of 1 tickets erased \(\d+ steps, 1 photos\)/, { timeout: 60_000 });
  await expect(card.getByTestId('retention-due')).toHaveText('No closed ticket is past the retention period.');
  await b.goto('/board');
  await appReady(b);
  await expect(b.getByTestId('ticket-card')).toHaveCount(1);
  await expect(b.getByTestId('retention-offer')).toHaveCount(0);
  await b.goto('/data');
  await appReady(b);
  const archiveText = readFileSync(archivePath, 'utf8');
  expect(archiveText).not.toContain(NAME);
  expect(JSON.parse(archiveText).encryption.cipher).toBe('AES-GCM');

  dump = await dumpIndexedDb(b);
  expect(dump).not.toContain(NAME);
  expect(dump).not.toContain(PHONE);
  expect(dump).not.toMatch(/^photos:image\//m);
  // The unit and the clocks stay: the unit's history is the building's.
  expect(dump).toContain('5-1-802');

  // The older copy again: the resident does not come back.
  await importFiles(b, [older]);
  dump = await dumpIndexedDb(b);
  expect(dump).not.toContain(NAME);
  expect(dump).not.toContain(PHONE);

  // An archive is not an ordinary import.
  await b.goto('/data');
  await appReady(b);
  await b.locator('#import-files').setInputFiles([archivePath]);
  await expect(b.getByTestId('import-error')).toContainText('This file is a retention archive');

  // Opened by explicit choice: it holds the resident, and the opening is logged.
  await b.locator('#archive-file').setInputFiles([archivePath]);
  await b.locator('#archive-passphrase').fill('wrong passphrase');
  await b.getByTestId('archive-open').click();
  await expect(b.getByRole('alert').filter({ hasText: /passphrase/i })).toBeVisible();
  await b.locator('#archive-passphrase').fill(PASSPHRASE);
  await b.getByTestId('archive-open').click();
  const table = b.getByTestId('archive-table');
  await expect(table).toContainText(NAME);
  await expect(table).toContainText(PHONE);
  await expect.poll(async () => (await dumpIndexedDb(b)).includes('archive_opened')).toBe(true);
  await b.getByTestId('language').selectOption('zh-CN');
  await expect(b.getByTestId('archive-summary')).toContainText('张工单');
  await b.getByTestId('language').selectOption('en');

  // Tablet C had the older copy; the purging tablet's export erases the resident there too.
  const purging = await exportFile(b);
  const c = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await importFiles(c, [older]);
  expect(await dumpIndexedDb(c)).toContain(NAME);
  await importFiles(c, [purging]);
  dump = await dumpIndexedDb(c);
  expect(dump).not.toContain(NAME);
  expect(dump).not.toContain(PHONE);
  expect(dump).not.toMatch(/^photos:image\//m);
  expect(errors).toEqual([]);
});
