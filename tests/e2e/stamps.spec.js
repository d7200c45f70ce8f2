// Stamps from the future (时间戳异常): a file carrying one is refused and leaves the clock
// alone; a tablet an older version left holding such stamps (written here straight into
// IndexedDB) is told so, repaired, and its export is accepted by a fresh head office.
import { test, expect } from '@playwright/test';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { appReady, canonical, intake, watchErrors } from './helpers.js';

async function exportEverything(page, info, name) {
  await page.goto('/data');
  await appReady(page);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export everything' }).click();
  const path = info.outputPath(name);
  await (await download).saveAs(path);
  await expect(page.getByTestId('export-status')).toContainText(/Exported \d+ records/, { timeout: 30_000 });
  return path;
}

/** Every stored ticket record, as IndexedDB holds it. */
async function storedTickets(page) {
  return page.evaluate(async () => {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open('patroldesk'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const all = await new Promise((ok, fail) => { const r = db.transaction('tickets').objectStore('tickets').getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    db.close();
    return all;
  });
}

test('a file with a stamp from the future is refused, and the next local save is stamped today', async ({ browser }, info) => {
  const tablet = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await intake(tablet, { category: 'lift', description: '电梯异响' });
  const good = await exportEverything(tablet, info, 'good.json');
  const envelope = JSON.parse(readFileSync(good, 'utf8'));
  const ticket = envelope.payload.records.find((r) => r.kind === 'ticket');
  ticket.updated_at = `9999999999999-999999-${'f'.repeat(32)}`;
  envelope.payload_sha256 = createHash('sha256').update(canonical(envelope.payload)).digest('hex');
  const poisoned = info.outputPath('from-2286.json');
  writeFileSync(poisoned, JSON.stringify(envelope, null, 2));

  const office = await (await browser.newContext()).newPage();
  const errors = watchErrors(office);
  await office.goto('/data');
  await appReady(office);
  await expect(office.locator('#import-files')).toBeEnabled();
  await office.locator('#import-files').setInputFiles([poisoned]);
  const error = office.getByTestId('import-error');
  await expect(error).toContainText('1 record in this file is not valid');
  await expect(error).toContainText('.updated_at');
  await expect(error).toContainText(/stamped .*2286.* more than 24 hours ahead of this tablet's clock/);
  await expect(office.getByRole('button', { name: /^Import \d+ files?$/ })).toHaveCount(0);
  await office.getByTestId('language').selectOption('zh-CN');
  await expect(office.getByTestId('import-error')).toContainText('比本平板的时钟快 24 小时以上');
  await office.getByTestId('language').selectOption('en');
  expect(await storedTickets(office)).toEqual([]);

  // The clock did not move: the office's next save carries a present-day stamp.
  await intake(office, { category: 'plumbing', description: '漏水' });
  const [saved] = await storedTickets(office);
  const wall = Number(saved.updated_at.slice(0, 13));
  expect(Math.abs(wall - Date.now())).toBeLessThan(5 * 60_000);
  expect(errors).toEqual([]);
});

test('a tablet holding stamps from the future is told so, repairs them, and a fresh head office accepts its export', async ({ browser }, info) => {
  test.setTimeout(120_000);
  const tablet = await (await browser.newContext({ acceptDownloads: true })).newPage();
  const errors = watchErrors(tablet);
  await intake(tablet, { category: 'lift', description: '电梯异响' });
  await intake(tablet, { category: 'plumbing', description: '楼上漏水' });
  await intake(tablet, { category: 'plumbing', description: '正常的一张' });
  // As an older version left it: one ticket changed "in 2286" (also a description written
  // then), one rolled over into a 14th digit, which that version could not read back.
  await tablet.evaluate(async () => {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open('patroldesk'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const all = await new Promise((ok, fail) => { const r = db.transaction('tickets').objectStore('tickets').getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const [lift, leak] = ['电梯异响', '楼上漏水'].map((d) => all.find((t) => t.body.description === d));
    const dev = lift.origin_device.replaceAll('-', '');
    lift.updated_at = `9999999999999-000001-${dev}`;
    lift.writes = [
      { field: 'description', value: lift.body.description, at: lift.created_at, base: null, by: null },
      { field: 'description', value: '2286 年写的描述', at: `9999999999999-000000-${dev}`, base: lift.created_at, by: null },
    ];
    lift.body.description = '2286 年写的描述';
    leak.updated_at = `10000000000000-000000-${dev}`;
    const tx = db.transaction('tickets', 'readwrite');
    tx.objectStore('tickets').put(lift);
    tx.objectStore('tickets').put(leak);
    await new Promise((ok, fail) => { tx.oncomplete = ok; tx.onerror = () => fail(tx.error); });
    db.close();
  });

  await tablet.goto('/data');
  await appReady(tablet);
  const warning = tablet.getByTestId('future-stamps-warning');
  await expect(warning).toContainText(/^Records on this tablet stamped later than .*: 2\. /);
  await tablet.getByTestId('language').selectOption('zh-CN');
  await expect(warning).toContainText('本平板有 2 条记录的时间戳晚于');
  await tablet.getByTestId('language').selectOption('en');
  // Every ticket reads, the rolled-over one too.
  await tablet.goto('/board');
  await appReady(tablet);
  await expect(tablet.getByTestId('ticket-card')).toHaveCount(3);

  await tablet.goto('/data');
  await appReady(tablet);
  await tablet.getByRole('button', { name: 'Repair 2 records' }).click();
  await expect(tablet.getByTestId('future-stamps-status')).toContainText('Repaired 2 records');
  await expect(tablet.getByTestId('future-stamps-warning')).toHaveCount(0);
  await expect(tablet.getByTestId('ledger-entry').first()).toContainText('Repaired 2 records stamped in the future');
  const stored = await storedTickets(tablet);
  const now = Date.now();
  for (const t of stored) {
    expect(t.updated_at).toMatch(/^\d{13}-\d{6}-[0-9a-f]{32}$/);
    expect(Number(t.updated_at.slice(0, 13))).toBeLessThan(now + 60_000);
    for (const w of t.writes ?? []) expect(Number(w.at.slice(0, 13))).toBeLessThan(now + 60_000);
  }
  expect(stored.map((t) => t.body.description).sort()).toEqual(['2286 年写的描述', '正常的一张', '楼上漏水'].sort());

  const file = await exportEverything(tablet, info, 'repaired.json');
  const office = await (await browser.newContext()).newPage();
  await office.goto('/data');
  await appReady(office);
  await expect(office.locator('#import-files')).toBeEnabled();
  await office.locator('#import-files').setInputFiles([file]);
  await expect(office.getByTestId('import-preview')).toBeVisible();
  await office.getByRole('button', { name: /^Import 1 file$/ }).click();
  await expect(office.getByTestId('import-result')).toContainText(/^Imported: 6 new/);
  expect(await storedTickets(office)).toHaveLength(3);

  // Opened again, the tablet has nothing left to repair.
  await tablet.reload();
  await appReady(tablet);
  await expect(tablet.getByTestId('future-stamps')).toHaveCount(0);
  expect(errors).toEqual([]);
});
