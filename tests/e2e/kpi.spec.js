// KPIs: figures computed from what was recorded, with targets and grades, and drill-down to
// the board.
import { test, expect } from '@playwright/test';
import { appReady } from './helpers.js';

async function intake(page, { kind = 'repair', category, description }) {
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

test('KPI cards and breakdowns follow the records, and a row opens the board filtered', async ({ page }) => {
  await intake(page, { kind: 'complaint', category: 'noise', description: '夜间施工噪音' });
  await intake(page, { category: 'lift', description: '电梯异响' });
  await intake(page, { category: 'lift', description: '电梯门夹人' });

  // Assess one lift ticket: one response within 24 h of three received.
  await page.goto('/board');
  await appReady(page);
  await page.locator('[data-testid="ticket-card"]').filter({ hasText: '1-1-101' }).first()
    .locator('.card-actions button[data-action="assess"]').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('board-status')).toHaveText(/Assessed/);

  await page.goto('/kpi');
  await appReady(page);
  const exact = (t) => new RegExp(`^${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const card = (title) => page.getByTestId('kpi-card').filter({ has: page.locator('.kpi-title', { hasText: exact(title) }) });
  await expect(card('Complaints').locator('.kpi-value')).toHaveText('1');
  await expect(card('Completion rate').locator('.kpi-value')).toHaveText('0.0 %');
  await expect(card('Completion rate').locator('.kpi-detail')).toHaveText('0 of 3 · target ≥ 95 %');
  await expect(card('Completion rate').locator('.kpi-grade')).toHaveText('Needs improvement');
  // Nothing to count yet: a dash, not 0 % or 100 %.
  await expect(card('Satisfaction').locator('.kpi-value')).toHaveText('—');
  await expect(card('Responded within 24 h').locator('.kpi-detail')).toHaveText('1 of 1 · target ≥ 100 %');

  const rows = page.getByTestId('kpi-row');
  await expect(rows.first()).toContainText('Lift');
  await expect(rows.first().locator('td').first()).toHaveText('2');
  await page.getByRole('link', { name: 'Lift' }).first().click();
  await expect(page).toHaveURL(/\/board\?category=lift$/);
  await expect(page.getByTestId('ticket-card')).toHaveCount(2);

  await page.goto('/kpi');
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(card('投诉量').locator('.kpi-value')).toHaveText('1');
  await expect(page.getByText('按类别', { exact: true }).first()).toBeVisible();
});
