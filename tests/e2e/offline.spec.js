// Offline start and the update flow, each with its own server so it can be stopped.
import { test, expect } from '@playwright/test';
import { appReady, copyOfDist, rebuild, buildIdOf, startServer, watchErrors } from './helpers.js';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

async function waitForController(page) {
  await page.waitForFunction(async () => {
    await navigator.serviceWorker.ready;
    return !!navigator.serviceWorker.controller;
  });
}

test('loads and works offline after one visit', async ({ page, context }) => {
  const errors = watchErrors(page);
  const server = await startServer('dist', 8091);
  try {
    await page.goto(`${server.url}/settings`);
    await appReady(page);
    await waitForController(page);
  } finally {
    await server.stop();
  }
  await context.setOffline(true);
  await page.reload();
  await appReady(page);
  await expect(page.locator('h1')).toHaveText('Settings');
  // A deep link that was never visited also opens from the cache.
  await page.goto(`${server.url}/board`);
  await appReady(page);
  await expect(page.locator('h1')).toHaveText('Board');
  // And it still saves.
  await page.locator('nav.shell-nav a[href="/settings"]').click();
  await page.getByLabel('Site name').fill('地下车库');
  await page.getByLabel('Site code').fill('B2');
  await page.getByLabel('Device name').fill('Patrol 2');
  await page.getByRole('button', { name: 'Save site settings' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await page.reload();
  await appReady(page);
  await expect(page.getByTestId('site-name')).toHaveText('地下车库');
  expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to load resource/.test(e))).toEqual([]);
});

test('a new build announces itself and runs only after the user accepts', async ({ page }) => {
  const oldDir = copyOfDist();
  const oldBuild = buildIdOf(oldDir);
  const newDir = copyOfDist();
  // "A change": different static-shell text in index.html, then the same post-build step.
  const indexPath = join(newDir, 'index.html');
  writeFileSync(indexPath, readFileSync(indexPath, 'utf8').replace('Starting PatrolDesk…', 'Starting PatrolDesk (v2)…'));
  const newBuild = rebuild(newDir);
  expect(newBuild).not.toEqual(oldBuild);

  let server = await startServer(oldDir, 8092);
  await page.goto(`${server.url}/settings`);
  await appReady(page);
  await waitForController(page);
  await expect(page.getByTestId('build-id')).toHaveText(oldBuild);
  await server.stop();

  server = await startServer(newDir, 8092);
  try {
    await page.reload();
    await appReady(page);
    // The old build keeps running until the user accepts.
    await expect(page.getByTestId('update-notice')).toBeVisible();
    await expect(page.getByTestId('build-id')).toHaveText(oldBuild);
    await page.getByRole('button', { name: 'Update now' }).click();
    await expect(page.getByTestId('build-id')).toHaveText(newBuild);
    await expect(page.getByTestId('update-notice')).toHaveCount(0);
    const caches = await page.evaluate(() => caches.keys());
    expect(caches).toEqual([`patroldesk-${newBuild}`]);
  } finally {
    await server.stop();
  }
});

/** An old build and a new one (a changed static shell), each in its own folder. */
function twoBuilds() {
  const oldDir = copyOfDist();
  const newDir = copyOfDist();
  const indexPath = join(newDir, 'index.html');
  writeFileSync(indexPath, readFileSync(indexPath, 'utf8').replace('Starting PatrolDesk…', 'Starting PatrolDesk (v2)…'));
  return { oldDir, oldBuild: buildIdOf(oldDir), newDir, newBuild: rebuild(newDir) };
}

test('with two tabs open, the one that did not apply the update is told, in its language, and reloads onto the new build', async ({ context }) => {
  const { oldDir, oldBuild, newDir, newBuild } = twoBuilds();
  let server = await startServer(oldDir, 8093);
  const first = await context.newPage();
  const second = await context.newPage();
  for (const page of [first, second]) {
    await page.goto(`${server.url}/settings`);
    await appReady(page);
    await waitForController(page);
  }
  await second.getByTestId('language').selectOption('zh-CN');
  await server.stop();

  server = await startServer(newDir, 8093);
  try {
    await first.reload();
    await appReady(first);
    await expect(first.getByTestId('update-notice')).toBeVisible();
    await first.getByRole('button', { name: /Update now|立即更新/ }).click();
    await expect(first.getByTestId('build-id')).toHaveText(newBuild);
    // The other tab still runs the old build, and is told so.
    await expect(second.getByTestId('build-id')).toHaveText(oldBuild);
    const notice = second.getByTestId('updated-elsewhere');
    await expect(notice).toContainText('巡逻客服台已在另一个标签页中更新');
    await second.getByTestId('language').selectOption('en');
    await expect(notice).toContainText('PatrolDesk was updated in another tab');
    await notice.getByRole('button', { name: 'Reload now' }).click();
    await appReady(second);
    await expect(second.getByTestId('build-id')).toHaveText(newBuild);
    await expect(second.getByTestId('updated-elsewhere')).toHaveCount(0);
  } finally {
    await server.stop();
  }
});

