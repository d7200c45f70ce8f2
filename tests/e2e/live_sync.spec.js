// Live sync with a CouchDB-protocol server (issue 20, first slice): two tablets exchange
// records through npm's pouchdb-server (in memory, on loopback, started here), a password is
// kept only once sign-in encrypts it, a bad address is refused, and a server that does not
// answer reads as offline.
import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { appReady, intake } from './helpers.js';

const PORT = 5991;
// Through the test server's same-origin proxy (playwright.config.js: --couch), as the README
// advises: the app's CSP allows its own origin only.
const DB = '/couch/patroldesk-e2e';
let server;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  server = spawn(resolve('node_modules/.bin/pouchdb-server'), ['--in-memory', '--host', '127.0.0.1', '--port', String(PORT)],
    { stdio: 'ignore', cwd: mkdtempSync(join(tmpdir(), 'pouchdb-server-')) });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`http://127.0.0.1:${PORT}/`)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  await fetch(`http://127.0.0.1:${PORT}/patroldesk-e2e`, { method: 'PUT' });
});

test.afterAll(() => server?.kill());

async function configure(page, url = DB) {
  await page.goto('/data');
  await appReady(page);
  await page.getByTestId('couch-url').fill(url);
  await page.getByTestId('couch-save').click();
}

test('two tablets exchange a ticket through the server; a bad address and a password without sign-in are refused', async ({ browser }) => {
  const a = await (await browser.newContext({ locale: 'en-US' })).newPage();
  const b = await (await browser.newContext({ locale: 'en-US' })).newPage();

  await configure(a, 'https://admin:pw@couch.example.com/db');
  await expect(a.getByTestId('couch-status')).toHaveText(/without a name or password/);
  await a.getByTestId('couch-url').fill(DB);
  await a.getByTestId('couch-password').fill('secret');
  await a.getByTestId('couch-save').click();
  await expect(a.getByTestId('couch-status')).toHaveText(/Set up staff sign-in first/);
  await a.getByTestId('couch-password').fill('');
  await a.getByTestId('couch-save').click();
  await expect(a.getByTestId('couch-status')).toHaveText('Saved.');

  await intake(a, { category: 'plumbing', description: 'MRKLIVE 三号楼水管漏水' });
  await a.goto('/data');
  await appReady(a);
  await a.getByTestId('sync-now').click();
  await expect(a.getByTestId('sync-state')).toHaveText(/^Up to date: [1-9]\d* sent, 0 received\.$/);

  await configure(b);
  await expect(b.getByTestId('couch-status')).toHaveText('Saved.');
  await b.getByTestId('sync-now').click();
  await expect(b.getByTestId('sync-state')).toHaveText(/^Up to date: 0 sent, [1-9]\d* received\.$/);
  await b.locator('nav.shell-nav a', { hasText: 'Board' }).click();
  await expect(b.locator('main')).toContainText('1-1-101');
  await b.getByRole('link', { name: /^Open / }).first().click();
  await expect(b.locator('main')).toContainText('MRKLIVE');

  // A step on B travels back to A.
  await b.locator('nav.shell-nav a', { hasText: 'Board' }).click();
  await b.getByRole('button', { name: /^Assess · / }).first().click();
  await b.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(b.getByRole('dialog')).toBeHidden();
  await b.locator('nav.shell-nav a', { hasText: 'Data' }).click();
  await b.getByTestId('sync-now').click();
  await expect(b.getByTestId('sync-state')).toHaveText(/^Up to date: [1-9]\d* sent/);
  await a.getByTestId('sync-now').click();
  await expect(a.getByTestId('sync-state')).toHaveText(/received\.$/);
  await a.locator('nav.shell-nav a', { hasText: 'Board' }).click();
  await expect(a.locator('[data-status="assessed"]')).toContainText('1-1-101');

  // In Chinese too.
  await a.getByTestId('language').selectOption('zh-CN');
  await a.locator('nav.shell-nav a', { hasText: '数据' }).click();
  await expect(a.getByTestId('live-sync').getByRole('heading')).toHaveText('实时同步（CouchDB）');
});

test('a server that does not answer reads as offline, and nothing is lost', async ({ page }) => {
  server.kill();
  await configure(page);
  await expect(page.getByTestId('couch-status')).toHaveText('Saved.');
  await intake(page, { category: 'lift', description: '电梯异响' });
  await page.goto('/data');
  await appReady(page);
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-state')).toHaveText(/^Offline: the server did not answer/);
  await page.locator('nav.shell-nav a', { hasText: 'Board' }).click();
  await expect(page.locator('main')).toContainText('1-1-101');
});
