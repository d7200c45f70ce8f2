// The app shell: languages, navigation, settings and roster, CSP, console errors.
import { test, expect } from '@playwright/test';
import { NAV_EN, NAV_ZH, ROUTES, appReady, watchErrors } from './helpers.js';

test('renders in English and switches every label to Chinese, remembered over reload', async ({ page }) => {
  await page.goto('/');
  await appReady(page);
  await expect(page.locator('nav.shell-nav a')).toHaveText(NAV_EN);
  await expect(page.locator('.brand-name')).toHaveText('PatrolDesk');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(page.getByTestId('today')).toHaveText(/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}$/);

  await page.getByLabel('Language').selectOption('zh-CN');
  await expect(page.locator('nav.shell-nav a')).toHaveText(NAV_ZH);
  await expect(page.locator('.brand-name')).toHaveText('巡逻客服台');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByTestId('today')).toHaveText(/^\d{4}年\d{1,2}月\d{1,2}日 星期[一二三四五六日]$/);
  // No English left in the visible text of the page (other than the language's own name).
  const visible = await page.locator('body').innerText();
  for (const word of [...NAV_EN, 'Language', 'On duty', 'Site not set up', 'Not built yet']) {
    expect(visible, `"${word}" still shown after switching`).not.toContain(word);
  }

  await page.reload();
  await appReady(page);
  await expect(page.locator('nav.shell-nav a')).toHaveText(NAV_ZH);
  await expect(page.getByLabel('语言')).toHaveValue('zh-CN');
});

test.describe('with a Chinese browser', () => {
  test.use({ locale: 'zh-CN' });
  test('defaults to Chinese', async ({ page }) => {
    await page.goto('/');
    await appReady(page);
    await expect(page.locator('nav.shell-nav a')).toHaveText(NAV_ZH);
  });
});

