// Accessibility of the console's views: axe-core (WCAG 2.1 A and AA rules) finds no serious or
// critical violation on the sign-in page, the inbox, a conversation (with the template picker,
// the agent's actions and the notifications open) and the dashboard; and every control of a
// view can be reached with the Tab key. The Reports page is audited with real figures in
// reports-live.test.js.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTurno, startBrowser, signIn, customerSays } from '../lib/harness.js';
import { audit, axeViolations, unreachableByKeyboard } from '../lib/a11y.js';

const CUSTOMER = '34600444555';

let turno;
let browser;

before(async () => {
  turno = await startTurno();
  browser = await startBrowser();
  await customerSays(turno.url, CUSTOMER, 'Inés Ortega', 'quiero hablar con una persona');
});

after(async () => {
  if (process.exitCode && turno) console.error(turno.output());
  await browser?.close();
  await turno?.stop();
});

test('the sign-in page has no serious accessibility violation', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${turno.url}/console/`);
  await page.locator('[data-agent="ana"]').waitFor();
  await audit(page, 'sign-in');
  assert.deepEqual(await unreachableByKeyboard(page), [], 'sign-in: controls Tab never reaches');
  await page.close();
});

test('the inbox and a conversation have no serious accessibility violation', async () => {
  const page = await signIn(browser.context, turno.url, 'ana');
  const row = page.locator('.ticket-row').first();
  await row.waitFor();
  await audit(page, 'inbox');
  assert.deepEqual(await unreachableByKeyboard(page), [], 'inbox: controls Tab never reaches');
  await row.click();
  await page.locator('[data-testid="composer"]').waitFor();
  await audit(page, 'conversation');
  assert.deepEqual(await unreachableByKeyboard(page), [], 'conversation: controls Tab never reaches');
  // The template picker with a template chosen, every folded action opened, and the
  // notifications list.
  await page.locator('[data-testid="template-open"]').click();
  const choice = page.locator('[data-testid="template"]');
  await choice.waitFor();
  const firstTemplate = await choice.locator('option').nth(1).getAttribute('value');
  if (firstTemplate !== null) await choice.selectOption(firstTemplate);
  await page.locator('[data-testid="template-preview"]').waitFor();
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
  await audit(page, 'conversation with the template picker and the actions open');
  assert.deepEqual(await unreachableByKeyboard(page), [], 'template picker and actions: controls Tab never reaches');
  await page.locator('[data-testid="notify-bell"]').click();
  await page.locator('[data-testid="notify-list"]').waitFor();
  await audit(page, 'notifications list');
  await page.close();
});

test('the dashboard has no serious accessibility violation', async () => {
  const page = await signIn(browser.context, turno.url, 'bruno');
  await page.locator('[data-nav="dashboard"]').click();
  await page.locator('[data-testid="dashboard"]').waitFor();
  await audit(page, 'dashboard');
  assert.deepEqual(await unreachableByKeyboard(page), [], 'dashboard: controls Tab never reaches');
  await page.close();
});

test('the audit finds a violation, and a control Tab cannot reach, when they are there', async () => {
  const page = await signIn(browser.context, turno.url, 'ana');
  await page.locator('.ticket-row').first().waitFor();
  await page.evaluate(() => {
    const b = document.createElement('button');
    b.style.cssText = 'color:#ccc;background:#fff';
    b.textContent = 'faint';
    document.body.prepend(b);
    document.body.prepend(Object.assign(document.createElement('img'), { src: 'data:image/gif;base64,R0lGODlhAQABAAAAACw=' }));
  });
  await page.evaluate(() => {
    const fake = document.createElement('span');
    fake.setAttribute('role', 'button');
    fake.dataset.testid = 'mouse-only';
    fake.textContent = 'mouse only';
    document.querySelector('header').append(fake);
  });
  const unreachable = await unreachableByKeyboard(page);
  assert.ok(unreachable.some((l) => l.includes('mouse-only')), `expected the mouse-only control, got ${unreachable.join('\n')}`);
  const found = await axeViolations(page);
  assert.ok(found.some((l) => l.includes('color-contrast')), `expected a contrast violation, got ${found.join('\n')}`);
  assert.ok(found.some((l) => l.includes('image-alt')), `expected a missing alt text, got ${found.join('\n')}`);
  await page.close();
});
