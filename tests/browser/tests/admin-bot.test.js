// The bot, routing, calendar and template screens of the administration (an admin of the
// fixture's workspace): a menu title edited in the console reaches the next sandbox customer
// without a restart; a routing rule moved up with the keyboard stays moved after a reload;
// the templates synced from the (sandbox's) WhatsApp list are shown; a change the server
// refuses shows its message next to the form.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAdminTurno, startBrowser, signIn, apiAs, customerSays, eventually, openAdminTab, adminSaved } from '../lib/harness.js';

let turno;
let browser;

before(async () => {
  // Diego as the workspace's admin, and its business account's id.
  turno = await startAdminTurno({
    edit: (c) => {
      const edited = c.replace('    default_language: es\n', '    default_language: es\n    whatsapp_business_account_id: "102290129340398"\n');
      assert.match(edited, /whatsapp_business_account_id/);
      return edited;
    },
  });
  browser = await startBrowser();
});

after(async () => {
  if (process.exitCode && turno) console.error(turno.output());
  await browser?.close();
  await turno?.stop();
});

const openTab = (page, tab) => openAdminTab(page, turno.url, tab);

/// Everything the bot sent a sandbox customer, each message as JSON.
async function botSent(customer) {
  const r = await fetch(`${turno.url}/sandbox/api/messages?customer=${customer}`);
  return (await r.json()).messages.map((m) => JSON.stringify(m.message));
}

test('a menu title edited in the console is what the next customer is shown', async () => {
  const page = await signIn(browser.context, turno.url, 'diego');
  await openTab(page, 'menu');
  const option = page.locator('fieldset[data-option="2"]');
  const title = 'Devoluciones sin complicaciones';
  await option.getByLabel('Title (es)').fill(title);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await adminSaved(page);

  const customer = '34600777001';
  await customerSays(turno.url, customer, 'Rocío Vidal', 'hola');
  await eventually('the menu with the new title', async () => ((await botSent(customer)).some((m) => m.includes(title)) || null));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a routing rule moved up with the keyboard stays first after a reload', async () => {
  const page = await signIn(browser.context, turno.url, 'diego');
  const api = await apiAs(turno.url, 'diego');
  await openTab(page, 'routing');
  const names = async () => page.locator('li[data-rule]').evaluateAll((els) => els.map((e) => e.dataset.rule));
  const before = await names();
  assert.ok(before.length >= 2, `two rules at least: ${before}`);
  const up = page.getByRole('button', { name: `Move ${before[1]} up` });
  await up.focus();
  await page.keyboard.press('Enter');
  assert.deepEqual((await names()).slice(0, 2), [before[1], before[0]]);
  // The focus follows the moved rule.
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), `Move ${before[1]} down`);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await adminSaved(page);
  await page.reload();
  await page.locator('[data-testid="admin-version"]').waitFor();
  assert.deepEqual((await names()).slice(0, 2), [before[1], before[0]]);
  const config = await (await api('/admin/config')).json();
  assert.deepEqual(config.config.routing.rules.slice(0, 2).map((r) => r.name), [before[1], before[0]]);
  await page.close();
});

test('an admin syncs the templates from WhatsApp and sees them listed', async () => {
  const page = await signIn(browser.context, turno.url, 'diego');
  await openTab(page, 'templates');
  await page.locator('[data-testid="admin-templates-empty"]').waitFor();
  await page.locator('[data-testid="templates-sync"]').click();
  const table = page.locator('[data-testid="admin-templates"]');
  await table.waitFor();
  const row = table.locator('tr[data-template="pedido_enviado#en_US"]');
  assert.equal(await row.locator('td').nth(1).textContent(), 'APPROVED');
  assert.match(await row.locator('.tpl-body').textContent(), /your order \{\{2\}\} has shipped/);
  assert.equal(await table.locator('tr[data-template="promo_verano#es"] td').nth(1).textContent(), 'REJECTED');
  assert.match(await page.locator('[data-testid="admin-status"]').textContent(), /5 templates read/);
  // The approved ones are offered to agents, with their parameters and languages.
  const api = await apiAs(turno.url, 'ana');
  const offered = await (await api('/templates')).json();
  const shipped = offered.find((x) => x.name === 'pedido_enviado');
  assert.equal(shipped?.param_count, 2);
  assert.deepEqual(shipped?.languages, { es: 'es', en: 'en_US', pt: 'pt_BR' });
  assert.equal(offered.find((x) => x.name === 'promo_verano'), undefined);
  await page.close();
});

test('a calendar the server refuses shows its message next to the form', async () => {
  const page = await signIn(browser.context, turno.url, 'diego');
  const api = await apiAs(turno.url, 'diego');
  const version = (await (await api('/admin/config')).json()).version;
  await openTab(page, 'calendars');
  const calendar = page.locator('fieldset[data-calendar]').first();
  await calendar.getByLabel('Time zone').fill('Mars/Olympus_Mons');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  const error = page.locator('[data-testid="admin-form-error"]');
  await error.waitFor();
  assert.match(await error.textContent(), /Mars\/Olympus_Mons/);
  assert.equal(await error.getAttribute('role'), 'alert');
  assert.equal(await calendar.getByLabel('Time zone').inputValue(), 'Mars/Olympus_Mons', 'the form keeps what was typed');
  assert.equal((await (await api('/admin/config')).json()).version, version, 'nothing saved');
  await page.close();
});