test('a new worker precaches the new build even when the host let the browser keep the old files', async ({ page }) => {
  const { oldDir, oldBuild, newDir, newBuild } = twoBuilds();
  // Every file fresh for an hour, index.html and register-sw.js included.
  let server = await startServer(oldDir, 8094, ['--max-age', '3600']);
  await page.goto(`${server.url}/settings`);
  await appReady(page);
  await waitForController(page);
  await expect(page.getByTestId('build-id')).toHaveText(oldBuild);
  await server.stop();

  server = await startServer(newDir, 8094, ['--max-age', '3600']);
  try {
    await page.reload();
    await appReady(page);
    await page.getByRole('button', { name: 'Update now' }).click();
    await expect(page.getByTestId('build-id')).toHaveText(newBuild);
    const cached = await page.evaluate(async (build) => {
      const cache = await caches.open(`patroldesk-${build}`);
      const index = await (await cache.match('/index.html')).text();
      return index.match(/<meta name="patroldesk-build" content="([^"]*)">/)[1];
    }, newBuild);
    expect(cached).toEqual(newBuild);
  } finally {
    await server.stop();
  }
});

test('every file the app loads on demand carries a hash and is precached', async ({ page }) => {
  const html = readFileSync('dist/index.html', 'utf8');
  const worker = html.match(/<meta name="patroldesk-xlsx-worker" content="([^"]*)">/)[1];
  expect(worker).toMatch(/^\/xlsx_worker_loader-[0-9a-f]{16}\.js$/);
  const unhashed = readdirSync('dist').filter((f) => /\.(js|wasm|css)$/.test(f) && !/-[0-9a-f]{12,16}(_bg)?\.(js|wasm|css)$/.test(f));
  // Only the service worker and its registration keep fixed names (browsers check both).
  expect(unhashed.sort()).toEqual(['register-sw.js', 'sw.js']);
  const sw = readFileSync('dist/sw.js', 'utf8');
  for (const f of readdirSync('dist').filter((f) => f.startsWith('xlsx_worker'))) expect(sw).toContain(`"/${f}"`);
  // The loader names the hashed glue and wasm, which exist.
  const loader = readFileSync(join('dist', worker), 'utf8');
  for (const m of loader.matchAll(/"\.\/([^"]+)"/g)) expect(existsSync(join('dist', m[1]))).toBe(true);
  // And the app starts the worker by that name.
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  await page.goto('/data');
  await appReady(page);
  await page.getByRole('button', { name: 'Workbook (XLSX)' }).click();
  await expect.poll(() => requested.includes(worker)).toBe(true);
});

