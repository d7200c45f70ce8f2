// Residents' personal data is shown only where the task needs it (issue 19 point 6): a phone
// number appears on no card, list or log, and on the ticket's page masked until a tap.
import { test, expect } from '@playwright/test';
import { appReady, fieldsKeptByBrowser, intake, walkToReturnVisit } from './helpers.js';

test('a phone number is masked on the ticket page until tapped, and shown on no list', async ({ page }) => {
  await intake(page, { category: 'plumbing', description: '厨房水管漏水' });
  const whole = '13800138000';
  for (const path of ['/intake', '/board', '/kpi', '/kpi/log']) {
    await page.goto(path);
    await appReady(page);
    await expect(page.locator('main')).not.toContainText(whole);
  }
  await page.goto('/board');
  await appReady(page);
  await page.getByRole('link', { name: /^Open / }).first().click();
  const phone = page.getByTestId('detail-phone');
  await expect(phone).toHaveText('138****8000');
  await expect(page.locator('main')).not.toContainText(whole);
  await page.getByRole('button', { name: 'Show number' }).click();
  await expect(phone).toHaveText(whole);
  await page.getByRole('button', { name: 'Hide number' }).click();
  await expect(phone).toHaveText('138****8000');
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.getByRole('button', { name: '显示号码' })).toBeVisible();
});

test('no text typed into a step dialog is kept by the browser in its session file', async ({ page }) => {
  await intake(page, { category: 'plumbing', description: '厨房水管漏水' });
  await page.goto('/board');
  await appReady(page);
  await walkToReturnVisit(page, async (step, dialog) => {
    await expect(dialog).toBeVisible();
    expect(await fieldsKeptByBrowser(page), step).toEqual([]);
  });
});
