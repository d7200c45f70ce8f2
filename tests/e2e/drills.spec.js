// Emergency drills: every built-in plan runs end to end; check-offs record time and who; a
// reload mid-run keeps the elapsed time; findings become linked tickets; finished runs are
// read-only; the report prints; the editor makes a plan that can be run.
import { test, expect } from '@playwright/test';
import { addStaff, appReady, cameraPhoto, watchErrors } from './helpers.js';

const PLANS = ['Fire evacuation', 'Lift entrapment', 'Burst pipe / flooding', 'Power outage', 'Gas leak', 'Typhoon / rainstorm', 'Security incident'];

async function setUp(page) {
  await page.goto('/settings');
  await appReady(page);
  await addStaff(page, '张主管', 'supervisor', 'customer_service');
  await addStaff(page, '王保安', 'patrol', 'security');
  await page.getByTestId('on-duty').selectOption({ label: '张主管' });
}

async function startRun(page, plan, location = '3号楼大堂') {
  await page.goto('/drills');
  await appReady(page);
  await page.getByRole('link', { name: `Start ${plan}` }).click();
  const form = page.getByTestId('run-setup');
  await expect(form).toBeVisible();
  await form.getByLabel('Site / location').fill(location);
  await form.getByLabel('王保安', { exact: true }).check();
  await form.getByLabel('Role of 王保安').selectOption({ index: 1 });
  await form.getByLabel('Visitors (names, separated by commas)').fill('消防中队李队长');
  await form.getByRole('button', { name: 'Start the clock' }).click();
  await expect(page).toHaveURL(/\/drills\/run\//);
  await expect(page.getByTestId('run-step').first()).toBeVisible();
}

test('every built-in plan can be run end to end, each check-off stamped with time and who', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await setUp(page);
  for (const plan of PLANS) {
    await startRun(page, plan);
    await expect(page.locator('h1')).toHaveText(`${plan} · A drill`);
    const steps = page.getByTestId('run-step');
    const count = await steps.count();
    expect(count).toBeGreaterThanOrEqual(6);
    for (let n = 1; n <= count; n++) {
      await page.getByRole('button', { name: `Mark step ${n} done`, exact: true }).click();
      await expect(steps.nth(n - 1).getByTestId('step-status')).toHaveText(/^Done at \d{1,2} \w{3} \d{4}, \d{2}:\d{2} by 张主管$/);
    }
    await page.getByTestId('finish-form').getByLabel('Evaluation').selectOption('good');
    await page.getByTestId('finish-form').getByRole('button', { name: 'Finish' }).click();
    await expect(page.getByTestId('run-totals')).toHaveText(`${count} done · 0 skipped · 0 late`);
  }
  await page.goto('/drills');
  await expect(page.getByTestId('run-list').locator('li')).toHaveCount(PLANS.length);
  // The history of one plan.
  await page.getByTestId('plan-row').filter({ hasText: 'Gas leak' }).getByRole('link', { name: 'History (1)' }).click();
  await expect(page).toHaveURL(/\/drills\?plan=/);
  await expect(page.getByTestId('run-list').locator('li')).toHaveCount(1);
  await expect(page.getByTestId('run-list')).toContainText('Gas leak');
  expect(errors).toEqual([]);
});

test('a reload mid-run resumes with the right elapsed time; undo, skip and lateness', async ({ page }) => {
  await page.clock.install({ time: new Date('2026-11-29T02:00:00Z') });
  await setUp(page);
  await startRun(page, 'Lift entrapment');
  await page.getByRole('button', { name: 'Mark step 1 done', exact: true }).click();
  await expect(page.getByTestId('run-step').first().getByTestId('step-status')).toContainText('by 张主管');
  // A mis-tap taken back, then a skip with its reason.
  await page.getByRole('button', { name: 'Undo step 1' }).click();
  await expect(page.getByRole('button', { name: 'Mark step 1 done', exact: true })).toBeVisible();
  await page.getByRole('button', { name: 'Mark step 1 done', exact: true }).click();
  await page.getByRole('button', { name: 'Skip step 4' }).click();
  await page.getByLabel('Why is step 4 skipped?').fill('演练不实际断电');
  await page.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByTestId('run-step').nth(3).getByTestId('step-status')).toHaveText('Skipped: 演练不实际断电');

  // A photo of step 2, stored with the run.
  await page.getByLabel('Photo of step 2').setInputFiles(await cameraPhoto(page, 2400, 1800, 4));
  await expect(page.getByTestId('run-step').nth(1).getByTestId('step-photos').locator('img')).toHaveCount(1);

  // Seven minutes pass with the tablet asleep, then the page is reloaded.
  await page.clock.fastForward('07:00');
  await page.reload();
  await appReady(page);
  await expect(page.getByTestId('elapsed')).toHaveText(/^07:0\d$/);
  // Step 2 (target 3 min) and step 3 (target 5 min) are now late; step 1 was on time.
  const steps = page.getByTestId('run-step');
  await expect(steps.nth(0)).not.toHaveClass(/late/);
  await expect(steps.nth(1)).toHaveClass(/late/);
  await expect(steps.nth(2)).toHaveClass(/late/);
  await expect.poll(() => steps.nth(1).getByTestId('stored-photo').evaluate((img) => img.naturalWidth)).toBe(1600);
  await page.getByRole('button', { name: 'Mark step 2 done', exact: true }).click();
  await expect(steps.nth(1).getByTestId('step-status')).toContainText('Done at');
});

