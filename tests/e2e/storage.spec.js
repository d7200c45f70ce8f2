// Storage engine, as the user meets it: the Data view's health figures and several tabs.
import { test, expect } from '@playwright/test';
import { appReady } from './helpers.js';

test('the Data view shows protection, usage against quota and unexported changes', async ({ page }) => {
  await page.goto('/data');
  await appReady(page);
  const health = page.getByTestId('storage-health');
  await expect(health.getByTestId('persistence')).toHaveText(/Protected|Not protected|does not say/);
  await expect(health.getByTestId('usage')).toHaveText(/^[\d.]+ (B|KB|MB) of [\d.]+ (KB|MB|GB|TB) \([\d.,]+ %\)$/);
  await expect(health.getByTestId('unexported-count')).toHaveText('0');
  await expect(health.getByTestId('unexported-oldest')).toHaveText('None');
  await expect(page.getByTestId('unexported-badge')).toHaveCount(0);
  await page.getByLabel('Language').selectOption('zh-CN');
  await expect(health.getByTestId('usage')).toHaveText(/^已用 .+，共 .+（[\d.,]+ %）$/);
});

test('a save in one tab appears in another open tab within a second', async ({ context }) => {
  const a = await context.newPage();
  const b = await context.newPage();
  await a.goto('/settings');
  await b.goto('/settings');
  await appReady(a);
  await appReady(b);
  await a.getByLabel('Name', { exact: true }).fill('陈静');
  await a.getByRole('button', { name: 'Add to roster' }).click();
  await expect(a.getByText('Added to the roster.')).toBeVisible();
  await expect(b.getByTestId('roster').locator('.roster-name')).toHaveText(['陈静'], { timeout: 1000 });
  await expect(b.getByLabel('On duty').locator('option')).toHaveText(['— choose staff —', '陈静'], { timeout: 1000 });

  await b.getByLabel('Site name').fill('南山公寓');
  await b.getByLabel('Site code').fill('NS02');
  await b.getByLabel('Device name').fill('Tablet B');
  await b.getByRole('button', { name: 'Save site settings' }).click();
  await expect(a.getByTestId('site-name')).toHaveText('南山公寓', { timeout: 1000 });
});

test('a save confirmed on screen survives the page being killed at once, 50 times in a row', async ({ browser }) => {
  test.setTimeout(180_000);
  const context = await browser.newContext();
  for (let i = 1; i <= 50; i++) {
    const page = await context.newPage();
    await page.goto('/settings');
    await appReady(page);
    await page.getByLabel('Name', { exact: true }).fill(`巡逻员 ${i}`);
    await page.getByRole('button', { name: 'Add to roster' }).click();
    await expect(page.getByText('Added to the roster.')).toBeVisible();
    // No graceful shutdown: no beforeunload, no waiting.
    await page.close({ runBeforeUnload: false });
  }
  const page = await context.newPage();
  await page.goto('/settings');
  await appReady(page);
  await expect(page.getByTestId('roster').locator('.roster-name')).toHaveCount(50);
  await expect(page.getByTestId('roster').locator('.roster-name').last()).toHaveText('巡逻员 50');
  await context.close();
});

test('with storage full, a save fails with the readable quota message and earlier data is intact', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // The quota override only takes before the origin first touches storage.
  await page.goto('about:blank');
  const cdp = await context.newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: 'http://127.0.0.1:8090', quotaSize: 2 * 1024 * 1024 });
  await page.goto('/settings');
  await appReady(page);
  await page.getByLabel('Name', { exact: true }).fill('王伟');
  await page.getByRole('button', { name: 'Add to roster' }).click();
  await expect(page.getByText('Added to the roster.')).toBeVisible();

  // Fill the origin's storage with incompressible bytes until the browser refuses.
  const filled = await page.evaluate(async () => {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open('filler', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('junk');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    let written = 0;
    for (let i = 0; i < 100; i++) {
      const chunk = new Uint8Array(100 * 1024);
      crypto.getRandomValues(chunk.subarray(0, 65536));
      crypto.getRandomValues(chunk.subarray(65536));
      const ok = await new Promise((resolve) => {
        const tx = db.transaction('junk', 'readwrite');
        tx.objectStore('junk').put(chunk, i);
        tx.oncomplete = () => resolve(true);
        tx.onabort = () => resolve(false);
        tx.onerror = () => resolve(false);
      });
      if (!ok) break;
      written++;
    }
    db.close();
    return written;
  });
  expect(filled).toBeLessThan(100);

  // Keep adding people until a save no longer fits in what is left.
  let failed = false;
  for (let i = 0; i < 30 && !failed; i++) {
    await page.getByLabel('Name', { exact: true }).fill(`员工 ${i} ${'长'.repeat(30)}`);
    await page.getByRole('button', { name: 'Add to roster' }).click();
    failed = await page.getByTestId('storage-notice').isVisible().catch(() => false);
    if (!failed) await page.waitForTimeout(50);
  }
  await expect(page.getByTestId('storage-notice')).toHaveText(/storage for PatrolDesk is full, so this was not saved/);
  const before = await page.getByTestId('roster').locator('.roster-name').allInnerTexts();
  expect(before[0]).toBe('王伟');

  await page.reload();
  await appReady(page);
  // What was shown after the failure is exactly what was stored: nothing half-written.
  await expect(page.getByTestId('roster').locator('.roster-name')).toHaveText(before);
  await context.close();
});
