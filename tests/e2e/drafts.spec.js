// Drafts: what was typed into a form but not saved survives the tab being closed.
import { test, expect } from '@playwright/test';
import { appReady } from './helpers.js';

test('a draft typed and the tab closed at once is offered back, and restoring fills the form', async ({ context }) => {
  const first = await context.newPage();
  await first.goto('/settings');
  await appReady(first);
  await first.getByLabel('Site name').fill('东湖花园');
  await first.getByLabel('Site code').fill('DH01');
  // Closed straight after typing: the debounce has not fired, so only the flush on
  // visibilitychange/pagehide can have kept it.
  await first.close({ runBeforeUnload: false });

  const again = await context.newPage();
  await again.goto('/settings');
  await appReady(again);
  const offer = again.getByTestId('draft-offer');
  await expect(offer).toContainText('Unsaved changes from');
  await expect(again.getByLabel('Site name')).toHaveValue('');
  await offer.getByRole('button', { name: 'Restore' }).click();
  await expect(offer).toHaveCount(0);
  await expect(again.getByLabel('Site name')).toHaveValue('东湖花园');
  await expect(again.getByLabel('Site code')).toHaveValue('DH01');

  // Saving the form ends the draft: no offer next time.
  await again.getByLabel('Device name').fill('前台平板');
  await again.getByRole('button', { name: 'Save site settings' }).click();
  await expect(again.getByText('Saved.')).toBeVisible();
  await again.reload();
  await appReady(again);
  await expect(again.getByLabel('Site name')).toHaveValue('东湖花园');
  // Once the stored draft has been looked for, no offer is shown.
  await expect(again.locator('[data-testid="draft-checked"]').first()).toBeAttached();
  await expect(again.locator('[data-testid="draft-checked"][data-checked="false"]')).toHaveCount(0);
  await expect(again.getByTestId('draft-offer')).toHaveCount(0);
});

test('a draft left to the debounce is kept too, and discarding it forgets it', async ({ context }) => {
  const page = await context.newPage();
  await page.goto('/settings');
  await appReady(page);
  await page.getByLabel('Site name').fill('Lakeside Court');
  await page.waitForTimeout(1200);
  await page.reload();
  await appReady(page);
  const offer = page.getByTestId('draft-offer');
  await expect(offer).toBeVisible();
  await page.getByLabel('Language').selectOption('zh-CN');
  await expect(offer).toContainText('未保存的填写内容');
  await offer.getByRole('button', { name: '放弃' }).click();
  await expect(offer).toHaveCount(0);
  await page.reload();
  await appReady(page);
  await expect(page.locator('[data-testid="draft-checked"]').first()).toBeAttached();
  await expect(page.locator('[data-testid="draft-checked"][data-checked="false"]')).toHaveCount(0);
  await expect(page.getByTestId('draft-offer')).toHaveCount(0);
});
