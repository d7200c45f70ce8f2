// KPIs: figures computed from what was recorded, with targets and grades, and drill-down to
// the board.
import { test, expect } from '@playwright/test';
import { appReady, intake, watchErrors } from './helpers.js';


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
  await page.locator('.card-actions button[data-action="dispatch"]').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('board-status')).toHaveText(/Dispatched/);

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
  await expect(card('Responded in time').locator('.kpi-detail')).toHaveText('within 24 h · 1 of 1 · target ≥ 100 %');
  // Data accuracy counts dispatched tickets only: the one, complete and not corrected since.
  await expect(card('Data accuracy').locator('.kpi-value')).toHaveText('100.0 %');
  await expect(card('Data accuracy').locator('.kpi-detail')).toHaveText('1 of 1 · target ≥ 99 %');

  const rows = page.getByTestId('kpi-row');
  await expect(rows.first()).toContainText('Lift');
  await expect(rows.first().locator('td').first()).toHaveText('2');
  await page.getByRole('link', { name: 'Lift' }).first().click();
  await expect(page).toHaveURL(/\/board\?category=lift&from=\d{4}-\d\d-01&to=\d{4}-\d\d-\d\d$/);
  await expect(page.getByTestId('ticket-card')).toHaveCount(2);

  await page.goto('/kpi');
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(card('投诉量').locator('.kpi-value')).toHaveText('1');
  await expect(page.getByText('按类别', { exact: true }).first()).toBeVisible();

  // Recurring problems (issue 22): the two lift reports at 1-1-101, and lifts rising against
  // the month before; the tickets behind a row open from it.
  const recurring = page.getByTestId('recurring');
  await expect(recurring.getByRole('heading', { name: '重复发生的问题' })).toBeVisible();
  await expect(recurring.getByTestId('recurring-place')).toContainText('2 张工单');
  await page.getByTestId('language').selectOption('en');
  const place = recurring.getByTestId('recurring-place');
  await expect(place).toHaveCount(1);
  await expect(place.locator('th')).toHaveText('1-1-101');
  await expect(place.locator('td').first()).toHaveText('Lift');
  await expect(recurring.getByTestId('recurring-rising').filter({ hasText: 'Lift' })).toHaveCount(1);
  await place.getByText('2 tickets').click();
  await place.locator('details a').first().click();
  await expect(page).toHaveURL(/\/ticket\//);
});

