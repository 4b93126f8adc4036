// The administration screens (an admin of the fixture's workspace): an agent's capacity, a
// quick reply and an SLA target changed from the console and in force through the API; a
// stale edit answered with the conflict message; every tab free of serious accessibility
// violations and reachable with the keyboard.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAdminTurno, startBrowser, signIn, apiAs, eventually, openAdminTab, adminSaved } from '../lib/harness.js';
import { audit, unreachableByKeyboard } from '../lib/a11y.js';

let turno;
let browser;

before(async () => {
  turno = await startAdminTurno();
  browser = await startBrowser();
});

after(async () => {
  if (process.exitCode && turno) console.error(turno.output());
  await browser?.close();
  await turno?.stop();
});

const openTab = (page, tab) => openAdminTab(page, turno.url, tab);

test('an admin changes a capacity, a quick reply and an SLA target, and a stale edit is refused', async () => {
  const page = await signIn(browser.context, turno.url, 'diego');
  const api = await apiAs(turno.url, 'diego');
  await page.locator('[data-nav="admin"]').click();
  await page.locator('[data-testid="admin-version"]').waitFor();

  const ana = page.locator('tr[data-agent="ana"]');
  await ana.getByLabel('Capacity').fill('2');
  await ana.getByRole('button', { name: 'Save' }).click();
  await adminSaved(page);
  const agents = await (await api('/agents')).json();
  assert.equal(agents.find((a) => a.id === 'ana').capacity, 2);

  await openTab(page, 'quick-replies');
  const first = page.locator('form[data-quick-reply]').first();
  const shortcut = await first.getAttribute('data-quick-reply');
  await first.locator('textarea').fill('Texto cambiado desde la administración');
  await first.getByRole('button', { name: 'Save' }).click();
  await adminSaved(page);
  const replies = await (await api('/quick-replies')).json();
  const list = Array.isArray(replies) ? replies : replies.items;
  assert.equal(list.find((q) => q.shortcut === shortcut).text, 'Texto cambiado desde la administración');

  await openTab(page, 'sla');
  await page.getByLabel('Default first response (seconds)').fill('600');
  await page.getByRole('button', { name: 'Save' }).click();
  await adminSaved(page);
  const config = await (await api('/admin/config')).json();
  assert.equal(config.config.sla.first_response_secs, 600);

  // Someone else saves while this page still shows the version it loaded.
  await openTab(page, 'sla');
  const other = { ...config.config.sla, first_response_secs: 700 };
  const r = await api('/admin/config/sla', { method: 'PUT', headers: { 'if-match': String(config.version) }, body: JSON.stringify(other) });
  assert.equal(r.status, 200, await r.text());
  await page.getByLabel('Default first response (seconds)').fill('500');
  await page.getByRole('button', { name: 'Save' }).click();
  const status = page.locator('[data-testid="admin-status"]');
  await eventually('the conflict message', async () => ((await status.textContent()).includes('Someone else changed') || null));
  assert.equal(await status.getAttribute('role'), 'alert');
  const after = await (await api('/admin/config')).json();
  assert.equal(after.config.sla.first_response_secs, 700, 'the stale edit changed nothing');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a non-admin is refused the administration screens and routes', async () => {
  const page = await signIn(browser.context, turno.url, 'ana');
  assert.equal(await page.locator('[data-nav="admin"]').count(), 0);
  const api = await apiAs(turno.url, 'ana');
  assert.equal((await api('/admin/config')).status, 403);
  await page.close();
});

test('the administration screens have no serious accessibility violation', async () => {
  const page = await signIn(browser.context, turno.url, 'diego');
  for (const tab of ['agents', 'teams', 'quick-replies', 'sla', 'calendars', 'routing', 'bot', 'menu', 'answers', 'flows', 'templates']) {
    await openTab(page, tab);
    await audit(page, `admin ${tab}`);
    assert.deepEqual(await unreachableByKeyboard(page), [], `admin ${tab}: controls Tab never reaches`);
  }
  await page.close();
});
