// Live sync with a CouchDB-protocol server (issue 20): tablets and head office replicate
// continuously through npm's pouchdb-server (in memory, on loopback, started here) behind the
// test server's same-origin proxy (playwright.config.js: --couch), as the README advises: the
// app's CSP allows its own origin only. A server that cannot be reached is simulated by
// aborting the tablet's requests to /couch/.
import { test, expect } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { appReady, cameraPhoto, exportFile, importFiles, intake, records, renamePlan, watchErrors } from './helpers.js';

const PORT = 5991;
const SERVER = `http://127.0.0.1:${PORT}`;
let server;
let serverLog;
let serverDir;
let serverExit = null;
let databases = 0;

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  // Its output kept: a test server that crashes would otherwise read as a tablet offline.
  serverDir = mkdtempSync(join(tmpdir(), 'pouchdb-server-'));
  const dir = serverDir;
  serverLog = join(dir, 'output.log');
  const out = openSync(serverLog, 'a');
  server = spawn(resolve('node_modules/.bin/pouchdb-server'), ['--in-memory', '--host', '127.0.0.1', '--port', String(PORT)],
    { stdio: ['ignore', out, out], cwd: dir });
  server.on('exit', (code, signal) => { serverExit = `pouchdb-server exited (${code ?? signal})`; });
  for (let i = 0; i < 100; i++) {
    try { if ((await fetch(`${SERVER}/`)).ok) break; } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
});

test.afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    await new Promise((done) => { server.once('exit', done); server.kill(); });
  }
  if (serverDir) rmSync(serverDir, { recursive: true, force: true });
});

// The browser logs every 404 of a fetch; the protocol answers 404 for a checkpoint not yet
// written, and the console logs the requests cut on purpose.
const expected = (message) => !/status of 404|net::ERR_(INTERNET_DISCONNECTED|CONNECTION_RESET|FAILED|ABORTED)|status of 403/.test(message);

/** A new empty site database; its address as the tablets see it (through the proxy). */
async function freshDatabase() {
  databases += 1;
  const name = `patroldesk-e2e-${process.pid}-${Date.now()}-${databases}`;
  await fetch(`${SERVER}/${name}`, { method: 'PUT' });
  return { url: `/couch/${name}`, direct: `${SERVER}/${name}` };
}

async function configure(page, url) {
  await page.goto('/data');
  await appReady(page);
  await page.getByTestId('couch-url').fill(url);
  await page.getByTestId('couch-save').click();
}

/** The live cache and IndexedDB agree across pages: every record the same, byte for byte. */
async function converged(...pages) {
  await expect.poll(async () => {
    const all = await Promise.all(pages.map((p) => records(p)));
    return all.every((r) => JSON.stringify(r) === JSON.stringify(all[0]));
  }, { timeout: 30_000 }).toBe(true);
}

async function newPlan(page, name) {
  await page.goto('/drills');
  await appReady(page);
  await page.getByRole('link', { name: 'New plan' }).click();
  const form = page.getByTestId('plan-form');
  await form.getByLabel('Plan name').fill(name);
  await form.getByLabel('Target duration (min)').fill('10');
  await form.locator('.step-edit textarea').first().fill('第一步');
  await form.getByRole('button', { name: 'Save plan' }).click();
  await expect(page).toHaveURL(/\/drills$/);
}