test('every nav link opens its view and the back button returns', async ({ page }) => {
  await page.goto('/intake');
  await appReady(page);
  for (let i = 0; i < ROUTES.length; i++) {
    await page.locator('nav.shell-nav a').nth(i).click();
    await expect(page).toHaveURL(new RegExp(`${ROUTES[i]}$`));
    await expect(page.locator('h1')).toHaveText(NAV_EN[i]);
    await expect(page.locator(`nav.shell-nav a[aria-current="page"]`)).toHaveText(NAV_EN[i]);
  }
  for (let i = ROUTES.length - 2; i >= 0; i--) {
    await page.goBack();
    await expect(page).toHaveURL(new RegExp(`${ROUTES[i]}$`));
    await expect(page.locator('h1')).toHaveText(NAV_EN[i]);
  }
  // The Data view carries export and import.
  await page.goto('/data');
  await expect(page.getByRole('heading', { name: 'Export', exact: true })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Import', exact: true })).toBeVisible();
});

test('site settings and roster are validated, saved, and survive reload', async ({ page }) => {
  await page.goto('/settings');
  await appReady(page);

  // Invalid input: messages at the fields, nothing saved.
  await page.getByLabel('Site code').fill('x');
  await page.getByRole('button', { name: 'Save site settings' }).click();
  await expect(page.locator('#site-name-error')).toHaveText('Required.');
  await expect(page.locator('#site-code-error')).toHaveText('Not in the expected format.');
  await expect(page.locator('#device-name-error')).toHaveText('Required.');
  await expect(page.getByLabel('Site name')).toHaveAttribute('aria-invalid', 'true');
  // Said beside the button too, and the first field to fix has the focus.
  await expect(page.getByTestId('site-form-problems')).toHaveText('Not saved: check the fields marked above (3).');
  await expect(page.getByLabel('Site name')).toBeFocused();
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.getByTestId('site-form-problems')).toHaveText('未保存：请检查上面标出的字段（3 项）。');
  await page.getByTestId('language').selectOption('en');
  // Messages follow the user's typing.
  await page.getByLabel('Site name').fill('东湖花园');
  await expect(page.locator('#site-name-error')).toHaveText('');
  await expect(page.getByTestId('site-form-problems')).toHaveText('Not saved: check the fields marked above (2).');
  await page.reload();
  await appReady(page);
  await expect(page.getByTestId('site-name')).toHaveText('Site not set up');

  await page.getByLabel('Site name').fill('东湖花园');
  await page.getByLabel('Site code').fill('dh01');
  await page.getByLabel('Device name').fill('Front desk 1');
  await page.getByRole('button', { name: 'Save site settings' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await expect(page.getByTestId('site-name')).toHaveText('东湖花园');
  const deviceId = await page.getByTestId('device-id').innerText();
  expect(deviceId).toMatch(/^[0-9a-f-]{36}$/);

  // Roster: two people, a duplicate refused, an edit, a removal.
  const name = page.getByLabel('Name', { exact: true });
  await name.fill('王伟');
  await page.getByLabel('Role').selectOption('patrol');
  await page.getByLabel('Department').selectOption('security');
  await page.getByRole('button', { name: 'Add to roster' }).click();
  await expect(page.getByText('Added to the roster.')).toBeVisible();
  await name.fill('Li Na');
  await page.getByLabel('Role').selectOption('supervisor');
  await page.getByLabel('Department').selectOption('customer_service');
  await page.getByRole('button', { name: 'Add to roster' }).click();
  await expect(page.getByTestId('roster').locator('li')).toHaveCount(2);
  // The form starts over: the next person is not silently a supervisor in customer service.
  await expect(page.getByLabel('Role')).toHaveValue('patrol');
  await expect(page.getByLabel('Department')).toHaveValue('security');
  await name.fill(' 王伟 ');
  await page.getByRole('button', { name: 'Add to roster' }).click();
  await expect(page.locator('#staff-name-error')).toHaveText('Already on the roster.');
  await expect(page.getByTestId('roster').locator('li')).toHaveCount(2);
  await name.fill('');
  await page.getByRole('button', { name: 'Add to roster' }).click();
  await expect(page.locator('#staff-name-error')).toHaveText('Required.');

  await page.getByRole('button', { name: 'Edit Li Na' }).click();
  await name.fill('李娜');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByText('Roster updated.')).toBeVisible();

  await page.getByLabel('On duty').selectOption({ label: '李娜' });

  await page.reload();
  await appReady(page);
  await expect(page.getByLabel('Site name')).toHaveValue('东湖花园');
  await expect(page.getByLabel('Site code')).toHaveValue('DH01');
  await expect(page.getByLabel('Device name')).toHaveValue('Front desk 1');
  await expect(page.getByTestId('device-id')).toHaveText(deviceId);
  await expect(page.getByTestId('roster').locator('.roster-name')).toHaveText(['王伟', '李娜']);
  await expect(page.getByTestId('roster').locator('.roster-meta').nth(1)).toHaveText('Supervisor · Customer service');
  await expect(page.getByLabel('On duty').locator('option:checked')).toHaveText('李娜');

  await page.getByRole('button', { name: 'Remove 王伟 from the roster' }).click();
  await expect(page.getByText('Removed from the roster (kept in history).')).toBeVisible();
  await page.reload();
  await appReady(page);
  await expect(page.getByTestId('roster').locator('.roster-name')).toHaveText(['李娜']);
  await expect(page.getByLabel('On duty').locator('option')).toHaveText(['— choose staff —', '李娜']);
});

test('text typed by users is shown as text, never run as HTML', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/settings');
  await appReady(page);
  const evil = '<img src=x onerror=alert(1)>';
  await page.getByLabel('Site name').fill(evil);
  await page.getByLabel('Site code').fill('X1');
  await page.getByLabel('Device name').fill('<b>bold</b>');
  await page.getByRole('button', { name: 'Save site settings' }).click();
  await page.getByLabel('Name', { exact: true }).fill('<script>alert(2)</script>');
  await page.getByRole('button', { name: 'Add to roster' }).click();
  await expect(page.getByTestId('site-name')).toHaveText(evil);
  await expect(page.getByTestId('roster').locator('.roster-name')).toHaveText('<script>alert(2)</script>');
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await page.reload();
  await appReady(page);
  await expect(page.getByTestId('site-name')).toHaveText(evil);
  expect(errors).toEqual([]);
});

