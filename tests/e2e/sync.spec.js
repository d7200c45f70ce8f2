// Sync by file: two browser contexts are two tablets, a third is head office. Files move
// between them as real downloads and uploads.
import { test, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { addStaff, appReady, cameraPhoto, exportFile, importFiles, intake, records, renamePlan, watchErrors } from './helpers.js';

async function setSite(page, name, code) {
  await page.goto('/settings');
  await appReady(page);
  await page.getByLabel('Site name').fill(name);
  await page.getByLabel('Site code').fill(code);
  await page.getByLabel('Device name').fill(`${code} tablet`);
  await page.getByRole('button', { name: 'Save site settings' }).click();
  await expect(page.getByText('Saved.').first()).toBeVisible();
}

test('two tablets and head office: any order gives the same data, nothing twice, deletions travel, conflicts are listed, undo', async ({ browser }) => {
  test.setTimeout(180_000);
  const [a, b, office, office2] = await Promise.all([0, 1, 2, 3].map(() => browser.newContext({ acceptDownloads: true }).then((c) => c.newPage())));
  const errors = [a, b, office, office2].map(watchErrors);

  await setSite(a, '东湖花园', 'DH01');
  await setSite(b, '西山公寓', 'XY02');
  await intake(a, { category: 'lift', description: 'A: 电梯异响' });
  await intake(a, { category: 'plumbing', description: 'A: 水管漏水' });
  await intake(b, { kind: 'complaint', category: 'noise', description: 'B: 夜间噪音' });
  // Both tablets rename the same built-in plan: a conflict for head office to review.
  await renamePlan(a, 'Fire evacuation', 'Fire evacuation A');
  await renamePlan(b, 'Fire evacuation', 'Fire evacuation B');
  // Tablet A writes a plan of its own, to delete later.
  await a.goto('/drills');
  await a.getByRole('link', { name: 'New plan' }).click();
  const form = a.getByTestId('plan-form');
  await form.getByLabel('Plan name').fill('临时预案');
  await form.getByLabel('Target duration (min)').fill('10');
  await form.locator('.step-edit textarea').first().fill('第一步');
  await form.getByRole('button', { name: 'Save plan' }).click();
  await expect(a).toHaveURL(/\/drills$/);

  const fileA = await exportFile(a);
  const fileB = await exportFile(b);
  // After an export nothing is waiting to be exported.
  await expect(a.getByTestId('unexported-count')).toHaveText('0');

  // Head office imports both at once; a second office imports them one by one, B first.
  await importFiles(office, [fileA, fileB]);
  await importFiles(office2, [fileB]);
  await importFiles(office2, [fileA]);
  expect(await records(office)).toEqual(await records(office2));
  await office.goto('/board?view=list');
  await expect(office.getByTestId('board-count')).toHaveText('3 tickets');

  // The same file again changes nothing.
  const before = await records(office);
  expect(await importFiles(office, [fileA])).toEqual(['Nothing new in this file: nothing was changed.']);
  expect(await records(office)).toEqual(before);

  // The conflict is listed with both values; the later edit (B) shows.
  await office.goto('/data');
  await expect(office.getByTestId('conflict')).toHaveCount(1);
  await expect(office.getByTestId('conflict')).toContainText('Fire evacuation B');
  await expect(office.getByTestId('conflict')).toContainText('Fire evacuation A');
  await expect(office.getByTestId('device-row')).toHaveCount(2);
  await expect(office.getByTestId('device-row').first()).toContainText(/DH01 tablet|XY02 tablet/);

  // Head office KPIs per site: two tickets at 东湖花园 (DH01), one at 西山公寓 (XY02).
  await office.goto('/kpi');
  await appReady(office);
  const sites = office.getByTestId('site-row');
  await expect(sites).toHaveCount(2);
  await expect(sites.nth(0).locator('th')).toHaveText('DH01');
  await expect(sites.nth(0).locator('td').first()).toHaveText('2');
  await expect(sites.nth(1).locator('th')).toHaveText('XY02');
  await expect(sites.nth(1).locator('td').nth(4)).toHaveText('1');

  // A deletion travels: A deletes its plan and sends only its changes.
  await a.goto('/drills');
  const del = a.getByRole('button', { name: 'Delete 临时预案' });
  await del.click();
  await expect(del).toHaveText('Tap again to delete');
  await del.click();
  await expect(a.getByTestId('plan-row').filter({ hasText: '临时预案' })).toHaveCount(0);
  const changes = await exportFile(a, { changesOnly: true });
  const envelope = JSON.parse(readFileSync(changes, 'utf8'));
  expect(envelope.since).not.toBeNull();
  expect(envelope.counts.drill_plans).toBe(1);
  expect(envelope.counts.tickets).toBe(0);
  await importFiles(office, [changes]);
  await office.goto('/drills');
  await appReady(office);
  await expect(office.getByTestId('plan-row').filter({ hasText: 'Fire evacuation B' })).toHaveCount(1);
  await expect(office.getByTestId('plan-row').filter({ hasText: '临时预案' })).toHaveCount(0);

  // Undo the last import: the plan is back, everything else as it was.
  await office.goto('/data');
  await office.getByRole('button', { name: 'Undo this import' }).click();
  await expect(office.getByTestId('ledger-status')).toHaveText(/Import undone: 1 records put back/);
  expect(await records(office)).toEqual(before);
  await office.goto('/drills');
  await expect(office.getByTestId('plan-row').filter({ hasText: '临时预案' })).toHaveCount(1);

  // A real export validates against the published schema with an independent validator.
  execFileSync('python3', ['scripts/validate-export.py', 'docs/export.schema.json', fileA, changes]);
  for (const e of errors) expect(e).toEqual([]);
});

test('redacted and encrypted exports round-trip; redacted files carry no names or phones', async ({ browser }) => {
  test.setTimeout(180_000);
  const [a, office] = await Promise.all([0, 1].map(() => browser.newContext({ acceptDownloads: true }).then((c) => c.newPage())));
  await intake(a, { category: 'lift', description: '电梯按钮失灵' });

  const redacted = await exportFile(a, { redacted: true });
  const text = readFileSync(redacted, 'utf8');
  expect(text).not.toContain('李娜');
  expect(text).not.toContain('13800138000');
  expect(JSON.parse(text).redacted).toBe(true);
  // A redacted file is a report: the changes still count as not exported.
  await expect(a.getByTestId('unexported-count')).not.toHaveText('0');

  const sealed = await exportFile(a, { passphrase: 'correct horse battery' });
  const sealedText = readFileSync(sealed, 'utf8');
  expect(sealedText).not.toContain('电梯按钮失灵');
  expect(JSON.parse(sealedText).encryption.iterations).toBeGreaterThanOrEqual(600000);
  execFileSync('python3', ['scripts/validate-export.py', 'docs/export.schema.json', redacted, sealed]);

  // Wrong passphrase: refused with a message, nothing written.
  await office.goto('/data');
  await appReady(office);
  await expect(office.locator('#import-files')).toBeEnabled();
  await office.locator('#import-files').setInputFiles([sealed]);
  await expect(office.getByTestId('import-error')).toHaveText('This file is encrypted. Enter its passphrase.');
  await office.locator('#import-passphrase').fill('wrong horse');
  await office.getByRole('button', { name: 'Open encrypted files' }).click();
  await expect(office.getByTestId('import-error')).toHaveText('The passphrase is wrong. Nothing was imported.');
  expect(await records(office)).toEqual([]);
  await office.locator('#import-passphrase').fill('correct horse battery');
  await office.getByRole('button', { name: 'Open encrypted files' }).click();
  await expect(office.getByTestId('import-preview')).toBeVisible();
  await office.getByRole('button', { name: 'Import 1 file' }).click();
  await expect(office.getByTestId('import-result')).toHaveText(/Imported: \d+ new/);
  await office.goto('/board?q=电梯按钮失灵');
  await expect(office.getByTestId('board-count')).toHaveText('1 ticket');
  await expect(office.getByTestId('ticket-card')).toContainText('1-1-101');

  // The redacted file imports too (head office KPIs), without the names.
  const office2 = await (await browser.newContext()).newPage();
  await importFiles(office2, [redacted]);
  const names = await office2.evaluate(async () => {
    const db = await new Promise((ok) => { const r = indexedDB.open('patroldesk'); r.onsuccess = () => ok(r.result); });
    const all = await new Promise((ok) => { const r = db.transaction('tickets').objectStore('tickets').getAll(); r.onsuccess = () => ok(r.result); });
    return all.map((t) => [t.body.reporter_name, t.body.phone]);
  });
  expect(names).toEqual([['', '']]);
});

test('a damaged file is refused with a message in the user\'s language and nothing is written', async ({ page }, info) => {
  const { writeFileSync } = await import('node:fs');
  await intake(page, { category: 'lift', description: '电梯' });
  const good = await exportFile(page);
  const damaged = JSON.parse(readFileSync(good, 'utf8'));
  damaged.payload.records[0].body.note = 'changed';
  const path = info.outputPath('damaged.json');
  writeFileSync(path, JSON.stringify(damaged));
  const cut = info.outputPath('cut.json');
  writeFileSync(cut, readFileSync(good, 'utf8').slice(0, 200));
  const office = await (await page.context().browser().newContext()).newPage();
  await office.goto('/data');
  await appReady(office);
  await office.getByTestId('language').selectOption('zh-CN');
  await expect(office.locator('#import-files')).toBeEnabled();
  await office.locator('#import-files').setInputFiles([path, cut]);
  await expect(office.getByTestId('import-error').nth(0)).toHaveText('文件在导出后被修改或损坏（校验值不符），未导入任何内容。');
  await expect(office.getByTestId('import-error').nth(1)).toHaveText('文件不完整：可能在复制时被截断。请重新导出。');
  await expect(office.getByRole('button', { name: /^导入 \d+ 个文件$/ })).toHaveCount(0);
  expect(await records(office)).toEqual([]);
});

test('spreadsheets: CSV in UTF-8 with BOM, headers in the chosen language, formulas neutralised', async ({ page }, info) => {
  await intake(page, { category: 'lift', description: '=HYPERLINK("http://evil.example","点我")' });
  await page.goto('/data');
  await appReady(page);
  await page.getByTestId('language').selectOption('zh-CN');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: '工单（CSV）' }).click();
  const file = await download;
  const path = info.outputPath(file.suggestedFilename());
  await file.saveAs(path);
  expect(file.suggestedFilename()).toMatch(/^patroldesk-.*-tickets-\d{8}\.csv$/);
  const bytes = readFileSync(path);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString('utf8');
  expect(text.split('\r\n')[0]).toMatch(/^编号,类型,状态,类别,优先级,报告人/);
  expect(text).toContain('电梯');
  expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""点我"")"`);
  expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
});