/** A failed wait made readable: what each tablet's live sync said then, and its errors. */
async function explain(failure, pages, errors) {
  const states = [];
  for (const page of pages) {
    await page.locator('nav.shell-nav a', { hasText: 'Data' }).click();
    states.push(await page.getByTestId('sync-state').textContent());
  }
  const log = readFileSync(serverLog, 'utf8').split('\n').filter((l) => !/^\s*$|" (200|201|202|404) /.test(l)).slice(-30).join('\n');
  throw new Error(`${failure.message}\nlive sync: ${JSON.stringify(states)}\nerrors: ${JSON.stringify(errors)}\n${serverExit ?? 'pouchdb-server running'}; its output:\n${log}`);
}

/** Makes the server unreachable for a page; returns how many requests were turned away. */
async function cutOff(page) {
  const cut = { count: 0 };
  await page.route('**/couch/**', (route) => { cut.count += 1; return route.abort('internetdisconnected'); });
  return cut;
}

test('two tablets exchange records continuously: no button, a step travels back; a bad address and a password without sign-in are refused', async ({ browser }) => {
  const db = await freshDatabase();
  const a = await (await browser.newContext({ locale: 'en-US' })).newPage();
  const b = await (await browser.newContext({ locale: 'en-US' })).newPage();
  const errors = [a, b].map(watchErrors);

  await configure(a, 'https://admin:pw@couch.example.com/db');
  await expect(a.getByTestId('couch-status')).toHaveText(/without a name or password/);
  await a.getByTestId('couch-url').fill(db.url);
  await a.getByTestId('couch-password').fill('secret');
  await a.getByTestId('couch-save').click();
  await expect(a.getByTestId('couch-status')).toHaveText(/Set up staff sign-in first/);
  await a.getByTestId('couch-auth').selectOption('jwt');
  await a.getByTestId('couch-password').fill('not a token');
  await a.getByTestId('couch-save').click();
  await expect(a.getByTestId('couch-status')).toHaveText(/This is not a token/);
  await a.getByTestId('couch-auth').selectOption('session');
  await a.getByTestId('couch-password').fill('');
  await a.getByTestId('couch-save').click();
  await expect(a.getByTestId('couch-status')).toHaveText('Saved.');
  await expect(a.getByTestId('sync-state')).toHaveText(/^Up to date/);

  // Saved on A, on the server a moment later, on B without anyone pressing a button.
  await intake(a, { category: 'plumbing', description: 'MRKLIVE 三号楼水管漏水' });
  await configure(b, db.url);
  await b.locator('nav.shell-nav a', { hasText: 'Board' }).click();
  await expect(b.locator('main')).toContainText('1-1-101', { timeout: 15_000 }).catch((e) => explain(e, [a, b], errors));
  await b.getByRole('link', { name: /^Open / }).first().click();
  await expect(b.locator('main')).toContainText('MRKLIVE');

  // A step on B reaches A's open board by itself (A is waiting on the server's long-poll).
  await a.goto('/board');
  await appReady(a);
  await b.locator('nav.shell-nav a', { hasText: 'Board' }).click();
  await b.getByRole('button', { name: /^Assess · / }).first().click();
  await b.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
  await expect(b.getByRole('dialog')).toBeHidden();
  await expect(a.locator('[data-status="assessed"]')).toContainText('1-1-101', { timeout: 15_000 });
  await converged(a, b);

  // A photo travels after its ticket, byte for byte.
  await a.goto('/intake');
  await appReady(a);
  await a.locator('label[for="kind-repair"]').click();
  await a.locator('#reporter-name').fill('李娜');
  await a.locator('#phone').fill('13800138000');
  await a.locator('#unit').fill('2-1-202');
  await a.locator('#category').selectOption('plumbing');
  await a.locator('#description').fill('MRKPHOTO 墙面渗水');
  await a.locator('#intake-photos').setInputFiles(await cameraPhoto(a, 800, 600, 3));
  await expect(a.getByTestId('intake-form').getByTestId('photo-list').locator('img')).toHaveCount(1);
  await a.getByRole('button', { name: 'Save ticket' }).click();
  await expect(a.getByTestId('intake-status')).toHaveText(/saved/);
  const photos = (page) => page.evaluate(async () => {
    const db = await new Promise((ok) => { const r = indexedDB.open('patroldesk'); r.onsuccess = () => ok(r.result); });
    const keys = await new Promise((ok) => { const r = db.transaction('photos').objectStore('photos').getAllKeys(); r.onsuccess = () => ok(r.result); });
    const blobs = await new Promise((ok) => { const r = db.transaction('photos').objectStore('photos').getAll(); r.onsuccess = () => ok(r.result); });
    db.close();
    const sums = [];
    for (const blob of blobs) sums.push(Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()))).map((x) => x.toString(16).padStart(2, '0')).join(''));
    return { keys, sums };
  });
  await expect.poll(async () => (await photos(b)).keys.length, { timeout: 15_000 }).toBe(1);
  expect(await photos(b)).toEqual(await photos(a));
  expect((await photos(b)).sums).toEqual((await photos(b)).keys);

  // In Chinese too.
  await a.getByTestId('language').selectOption('zh-CN');
  await a.locator('nav.shell-nav a', { hasText: '数据' }).click();
  await expect(a.getByTestId('live-sync').getByRole('heading')).toHaveText('实时同步（CouchDB）');
  await expect(a.getByTestId('sync-state')).toHaveText(/^已是最新/);
  for (const e of errors) expect(e.filter(expected)).toEqual([]);
});

