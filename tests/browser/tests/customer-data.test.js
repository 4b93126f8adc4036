// A customer's data from the conversation's customer panel, and deactivated agents in the
// administration (Diego is the workspace's admin): the export downloads a JSON file holding
// the customer's messages; the erasure, confirmed in a dialog by typing the number, removes
// the customer and its tickets; a refusal is said in words; the buttons show only for the
// roles the API allows. An agent deactivated from the agents list shows a badge, is refused
// at sign-in, and signs in again once reactivated. The dialogs and screens pass the
// accessibility audit and are worked with the keyboard alone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startAdminTurno, startBrowser, signIn, apiAs, customerSays, eventually, openAdminTab, adminSaved } from '../lib/harness.js';
import { audit, unreachableByKeyboard } from '../lib/a11y.js';

const CUSTOMER = '34600777888';
const SAID = 'quiero hablar con una persona sobre mi factura';

let turno;
let browser;
let ticketId;

before(async () => {
  turno = await startAdminTurno();
  browser = await startBrowser();
  await customerSays(turno.url, CUSTOMER, 'Lucía Pardo', SAID);
  const api = await apiAs(turno.url, 'diego');
  ticketId = await eventually('the handoff ticket', async () => {
    const page = await (await api(`/tickets?q=${CUSTOMER}`)).json();
    return (page.items || page.tickets || []).find((x) => x.customer === CUSTOMER)?.id;
  });
});

after(async () => {
  if (process.exitCode && turno) console.error(turno.output());
  await browser?.close();
  await turno?.stop();
});

async function openTicket(page) {
  await page.goto(`${turno.url}/console/#/inbox/${encodeURIComponent(ticketId)}`);
  await page.locator('[data-testid="customer-panel"]').waitFor();
}

/// Presses Tab `n` times in a dialog; the controls focus reached, failing if it ever left.
async function tabAround(page, dialog, n) {
  const reached = new Set();
  for (let i = 0; i < n; i += 1) {
    await page.keyboard.press('Tab');
    const where = await page.evaluate((sel) => {
      const d = document.querySelector(sel);
      const el = document.activeElement;
      return d && d.contains(el) ? (el.dataset.testid || el.tagName) : `outside: ${el?.tagName} ${el?.dataset?.testid || ''}`;
    }, `[data-testid="${dialog}"]`);
    assert.ok(!where.startsWith('outside'), `focus left the dialog: ${where}`);
    reached.add(where);
  }
  return reached;
}

test('the buttons show only for the roles the API allows', async () => {
  const ana = await signIn(browser.context, turno.url, 'ana');
  await openTicket(ana);
  assert.equal(await ana.locator('[data-testid="customer-data"]').isHidden(), true, 'an agent may neither export nor erase');
  const asAna = await apiAs(turno.url, 'ana');
  assert.equal((await asAna(`/customers/${CUSTOMER}/export`)).status, 403);
  await ana.close();

  const bruno = await signIn(browser.context, turno.url, 'bruno');
  await openTicket(bruno);
  assert.equal(await bruno.locator('[data-testid="customer-export"]').isVisible(), true, 'a supervisor exports');
  assert.equal(await bruno.locator('[data-testid="customer-erase"]').isHidden(), true, 'only admins erase');
  assert.deepEqual(bruno.errors, []);
  await bruno.close();
});