test('the XLSX workbook opens in LibreOffice with a sheet per kind, Chinese text and typed cells', async ({ page }, info) => {
  test.setTimeout(90_000);
  // The writer is a worker of its own, fetched only when a workbook is asked for.
  const fetched = [];
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  await intake(page, { category: 'lift', description: '电梯门关不上' });
  await page.goto('/data');
  await appReady(page);
  expect(fetched.filter((p) => p.startsWith('/xlsx_worker'))).toEqual([]);
  await page.getByTestId('language').selectOption('zh-CN');
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: '工作簿（XLSX）' }).click();
  const file = await download;
  // Its files carry a hash of their contents, like the rest of the build.
  expect(fetched.filter((p) => /^\/xlsx_worker_bg-[0-9a-f]{16}\.wasm$/.test(p))).toHaveLength(1);
  const path = info.outputPath(file.suggestedFilename());
  await file.saveAs(path);
  expect(file.suggestedFilename()).toMatch(/\.xlsx$/);
  const dir = info.outputPath('');
  execFileSync('soffice', [`-env:UserInstallation=file://${dir}/lo-profile`, '--headless', '--convert-to', 'fods', '--outdir', dir, path]);
  const xml = readFileSync(path.replace(/\.xlsx$/, '.fods'), 'utf8');
  for (const sheet of ['绩效（30天）', '工单', '工单步骤', '演练预案', '演练记录', '改进措施跟踪']) expect(xml).toContain(`table:name="${sheet}"`);
  expect(xml).toContain('消防疏散');
  expect(xml).toContain('电梯门关不上');
  expect(xml).toMatch(/office:value-type="date" office:date-value="\d{4}-\d\d-\d\dT/);
  expect(xml).toMatch(/office:value-type="float" office:value="(95|100)"/);
});