test('the live-sync code comes after the first view and only to a tablet with a server set; a tablet that cannot fetch it says so and starts when the network is back', async ({ browser }) => {
  const db = await freshDatabase();
  const context = await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  const loop = (path) => /\/split_live_sync_loop[^/]*\.wasm$/.test(path);
  let refuse = true;
  await page.route(/\/split_live_sync_loop[^/]*\.wasm$/, (route) => (refuse ? route.abort() : route.continue()));

  // No server set: never fetched.
  await page.goto('/board');
  await appReady(page);
  await expect(page.locator('h1')).toHaveText('Board');
  await page.waitForTimeout(500);
  expect(requested.filter(loop)).toEqual([]);

  // Set, but the code cannot be fetched (offline before the service worker stored it).
  await configure(page, db.url);
  await expect(page.getByTestId('sync-state')).toHaveText(/^Live sync has not started/);
  expect(requested.filter(loop).length).toBeGreaterThan(0);
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.getByTestId('sync-state')).toHaveText(/^实时同步尚未启动/);
  await page.getByTestId('language').selectOption('en');
  await intake(page, { category: 'lift', description: 'MRKLATE 电梯异响' });

  // The network back: it starts by itself, and what waited goes up.
  refuse = false;
  await context.setOffline(true);
  await context.setOffline(false);
  await page.locator('nav.shell-nav a', { hasText: 'Data' }).click();
  await expect(page.getByTestId('sync-state')).toHaveText(/^Up to date: [1-9]\d* sent/, { timeout: 15_000 });
  const onServer = await (await fetch(`${db.direct}/_all_docs?include_docs=true`)).text();
  expect(onServer).toContain('MRKLATE');
  expect(errors.filter(expected).filter((e) => !/Failed to load resource|Failed to fetch/.test(e))).toEqual([]);
  await context.close();
});

test('two tablets and head office: offline edits on both converge to what file sync gives; a conflict settles the same everywhere; a deletion is not resurrected', async ({ browser }) => {
  test.setTimeout(240_000);
  const db = await freshDatabase();
  const [a, b, office, byFile] = await Promise.all([0, 1, 2, 3].map(() => browser.newContext({ acceptDownloads: true, locale: 'en-US', serviceWorkers: 'block' }).then((c) => c.newPage())));
  const errors = [a, b, office, byFile].map(watchErrors);

  await intake(a, { category: 'lift', description: 'A: 电梯异响' });
  await intake(b, { kind: 'complaint', category: 'noise', description: 'B: 夜间噪音' });
  for (const page of [a, b, office]) await configure(page, db.url);
  await newPlan(a, '临时预案');
  await converged(a, b, office);

  // A loses the network. Both keep working: a ticket each, the same plan renamed on both
  // (B later), and the plan A made: deleted on A, renamed on B.
  const cut = await cutOff(a);
  await intake(a, { category: 'plumbing', description: 'A offline: 水管漏水' });
  await renamePlan(a, 'Fire evacuation', 'Fire evacuation A');
  await a.goto('/drills');
  const del = a.getByRole('button', { name: 'Delete 临时预案' });
  await del.click();
  await del.click();
  await expect(a.getByTestId('plan-row').filter({ hasText: '临时预案' })).toHaveCount(0);
  await a.goto('/data');
  await appReady(a);
  await expect(a.getByTestId('sync-state')).toHaveText(/^Offline: the server did not answer\. [1-9]\d* changes wait on this tablet/, { timeout: 15_000 });

  await intake(b, { category: 'electrical', description: 'B: 走廊灯不亮' });
  await renamePlan(b, '临时预案', '临时预案 B');
  await renamePlan(b, 'Fire evacuation', 'Fire evacuation B');
  await converged(b, office);

  // What file sync gives: both tablets' files imported by a fourth browser.
  const fileA = await exportFile(a);
  const fileB = await exportFile(b);
  await importFiles(byFile, [fileA, fileB]);

  // Let A fail a few times, so its next try is far off: the network coming back wakes it.
  await a.goto('/data');
  await appReady(a);
  // The Data view's own code has arrived (split off the first load): cutting the network
  // while it is still on its way would leave the view saying it could not be loaded.
  await expect(a.getByTestId('sync-state')).toBeVisible();
  await expect.poll(() => cut.count, { timeout: 30_000 }).toBeGreaterThanOrEqual(4);
  await a.unroute('**/couch/**');
  await a.context().setOffline(true);
  await a.context().setOffline(false);
  await expect(a.getByTestId('sync-state')).toHaveText(/^Up to date/, { timeout: 10_000 });
  await converged(a, b, office, byFile);

  for (const page of [a, b, office]) {
    await page.goto('/drills');
    await appReady(page);
    await expect(page.getByTestId('plan-row').filter({ hasText: 'Fire evacuation B' })).toHaveCount(1);
    await expect(page.getByTestId('plan-row').filter({ hasText: 'Fire evacuation A' })).toHaveCount(0);
    await expect(page.getByTestId('plan-row').filter({ hasText: '临时预案' })).toHaveCount(0);
  }
  await office.goto('/board?view=list');
  await expect(office.getByTestId('board-count')).toHaveText('4 tickets');

  // Later passes do not bring the deleted plan back.
  await intake(b, { category: 'lift', description: 'B: 又一张' });
  await converged(a, b, office);
  await office.goto('/drills');
  await expect(office.getByTestId('plan-row').filter({ hasText: '临时预案' })).toHaveCount(0);
  for (const e of errors) expect(e.filter(expected)).toEqual([]);
});

