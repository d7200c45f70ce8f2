// Text from imported files is shown as text, never run: a file whose every free-text field
// carries markup and script is imported and every view is visited; no dialog, no error.
import { test, expect } from '@playwright/test';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { appReady, canonical, intake, watchErrors } from './helpers.js';

const PAYLOADS = [
  '<img src=x onerror=alert(1)>',
  '<script>alert(2)</script>',
  '"><svg onload=alert(3)>',
  'javascript:alert(4)',
  "{{constructor.constructor('alert(5)')()}}",
  '<a href="javascript:alert(6)">点我</a>',
];

test('markup and script in every text field of an imported file stay text on every view', async ({ browser }, info) => {
  test.setTimeout(120_000);
  const tablet = await (await browser.newContext({ acceptDownloads: true })).newPage();
  await intake(tablet, { kind: 'complaint', category: 'noise', description: 'placeholder' });
  await tablet.goto('/data');
  await appReady(tablet);
  const download = tablet.waitForEvent('download');
  await tablet.getByRole('button', { name: 'Export everything' }).click();
  const file = await download;
  const original = info.outputPath('original.json');
  await file.saveAs(original);

  // Rewrite every free-text field with a payload and recompute the checksum, as a hostile file would.
  const envelope = JSON.parse(readFileSync(original, 'utf8'));
  let n = 0;
  const next = () => PAYLOADS[n++ % PAYLOADS.length];
  for (const r of envelope.payload.records) {
    if (r.kind === 'ticket') {
      for (const f of ['description', 'reporter_name', 'unit', 'location']) r.body[f] = next();
      // Within the phone field's 24 characters: longer texts are refused at import.
      r.body.phone = '<svg onload=alert(8)>';
    }
    if (r.kind === 'ticket_event') r.body.note = next();
  }
  envelope.payload.settings.site_name = next();
  envelope.payload.settings.roster.push({ id: '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeee01', name: next(), role: 'supervisor', department: 'security', active: true });
  envelope.payload_sha256 = createHash('sha256').update(canonical(envelope.payload)).digest('hex');
  const hostile = info.outputPath('hostile.json');
  writeFileSync(hostile, JSON.stringify(envelope, null, 2));

  const office = await (await browser.newContext()).newPage();
  const errors = watchErrors(office);
  await office.goto('/data');
  await appReady(office);
  await expect(office.locator('#import-files')).toBeEnabled();
  await office.locator('#import-files').setInputFiles([hostile]);
  await expect(office.getByTestId('import-preview')).toBeVisible();
  await office.getByLabel(/Also apply the site settings/).check();
  await office.getByRole('button', { name: 'Import 1 file' }).click();
  await expect(office.getByTestId('import-result')).toHaveText(/Imported/);

  const ticketId = envelope.payload.records.find((r) => r.kind === 'ticket').id;
  for (const view of ['/board', '/board?view=list', `/ticket/${ticketId}`, '/kpi', '/kpi/log', '/data', '/settings', '/intake']) {
    await office.goto(view);
    await appReady(office);
    await office.waitForTimeout(300);
  }
  await office.goto(`/ticket/${ticketId}`);
  await appReady(office);
  // Shown literally, as typed in the file.
  await expect(office.locator('main')).toContainText('<img src=x onerror=alert(1)>');
  expect(await office.locator('main img[src="x"], main script, main svg[onload]').count()).toBe(0);
  expect(errors).toEqual([]);
});