test('runs under the CSP with no console errors on any view', async ({ page }) => {
  const errors = watchErrors(page);
  const violations = [];
  await page.exposeFunction('__cspViolation', (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const response = await page.goto('/');
  const html = await response.text();
  const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/);
  expect(csp, 'CSP meta tag present').not.toBeNull();
  expect(csp[1]).toContain("script-src 'self' 'wasm-unsafe-eval' 'sha256-");
  expect(csp[1]).not.toContain('unsafe-inline');
  await appReady(page);
  for (const route of ROUTES) {
    await page.goto(route);
    await appReady(page);
    await expect(page.locator('h1')).toBeVisible();
  }
  for (const route of ROUTES) {
    await page.locator(`nav.shell-nav a[href="${route}"]`).click();
    await expect(page.locator('h1')).toBeVisible();
  }
  expect(violations).toEqual([]);
  expect(errors).toEqual([]);
});

test('touch targets are at least 44 px in portrait and landscape', async ({ page }) => {
  for (const size of [{ width: 768, height: 1024 }, { width: 1280, height: 800 }]) {
    await page.setViewportSize(size);
    await page.goto('/settings');
    await appReady(page);
    await page.getByLabel('Name', { exact: true }).fill('王伟');
    const small = await page.evaluate(() => {
      const out = [];
      for (const el of document.querySelectorAll('a, button, select, input')) {
        const r = el.getBoundingClientRect();
        if (r.width === 0 && r.height === 0) continue; // not rendered (e.g. the skip link off screen)
        if (el.classList.contains('skip-link')) continue;
        if (r.height < 44 || r.width < 44) out.push(`${el.tagName} "${el.textContent.trim()}" ${r.width}x${r.height}`);
      }
      return out;
    });
    expect(small, `at ${size.width}x${size.height}`).toEqual([]);
  }
});

test('on a phone\'s width nothing runs off the right edge: the header\'s controls wrap', async ({ page }) => {
  await page.setViewportSize({ width: 412, height: 823 });
  for (const path of ['/intake', '/board', '/kpi']) {
    await page.goto(path);
    await appReady(page);
    const overflow = await page.evaluate(() => ({
      page: document.documentElement.scrollWidth,
      header: Math.max(...[...document.querySelectorAll('.shell-header a, .shell-header button, .shell-header select')].map((e) => e.getBoundingClientRect().right)),
    }));
    expect(overflow, path).toEqual({ page: 412, header: expect.any(Number) });
    expect(overflow.header, path).toBeLessThanOrEqual(412);
  }
});

test.describe('static shell', () => {
  // Without the service worker every request goes through page.route, so the wasm can be
  // held back until the static shell has been measured.
  test.use({ serviceWorkers: 'block' });

  test('draws the navigation in the language the app will start in, its tab marked, before the wasm', async ({ page }) => {
    await page.route(/_bg\.wasm$/, () => {}); // never answered: the static shell stays
    await page.goto('/board', { waitUntil: 'domcontentloaded' });
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    const items = page.locator('nav.shell-nav .nav-placeholder');
    await expect(items).toHaveText(NAV_EN, { useInnerText: true });
    await expect(page.locator('nav.shell-nav a')).toHaveCount(0); // the links come with the app
    await expect(page.locator('nav.shell-nav [data-current]')).toHaveText('Board', { useInnerText: true });
    await expect(page.locator('main .boot')).toHaveText(/^PatrolDesk keeps every ticket[^巡]*$/, { useInnerText: true });
    // The language chosen in the app before, on a drill's page.
    await page.evaluate(() => localStorage.setItem('patroldesk.lang', JSON.stringify('zh-CN')));
    await page.goto('/drills/plan/x', { waitUntil: 'domcontentloaded' });
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(items).toHaveText(NAV_ZH, { useInnerText: true });
    await expect(page.locator('nav.shell-nav [data-current]')).toHaveText(NAV_ZH[2], { useInnerText: true });
    await expect(page.locator('main .boot')).toHaveText(/^巡逻客服台把工单[^A-Za-z]*$/, { useInnerText: true });
  });

  test.describe('on a Chinese browser', () => {
    test.use({ locale: 'zh-TW' });
    test('draws the navigation in Chinese', async ({ page }) => {
      await page.route(/_bg\.wasm$/, () => {});
      await page.goto('/', { waitUntil: 'domcontentloaded' });
      await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
      await expect(page.locator('nav.shell-nav .nav-placeholder')).toHaveText(NAV_ZH, { useInnerText: true });
      await expect(page.locator('nav.shell-nav [data-current]')).toHaveCount(0);
    });
  });

  test('the app is drawn in a task of its own, and storage is opened only after its first frame', async ({ page }) => {
    await page.addInitScript(() => {
      const mark = Performance.prototype.mark;
      window.__order = [];
      Performance.prototype.mark = function (name, ...rest) {
        window.__order.push(name);
        if (name === 'pd-mounted') requestAnimationFrame(() => window.__order.push('frame'));
        return mark.call(this, name, ...rest);
      };
      // A task boundary between the wasm's start and the drawing: a zero-delay timer set
      // when the wasm module is first fetched fires between them.
      const instantiate = WebAssembly.instantiateStreaming;
      WebAssembly.instantiateStreaming = async (...args) => {
        const result = await instantiate.apply(WebAssembly, args);
        window.__order.push('instantiated');
        setTimeout(() => window.__order.push('task'), 0);
        return result;
      };
    });
    await page.goto('/');
    await appReady(page);
    await expect.poll(() => page.evaluate(() => window.__order.includes('pd-store'))).toBe(true);
    const order = await page.evaluate(() => window.__order);
    const at = (name) => order.indexOf(name);
    for (const name of ['instantiated', 'task', 'pd-mount', 'pd-mounted', 'frame', 'pd-load']) expect(at(name), name).toBeGreaterThanOrEqual(0);
    expect(at('pd-mount'), order.join(' ')).toBeGreaterThan(at('task'));
    expect(at('pd-load'), order.join(' ')).toBeGreaterThan(at('frame'));
    expect(at('frame')).toBeGreaterThan(at('pd-mounted'));
  });

  test('is replaced by the app without layout shift', async ({ page }) => {
    await page.addInitScript(() => {
      window.__shift = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__shift += entry.value;
      }).observe({ type: 'layout-shift', buffered: true });
    });
    for (const size of [{ width: 768, height: 1024 }, { width: 1280, height: 800 }]) {
      await page.setViewportSize(size);
      let release;
      const gate = new Promise((resolve) => { release = resolve; });
      await page.route(/_bg\.wasm$/, async (route) => { await gate; await route.continue(); });
      await page.goto('/board', { waitUntil: 'domcontentloaded' });
      await expect(page.locator('nav.shell-nav a')).toHaveCount(0);
      const before = await page.locator('header.shell-header').boundingBox();
      const navBefore = await page.locator('nav.shell-nav').boundingBox();
      release();
      await appReady(page);
      await page.unroute(/_bg\.wasm$/);
      expect(await page.locator('header.shell-header').boundingBox()).toEqual(before);
      expect(await page.locator('nav.shell-nav').boundingBox()).toEqual(navBefore);
      expect(Math.round(navBefore.y + navBefore.height)).toBe(size.height);
      expect(await page.evaluate(() => window.__shift)).toBeLessThan(0.01);
    }
  });
});
