// Templates and attachments as the Cloud API receives them: the runner in live mode sends to
// a fake Graph API, which refuses a template whose parameter count is not the approved one
// (error 132000) and takes media uploads. A customer writes in English through a signed
// webhook; Ana answers with a two-parameter template in English, with an image, and with a
// template whose image header she uploads from the picker.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startLiveTurno, startBrowser, signInWithToken, webhookCustomerSays, eventually, fixtureConfig } from '../lib/harness.js';
import { startFakeGraph } from '../lib/fake-graph.js';

const CUSTOMER = '447700900123';

let graph;
let config;
let turno;
let browser;
let ana;
let ticketId;

function api(path, init = {}) {
  return fetch(`${turno.url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${turno.tokens.ana}`, 'content-type': 'application/json', ...(init.headers || {}) },
  });
}

before(async () => {
  graph = await startFakeGraph({
    templates: { 'actualizacion_pedido#es': 2, 'actualizacion_pedido#en_US': 2, 'encuesta_satisfaccion#es': 0, 'etiqueta_envio#en_US': 1 },
  });
  // The fixture with a template whose header is an image.
  config = fixtureConfig((c) => c.replace('    csat:\n      enabled: true', [
    '      shipping_label:',
    '        name: etiqueta_envio',
    '        language: es',
    '        languages: { en: en_US }',
    '        category: utility',
    '        header: { format: image }',
    '        body: { es: "Hola {{1}}, esta es tu etiqueta.", en: "Hi {{1}}, here is your label." }',
    '        fields: { "1": customer_name }',
    '    csat:',
    '      enabled: true',
  ].join('\n')));
  turno = await startLiveTurno(graph.url, { config: config.path });
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
  config?.remove();
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

// A 1×1 PNG, padded past the JSON routes' 64 KiB limit (decoders stop at IEND).
const PNG = Buffer.concat([
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'),
  Buffer.alloc(100 * 1024),
]);

/// Waits for the toast to say what `pattern` matches.
async function toastSays(page, pattern) {
  return eventually(`a toast matching ${pattern}`, async () => pattern.test(await page.locator('#toast').textContent()));
}

test('an image is checked, uploaded to WhatsApp and sent by its media id with its caption', async () => {
  // Refused in the browser before any upload: a type WhatsApp does not take, and a size over
  // the image limit.
  await ana.locator('[data-testid="attach-input"]').setInputFiles({ name: 'anim.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a') });
  await toastSays(ana, /does not take image\/gif/);
  await ana.locator('[data-testid="attach-input"]').setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: Buffer.alloc(5 * 1024 * 1024 + 1) });
  await toastSays(ana, /5\.0 MB.*up to 5\.0 MB/);
  assert.equal(await ana.locator('[data-testid="attach-chip"]').isHidden(), true);
  assert.equal(graph.uploads.length, 0);

  // WhatsApp throttling: said plainly, and the file stays to be sent again.
  await ana.locator('[data-testid="attach-input"]').setInputFiles({ name: 'label.png', mimeType: 'image/png', buffer: PNG });
  await ana.locator('[data-testid="attach-chip"]').waitFor();
  await ana.locator('[data-testid="composer"]').fill('Here is your shipping label');
  graph.failNext({ status: 429, code: 130429, message: 'Rate limit hit' });
  await ana.locator('[data-testid="send"]').click();
  await toastSays(ana, /limiting how fast we send/);
  assert.equal(await ana.locator('[data-testid="attach-chip"]').isVisible(), true);

  await ana.locator('[data-testid="send"]').click();
  const sent = await eventually('the image message at the fake Graph API', () => graph.messages.find((m) => m.type === 'image'));
  assert.equal(graph.uploads.length, 1);
  const [up] = graph.uploads;
  assert.equal(up.type, 'image/png');
  assert.equal(up.size, PNG.length);
  assert.equal(up.filename, 'label.png');
  assert.equal(sent.to, CUSTOMER);
  assert.equal(sent.image.id, up.id);
  assert.equal(sent.image.caption, 'Here is your shipping label');
  // The transcript shows it, fetched back through the ticket's media route.
  await ana.locator('[data-testid="transcript"] img.media-img').last().waitFor();
  assert.equal(await ana.locator('[data-testid="attach-chip"]').isHidden(), true);

  // The server checks again: a type WhatsApp does not take never reaches it.
  const r = await api(`/tickets/${encodeURIComponent(ticketId)}/attachments`, { method: 'POST', headers: { 'content-type': 'image/gif' }, body: 'GIF89a' });
  assert.equal(r.status, 415);
  assert.equal(graph.uploads.length, 1);
  assert.deepEqual(ana.errors, []);
});