test('a finding becomes a ticket linked both ways; the finished run is read-only and prints', async ({ page }) => {
  await setUp(page);
  await startRun(page, 'Fire evacuation', '5号楼');
  await page.getByRole('button', { name: 'Mark step 1 done', exact: true }).click();
  await page.getByLabel('Note on step 5').fill('广播声音太小');
  // The live clock ticks every second; what is being typed must survive it.
  await page.waitForTimeout(1500);
  await expect(page.getByLabel('Note on step 5')).toHaveValue('广播声音太小');
  await page.getByRole('button', { name: 'Add note' }).nth(4).click();
  await expect(page.getByTestId('run-step').nth(4)).toContainText('广播声音太小');
  const findingForm = page.getByTestId('finding-form');
  await findingForm.getByLabel('Problem found').fill('3楼应急照明不亮');
  await findingForm.getByLabel('Severity').selectOption('high');
  await findingForm.getByRole('button', { name: 'Add problem' }).click();
  const finding = page.getByTestId('finding');
  await expect(finding).toContainText('3楼应急照明不亮');
  await finding.getByRole('button', { name: 'Create follow-up ticket' }).click();
  const link = finding.getByRole('link', { name: /^Ticket \S+$/ });
  await expect(link).toBeVisible();
  await expect(finding.getByTestId('finding-ticket-status')).toHaveText('New');
  const number = (await link.textContent()).replace('Ticket ', '');
  const runUrl = page.url();

  // On the board, and back to the run from the ticket.
  await page.goto('/board');
  await appReady(page);
  const card = page.locator(`[data-number="${number}"]`);
  await expect(card).toContainText('Repair');
  await card.getByRole('link', { name: `Open ${number}` }).click();
  await expect(page.getByText('3楼应急照明不亮 (Fire evacuation)')).toBeVisible();
  await page.getByRole('link', { name: 'Follow-up of drill run' }).click();
  await expect(page).toHaveURL(runUrl);

  // Finish: the run becomes read-only except for notes.
  await page.getByTestId('finish-form').getByLabel('Evaluation').selectOption('needs_redrill');
  await page.getByTestId('finish-form').getByLabel('Summary').fill('疏散用时超过目标，需重新演练');
  await page.getByTestId('finish-form').getByRole('button', { name: 'Finish' }).click();
  await expect(page.getByTestId('run-summary')).toContainText('Needs re-drill');
  await expect(page.getByRole('button', { name: /^Mark step/ })).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Undo step/ })).toHaveCount(0);
  await expect(page.getByTestId('finding-form')).toHaveCount(0);
  await expect(page.getByTestId('finish-form')).toHaveCount(0);
  await page.getByLabel('Add a note').fill('整改后于下月复演');
  await page.getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByTestId('run-notes')).toContainText('整改后于下月复演');

  // The print view: timeline, findings with the ticket number, no controls.
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByTestId('run-steps')).toBeVisible();
  await expect(page.getByTestId('run-step').first()).toContainText('Done at');
  await expect(page.getByTestId('findings')).toContainText(number);
  await expect(page.getByRole('button', { name: 'Print report' })).toBeHidden();
  await expect(page.locator('nav.shell-nav')).toBeHidden();
  const pdf = await page.pdf({ format: 'A4' });
  expect(pdf.length).toBeGreaterThan(10_000);
});

test('the editor creates a plan with reordered steps that can then be run', async ({ page }) => {
  await setUp(page);
  await page.goto('/drills');
  await appReady(page);
  // Showing the built-in plans writes nothing: no phantom "changes not yet exported".
  await expect(page.getByTestId('plan-row')).toHaveCount(7);
  await expect(page.getByTestId('unexported-badge')).toHaveCount(0);
  await page.getByRole('link', { name: 'New plan' }).click();
  const form = page.getByTestId('plan-form');
  // Empty step and no name: refused with messages.
  await form.getByRole('button', { name: 'Save plan' }).click();
  await expect(form.getByRole('status')).toHaveText('Nothing was saved. Check the marked fields.');
  await form.getByLabel('Plan name').fill('地下车库水浸');
  await form.getByLabel('Target duration (min)').fill('25');
  const texts = form.locator('.step-edit textarea');
  await texts.nth(0).fill('关闭地库入口挡水板');
  await form.getByRole('button', { name: 'Add step' }).click();
  await texts.nth(1).fill('启动抽水泵');
  await form.locator('.step-edit').nth(1).getByLabel('Role responsible').selectOption('logistics');
  await form.getByRole('button', { name: 'Move step 2 up' }).click();
  await expect(texts.nth(0)).toHaveValue('启动抽水泵');
  await form.getByRole('button', { name: 'Save plan' }).click();
  await expect(page).toHaveURL(/\/drills$/);
  await expect(page.getByTestId('plan-row').filter({ hasText: '地下车库水浸' })).toContainText('2 steps · target 25 min');

  await startRun(page, '地下车库水浸');
  await expect(page.getByTestId('run-step').nth(0)).toContainText('启动抽水泵');
  await expect(page.getByTestId('run-step').nth(0)).toContainText('Logistics');
  await expect(page.getByTestId('run-step').nth(1)).toContainText('关闭地库入口挡水板');

  // Copy and retire: a retired plan leaves the list but keeps its history.
  await page.goto('/drills');
  await page.getByRole('button', { name: 'Retire 地下车库水浸' }).click();
  await expect(page.getByTestId('plan-row').filter({ hasText: '地下车库水浸' })).toHaveCount(0);
  await expect(page.getByTestId('run-list')).toContainText('地下车库水浸');
  await page.getByRole('link', { name: 'Copy Gas leak' }).click();
  await expect(page.getByTestId('plan-form').getByLabel('Plan name')).toHaveValue('Copy of Gas leak');
});