test('head office sends its roster and targets back to a tablet by file, when asked to', async ({ browser }) => {
  test.setTimeout(90_000);
  const [office, tablet] = await Promise.all([0, 1].map(() => browser.newContext({ acceptDownloads: true }).then((c) => c.newPage())));
  await office.goto('/settings');
  await appReady(office);
  await addStaff(office, '张主管', 'supervisor', 'customer_service');
  await office.locator('#target-per_day').fill('45');
  await office.getByRole('button', { name: 'Save targets' }).click();
  await expect(office.getByText('Targets saved.')).toBeVisible();
  const file = await exportFile(office);

  await tablet.goto('/data');
  await appReady(tablet);
  await expect(tablet.locator('#import-files')).toBeEnabled();
  await tablet.locator('#import-files').setInputFiles([file]);
  const offer = tablet.getByLabel(/Also apply the site settings/);
  await expect(offer).toBeVisible();
  await offer.check();
  await tablet.getByRole('button', { name: 'Import 1 file' }).click();
  await expect(tablet.getByTestId('import-result')).toHaveCount(1);
  await tablet.goto('/settings');
  await appReady(tablet);
  await expect(tablet.getByTestId('roster')).toContainText('张主管');
  await expect(tablet.locator('#target-per_day')).toHaveValue('45');
});

