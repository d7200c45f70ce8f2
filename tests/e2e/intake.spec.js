// Intake: every kind saved and found again, validation at the field, photos downscaled and
// stored once, drafts, the quick patrol report, and user text shown as text.
import { test, expect } from '@playwright/test';
import { appReady, cameraPhoto, intake, watchErrors } from './helpers.js';

/** Reads a whole object store of the app's database (values, and Blob facts for photos). */
async function readStore(page, name) {
  return page.evaluate(async (store) => {
    const db = await new Promise((ok, fail) => {
      const r = indexedDB.open('patroldesk');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const tx = db.transaction(store, 'readonly');
    const all = await new Promise((ok) => { const r = tx.objectStore(store).getAll(); r.onsuccess = () => ok(r.result); });
    const keys = await new Promise((ok) => { const r = tx.objectStore(store).getAllKeys(); r.onsuccess = () => ok(r.result); });
    db.close();
    return Promise.all(all.map(async (v, i) => {
      if (v instanceof Blob) {
        const bitmap = await createImageBitmap(v);
        return { key: keys[i], type: v.type, size: v.size, width: bitmap.width, height: bitmap.height };
      }
      return v;
    }));
  }, name);
}

const LANGS = {
  en: {
    kinds: { repair: 'Repair', complaint: 'Complaint', inquiry: 'Inquiry', suggestion: 'Suggestion', patrol_incident: 'Patrol finding' },
    save: 'Save ticket', saved: /^Ticket (\S+) saved\./, required: 'Required.',
  },
  'zh-CN': {
    kinds: { repair: '报修', complaint: '投诉', inquiry: '咨询', suggestion: '建议', patrol_incident: '巡查发现' },
    save: '保存工单', saved: /^工单 (\S+) 已保存/, required: null,
  },
};

async function openIntake(page, lang) {
  await page.goto('/intake');
  await appReady(page);
  await page.getByTestId('language').selectOption(lang);
  await expect(page.locator('label[for="kind-repair"]')).toHaveText(LANGS[lang].kinds.repair);
}

async function fillTicket(page, kind, n) {
  await page.locator(`label[for="kind-${kind}"]`).click();
  if (kind !== 'patrol_incident') {
    await page.locator('#reporter-name').fill(`业主${n}`);
    await page.locator('#phone').fill('138 0013 8000');
  }
  await page.locator('#unit').fill(`3-2-12${n}`);
  await page.locator('#location').fill('2号楼大堂');
  await page.locator('#category').selectOption('plumbing');
  await page.locator('#description').fill(`第${n}条：厨房水管漏水`);
}

for (const lang of Object.keys(LANGS)) {
  test(`[${lang}] every kind can be filled, saved, and found after reload`, async ({ page }) => {
    const errors = watchErrors(page);
    await openIntake(page, lang);
    const numbers = [];
    const kinds = Object.keys(LANGS[lang].kinds);
    for (const [i, kind] of kinds.entries()) {
      await fillTicket(page, kind, i);
      await page.getByRole('button', { name: LANGS[lang].save }).click();
      const status = page.getByTestId('intake-status');
      await expect(status).toHaveText(LANGS[lang].saved);
      numbers.push((await status.textContent()).match(LANGS[lang].saved)[1]);
      // The form is cleared for the next report.
      await expect(page.locator('#description')).toHaveValue('');
    }
    expect(new Set(numbers).size).toBe(kinds.length);
    expect(numbers[0]).toMatch(/^SITE-[0-9A-F]{6}-\d{6}-001$/);
    await page.reload();
    await appReady(page);
    const recent = page.getByTestId('recent-ticket');
    await expect(recent).toHaveCount(kinds.length);
    for (const [i, number] of numbers.entries()) {
      const item = recent.filter({ hasText: number });
      await expect(item).toContainText(LANGS[lang].kinds[kinds[i]]);
      await expect(item).toContainText(`第${i}条：厨房水管漏水`);
    }
    const tickets = await readStore(page, 'tickets');
    expect(tickets.map((t) => t.body.kind).sort()).toEqual([...kinds].sort());
    expect(tickets.every((t) => t.body.status === 'new')).toBe(true);
    const events = await readStore(page, 'ticket_events');
    expect(events.map((e) => e.body.ticket_id).sort()).toEqual(tickets.map((t) => t.id).sort());
    expect(errors).toEqual([]);
  });
}

test('invalid input shows the message at each field and saves nothing, in both languages', async ({ page }) => {
  await openIntake(page, 'en');
  await page.locator('#phone').fill('12345');
  await page.getByRole('button', { name: 'Save ticket' }).click();
  await expect(page.getByTestId('intake-status')).toHaveText('Nothing was saved. Check the 5 marked fields.');
  await expect(page.locator('#reporter-name')).toBeFocused();
  await expect(page.locator('#reporter-name')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#reporter-name-error')).toHaveText('Required.');
  await expect(page.locator('#phone-error')).not.toBeEmpty();
  await expect(page.locator('#category-error')).not.toBeEmpty();
  await expect(page.locator('#description-error')).not.toBeEmpty();
  // Fixing a field clears its message as the user types.
  await page.locator('#reporter-name').fill('李娜');
  await expect(page.locator('#reporter-name-error')).toBeEmpty();
  await page.locator('#phone').fill('1380013800'); // ten digits
  await expect(page.locator('#phone-error')).not.toBeEmpty();
  await page.locator('#phone').fill('13800138000');
  await expect(page.locator('#phone-error')).toBeEmpty();
  // A date in the future is refused.
  await page.locator('#received-at').fill('2099-01-01T10:00');
  await expect(page.locator('#received-at-error')).toHaveText('This time is in the future.');

  await page.getByTestId('language').selectOption('zh-CN');
  await page.getByRole('button', { name: '保存工单' }).click();
  await expect(page.getByTestId('intake-status')).toHaveText(/^未保存。请检查标出的 \d 个字段。$/);
  await expect(page.locator('#received-at-error')).toHaveText('这个时间在将来。');
  await expect(page.locator('#unit-error')).toHaveText(/[\u4e00-\u9fff]/);
  expect(await readStore(page, 'tickets')).toEqual([]);
  await expect(page.getByTestId('recent-ticket')).toHaveCount(0);
});

test('a photo is downscaled, stored once by its hash, and survives reload; non-images are refused', async ({ page }) => {
  await openIntake(page, 'en');
  const form = page.getByTestId('intake-form');
  const photo = await cameraPhoto(page, 3000, 2000, 1);
  await fillTicket(page, 'repair', 1);
  await page.locator('#intake-photos').setInputFiles(photo);
  await expect(form.getByTestId('photo-list').locator('img')).toHaveCount(1);
  // The same photo again in the same form is refused.
  await page.locator('#intake-photos').setInputFiles(photo);
  await expect(form.getByTestId('photo-messages')).toHaveText('This photo is already attached.');
  // A text file, and a file that claims to be a JPEG but is not.
  await page.locator('#intake-photos').setInputFiles([
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a photo') },
    { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('garbage bytes') },
  ]);
  await expect(form.getByTestId('photo-messages').locator('li')).toHaveText([
    '“notes.txt” is not a photo. Choose a JPEG, PNG or HEIC image.',
    '“broken.jpg” is not a photo. Choose a JPEG, PNG or HEIC image.',
  ]);
  await expect(form.getByTestId('photo-list').locator('img')).toHaveCount(1);
  await page.getByRole('button', { name: 'Save ticket' }).click();
  await expect(page.getByTestId('intake-status')).toHaveText(/saved/);
  await expect(form.getByTestId('photo-list').locator('img')).toHaveCount(0);

  const stored = await readStore(page, 'photos');
  expect(stored).toHaveLength(1);
  expect(stored[0]).toMatchObject({ type: 'image/jpeg', width: 1600, height: 1067 });
  expect(stored[0].size).toBeLessThan(photo.buffer.length);
  expect(stored[0].key).toMatch(/^[0-9a-f]{64}$/);
  const [ticket] = await readStore(page, 'tickets');
  expect(ticket.body.photos).toEqual([{ sha256: stored[0].key, width: 1600, height: 1067, bytes: stored[0].size }]);

  // A removed photo is not saved; the same photo on a second ticket is stored once.
  await fillTicket(page, 'complaint', 2);
  await page.locator('#intake-photos').setInputFiles(await cameraPhoto(page, 800, 600, 2));
  await expect(form.getByTestId('photo-list').locator('img')).toHaveCount(1);
  await page.getByRole('button', { name: 'Remove photo 1' }).click();
  await page.locator('#intake-photos').setInputFiles(photo);
  await page.getByRole('button', { name: 'Save ticket' }).click();
  await expect(page.getByTestId('intake-status')).toHaveText(/saved/);
  expect(await readStore(page, 'photos')).toHaveLength(1);

  await page.reload();
  await appReady(page);
  const thumbs = page.getByTestId('stored-photo');
  await expect(thumbs).toHaveCount(2);
  await expect.poll(() => thumbs.first().evaluate((img) => img.naturalWidth)).toBe(1600);
});

test('a half-filled intake form survives the tab being closed', async ({ context }) => {
  const first = await context.newPage();
  await first.goto('/intake');
  await appReady(first);
  await first.locator('label[for="kind-complaint"]').click();
  await first.locator('#reporter-name').fill('王先生');
  await first.locator('#description').fill('楼上装修噪音，晚上十点后仍在施工');
  await first.close({ runBeforeUnload: false });

  const again = await context.newPage();
  await again.goto('/intake');
  await appReady(again);
  await again.getByTestId('draft-offer').getByRole('button', { name: 'Restore' }).click();
  await expect(again.locator('#kind-complaint')).toBeChecked();
  await expect(again.locator('#reporter-name')).toHaveValue('王先生');
  await expect(again.locator('#description')).toHaveValue('楼上装修噪音，晚上十点后仍在施工');
});

test('the quick patrol report saves from another view in three taps plus the photo', async ({ page }) => {
  await page.goto('/board');
  await appReady(page);
  const photo = await cameraPhoto(page, 1200, 1600, 3);
  await page.getByTestId('quick-open').click(); // tap 1
  const dialog = page.getByRole('dialog', { name: 'Quick patrol report' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('radio', { name: 'Lift', exact: true }).click(); // tap 2
  await dialog.locator('#quick-photos').setInputFiles(photo); // the photo
  await expect(dialog.getByTestId('photo-list').locator('img')).toHaveCount(1);
  await dialog.getByRole('button', { name: 'Save report' }).click(); // tap 3
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('quick-confirmation')).toHaveText(/^Report \S+ saved\.$/);
  await expect(page).toHaveURL(/\/board$/);

  await page.goto('/intake');
  await appReady(page);
  const item = page.getByTestId('recent-ticket');
  await expect(item).toHaveCount(1);
  await expect(item).toContainText('Patrol finding');
  await expect(item).toContainText('Lift');
  await expect(item).toContainText('details to add');
  const [ticket] = await readStore(page, 'tickets');
  expect(ticket.body).toMatchObject({ kind: 'patrol_incident', channel: 'patrol', category: 'lift', needs_details: true, priority: 'P3' });
  expect(ticket.body.photos[0]).toMatchObject({ width: 1200, height: 1600 });

  // Without a category nothing is saved, and the user is told why.
  await page.getByTestId('quick-open').click();
  await dialog.getByRole('button', { name: 'Save report' }).click();
  await expect(dialog.locator('#quick-problem')).toHaveText('Required.');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  expect(await readStore(page, 'tickets')).toHaveLength(1);
});

test('markup typed into any field is shown as text and runs nothing', async ({ page }) => {
  const errors = watchErrors(page);
  await openIntake(page, 'en');
  const evil = '<img src=x onerror=alert(1)>';
  await page.locator('#reporter-name').fill(evil);
  await page.locator('#phone').fill('13800138000');
  await page.locator('#unit').fill(evil);
  await page.locator('#category').selectOption('lift');
  await page.locator('#description').fill(`${evil}<script>alert(2)</script>`);
  await page.getByRole('button', { name: 'Save ticket' }).click();
  await expect(page.getByTestId('intake-status')).toHaveText(/saved/);
  await page.reload();
  await appReady(page);
  const item = page.getByTestId('recent-ticket');
  await expect(item).toContainText(evil);
  await expect(item).toContainText('<script>alert(2)</script>');
  await expect(page.locator('.recent-list img[src="x"]')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('categories and response times set in Settings drive the intake form', async ({ page }) => {
  await page.goto('/settings');
  await appReady(page);
  await page.getByLabel('New category', { exact: true }).fill('充电桩');
  await page.getByRole('button', { name: 'Add category' }).click();
  await expect(page.getByText('Category added.')).toBeVisible();
  await page.getByLabel('New category', { exact: true }).fill('充电桩');
  await page.getByRole('button', { name: 'Add category' }).click();
  await expect(page.locator('#category-name-error')).not.toBeEmpty();
  await page.getByRole('button', { name: 'Retire Parking' }).click();
  await expect(page.getByRole('button', { name: 'Restore Parking' })).toBeVisible();

  // Resolve before respond is refused; a valid change is saved.
  await page.getByLabel('Respond within hours for P4').fill('72');
  await page.getByLabel('Resolve within hours for P4').fill('48');
  await page.getByRole('button', { name: 'Save times' }).click();
  await expect(page.locator('#sla-P4-error')).toHaveText('Resolving cannot be due before responding.');
  await page.getByLabel('Resolve within hours for P4').fill('0');
  await page.getByRole('button', { name: 'Save times' }).click();
  await expect(page.locator('#sla-P4-error')).toHaveText('Enter a whole number from 1 to 720.');
  await page.getByLabel('Resolve within hours for P4').fill('96');
  await page.getByRole('button', { name: 'Save times' }).click();
  await expect(page.getByText('Times saved.')).toBeVisible();

  await page.goto('/intake');
  await appReady(page);
  const options = page.locator('#category option');
  await expect(options.filter({ hasText: '充电桩' })).toHaveCount(1);
  await expect(options.filter({ hasText: 'Parking' })).toHaveCount(0);
  // P4 repair: 72 h to respond, 96 h to resolve; a complaint is held to 24 h / 48 h.
  await page.locator('#received-at').fill('2026-11-20T08:00');
  await expect(page.getByTestId('priority-preview')).toHaveText('Priority P4: respond by 23 Nov 2026, 08:00, resolve by 24 Nov 2026, 08:00');
  await page.locator('label[for="kind-complaint"]').click();
  await expect(page.getByTestId('priority-preview')).toHaveText('Priority P4: respond by 21 Nov 2026, 08:00, resolve by 22 Nov 2026, 08:00');
  await page.locator('label[for="urgency-high"]').click();
  await page.locator('label[for="importance-high"]').click();
  await expect(page.getByTestId('priority-preview')).toHaveText('Priority P1: respond by 20 Nov 2026, 09:00, resolve by 21 Nov 2026, 08:00');
  await page.reload();
  await appReady(page);
  await expect(page.locator('#category option').filter({ hasText: '充电桩' })).toHaveCount(1);
});

test('the daily log lists a patrol finding by its place, with no empty parts', async ({ page }) => {
  await page.goto('/board');
  await appReady(page);
  await page.getByTestId('language').selectOption('zh-CN');
  await page.getByTestId('quick-open').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('radio', { name: '电气', exact: true }).click();
  await dialog.locator('#quick-location').fill('3号楼地下车库');
  await dialog.locator('#quick-note').fill('配电箱门未锁');
  await dialog.getByRole('button', { name: '保存' }).click();
  await expect(dialog).toBeHidden();
  await page.goto('/kpi/log');
  await appReady(page);
  const line = page.getByTestId('log-received').getByTestId('log-ticket');
  await expect(line).toHaveCount(1);
  await expect(line).toContainText('电气 · 3号楼地下车库 · 配电箱门未锁');
  await expect(line).not.toContainText(/·\s*·/);
});


test('the recent tickets follow a change of language at once', async ({ page }) => {
  await intake(page, { category: 'lift', description: '电梯异响' });
  const item = page.getByTestId('recent-ticket');
  await expect(item).toContainText('Lift');
  await expect(item).toContainText(/\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d/);
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(item).toContainText('电梯');
  await expect(item).toContainText(/\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d/);
  await expect(item).not.toContainText('Lift');
  await page.getByTestId('language').selectOption('en');
  await expect(item).toContainText('Lift');
  await expect(item).not.toContainText('年');
});

test('the saved message goes once the next ticket is typed, and a tablet without a site code is told', async ({ page }) => {
  await page.goto('/intake');
  await appReady(page);
  await expect(page.getByTestId('intake-no-site')).toContainText('no site code yet');
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.getByTestId('intake-no-site')).toContainText('还没有项目代码');
  await page.getByTestId('language').selectOption('en');
  await intake(page, { category: 'lift', description: '电梯异响' });
  await expect(page.getByTestId('intake-status')).toHaveText(/saved/);
  await page.locator('#description').fill('下一张');
  await expect(page.getByTestId('intake-status')).toHaveText('');
  // Once the site has a code, the warning is gone.
  await page.goto('/settings');
  await appReady(page);
  await page.getByLabel('Site name').fill('东湖花园');
  await page.getByLabel('Site code').fill('DH01');
  await page.getByLabel('Device name').fill('前台');
  await page.getByRole('button', { name: 'Save site settings' }).click();
  await expect(page.getByText('Saved.').first()).toBeVisible();
  await page.goto('/intake');
  await appReady(page);
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  await expect(page.getByTestId('intake-no-site')).toHaveCount(0);
});

test('typing a unit shows its earlier reports and how many are still open, however the unit is written; its records print on A4 (issue 21)', async ({ page }) => {
  const errors = watchErrors(page);
  // The repeat window is the site's setting, within 1–365 days.
  await page.goto('/settings');
  await appReady(page);
  await page.locator('#target-repeat_days').fill('400');
  await page.getByRole('button', { name: 'Save targets' }).click();
  await expect(page.locator('#target-repeat_days-error')).toHaveText(/1.*365/);
  await page.locator('#target-repeat_days').fill('14');
  await page.getByRole('button', { name: 'Save targets' }).click();
  await expect(page.getByText('Targets saved.')).toBeVisible();
  await intake(page, { category: 'plumbing', description: '厨房漏水' });
  await intake(page, { category: 'lift', description: '电梯异响' });
  await intake(page, { category: 'plumbing', description: '厨房又漏水' });
  await page.locator('#description').fill('');
  const hint = page.getByTestId('earlier-reports');
  await expect(hint).toHaveText('');
  await page.locator('#unit').fill('1栋1单元101室');
  await expect(hint).toContainText('3 earlier reports here, 3 still open.');
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(hint).toContainText('此处此前有 3 条报事，3 条尚未办结。');
  await page.getByTestId('language').selectOption('en');
  await page.locator('#unit').fill('1-1-102');
  await expect(hint).toHaveText('');

  // The unit's records: newest first, the second leak a repeat, no names or phones.
  await page.locator('#unit').fill('1-1-101');
  await hint.getByRole('link', { name: "See this unit's reports" }).click();
  await expect(page).toHaveURL(/\/records\?unit=1-1-101/);
  await expect(page.getByTestId('records-summary')).toHaveText('3 reports, 3 still open, 1 repeating an earlier one of the same category within 14 days.');
  const rows = page.getByTestId('records-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.first()).toContainText('Repeat');
  await expect(rows.nth(1)).not.toContainText('Repeat');
  await expect(page.locator('main')).not.toContainText('李娜');
  await expect(page.locator('main')).not.toContainText('13800138000');
  // Typed another way on the page itself: the same records.
  await page.locator('#records-unit').fill('1栋1单元0101');
  await page.getByRole('button', { name: 'Look up' }).click();
  await expect(rows).toHaveCount(3);
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.getByTestId('records-summary')).toHaveText('共 3 条报事，3 条尚未办结，1 条在 14 天内与之前同类问题重复。');
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByTestId('records-form')).toBeHidden();
  expect((await page.pdf({ format: 'A4' })).length).toBeGreaterThan(10_000);
  await page.emulateMedia({ media: 'screen' });
  // From a ticket's page to its unit's records.
  await rows.first().getByRole('link').click();
  await page.getByTestId('detail-records').click();
  await expect(rows).toHaveCount(3);
  // And from the board: the unit on a card; the second leak's card is flagged a repeat.
  await page.locator('nav.shell-nav a[href="/board"]').click();
  await expect(page.getByTestId('repeat-flag')).toHaveCount(1);
  await expect(page.getByTestId('ticket-card').filter({ has: page.getByTestId('repeat-flag') })).toContainText('重复');
  await page.getByRole('link', { name: '1-1-101 的报事记录' }).first().click();
  await expect(page).toHaveURL(/\/records\?unit=1-1-101/);
  await expect(rows).toHaveCount(3);
  expect(errors).toEqual([]);
});