test('a template\'s image header is uploaded from the picker, checked first, and sent by its media id', async () => {
  const before = graph.uploads.length;
  await ana.locator('[data-testid="template-open"]').click();
  await ana.locator('[data-testid="template"]').selectOption({ label: 'etiqueta_envio · utility' });
  const file = ana.locator('[data-testid="template-header-file"]');
  const error = ana.locator('[data-testid="template-error"]');
  // Refused in the browser before any upload: a type WhatsApp does not take, a document for
  // an image header, and an image over the image limit (the attachments' own limits).
  await file.setInputFiles({ name: 'anim.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a') });
  await eventually('the type refused', async () => /does not take image\/gif/.test(await error.textContent()));
  await file.setInputFiles({ name: 'label.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') });
  await eventually('the kind refused', async () => /takes image files; this one is application\/pdf/.test(await error.textContent()));
  await file.setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: Buffer.alloc(5 * 1024 * 1024 + 1) });
  await eventually('the size refused', async () => /5\.0 MB.*up to 5\.0 MB/.test(await error.textContent()));
  assert.equal(graph.uploads.length, before, 'nothing uploaded');

  await file.setInputFiles({ name: 'label.png', mimeType: 'image/png', buffer: PNG });
  await eventually('the upload done', async () => /Uploaded label\.png/.test(await ana.locator('[data-testid="template-header-state"]').textContent()));
  assert.equal(graph.uploads.length, before + 1);
  const up = graph.uploads[graph.uploads.length - 1];
  assert.equal(up.type, 'image/png');
  assert.equal(up.size, PNG.length);
  assert.equal(await ana.locator('[data-testid="template-header-media"]').inputValue(), up.id, 'the media id fills the header');
  assert.equal(graph.messages.filter((m) => m.template?.name === 'etiqueta_envio').length, 0, 'an upload sends nothing');

  await ana.locator('[data-testid="send"]').click();
  const sent = await eventually('the template at the fake Graph API', () => graph.messages.find((m) => m.type === 'template' && m.template.name === 'etiqueta_envio'));
  assert.equal(sent.to, CUSTOMER);
  assert.equal(sent.template.language.code, 'en_US');
  const header = sent.template.components.find((c) => c.type === 'header');
  assert.deepEqual(header.parameters, [{ type: 'image', image: { id: up.id } }]);
  assert.deepEqual(sent.template.components.find((c) => c.type === 'body').parameters.map((p) => p.text), ['John Smith']);

  // The server checks the type too, and never for a ticket the caller cannot see.
  const r = await api(`/tickets/${encodeURIComponent(ticketId)}/media`, { method: 'POST', headers: { 'content-type': 'image/gif' }, body: 'GIF89a' });
  assert.equal(r.status, 415);
  const other = await fetch(`${turno.url}/api/v1/tickets/${encodeURIComponent(ticketId)}/media`, {
    method: 'POST', headers: { authorization: `Bearer ${turno.tokens.carla}`, 'content-type': 'image/png' }, body: PNG,
  });
  assert.equal(other.status, 404);
  assert.equal(graph.uploads.length, before + 1);
  assert.deepEqual(ana.errors, []);
});

test('a mention notifies an agent of another team, who can then open the ticket', async () => {
  const asCarla = (path) => fetch(`${turno.url}/api/v1${path}`, { headers: { authorization: `Bearer ${turno.tokens.carla}` } });
  assert.equal((await asCarla(`/tickets/${encodeURIComponent(ticketId)}`)).status, 404, 'not her team\'s ticket');
  const carla = await signInWithToken(browser.context, turno.url, turno.tokens.carla);
  await carla.locator('[data-testid="notify-bell"]').waitFor();
  assert.equal(await carla.locator('[data-testid="notify-count"]').isHidden(), true);

  await ana.locator('[data-tab="note"]').click();
  await ana.locator('[data-testid="composer"]').fill('@carla could you check the refund on this one?');
  await ana.locator('[data-testid="send"]').click();
  await ana.locator('[data-testid="transcript"] >> text=could you check the refund').waitFor();

  await eventually('the mention counted on Carla\'s bell', async () => (await carla.locator('[data-testid="notify-count"]').textContent()) === '1');
  const shown = await carla.evaluate(() => window.shownNotifications);
  assert.ok(shown.some((n) => /Ana García mentioned you on John Smith/.test(n.body)), JSON.stringify(shown));
  await carla.locator('[data-testid="notify-bell"]').click();
  await carla.locator('[data-testid="notify-list"] a').first().click();
  await carla.locator('[data-testid="conversation"]').waitFor();
  await carla.locator('[data-testid="transcript"] >> text=could you check the refund').waitFor();
  assert.equal(await carla.locator('[data-testid="not-allowed"]').count(), 0);
  assert.equal((await asCarla(`/tickets/${encodeURIComponent(ticketId)}`)).status, 200);
  assert.deepEqual(carla.errors, []);
});
