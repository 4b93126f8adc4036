// The agent console end to end, in headless chromium against the real local runner: a
// sandbox customer asks for a person, the ticket reaches the right inbox with its SLA
// countdown, the agent answers, notes, transfers and resolves it, a supervisor sees a breach,
// customer text stays text, and an agent of another team cannot open the ticket.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTurno, startBrowser, signIn, apiAs, customerSays, repo, eventually } from '../lib/harness.js';

const XSS_NAME = '<img src=x onerror=alert(1)>';
const CUSTOMER = '34600111222';
const VIP = '34600000009';
const SHOTS = process.env.TURNO_SCREENSHOTS ? join(repo, 'docs/screenshots') : null;

let turno;
let browser;
let ana;
let ticketId;

async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(300);
  await page.evaluate(() => document.getElementById('toast')?.classList.remove('show'));
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

before(async () => {
  turno = await startTurno();
  browser = await startBrowser();
  // A VIP whose 6 s first-response target nobody meets: the breach the supervisor will see.
  await customerSays(turno.url, VIP, 'Vera Vidal', 'quiero hablar con un agente');
  if (SHOTS) {
    // More conversations, so the screenshots show a working inbox.
    await customerSays(turno.url, '34600222333', 'Marta López', 'mi pedido 10482 no llega, quiero hablar con una persona');
    await customerSays(turno.url, '5511987654321', 'João Pereira', 'quero falar com um atendente sobre a troca');
  }
});

after(async () => {
  if (process.exitCode && turno) console.error(turno.output());
  await browser?.close();
  await turno?.stop();
});