test('the network cut 50 times at random points of a replication: nothing lost or twice, each pass resumes from the checkpoint', async ({ browser }) => {
  test.setTimeout(300_000);
  const db = await freshDatabase();
  const a = await (await browser.newContext({ locale: 'en-US' })).newPage();
  // B's requests are intercepted: a service worker in control would pass them by the route.
  const b = await (await browser.newContext({ locale: 'en-US', serviceWorkers: 'block' })).newPage();
  // A fills the database with a year of an estate's sample data.
  await a.goto('/data');
  await appReady(a);
  await a.getByRole('button', { name: 'Load sample data' }).click();
  await expect(a.getByTestId('sample-status')).toHaveText('1000 sample tickets loaded.', { timeout: 60_000 });
  await configure(a, db.url);
  await expect(a.getByTestId('sync-state')).toHaveText(/^Up to date: [1-9]\d* sent/, { timeout: 60_000 });
  await intake(b, { category: 'lift', description: 'B: 断网测试' });

  // B's requests are cut, half before the server has them and half after it answered (the
  // answer lost on the way), at random, until 50 cuts; after each, "Sync now" tries again.
  let cuts = 0;
  let fetched = 0;
  // The long-poll is a wait, not a transfer: left alone.
  const transfers = (url) => url.pathname.startsWith('/couch/') && !url.search.includes('feed=longpoll');
  await b.route(transfers, async (route) => {
    const body = route.request().postDataJSON?.() ?? null;
    if (route.request().url().includes('_bulk_get')) fetched += body?.docs?.length ?? 0;
    if (cuts < 50 && Math.random() < 0.3) {
      cuts += 1;
      if (cuts % 2 === 0) await route.fetch().catch(() => {});
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await configure(b, db.url);
  while (cuts < 50) {
    await expect(b.getByTestId('sync-state')).toHaveText(/^(Offline|Up to date)/, { timeout: 30_000 });
    await b.getByTestId('sync-now').click().catch(() => {});
    await b.waitForTimeout(100);
  }
  await b.unroute(transfers);
  const before = fetched;
  await b.getByTestId('sync-now').click();
  await expect(b.getByTestId('sync-state')).toHaveText(/^Up to date/, { timeout: 30_000 }).catch((e) => explain(e, [b], []));
  await converged(a, b);
  // What the passes cut half-way stored is on B's board too, not only in its storage: the
  // board is B's live cache, told batch by batch (no reload here, which would read it anew).
  for (const p of [a, b]) await p.locator('nav.shell-nav a', { hasText: 'Board' }).click();
  await expect(a.getByTestId('board-count')).toHaveAttribute('data-settled', 'true');
  await expect.poll(async () => [await a.getByTestId('board-count').textContent(), await b.getByTestId('board-count').textContent()], { timeout: 10_000 })
    .toEqual([expect.stringMatching(/^[1-9][\d,]* tickets$/), await a.getByTestId('board-count').textContent()]);
  const all = await records(b);
  expect(new Set(all).size).toBe(all.length);
  expect(all.length).toBeGreaterThan(1000);
  // The last pass went on from the checkpoints: it fetched at most the batch it was in.
  expect(fetched - before).toBeLessThanOrEqual(1000);
  expect(fetched).toBeLessThan(all.length * 2);
});

test('the server refuses a malformed document with its reason; the tablet refuses one from the server and a stamp from the future', async ({ browser }) => {
  const db = await freshDatabase();
  // The server's line: the kit's validation function (pouchdb-server applies it to new
  // documents; README: differences of the test server).
  const { VALIDATE } = await import('../../server-kit/setup-site.mjs');
  await fetch(`${db.direct}/_design/patroldesk`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ validate_doc_update: VALIDATE }) });
  const a = await (await browser.newContext({ locale: 'en-US' })).newPage();
  const errors = [watchErrors(a)];
  // A client gone wrong: the record is taken out of the document on the way.
  await a.route('**/couch/**/_bulk_docs', (route) => {
    const body = route.request().postDataJSON();
    for (const doc of body.docs) if (doc._id.startsWith('ticket:')) delete doc.record.body;
    return route.continue({ postData: JSON.stringify(body) });
  });
  await intake(a, { category: 'lift', description: 'MRKBAD 电梯' });
  await configure(a, db.url);
  await expect(a.getByTestId('sync-state')).toHaveText(/^The server refused: .*body is not an object.*\. [1-9]\d* changes wait on this tablet\.$/, { timeout: 15_000 });
  await a.unroute('**/couch/**/_bulk_docs');
  await a.getByTestId('sync-now').click();
  await expect(a.getByTestId('sync-state')).toHaveText(/^Up to date/, { timeout: 15_000 });

  // Someone writes straight into the database: one document without its record's body, one
  // stamped a month ahead. The tablet takes neither, says so, and its clock is not moved.
  const { rows } = await (await fetch(`${db.direct}/_all_docs?include_docs=true&startkey="ticket:"&endkey="ticket:\\ufff0"`)).json();
  const good = rows[0].doc;
  const id1 = crypto.randomUUID();
  const id2 = crypto.randomUUID();
  const broken = { _id: `ticket:${id1}`, record: { ...good.record, id: id1, body: null } };
  const ahead = Date.now() + 30 * 24 * 3600 * 1000;
  const future = { _id: `ticket:${id2}`, record: { ...good.record, id: id2, updated_at: good.record.updated_at.replace(/^\d{13}/, String(ahead)) } };
  // The validation would refuse the broken one: it goes into a database without it.
  const raw = await freshDatabase();
  const copy = { ...good };
  delete copy._rev;
  for (const doc of [copy, broken, future]) {
    const put = await fetch(`${raw.direct}/${encodeURIComponent(doc._id)}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(doc) });
    expect(put.ok).toBe(true);
  }
  const b = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await configure(b, raw.url);
  await expect(b.getByTestId('sync-state')).toHaveText(/Up to date: \d+ sent, 1 received\. 2 records from the server were not taken/, { timeout: 15_000 });
  await expect(b.getByTestId('future-stamps-warning')).toHaveCount(0);
  await b.goto('/board?view=list');
  await expect(b.getByTestId('board-count')).toHaveText('1 ticket');
  for (const e of errors) expect(e.filter(expected)).toEqual([]);
});

test('head office reads each site\'s KPIs from the server\'s views, the same figures the site\'s tablet shows, and a site\'s tickets on demand without names or phones', async ({ browser }) => {
  test.setTimeout(240_000);
  const { kpiDesign } = await import('../../server-kit/setup-site.mjs');
  const [one, two] = [await freshDatabase(), await freshDatabase()];
  for (const db of [one, two]) {
    const put = await fetch(`${db.direct}/_design/patroldesk-kpi`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(kpiDesign()) });
    expect(put.ok).toBe(true);
  }
  // Tablets in China: the local day of the tablet and of the tickets is the same.
  const open = () => browser.newContext({ locale: 'en-US', timezoneId: 'Asia/Shanghai' }).then((c) => c.newPage());
  const [a, b, office] = [await open(), await open(), await open()];
  const errors = [a, b, office].map(watchErrors);
  await a.goto('/data');
  await appReady(a);
  await a.getByRole('button', { name: 'Load sample data' }).click();
  await expect(a.getByTestId('sample-status')).toHaveText('1000 sample tickets loaded.', { timeout: 60_000 });
  await configure(a, one.url);
  await intake(b, { category: 'lift', description: 'B: 电梯异响' });
  await intake(b, { kind: 'complaint', category: 'noise', description: 'B: 夜间噪音' });
  await configure(b, two.url);
  await expect(b.getByTestId('sync-state')).toHaveText(/^Up to date: [1-9]\d* sent/, { timeout: 30_000 });
  await a.goto('/data');
  await expect(a.getByTestId('sync-state')).toHaveText(/^Up to date/, { timeout: 90_000 });
  await expect.poll(async () => (await (await fetch(one.direct)).json()).doc_count, { timeout: 90_000 }).toBeGreaterThan(1000);

  // What site one's own tablet shows for the period.
  await a.goto('/kpi');
  await appReady(a);
  const card = (title) => a.getByTestId('kpi-card').filter({ has: a.locator('.kpi-title', { hasText: new RegExp(`^${title}$`) }) }).locator('.kpi-value');
  const own = {};
  for (const title of ['Satisfaction', 'Completion rate', 'Responded in time']) own[title] = (await card(title).textContent()).trim();

  await configure(office, one.url);
  await office.goto('/kpi');
  await appReady(office);
  const names = [one, two].map((db) => db.url.split('/').pop());
  await office.getByTestId('head-office-sites').fill(names.join(', '));
  await office.getByTestId('head-office-read').click();
  await expect(office.getByTestId('head-office-status')).toHaveText(/^Read in \d+ ms\.$/, { timeout: 60_000 });
  const rows = office.getByTestId('head-office-site');
  await expect(rows).toHaveCount(2);
  const cells = (row) => row.locator('td').allTextContents();
  const [first, second, total] = [await cells(rows.nth(0)), await cells(rows.nth(1)), await cells(office.getByTestId('head-office-total'))];
  expect([first[1], first[2], first[3]]).toEqual([own['Satisfaction'], own['Completion rate'], own['Responded in time']]);
  expect(second[0]).toBe('2');
  expect(Number(total[0])).toBe(Number(first[0]) + 2);

  // A site's tickets, fetched when asked: numbers, categories and states, no resident.
  await rows.nth(1).getByRole('button').click();
  await expect(office.getByTestId('head-office-ticket')).toHaveCount(2);
  const card2 = await office.getByTestId('head-office').textContent();
  expect(card2).not.toContain('李娜');
  expect(card2).not.toContain('13800138000');
  expect(card2).not.toContain('夜间噪音');
  for (const e of errors) expect(e.filter(expected)).toEqual([]);
});

test('a server that does not answer reads as offline, and nothing is lost', async ({ page }) => {
  const db = await freshDatabase();
  server.kill();
  await configure(page, db.url);
  await expect(page.getByTestId('couch-status')).toHaveText('Saved.');
  await expect(page.getByTestId('sync-state')).toHaveText(/^Offline: the server did not answer\. 0 changes wait/);
  await intake(page, { category: 'lift', description: '电梯异响' });
  await page.goto('/data');
  await appReady(page);
  await expect(page.getByTestId('sync-state')).toHaveText(/^Offline: the server did not answer\. [1-9]\d* changes wait/);
  await page.locator('nav.shell-nav a', { hasText: 'Board' }).click();
  await expect(page.locator('main')).toContainText('1-1-101');
});
