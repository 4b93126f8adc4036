// Accessibility of the console's views: axe-core (WCAG 2.1 A and AA rules) finds no serious or
// critical violation on the sign-in page, the inbox, a conversation (with the template picker,
// the agent's actions and the notifications open) and the dashboard; and every control of a
// view can be reached with the Tab key. An admin's views are audited too: the customer
// panel's data buttons, the erase and deactivate dialogs (Tab kept inside them), the agents
// list with a deactivated agent, and the template picker's header upload. The Reports page is
// audited with real figures in reports-live.test.js.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTurno, startAdminTurno, startBrowser, signIn, customerSays, apiAs, eventually } from '../lib/harness.js';
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

/// Presses Tab round a modal dialog: every one of its controls reached, focus never outside.
async function tabsInside(page, testid, controls) {
  const reached = new Set();
  for (let i = 0; i < controls.length * 2 + 1; i += 1) {
    await page.keyboard.press('Tab');
    const where = await page.evaluate((id) => {
      const el = document.activeElement;
      return document.querySelector(`[data-testid="${id}"]`)?.contains(el) ? (el.dataset.testid || el.tagName) : null;
    }, testid);
    assert.ok(where, `${testid}: focus left the dialog`);
    reached.add(where);
  }
  for (const c of controls) assert.ok(reached.has(c), `${testid}: Tab never reaches ${c}`);
}

test('an admin\'s dialogs, agents list and header upload have no serious accessibility violation', async () => {
  const admin = await startAdminTurno({
    edit: (c) => c.replace('    csat:\n      enabled: true', [
      '      shipping_label:', '        name: etiqueta_envio', '        language: es', '        category: utility',
      '        header: { format: image }', '        body: { es: "Hola {{1}}, esta es tu etiqueta." }',
      '    csat:', '      enabled: true',
    ].join('\n')),
  });
  try {
    await customerSays(admin.url, CUSTOMER, 'Inés Ortega', 'quiero hablar con una persona');
    const api = await apiAs(admin.url, 'diego');
    const id = await eventually('the ticket', async () => {
      const r = await (await api(`/tickets?q=${CUSTOMER}`)).json();
      return (r.items || r.tickets || [])[0]?.id;
    });
    const page = await signIn(browser.context, admin.url, 'diego');
    await page.goto(`${admin.url}/console/#/inbox/${encodeURIComponent(id)}`);
    await page.locator('[data-testid="customer-erase"]').waitFor();
    await page.locator('[data-testid="template-open"]').click();
    await page.locator('[data-testid="template"]').selectOption({ label: 'etiqueta_envio · utility' });
    await page.locator('[data-testid="template-header-upload"]').waitFor();
    await audit(page, 'conversation with the customer data buttons and the header upload');
    assert.deepEqual(await unreachableByKeyboard(page), [], 'customer data and header upload: controls Tab never reaches');

    await page.locator('[data-testid="customer-erase"]').click();
    await page.locator('[data-testid="erase-dialog"]').waitFor();
    await page.locator('[data-testid="erase-confirm"]').fill(CUSTOMER);
    await audit(page, 'erase dialog');
    await tabsInside(page, 'erase-dialog', ['erase-confirm', 'erase-go', 'erase-cancel']);
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="erase-dialog"]').waitFor({ state: 'detached' });

    await page.goto(`${admin.url}/console/#/admin/agents`);
    await page.locator('tr[data-agent="carla"] [data-testid="agent-deactivate"]').click();
    await page.locator('[data-testid="deactivate-dialog"]').waitFor();
    await audit(page, 'deactivate dialog');
    await tabsInside(page, 'deactivate-dialog', ['deactivate-dialog-go', 'deactivate-dialog-cancel']);
    await page.locator('[data-testid="deactivate-dialog-go"]').click();
    await page.locator('tr[data-agent="carla"] [data-testid="agent-deactivated"]').waitFor();
    await audit(page, 'agents with a deactivated agent');
    assert.deepEqual(await unreachableByKeyboard(page), [], 'agents with a deactivated agent: controls Tab never reaches');
    assert.deepEqual(page.errors, []);
    await page.close();
  } finally {
    if (process.exitCode) console.error(admin.output());
    await admin.stop();
  }
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
