// Offline start and the update flow, each with its own server so it can be stopped.
import { test, expect } from '@playwright/test';
import { appReady, copyOfDist, rebuild, buildIdOf, startServer, watchErrors } from './helpers.js';
import { readFileSync, writeFileSync } from 'node:fs';
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
