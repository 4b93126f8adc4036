// Live updates in headless chromium: the inbox applies the change feed to what it shows. A
// handoff appears, a new message moves its row and changes its preview, a resolved ticket
// leaves the open view, and the counters follow, each from the changed tickets alone: the
// list is not read again.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTurno, startBrowser, signIn, apiAs, customerSays, eventually } from '../lib/harness.js';

let turno;
let browser;

before(async () => {
  turno = await startTurno();
  browser = await startBrowser();
});

after(async () => {
  if (process.exitCode && turno) console.error(turno.output());
  await browser?.close();
  await turno?.stop();
});

/// Counts the API requests the page makes: list reads, changed-ticket reads, feed polls.
function countRequests(page) {
  const n = { list: 0, changed: 0, events: 0 };
  page.on('request', (req) => {
    const path = new URL(req.url()).pathname;
    if (path === '/api/v1/tickets') n.list += 1;
    else if (path === '/api/v1/tickets/changed') n.changed += 1;
    else if (path === '/api/v1/events') n.events += 1;
  });
  return n;
}

test('a new message on a ticket updates the inbox from the change feed, without reading the list again', async () => {
  const ana = await signIn(browser.context, turno.url, 'ana');
  const list = ana.locator('[data-testid="ticket-list"]');
  await list.locator('.empty').waitFor();
  const n = countRequests(ana);
  // The feed is being read (its first answer is only a cursor).
  await eventually('two feed polls', async () => n.events >= 2);
  const listReads = n.list;

  await customerSays(turno.url, '34600555001', 'Lola Ruiz', 'quiero hablar con un agente');
  const lola = list.locator('.ticket-row', { hasText: 'Lola Ruiz' });
  await lola.waitFor({ timeout: 15_000 });
  await eventually('the assigned count', async () => (await ana.locator('[data-count="assigned"]').textContent()) === '1');

  await customerSays(turno.url, '34600555002', 'Pablo Gil', 'quiero hablar con una persona');
  await list.locator('.ticket-row', { hasText: 'Pablo Gil' }).waitFor({ timeout: 15_000 });
  await eventually('the newest first', async () => (await list.locator('.customer-name').first().textContent()) === 'Pablo Gil');
  await eventually('two assigned', async () => (await ana.locator('[data-count="assigned"]').textContent()) === '2');

  // Lola writes again: her row moves to the top with her words as its preview.
  await customerSays(turno.url, '34600555001', 'Lola Ruiz', 'es el pedido 4471');
  await eventually('the new preview', async () => (await lola.locator('.preview').textContent()) === 'es el pedido 4471');
  await eventually('Lola on top', async () => (await list.locator('.customer-name').first().textContent()) === 'Lola Ruiz');

  // Resolved elsewhere: the row leaves the open view and the counts follow.
  const id = await lola.getAttribute('data-ticket');
  const api = await apiAs(turno.url, 'ana');
  const r = await api(`/tickets/${id}/status`, { method: 'POST', body: JSON.stringify({ status: 'resolved' }) });
  assert.equal(r.status, 200);
  await eventually('the resolved row gone', async () => (await lola.count()) === 0);
  await eventually('one assigned', async () => (await ana.locator('[data-count="assigned"]').textContent()) === '1');
  assert.equal(await ana.locator('[data-count="resolved"]').textContent(), '1');

  assert.equal(n.list, listReads, `the list was not read again (${n.list - listReads} reads)`);
  assert.ok(n.changed >= 4, `the changed tickets were read instead (${n.changed} reads)`);
  assert.deepEqual(ana.errors, []);
  await ana.close();
});
