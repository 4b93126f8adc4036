// Templates and attachments as the Cloud API receives them: the runner in live mode sends to
// a fake Graph API, which refuses a template whose parameter count is not the approved one
// (error 132000) and takes media uploads. A customer writes in English through a signed
// webhook; Ana answers with a two-parameter template in English and with an image.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLiveTurno, startBrowser, signInWithToken, webhookCustomerSays } from '../lib/harness.js';
import { startFakeGraph } from '../lib/fake-graph.js';

const CUSTOMER = '447700900123';

let graph;
let turno;
let browser;
let ana;
let ticketId;

async function eventually(what, f, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try { const v = await f(); if (v) return v; } catch (e) { last = e; }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function api(path, init = {}) {
  return fetch(`${turno.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${turno.tokens.ana}`, 'content-type': 'application/json', ...(init.headers || {}) },
  });
}

before(async () => {
  graph = await startFakeGraph({
    templates: { 'actualizacion_pedido#es': 2, 'actualizacion_pedido#en_US': 2, 'encuesta_satisfaccion#es': 0 },
  });
  turno = await startLiveTurno(graph.url);
  browser = await startBrowser();
  await webhookCustomerSays(turno.url, CUSTOMER, 'John Smith', 'I want to talk to a person please');
  ticketId = await eventually('the handoff ticket', async () => {
    const r = await api(`/tickets?q=${CUSTOMER}`);
    const page = await r.json();
    const tk = (page.items || page.tickets || []).find((x) => x.customer === CUSTOMER && x.assignee === 'ana');
    return tk?.id;
  });
});

after(async () => {
  if (process.exitCode && turno) console.error(turno.output());
  await browser?.close();
  await turno?.stop();
  await graph?.close();
});

test('a template with two parameters goes in the customer\'s language with both filled', async () => {
  ana = await signInWithToken(browser.context, turno.url, turno.tokens.ana);
  await ana.goto(`${turno.url}/console/#/inbox/${encodeURIComponent(ticketId)}`);
  await ana.locator('[data-testid="conversation"]').waitFor();
  // The window is open: text is the default, a template is one click away.
  await ana.locator('[data-testid="template-open"]').click();
  await ana.locator('[data-testid="template"]').selectOption({ label: 'actualizacion_pedido · utility' });
  const first = ana.locator('[data-testid="template-param-1"]');
  assert.equal(await first.inputValue(), 'John Smith', '{{1}} is mapped to the customer name');
  // The English body, as the customer will read it.
  const body = ana.locator('[data-testid="template-body"]');
  assert.match(await body.textContent(), /^Hi John Smith, your order \{\{2\}\} is on its way\.$/);

  const before = graph.messages.length;
  await ana.locator('[data-testid="send"]').click();
  assert.match(await ana.locator('[data-testid="template-error"]').textContent(), /\{\{2\}\}/);
  assert.equal(graph.messages.length, before, 'nothing reaches WhatsApp with a parameter missing');

  await ana.locator('[data-testid="template-param-2"]').fill('456789');
  assert.match(await body.textContent(), /your order 456789 is on its way/);
  await ana.locator('[data-testid="send"]').click();
  const sent = await eventually('the template at the fake Graph API', () => graph.messages.find((m) => m.type === 'template' && m.template.name === 'actualizacion_pedido'));
  assert.equal(sent.to, CUSTOMER);
  assert.equal(sent.template.language.code, 'en_US');
  const params = sent.template.components.find((c) => c.type === 'body').parameters.map((p) => p.text);
  assert.deepEqual(params, ['John Smith', '456789']);
  await ana.locator('[data-testid="transcript"] >> text=actualizacion_pedido').first().waitFor();
  assert.deepEqual(ana.errors, []);
});

test('the server refuses a template with a parameter missing before calling WhatsApp, naming it', async () => {
  const before = graph.messages.length;
  const r = await api(`/tickets/${encodeURIComponent(ticketId)}/messages`, {
    method: 'POST', body: JSON.stringify({ template: { name: 'actualizacion_pedido', params: ['John'] } }),
  });
  assert.equal(r.status, 422);
  const err = await r.json();
  assert.match(err.error.message, /\{\{2\}\}/);
  assert.equal(graph.messages.length, before);
  // A language it was not approved in names no template.
  const wrong = await api(`/tickets/${encodeURIComponent(ticketId)}/messages`, {
    method: 'POST', body: JSON.stringify({ template: { name: 'actualizacion_pedido', language: 'pt_BR', params: ['a', 'b'] } }),
  });
  assert.equal(wrong.status, 404);
});