test('the export downloads a JSON file with the customer\'s messages', async () => {
  const page = await signIn(browser.context, turno.url, 'diego');
  await openTicket(page);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('[data-testid="customer-export"]').click(),
  ]);
  assert.match(download.suggestedFilename(), /^customer-x{7}7888-\d{4}-\d{2}-\d{2}\.json$/, 'named by the masked number');
  const doc = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.equal(doc.wa_id, CUSTOMER);
  const ticket = doc.tickets.find((x) => x.ticket.id === ticketId);
  assert.ok(ticket, 'the ticket is in the export');
  assert.ok(JSON.stringify(ticket.transcript).includes(SAID), 'the customer\'s message is in the export');
  await eventually('the export said done', async () => /Exported: customer-/.test(await page.locator('[data-testid="customer-data-status"]').textContent()));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the erasure is confirmed by typing the number, a refusal is said in words, and the customer is gone', async () => {
  const page = await signIn(browser.context, turno.url, 'diego');
  const api = await apiAs(turno.url, 'diego');
  await openTicket(page);
  const erase = page.locator('[data-testid="customer-erase"]');
  const dialog = page.locator('[data-testid="erase-dialog"]');

  // Opened and cancelled with Escape: nothing erased, the focus back on the button.
  await erase.focus();
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'erase-confirm');
  assert.equal(await page.locator('[data-testid="erase-go"]').isDisabled(), true);
  await audit(page, 'erase dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'customer-erase');
  assert.equal((await api(`/customers/${CUSTOMER}`)).status, 200, 'nothing erased');

  // A wrong number keeps the button off; the right one, typed, turns it on; Tab stays in
  // the dialog and reaches each of its controls.
  await page.keyboard.press('Enter');
  await dialog.waitFor();
  await page.keyboard.type('34600777889');
  assert.equal(await page.locator('[data-testid="erase-go"]').isDisabled(), true);
  await page.locator('[data-testid="erase-confirm"]').fill('');
  await page.keyboard.type(`+${CUSTOMER}`);
  assert.equal(await page.locator('[data-testid="erase-go"]').isEnabled(), true);
  const reached = await tabAround(page, 'erase-dialog', 6);
  for (const c of ['erase-confirm', 'erase-go', 'erase-cancel']) assert.ok(reached.has(c), `Tab reaches ${c}: ${[...reached]}`);

  // The server fails once: the dialog says so in words and stays open.
  await page.route(`**/api/v1/customers/${CUSTOMER}`, (route) => (route.request().method() === 'DELETE'
    ? route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'x' } }) })
    : route.fallback()), { times: 1 });
  await page.locator('[data-testid="erase-go"]').click();
  await eventually('the refusal in words', async () => /server could not do it \(503\)/.test(await page.locator('[data-testid="erase-error"]').textContent()));
  assert.equal((await api(`/customers/${CUSTOMER}`)).status, 200, 'nothing erased');

  await page.locator('[data-testid="erase-go"]').focus();
  await page.keyboard.press('Enter');
  const result = page.locator('[data-testid="erase-result"]');
  await result.waitFor();
  assert.match(await result.textContent(), /^Erased: 1 tickets \(1 were open\)/);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'erase-close');
  await page.keyboard.press('Enter');
  await page.waitForURL(/#\/inbox$/);

  assert.equal((await api(`/customers/${CUSTOMER}`)).status, 404, 'the customer is gone');
  assert.equal((await api(`/tickets/${encodeURIComponent(ticketId)}`)).status, 404, 'its ticket is gone');
  assert.equal((await api(`/customers/${CUSTOMER}/export`)).status, 404, 'nothing left to export');
  await page.locator('[data-testid="ticket-list"]').waitFor();
  assert.equal(await page.locator(`.ticket-row:has-text("${CUSTOMER}")`).count(), 0, 'the ticket is gone from the inbox');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a deactivated agent shows a badge, cannot sign in, and signs in again once reactivated', async () => {
  const page = await signIn(browser.context, turno.url, 'diego');
  await openAdminTab(page, turno.url, 'agents');
  const carla = page.locator('tr[data-agent="carla"]');
  assert.equal(await carla.locator('[data-testid="agent-deactivated"]').count(), 0);

  // Cancelled first: nothing changes.
  await carla.locator('[data-testid="agent-deactivate"]').click();
  const dialog = page.locator('[data-testid="deactivate-dialog"]');
  await dialog.waitFor();
  await audit(page, 'deactivate dialog');
  const reached = await tabAround(page, 'deactivate-dialog', 4);
  for (const c of ['deactivate-dialog-go', 'deactivate-dialog-cancel']) assert.ok(reached.has(c), `Tab reaches ${c}: ${[...reached]}`);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  const signedIn = await devLogin('carla');
  assert.equal(signedIn.status, 200);
  const { token } = await signedIn.json();

  await carla.locator('[data-testid="agent-deactivate"]').click();
  await page.locator('[data-testid="deactivate-dialog-go"]').click();
  await adminSaved(page);
  await carla.locator('[data-testid="agent-deactivated"]').waitFor();
  assert.equal(await carla.locator('[data-testid="agent-deactivated"]').textContent(), 'Deactivated');
  // The dev sign-in refuses her (the console says the API's reason), and the token she had
  // is refused with it.
  assert.equal((await devLogin('carla')).status, 401, 'a deactivated agent cannot sign in');
  const stale = await fetch(`${turno.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(stale.status, 403);
  assert.match((await stale.json()).error.message, /deactivated/);
  const fresh = await browser.context.newPage();
  await fresh.goto(`${turno.url}/console/`);
  await fresh.locator('[data-agent="carla"]').click();
  await eventually('the sign-in refused', async () => /account was deactivated/.test(await fresh.locator('#root').textContent()));
  assert.equal(await fresh.locator('[data-testid="me"]').count(), 0, 'not signed in');
  await fresh.close();
  await audit(page, 'agents with a deactivated agent');
  assert.deepEqual(await unreachableByKeyboard(page), [], 'agents: controls Tab never reaches');

  await carla.locator('[data-testid="agent-reactivate"]').click();
  await adminSaved(page);
  await eventually('the badge gone', async () => (await page.locator('tr[data-agent="carla"] [data-testid="agent-deactivated"]').count()) === 0);
  assert.equal((await devLogin('carla')).status, 200, 'signs in again once reactivated');
  const agents = await (await (await apiAs(turno.url, 'diego'))('/agents')).json();
  const back = agents.find((a) => a.id === 'carla');
  assert.equal(back.deactivated, false);
  assert.deepEqual(back.teams, ['support'], 'reactivated in the team the form proposed');
  assert.deepEqual(page.errors, []);
  await page.close();
});

function devLogin(agentId) {
  return fetch(`${turno.url}/api/v1/auth/dev-login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent_id: agentId }),
  });
}