test('the first view loads without the split-off views, which come when opened; one that cannot be fetched says so and opens once it can (the next visit, Try again, the network back)', async ({ browser }) => {
  // Every module of the app's wasm is in one hashed folder and precached.
  const folders = readdirSync('dist').filter((f) => f.startsWith('app-'));
  expect(folders).toHaveLength(1);
  expect(folders[0]).toMatch(/^app-[0-9a-f]{16}$/);
  const modules = readdirSync(join('dist', folders[0]));
  const sw = readFileSync('dist/sw.js', 'utf8');
  for (const f of modules) expect(sw).toContain(`"/${folders[0]}/${f}"`);
  // The views come in groups (src/ui/app.rs): the board with a ticket's page, the rarely-first
  // views together; few files, so a view's first open is not held up instantiating dozens.
  for (const group of ['board_views', 'rare_views']) {
    expect(modules.filter((f) => f.startsWith(`split_${group}`)).length).toBe(1);
  }
  expect(modules.filter((f) => f.endsWith('.wasm')).length).toBeLessThan(30);

  // No service worker: every module comes from the network, as on a first visit.
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const errors = watchErrors(page);
  const requested = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));
  let refuse = true;
  await page.route(/\/split_rare_views[^/]*\.wasm$/, (route) => (refuse ? route.abort() : route.continue()));
  await page.goto('http://127.0.0.1:8090/intake');
  await appReady(page);
  const split = (path) => /\/(split_|chunk_)[^/]*\.wasm$/.test(path);
  expect(requested.filter(split)).toEqual([]);

  // Offline before the module was ever stored: a message, in the user's language, and the
  // app goes on working.
  await page.locator('nav.shell-nav a[href="/kpi"]').click();
  await expect(page.getByTestId('view-not-loaded')).toContainText('could not be loaded');
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.getByTestId('view-not-loaded')).toContainText('无法打开');
  await page.getByTestId('language').selectOption('en');
  await page.locator('nav.shell-nav a[href="/board"]').click();
  await expect(page.locator('h1')).toHaveText('Board');
  expect(requested.some((p) => /\/split_board_views[^/]*\.wasm$/.test(p))).toBe(true);

  // Back online: the same view opens.
  refuse = false;
  await page.locator('nav.shell-nav a[href="/kpi"]').click();
  await expect(page.locator('h1')).toHaveText('KPIs');
  expect(requested.some((p) => /\/split_rare_views[^/]*\.wasm$/.test(p))).toBe(true);
  // The rest of its group came with it.
  const asked = requested.length;
  await page.locator('nav.shell-nav a[href="/settings"]').click();
  await expect(page.locator('h1')).toHaveText('Settings');
  expect(requested.slice(asked).filter(split)).toEqual([]);
  expect(errors.filter((e) => !/Failed to load resource|Failed to fetch|ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
  await context.close();

  // A view that could not be fetched becomes itself, where it stands, when the network comes
  // back or on "Try again", without leaving it.
  const again = await browser.newContext({ serviceWorkers: 'block' });
  const next = await again.newPage();
  const nextErrors = watchErrors(next);
  let refuseMore = true;
  await next.route(/\/split_(rare|board)_views[^/]*\.wasm$/, (route) => (refuseMore ? route.abort() : route.continue()));
  await next.goto('http://127.0.0.1:8090/intake');
  await appReady(next);
  await next.locator('nav.shell-nav a[href="/settings"]').click();
  await expect(next.getByTestId('view-not-loaded')).toBeVisible();
  await next.getByRole('button', { name: 'Try again' }).click();
  await expect(next.getByTestId('view-not-loaded')).toBeVisible();
  await expect(next.getByRole('button', { name: 'Try again' })).toBeEnabled();
  refuseMore = false;
  await next.getByRole('button', { name: 'Try again' }).click();
  await expect(next.locator('h1')).toHaveText('Settings');
  await expect(next.getByTestId('view-not-loaded')).toHaveCount(0);
  refuseMore = true;
  await next.locator('nav.shell-nav a[href="/board"]').click();
  await expect(next.getByTestId('view-not-loaded')).toBeVisible();
  await next.getByTestId('language').selectOption('zh-CN');
  await expect(next.getByRole('button', { name: '重试' })).toBeVisible();
  await next.getByTestId('language').selectOption('en');
  refuseMore = false;
  await again.setOffline(true);
  await again.setOffline(false);
  await expect(next.getByTestId('view-not-loaded')).toHaveCount(0);
  await expect(next.locator('h1')).toHaveText('Board');
  expect(new URL(next.url()).pathname).toBe('/board');
  // A start at the board asks for its module before the app is drawn, not once the router
  // has drawn the route.
  await next.reload();
  await expect(next.locator('h1')).toHaveText('Board');
  const [boardAsked, drawn] = await next.evaluate(() => [
    performance.getEntriesByType('resource').find((e) => /\/split_board_views[^/]*\.wasm$/.test(e.name))?.startTime,
    performance.getEntriesByName('pd-mount')[0]?.startTime,
  ]);
  expect(boardAsked).toBeLessThan(drawn);
  // The refused fetch itself, which the split modules' loader also logs.
  expect(nextErrors.filter((e) => !/Failed to load resource|Failed to fetch|ERR_INTERNET_DISCONNECTED/.test(e))).toEqual([]);
  await again.close();
});