// A tablet in China: local days start at 16:00 UTC, so every date below is a local date.
test.describe('with sample data', () => {
  test.use({ timezoneId: 'Asia/Shanghai' });

  async function loadSample(page) {
    await page.goto('/data');
    await appReady(page);
    const button = page.getByRole('button', { name: 'Load sample data' });
    // Enabled once storage is open; a second tap while it runs does nothing: the first tap
    // disables the button at once.
    await expect(button).toBeEnabled();
    const disabledAfterTap = await button.evaluate(async (b) => {
      b.click();
      await new Promise((r) => setTimeout(r, 0));
      return b.disabled;
    });
    expect(disabledAfterTap).toBe(true);
    await expect(page.getByTestId('sample-status')).toHaveText('1000 sample tickets loaded.', { timeout: 60_000 });
    await expect(button).toBeEnabled();
  }

  /** Tickets and events straight from IndexedDB, to check the views against. */
  async function stored(page) {
    return page.evaluate(async () => {
      const db = await new Promise((ok, fail) => { const r = indexedDB.open('patroldesk'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
      const all = (store) => new Promise((ok, fail) => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
      const tickets = (await all('tickets')).map((r) => ({ id: r.id, ...r.body }));
      const events = (await all('ticket_events')).map((r) => r.body);
      db.close();
      return { tickets, events };
    });
  }

  const localDay = (iso) => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 10);

  test('the dashboard renders every chart and table in both languages', async ({ page }) => {
    test.setTimeout(120_000);
    const errors = watchErrors(page);
    await loadSample(page);
    await page.goto('/kpi');
    await appReady(page);
    await page.locator('label[for="period-last30"]').click();
    await expect(page.getByTestId('kpi-card')).toHaveCount(10);
    const charts = page.getByTestId('chart');
    await expect(charts).toHaveCount(4);
    for (let i = 0; i < 4; i++) {
      await expect(charts.nth(i).locator('svg[role="img"]')).toHaveAttribute('aria-label', /\S/);
    }
    // Columns for the days that had tickets, a target line, and the numbers as a table.
    await expect(charts.nth(0).locator('rect.col').first()).toBeVisible();
    await expect(charts.nth(0).locator('line.target')).toHaveCount(1);
    await expect(page.getByTestId('trend-table').locator('tbody tr')).toHaveCount(30);
    await expect(page.getByTestId('score-table').locator('tbody tr')).toHaveCount(5);
    expect(await page.getByTestId('drill-table').locator('tbody tr').count()).toBeGreaterThan(0);
    for (const id of ['by-category', 'by-department', 'by-kind', 'by-priority', 'by-assignee']) {
      expect(await page.getByTestId(id).getByTestId('kpi-row').count(), id).toBeGreaterThan(1);
    }
    // The table supervisors filled by hand, filled from the records.
    const rows = page.getByTestId('analysis-row');
    expect(await rows.count()).toBeGreaterThan(5);
    const first = rows.first();
    await expect(first.locator('td').first()).toHaveText('1');
    await expect(first.locator('td').nth(2)).toHaveText(/^\d+(\.\d) %$/);
    // The trend table adds up to the tickets received in the period.
    const received = await page.getByTestId('trend-table').locator('tbody tr td:nth-child(2)').allTextContents();
    const total = received.reduce((a, b) => a + Number(b), 0);
    await expect(page.getByTestId('kpi-card').filter({ hasText: 'Requests per day' }).locator('.kpi-detail')).toContainText(`${total} received`);

    // No chart label runs off its picture (the SVG clips it): every text inside the viewBox,
    // on a tablet in portrait and in landscape, in both languages.
    const clipped = () => page.evaluate(() => [...document.querySelectorAll('svg.chart-svg')].flatMap((svg) => {
      const box = svg.viewBox.baseVal;
      return [...svg.querySelectorAll('text')].map((t) => ({ t, b: t.getBBox() }))
        .filter(({ b }) => b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5 || b.y < box.y - 0.5 || b.y + b.height > box.y + box.height + 0.5)
        .map(({ t }) => t.textContent);
    }));
    const complaintTime = page.getByTestId('kpi-card').filter({ has: page.locator('.kpi-title', { hasText: /^(Complaint handling time|投诉处理时间)$/ }) });
    for (const [width, height] of [[820, 1180], [1180, 820]]) {
      await page.setViewportSize({ width, height });
      expect(await clipped(), `${width} px, English`).toEqual([]);
    }
    await expect(charts.nth(1).locator('.target-label')).toHaveText(/^target ≥ \d+ %$/);
    await expect(complaintTime.locator('.kpi-value')).toHaveText(/^\d+(\.\d)? h$/);
    await expect(complaintTime.locator('.kpi-detail')).toHaveText(/^mean \d+(\.\d)? h · 90 % within \d+(\.\d)? h · target ≤ \d+ h$/);

    await page.getByTestId('language').selectOption('zh-CN');
    expect(await clipped(), 'Chinese').toEqual([]);
    // Natural wording, one unit style per language; the daily figure counts tickets received.
    await expect(complaintTime.locator('.kpi-value')).toHaveText(/^\d+(\.\d)? 小时$/);
    await expect(complaintTime.locator('.kpi-detail')).toHaveText(/^平均 \d+(\.\d)? 小时 · 90% 在 \d+(\.\d)? 小时内 · 目标 ≤ \d+ 小时$/);
    await expect(page.getByTestId('kpi-card').filter({ hasText: '客户满意度' }).locator('.kpi-detail')).toHaveText(/^\d+\/\d+ · 目标 ≥ \d+ %/);
    await expect(page.getByTestId('kpi-card').locator('.kpi-title', { hasText: /^日均受理量$/ })).toHaveCount(1);
    await expect(charts.nth(0).locator('figcaption')).toHaveText('每日受理量');
    await expect(charts.nth(2).locator('figcaption')).toHaveText('回访评分分布');
    await expect(page.getByRole('heading', { name: '客户关系数据分析表' })).toBeVisible();
    await expect(page.getByTestId('analysis').locator('th').nth(4)).toHaveText('服务需求及反馈意见');
    await expect(page.getByTestId('by-kind').getByTestId('kpi-row').first()).toContainText(/报修|投诉|咨询|建议|巡查/);
    expect(errors).toEqual([]);
  });

  test('a follow-up plan is kept, shown as text, and a row opens the board with its count', async ({ page }) => {
    test.setTimeout(120_000);
    await loadSample(page);
    await page.goto('/kpi');
    await appReady(page);
    const row = page.getByTestId('analysis-row').first();
    const plan = '<img src=x onerror=alert(1)> 每周检查';
    await row.locator('textarea').fill(plan);
    await row.getByRole('button', { name: /^Save the follow-up plan for / }).click();
    await expect(page.getByTestId('analysis-status')).toHaveText(/saved/);
    await page.reload();
    await appReady(page);
    await expect(page.getByTestId('analysis-row').first().locator('textarea')).toHaveValue(plan);

    // Drill-down from a category bar row: the board shows that category in this period, and
    // exactly as many tickets as the row counted.
    const catRow = page.getByTestId('by-category').getByTestId('kpi-row').first();
    const count = Number(await catRow.locator('td').first().textContent());
    await catRow.getByRole('link').click();
    await expect(page).toHaveURL(/\/board\?category=[a-z_]+&from=\d{4}-\d\d-01&to=/);
    await expect(page.getByTestId('board-count')).toHaveText(`${count.toLocaleString('en-US')} ${count === 1 ? 'ticket' : 'tickets'}`);

    // And from a card: complaints this month.
    await page.goto('/kpi');
    await appReady(page);
    const complaints = page.getByTestId('kpi-card').filter({ has: page.locator('.kpi-title', { hasText: /^Complaints$/ }) });
    const n = Number(await complaints.locator('.kpi-value').textContent());
    await complaints.click();
    await expect(page).toHaveURL(/kind=complaint/);
    await expect(page.getByTestId('board-count')).toHaveText(`${n} ${n === 1 ? 'ticket' : 'tickets'}`);
  });

  test('the daily log lists exactly that day\'s work and prints', async ({ page }) => {
    test.setTimeout(120_000);
    await loadSample(page);
    const { tickets, events } = await stored(page);
    // The busiest day of the last week, worked out from the stored records.
    const counts = {};
    for (const t of tickets) counts[localDay(t.received_at)] = (counts[localDay(t.received_at)] || 0) + 1;
    const recent = Object.keys(counts).sort().slice(-8, -1);
    const day = recent.sort((a, b) => counts[b] - counts[a])[0];
    const numberOf = Object.fromEntries(tickets.map((t) => [t.id, t.number]));
    const receivedThatDay = tickets.filter((t) => localDay(t.received_at) === day).map((t) => t.number).sort();
    const resolvedThatDay = [...new Set(events.filter((e) => e.action.type === 'resolve' && localDay(e.at) === day).map((e) => numberOf[e.ticket_id]))].sort();
    const handledThatDay = [...new Set(events.filter((e) => e.action.type !== 'received' && localDay(e.at) === day).map((e) => numberOf[e.ticket_id]))].sort();
    expect(receivedThatDay.length).toBeGreaterThan(0);

    await page.goto(`/kpi/log?day=${day}`);
    await appReady(page);
    const numbers = async (id) => (await page.getByTestId(id).locator('[data-testid="log-ticket"] a').allTextContents()).sort();
    await expect(page.getByTestId('log-received').locator('[data-testid="log-ticket"]')).toHaveCount(receivedThatDay.length);
    expect(await numbers('log-received')).toEqual(receivedThatDay);
    expect(await numbers('log-resolved')).toEqual(resolvedThatDay);
    expect(await numbers('log-handled')).toEqual(handledThatDay);
    await expect(page.getByTestId('log-summary')).toHaveText(`${receivedThatDay.length} received · ${handledThatDay.length} handled · ${resolvedThatDay.length} resolved · ${await page.getByTestId('log-overdue').locator('[data-testid="log-ticket"]').count()} overdue`);

    // One person's log is a subset: only what they did.
    await page.locator('#log-staff').selectOption({ index: 2 });
    await expect(page).toHaveURL(new RegExp(`day=${day}&staff=`));
    const mine = await numbers('log-handled');
    expect(mine.every((n) => handledThatDay.includes(n))).toBe(true);

    // Print: controls and navigation hidden, the lists and the heading shown, one A4 PDF.
    await page.emulateMedia({ media: 'print' });
    await expect(page.locator('.log-controls')).toBeHidden();
    await expect(page.locator('nav.shell-nav')).toBeHidden();
    await expect(page.getByTestId('log-heading')).toBeVisible();
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  });

  test('sample data is marked and removable, leaving real records alone', async ({ page }) => {
    test.setTimeout(120_000);
    await intake(page, { category: 'lift', description: '真实工单' });
    await loadSample(page);
    await page.goto('/board?view=list&q=DEMO-');
    await appReady(page);
    await expect(page.getByTestId('board-count')).toHaveText('1,000 tickets');
    await page.goto('/data');
    await appReady(page);
    const remove = page.getByRole('button', { name: 'Remove sample data' });
    await remove.click();
    await page.getByRole('button', { name: 'Tap again to remove all sample data' }).click();
    await expect(page.getByTestId('sample-status')).toHaveText(/^\d+ sample records removed\.$/, { timeout: 30_000 });
    await page.goto('/board?view=list');
    await appReady(page);
    await expect(page.getByTestId('board-count')).toHaveText('1 ticket');
    await page.goto('/settings');
    await appReady(page);
    await expect(page.getByLabel('Name', { exact: true })).toBeVisible();
    await expect(page.locator('.roster-name', { hasText: 'Supervisor Zhang' })).toHaveCount(0);
  });

  test('KPI targets are settings and the cards grade against them', async ({ page }) => {
    await page.goto('/settings');
    await appReady(page);
    await page.locator('#target-per_day').fill('500');
    await page.locator('#target-completion_pct').fill('101');
    await page.getByRole('button', { name: 'Save targets' }).click();
    await expect(page.locator('#target-completion_pct-error')).toHaveText(/1.*100/);
    await expect(page.locator('#target-completion_pct')).toBeFocused();
    await page.locator('#target-completion_pct').fill('50');
    await page.getByRole('button', { name: 'Save targets' }).click();
    await expect(page.getByText('Targets saved.')).toBeVisible();
    await page.goto('/kpi');
    await appReady(page);
    const card = (t) => page.getByTestId('kpi-card').filter({ has: page.locator('.kpi-title', { hasText: new RegExp(`^${t}$`) }) });
    await expect(card('Requests per day').locator('.kpi-detail')).toContainText('target ≥ 500');
    await expect(card('Completion rate').locator('.kpi-detail')).toContainText('target ≥ 50 %');
    await expect(page.getByTestId('chart').first().locator('.target-label')).toHaveText('target ≥ 500');
  });
});