test('a photo the device cannot read is said in the export message, not dropped quietly', async ({ browser }) => {
  const page = await browser.newContext({ acceptDownloads: true }).then((c) => c.newPage());
  await page.goto('/intake');
  await appReady(page);
  await page.locator('label[for="kind-repair"]').click();
  await page.locator('#reporter-name').fill('李娜');
  await page.locator('#phone').fill('13800138000');
  await page.locator('#unit').fill('1-1-101');
  await page.locator('#category').selectOption('lift');
  await page.locator('#description').fill('电梯按钮失灵');
  await page.locator('#intake-photos').setInputFiles(await cameraPhoto(page, 800, 600, 7));
  await expect(page.getByTestId('intake-form').getByTestId('photo-list').locator('img')).toHaveCount(1);
  await page.getByRole('button', { name: 'Save ticket' }).click();
  await expect(page.getByTestId('intake-status')).toHaveText(/saved/);
  // The blob goes missing from storage (a cleared site-data entry, a damaged store).
  await page.evaluate(async () => {
    const db = await new Promise((ok) => { const r = indexedDB.open('patroldesk'); r.onsuccess = () => ok(r.result); });
    const tx = db.transaction('photos', 'readwrite');
    tx.objectStore('photos').clear();
    await new Promise((ok) => { tx.oncomplete = ok; });
    db.close();
  });
  await page.goto('/data');
  await appReady(page);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export everything' }).click();
  await download;
  await expect(page.getByTestId('export-status')).toHaveText(/^Exported \d+ records to \S+\. 1 photos could not be read from this device and are not in the file\.$/);
});
