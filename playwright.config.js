// End-to-end tests against the release build in dist/ (make test builds it first), in
// Debian's Chromium: Playwright's own browser download cannot work on these machines.
import { defineConfig } from '@playwright/test';

export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export default defineConfig({
  testDir: 'tests/e2e',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: 'http://127.0.0.1:8090',
    locale: 'en-US',
    launchOptions: { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS },
    trace: 'off',
  },
  webServer: {
    command: 'node scripts/serve.mjs --dir dist --port 8090 --couch http://127.0.0.1:5991',
    url: 'http://127.0.0.1:8090/index.html',
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