test('the console is served with its content types and a policy that forbids inline script', async () => {
  const root = await fetch(`${turno.url}/`, { redirect: 'manual' });
  assert.equal(root.status, 307);
  assert.equal(root.headers.get('location'), '/console/');

  const page = await fetch(`${turno.url}/console/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  const csp = page.headers.get('content-security-policy');
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);

  const js = await fetch(`${turno.url}/console/app.js`);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  const again = await fetch(`${turno.url}/console/app.js`, { headers: { 'if-none-match': js.headers.get('etag') } });
  assert.equal(again.status, 304);
});

test('a sandbox customer asks for an agent and the ticket reaches the agent\'s inbox with its countdown', async () => {
  ana = await signIn(browser.context, turno.url, 'ana');
  await ana.locator('[data-testid="sandbox-toggle"]').click();
  await ana.locator('[data-testid="sandbox-phone"]').fill(CUSTOMER);
  await ana.locator('[data-testid="sandbox-phone"]').dispatchEvent('change');
  await ana.locator('[data-testid="sandbox-name"]').fill(XSS_NAME);
  await ana.locator('[data-testid="sandbox-name"]').dispatchEvent('change');
  await ana.locator('[data-testid="sandbox-input"]').fill('hola');
  await ana.locator('[data-testid="sandbox-input"]').press('Enter');
  await ana.locator('.wa-msg.theirs', { hasText: 'Tienda Lumen' }).first().waitFor();
  await ana.locator('[data-testid="sandbox-input"]').fill('quiero hablar con un agente');
  await ana.locator('[data-testid="sandbox-input"]').press('Enter');
  await ana.locator('.wa-msg.theirs', { hasText: 'Te paso con una persona' }).waitFor();

  const row = ana.locator('.ticket-row', { hasText: XSS_NAME });
  await row.waitFor({ timeout: 10_000 });
  ticketId = await row.getAttribute('data-ticket');
  assert.ok(ticketId, 'the row names its ticket');
  assert.equal(await row.locator('.customer-name').textContent(), XSS_NAME, 'the name is shown as text');
  const countdown = row.locator('[data-testid="row-sla"]');
  assert.equal(await countdown.getAttribute('data-state'), 'ok');
  assert.match(await countdown.textContent(), /due in \d+ m/);
  assert.equal(await ana.locator('img[src="x"]').count(), 0, 'no element was made from the customer\'s name');
  const shown = await ana.evaluate(() => window.shownNotifications);
  assert.ok(shown.some((n) => n.body.includes(XSS_NAME)), `a notification for the new assignment: ${JSON.stringify(shown)}`);
  await shot(ana, 'sandbox');
  await ana.locator('[data-testid="sandbox-toggle"]').click();
});

test('the agent opens the ticket, sees the history and the reason, sends a quick reply and adds a note', async () => {
  await ana.locator(`.ticket-row[data-ticket="${ticketId}"]`).click();
  const conv = ana.locator('[data-testid="conversation"]');
  await conv.locator('.msg.from-customer', { hasText: 'quiero hablar con un agente' }).waitFor();
  assert.equal(await conv.locator('[data-testid="conv-name"]').textContent(), XSS_NAME);
  assert.equal(await conv.locator('[data-testid="reason"] [data-reason="explicit_request"]').textContent(), 'Asked for a person');
  assert.ok(await conv.locator('.msg.from-bot').count() >= 2, 'the bot\'s part of the conversation is shown');

  // A quick reply the workspace keeps (the local runner seeds `/saludo`), filled in for
  // this customer and agent: the customer's name stays text in the transcript too.
  await conv.locator('[data-testid="quick-replies"]').click();
  await conv.locator('[data-testid="quick-menu"] [data-shortcut="saludo"]').click();
  const filled = `Hola ${XSS_NAME}, soy Ana García. ¿En qué puedo ayudarte?`;
  assert.equal(await conv.locator('[data-testid="composer"]').inputValue(), filled);
  await conv.locator('[data-testid="send"]').click();
  await conv.locator('.msg.from-agent', { hasText: 'soy Ana García' }).waitFor();
  assert.equal(await conv.locator('.msg.from-agent .text').last().textContent(), filled);
  assert.equal(await ana.locator('img[src="x"]').count(), 0);
  // The customer gets it on "WhatsApp" (the sandbox).
  const outbox = await (await fetch(`${turno.url}/sandbox/api/messages?customer=${CUSTOMER}`)).json();
  assert.ok(outbox.messages.some((m) => m.message.body === filled), JSON.stringify(outbox.messages.map((m) => m.message.body)));

  await conv.locator('[data-tab="note"]').click();
  await conv.locator('[data-testid="composer"]').fill('Cliente pide cambio de talla; lo pasa @bruno.');
  await conv.locator('[data-testid="send"]').click();
  await conv.locator('.msg.from-note', { hasText: 'cambio de talla' }).waitFor();
  await shot(ana, 'conversation');
});

test('an agent of another team cannot open the ticket, in the console or through the API', async () => {
  const carla = await signIn(browser.context, turno.url, 'carla');
  await carla.locator('[data-scope="all"]').click();
  await carla.locator('[data-testid="ticket-list"] .empty').waitFor();
  assert.equal(await carla.locator(`.ticket-row[data-ticket="${ticketId}"]`).count(), 0);
  await carla.goto(`${turno.url}/console/#/inbox/${ticketId}`);
  await carla.locator('[data-testid="not-allowed"]').waitFor();
  assert.match(await carla.locator('[data-testid="not-allowed"]').textContent(), /not allowed/);
  assert.equal(await carla.locator('[data-testid="transcript"]').count(), 0, 'nothing of the conversation is shown');
  const api = await apiAs(turno.url, 'carla');
  const r = await api(`/tickets/${ticketId}`);
  assert.ok([403, 404].includes(r.status), `carla got ${r.status}`);
  const reply = await api(`/tickets/${ticketId}/messages`, { method: 'POST', body: JSON.stringify({ text: 'hola' }) });
  assert.ok([403, 404].includes(reply.status), `carla's reply got ${reply.status}`);
  const list = await (await api('/tickets')).json();
  assert.ok(!(list.items || list.tickets).some((x) => x.id === ticketId));
  await carla.close();
});

test('the agent transfers the ticket to the specialists, whose agent resolves it', async () => {
  const conv = ana.locator('[data-testid="conversation"]');
  await conv.locator('[data-testid="transfer"]').click();
  await conv.locator('[data-testid="transfer-target"]').selectOption('team:specialists');
  await conv.locator('[data-testid="transfer-note"]').fill('Cambio de talla con reembolso: lo llevan especialistas');
  // The customer writes while Ana fills in the form: the live update redraws the
  // conversation, and the half-filled transfer must survive it.
  await customerSays(turno.url, CUSTOMER, XSS_NAME, 'es la talla M, gracias');
  await conv.locator('.msg.from-customer', { hasText: 'es la talla M' }).waitFor();
  assert.equal(await conv.locator('details.transfer').evaluate((d) => d.open), true, 'the transfer form stays open');
  assert.equal(await conv.locator('[data-testid="transfer-target"]').inputValue(), 'team:specialists');
  assert.match(await conv.locator('[data-testid="transfer-note"]').inputValue(), /reembolso/);
  await conv.locator('[data-testid="transfer-go"]').click();
  // The ticket left Ana's team: her console goes back to the list, where it is gone.
  await eventually('the inbox without the ticket', async () => ana.url().endsWith('#/inbox')
    && (await ana.locator(`.ticket-row[data-ticket="${ticketId}"]`).count()) === 0);

  const carla = await signIn(browser.context, turno.url, 'carla');
  const row = carla.locator(`.ticket-row[data-ticket="${ticketId}"]`);
  await row.waitFor({ timeout: 20_000 });
  await row.click();
  const cconv = carla.locator('[data-testid="conversation"]');
  await eventually('the transfer in the audit trail', async () => /transferred/.test(await cconv.locator('[data-testid="audit"]').textContent()));
  assert.match(await cconv.locator('[data-testid="audit"]').textContent(), /reembolso/);
  await cconv.locator('.msg.from-note', { hasText: 'cambio de talla' }).waitFor();
  await cconv.locator('[data-testid="resolve"]').click();
  await eventually('the resolved status', async () => (await cconv.locator('[data-testid="conv-status"]').textContent()) === 'Resolved');
  const api = await apiAs(turno.url, 'bruno');
  const t = await (await api(`/tickets/${ticketId}`)).json();
  assert.equal(t.status ?? t.ticket?.status, 'resolved');
  // The satisfaction survey follows; the customer answers with a digit and a comment, and
  // the score shows on the ticket.
  await eventually('the survey sent', async () => {
    const now = await (await api(`/tickets/${ticketId}`)).json();
    return Boolean((now.csat ?? now.ticket?.csat)?.sent_at);
  });
  await customerSays(turno.url, CUSTOMER, XSS_NAME, '4');
  await cconv.locator('[data-testid="conv-csat"]', { hasText: '4/5' }).waitFor({ timeout: 15_000 });
  await customerSays(turno.url, CUSTOMER, XSS_NAME, 'la talla llegó bien');
  await cconv.locator('[data-testid="conv-csat-comment"]', { hasText: 'la talla llegó bien' }).waitFor({ timeout: 15_000 });
  assert.deepEqual(carla.errors, []);
  assert.deepEqual(ana.errors, []);
  await carla.close();
  await ana.goto(`${turno.url}/console/#/inbox`);
});

test('a supervisor sees the breach on the dashboard', async () => {
  const bruno = await signIn(browser.context, turno.url, 'bruno');
  await bruno.locator('[data-nav="dashboard"]').click();
  const dash = bruno.locator('[data-testid="dashboard"]');
  await dash.locator('[data-testid="breached"] a', { hasText: 'Vera Vidal' }).waitFor({ timeout: 15_000 });
  assert.ok(Number(await dash.locator('[data-testid="kpi-breaches"] .kpi-value').textContent()) >= 1);
  assert.equal(await dash.locator('[data-testid="breached"] .countdown').first().getAttribute('data-state'), 'breached');
  await dash.locator('[data-testid="agents"] li', { hasText: 'Ana García' }).waitFor();
  await shot(bruno, 'dashboard');

  await bruno.locator('[data-nav="inbox"]').click();
  await bruno.locator('[data-scope="all"]').click();
  const vip = bruno.locator('.ticket-row', { hasText: 'Vera Vidal' });
  await vip.waitFor();
  await eventually('the red countdown', async () => (await vip.locator('[data-testid="row-sla"]').getAttribute('data-state')) === 'breached');
  await vip.click();
  await bruno.locator('[data-testid="conversation"] .msg.from-customer').first().waitFor();
  await shot(bruno, 'inbox');
  assert.deepEqual(bruno.errors, []);
  await bruno.close();
});

test('the interface switches between Spanish, English and Portuguese and keeps the choice', async () => {
  const missing = await ana.evaluate(async () => (await import('./i18n.js')).missingKeys());
  assert.deepEqual(missing, []);
  await ana.locator('[data-testid="lang"]').selectOption('es');
  await ana.locator('[data-nav="inbox"]', { hasText: 'Bandeja' }).waitFor();
  await ana.locator('[data-testid="lang"]').selectOption('pt');
  await ana.locator('[data-nav="inbox"]', { hasText: 'Caixa de entrada' }).waitFor();
  await ana.reload();
  await ana.locator('[data-nav="inbox"]', { hasText: 'Caixa de entrada' }).waitFor();
  await ana.locator('[data-testid="lang"]').selectOption('en');
});

test('on a phone-sized screen the inbox and the conversation stack', async () => {
  const phone = await signIn(browser.context, turno.url, 'ana', { viewport: { width: 390, height: 844 } });
  await phone.locator('[data-scope="all"]').click();
  const row = phone.locator('.ticket-row', { hasText: 'Vera Vidal' });
  await row.click();
  await phone.locator('[data-testid="conversation"] .msg.from-customer').first().waitFor();
  assert.equal(await phone.locator('.list-pane').isVisible(), false, 'the list gives way to the conversation');
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling (page is ${width}px wide)`);
  await shot(phone, 'phone');
  await phone.locator('.conv-head .back').click();
  await phone.locator('.list-pane').waitFor();
  await phone.close();
});
