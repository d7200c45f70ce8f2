// Issue 18: a drill run collects the record the rules ask for (organiser, commander, teams
// with their leads and headcounts, evacuated, scenario, advance notice, weather, changes the
// plan needs, the commander's sign-off), the A4 report prints it in both languages; plans
// are flagged when their drill is overdue, on the Drills view and the KPI view; the lift
// contractor's arrival is timed.
import { test, expect } from '@playwright/test';
import { addStaff, appReady, watchErrors } from './helpers.js';

// Times are read as a tablet in China shows them.
test.use({ timezoneId: 'Asia/Shanghai' });

async function setUp(page) {
  await page.goto('/settings');
  await appReady(page);
  await page.getByLabel('Site name').fill('东湖花园');
  await page.getByLabel('Site code').fill('DH01');
  await page.getByLabel('Device name').fill('Front desk 1');
  await page.getByRole('button', { name: 'Save site settings' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await addStaff(page, '张主管', 'supervisor', 'customer_service');
  await addStaff(page, '王保安', 'patrol', 'security');
  await page.getByTestId('on-duty').selectOption({ label: '张主管' });
}

async function start(page, plan, roles) {
  await page.goto('/drills');
  await appReady(page);
  await page.getByRole('link', { name: `Start ${plan}` }).click();
  const form = page.getByTestId('run-setup');
  await form.getByLabel('Site / location').fill('5号楼');
  for (const [name, role] of roles) {
    await form.getByLabel(name, { exact: true }).check();
    await form.getByLabel(`Role of ${name}`).selectOption(role);
  }
  await form.getByRole('button', { name: 'Start the clock' }).click();
  await expect(page.getByTestId('run-step').first()).toBeVisible();
}

test('a drill run keeps its record, signed by the commander, printed on A4 in both languages; an overdue plan is flagged', async ({ page }) => {
  test.setTimeout(120_000);
  await page.clock.install({ time: new Date('2026-01-10T02:00:00Z') });
  const errors = watchErrors(page);
  await setUp(page);

  // A new site has never drilled: every plan is due now, in words.
  await page.goto('/drills');
  await appReady(page);
  const fireRow = page.getByTestId('plan-row').filter({ hasText: 'Fire evacuation' });
  await expect(fireRow).toContainText('drilled every 6 months');
  await expect(fireRow.getByTestId('plan-due')).toHaveText('Never drilled here: due now');
  await expect(page.getByTestId('plan-row').filter({ hasText: 'Gas leak' })).toContainText('drilled every 12 months');

  // The commander and a team lead come from the roles given at the start.
  await start(page, 'Fire evacuation', [['张主管', 'commander'], ['王保安', 'evacuation_guide']]);
  const steps = page.getByTestId('run-step');
  await expect(steps.nth(4)).toContainText('Communications');
  await expect(steps.nth(6)).toContainText('Engineering · by 6 min · Certified staff only');
  const form = page.getByTestId('record-form');
  await expect(form.getByLabel('Commander')).toHaveValue('张主管');
  await expect(form.getByLabel('Lead of Evacuation guide')).toHaveValue('王保安');
  await form.getByLabel('Organised by').fill('物业服务中心 王经理');
  await form.getByLabel('Weather').fill('晴 12°C，北风3级');
  await form.getByLabel('People evacuated').fill('126');
  await form.getByLabel('Scenario (the simulated conditions)').fill('5号楼12层厨房起火，浓烟进入走廊');
  await form.getByLabel('Unannounced').check();
  await form.getByLabel('How they were told').fill('只通知了消防控制室');
  await form.getByLabel('People in Evacuation guide').fill('6');
  await form.getByLabel('Lead of First aid').fill('李护士');
  await form.getByLabel('People in First aid').fill('2');
  // A check-off between typing and saving must not wipe what is typed.
  await page.getByRole('button', { name: 'Mark step 1 done', exact: true }).click();
  await expect(steps.first().getByTestId('step-status')).toContainText('by 张主管');
  await expect(form.getByLabel('Organised by')).toHaveValue('物业服务中心 王经理');
  await form.getByRole('button', { name: 'Save record' }).click();
  await expect(page.getByTestId('record-status')).toHaveText('Record saved.');
  await expect(page.getByTestId('record-organiser')).toHaveText('物业服务中心 王经理');
  await expect(page.getByTestId('record-teams').locator('li')).toHaveText(['Evacuation guide: 王保安 (6)', 'First aid: 李护士 (2)']);
  await expect(page.getByTestId('record-headcount')).toHaveText('8 people in the teams');

  // Out-of-range numbers are refused with the limit, and nothing is saved.
  await form.getByLabel('People in First aid').fill('20000');
  await form.getByRole('button', { name: 'Save record' }).click();
  await expect(page.getByTestId('record-status')).toHaveText('Nothing was saved. Check the marked fields.');
  await expect(page.getByTestId('record-teams')).toContainText('First aid: 李护士 (2)');
  await form.getByLabel('People in First aid').fill('2');

  // A change the plan needs, kept with the run.
  await page.getByLabel('A change the plan needs').fill('第6步补充消防电梯钥匙存放位置');
  await page.getByTestId('revision-form').getByRole('button', { name: 'Add', exact: true }).click();
  await expect(page.getByTestId('record-revisions')).toHaveText('第6步补充消防电梯钥匙存放位置');
  // The plan's editor, opened from the run, lists what the run asks for.
  await page.getByTestId('revision-form').getByRole('link', { name: 'Edit the plan' }).click();
  await expect(page.getByTestId('asked-revisions')).toContainText('第6步补充消防电梯钥匙存放位置');
  await expect(page.getByTestId('plan-form').getByLabel('Plan name')).toHaveValue('Fire evacuation');
  await page.goBack();
  await expect(page.getByTestId('run-record')).toBeVisible();

  await page.clock.fastForward('14:00');
  await page.getByTestId('finish-form').getByRole('button', { name: 'Finish' }).click();
  await expect(page.getByTestId('run-summary')).toBeVisible();
  await page.getByTestId('sign-off').click();
  await expect(page.getByTestId('record-signed')).toHaveText(/^Signed off by 张主管, .*2026, 10:14$/);
  await expect(page.getByTestId('record-form')).toHaveCount(0);
  await expect(page.getByTestId('sign-off')).toHaveCount(0);

  // The A4 report carries the record, without any control.
  await page.emulateMedia({ media: 'print' });
  const record = page.getByTestId('run-record');
  await expect(record).toBeVisible();
  for (const text of ['Organised by', '物业服务中心 王经理', 'Commander', '张主管', '126', '5号楼12层厨房起火，浓烟进入走廊',
    'Unannounced · 只通知了消防控制室', '晴 12°C，北风3级', '第6步补充消防电梯钥匙存放位置', 'Signed off by 张主管']) {
    await expect(record).toContainText(text);
  }
  await expect(page.getByRole('button', { name: 'Print report' })).toBeHidden();
  expect((await page.pdf({ format: 'A4' })).length).toBeGreaterThan(10_000);

  await page.emulateMedia({ media: 'screen' });
  await page.getByLabel('Language').selectOption('zh-CN');
  await page.emulateMedia({ media: 'print' });
  for (const text of ['演练记录表', '组织人', '总指挥', '疏散人数', '演练情景（模拟条件）', '未提前通知 · 只通知了消防控制室', '天气',
    '疏散引导：王保安（6 人）', '医疗救护：李护士（2 人）', '各小组共 8 人', '预案修订建议', '总指挥 张主管 于']) {
    await expect(record).toContainText(text);
  }
  await expect(record).not.toContainText('Organised by');
  expect((await page.pdf({ format: 'A4' })).length).toBeGreaterThan(10_000);
  await page.emulateMedia({ media: 'screen' });
  await page.getByLabel('语言').selectOption('en');

  // Drilled: next due in six months. Past that day, overdue on both views.
  await page.goto('/drills');
  await appReady(page);
  await expect(fireRow.getByTestId('plan-due')).toHaveText(/^Next drill by .*10 Jul 2026$/);
  await expect(fireRow.getByTestId('plan-due')).not.toHaveClass(/due-overdue/);
  await page.clock.setSystemTime(new Date('2026-07-11T02:00:00Z'));
  await page.reload();
  await appReady(page);
  await expect(fireRow.getByTestId('plan-due')).toHaveText(/^Overdue: due by .*10 Jul 2026 \(last drill .*10 Jan 2026\)$/);
  await expect(fireRow.getByTestId('plan-due')).toHaveClass(/due-overdue/);
  await page.goto('/kpi');
  await appReady(page);
  const due = page.getByTestId('drills-due');
  await expect(due.getByTestId('due-row').first()).toContainText('DH01');
  await expect(due.getByTestId('due-row').filter({ hasText: 'Fire evacuation' })).toContainText('Overdue: due by');
  await expect(due).toContainText('7 overdue or never drilled · 0 due soon');
  expect(errors).toEqual([]);
});

test('lift entrapment times the contractor and flags an arrival past 30 minutes', async ({ page }) => {
  await page.clock.install({ time: new Date('2026-03-02T06:00:00Z') });
  await setUp(page);
  await start(page, 'Lift entrapment', [['王保安', 'engineering']]);
  const contractor = page.getByTestId('record-contractor');
  await expect(contractor).toHaveText(/^Not arrived yet/);
  await expect(page.getByTestId('run-step').nth(5)).toContainText('two or more certified lift workers');
  await expect(page.getByTestId('run-step').nth(5)).toContainText('Certified staff only');
  await page.clock.fastForward('32:00');
  await contractor.getByRole('button', { name: 'Contractor arrived' }).click();
  await expect(contractor).toHaveText(/^Arrived .*14:32, 32 min after the start · over the 30-minute limit$/);
  await expect(contractor.getByRole('button')).toHaveCount(0);
});

test('a site copy of a built-in plan made by an older app is kept, and the newer plan is offered beside it', async ({ page }) => {
  await page.goto('/drills');
  await appReady(page);
  // The site edits the fire plan (stored now), then, as an older app would have left it:
  // revision 0, nine steps, drilled every 4 months.
  await page.getByRole('link', { name: 'Edit Fire evacuation' }).click();
  await page.getByTestId('plan-form').getByRole('button', { name: 'Save plan' }).click();
  await expect(page).toHaveURL(/\/drills$/);
  await page.evaluate(async () => {
    const db = await new Promise((ok, fail) => { const r = indexedDB.open('patroldesk'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const plans = await new Promise((ok, fail) => { const r = db.transaction('drill_plans').objectStore('drill_plans').getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
    const fire = plans.find((p) => p.body.key === 'fire_evacuation');
    delete fire.body.builtin_revision;
    fire.body.steps = fire.body.steps.slice(0, 9);
    fire.body.interval_months = 4;
    const tx = db.transaction('drill_plans', 'readwrite');
    tx.objectStore('drill_plans').put(fire);
    await new Promise((ok, fail) => { tx.oncomplete = ok; tx.onerror = () => fail(tx.error); });
    db.close();
  });
  await page.reload();
  await appReady(page);
  const row = page.getByTestId('plan-row').filter({ hasText: 'Fire evacuation' });
  await expect(row).toContainText('9 steps');
  await expect(row.getByTestId('newer-plan')).toContainText('The app has a newer version of this plan (revision 2)');
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.getByTestId('newer-plan')).toContainText('第 2 版');
  await page.getByTestId('language').selectOption('en');
  await row.getByRole('button', { name: 'Use the new version of Fire evacuation' }).click();
  await expect(row).toContainText('16 steps');
  await expect(row).toContainText('drilled every 4 months');
  await expect(row.getByTestId('newer-plan')).toHaveCount(0);
  // Other plans, never edited here, are simply the app's own.
  await expect(page.getByTestId('newer-plan')).toHaveCount(0);
});
