// The agent's actions in the console, in headless chromium against the real local runner:
// the handoff summary with the order number the bot collected, reason codes in human words,
// priority and tags, snooze and wake, escalation by hand, and a customer made VIP in the
// console going ahead of an earlier ticket in the queue.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTurno, startBrowser, signIn, apiAs, customerSays, repo, eventually } from '../lib/harness.js';

const SHOPPER = '34600444555';
const FIRST = '34600555001';
const SECOND = '34600555002';

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

async function bot(customer) {
  const r = await fetch(`${turno.url}/sandbox/api/messages?customer=${customer}`);
  return (await r.json()).messages.map((m) => m.message.body || '');
}

async function ticketOf(api, customer) {
  const list = await (await api('/tickets?view=all')).json();
  return (list.items || []).find((x) => x.customer === customer && x.status !== 'bot');
}

/// Sets a `datetime-local` input to the moment `ms` from now, in the browser's time zone, as
/// an agent picking it would.
function snoozeIn(input, ms) {
  return input.evaluate((el, d) => {
    const t = new Date(Date.now() + d);
    const p = (n) => String(n).padStart(2, '0');
    el.value = `${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, ms);
}

before(async () => {
  turno = await startTurno();
  browser = await startBrowser();
});

after(async () => {
  if (process.exitCode && turno) console.error(turno.output());
  await browser?.close();
  await turno?.stop();
});

test('the handoff summary shows what the bot learnt, the order number included, in the agent\'s words', async () => {
  await customerSays(turno.url, SHOPPER, 'Olga Ortiz', '¿Dónde está mi paquete?');
  await eventually('the bot asks for the number', async () => (await bot(SHOPPER)).some((b) => /número de pedido/.test(b)));
  await customerSays(turno.url, SHOPPER, 'Olga Ortiz', 'es el 456789');
  await eventually('the order status', async () => (await bot(SHOPPER)).some((b) => /456789 está/.test(b)));
  await customerSays(turno.url, SHOPPER, 'Olga Ortiz', 'quiero hablar con un agente');

  ana = await signIn(browser.context, turno.url, 'ana');
  const row = ana.locator('.ticket-row', { hasText: 'Olga Ortiz' });
  await row.waitFor({ timeout: 15_000 });
  ticketId = await row.getAttribute('data-ticket');
  await row.click();
  const conv = ana.locator('[data-testid="conversation"]');
  const summary = conv.locator('[data-testid="handoff"]');
  await summary.waitFor();
  assert.match(await summary.locator('[data-testid="handoff-slots"]').textContent(), /order number: 456789/);
  assert.match(await summary.textContent(), /order_status 456789 → found/);
  assert.match(await summary.locator('[data-testid="handoff-asked"]').textContent(), /order status/);
  assert.equal(await summary.locator('[data-reason="explicit_request"]').textContent(), 'Asked for a person');
  assert.equal(await summary.locator('[data-reason="route:default"]').textContent(), 'Sent to the default team');
  assert.equal(await conv.locator('[data-testid="reason"] [data-reason="explicit_request"]').textContent(), 'Asked for a person');

  // In Spanish and Portuguese too.
  await ana.locator('[data-testid="lang"]').selectOption('es');
  await eventually('the summary in Spanish', async () => (await ana.locator('[data-testid="handoff"] [data-reason="explicit_request"]').textContent()) === 'Pidió hablar con una persona');
  assert.match(await ana.locator('[data-testid="handoff-slots"]').textContent(), /número de pedido: 456789/);
  await ana.locator('[data-testid="lang"]').selectOption('pt');
  await eventually('the summary in Portuguese', async () => (await ana.locator('[data-testid="handoff"] [data-reason="explicit_request"]').textContent()) === 'Pediu para falar com uma pessoa');
  const missing = await ana.evaluate(async () => (await import('./i18n.js')).missingKeys());
  assert.deepEqual(missing, []);
  await ana.locator('[data-testid="lang"]').selectOption('en');
  await ana.locator('[data-testid="handoff"]', { hasText: 'Handoff summary' }).waitFor();
  await ana.locator('[data-testid="snooze"]').click();
  await ana.locator('[data-testid="snooze-presets"] [data-preset="tomorrow_9"]').waitFor();
  await shot(ana, 'handoff');
  await ana.locator('[data-testid="snooze"]').click();
});

test('the agent sets the priority and adds and removes tags', async () => {
  const conv = ana.locator('[data-testid="conversation"]');
  const api = await apiAs(turno.url, 'ana');
  await conv.locator('[data-testid="priority"]').selectOption('high');
  await conv.locator('.conv-sub .badge.priority-high').waitFor();
  assert.equal((await (await api(`/tickets/${ticketId}`)).json()).priority, 'high');

  await conv.locator('[data-testid="tag-input"]').fill('Bad tag!');
  await conv.locator('[data-testid="tag-add"]').click();
  await conv.locator('[data-testid="tag-error"]:not([hidden])').waitFor();
  await conv.locator('[data-testid="tag-input"]').fill('wholesale');
  await conv.locator('[data-testid="tag-input"]').press('Enter');
  await conv.locator('[data-testid="ticket-tags"] .tag', { hasText: 'wholesale' }).waitFor();
  assert.deepEqual((await (await api(`/tickets/${ticketId}`)).json()).tags, ['wholesale']);
  // Removed by keyboard: the tag's remove button is focusable and named.
  await conv.locator('[data-remove-tag="wholesale"]').focus();
  assert.equal(await conv.locator('[data-remove-tag="wholesale"]').getAttribute('aria-label'), 'Remove tag wholesale');
  await ana.keyboard.press('Enter');
  await eventually('the tag gone', async () => (await conv.locator('[data-testid="ticket-tags"] .tag').count()) === 0);
  assert.deepEqual((await (await api(`/tickets/${ticketId}`)).json()).tags, []);
});

test('the agent snoozes the ticket until a time; it leaves the working statuses and wakes by itself', async () => {
  const conv = ana.locator('[data-testid="conversation"]');
  const api = await apiAs(turno.url, 'ana');
  await conv.locator('[data-testid="snooze"]').click();
  // The presets are in the workspace's time zone.
  await conv.locator('[data-testid="snooze-presets"] [data-preset="tomorrow_9"]').waitFor();
  assert.match(await conv.locator('[data-testid="actions"]').textContent(), /Times in Europe\/Madrid/);
  await snoozeIn(conv.locator('[data-testid="snooze-at"]'), -60_000);
  await conv.locator('[data-testid="snooze-go"]').click();
  await conv.locator('[role="alert"]', { hasText: 'Pick a time in the future' }).waitFor();

  await snoozeIn(conv.locator('[data-testid="snooze-at"]'), 8_000);
  await conv.locator('[data-testid="snooze-go"]').click();
  await conv.locator('[data-testid="conv-snoozed"]').waitFor();
  // The header and the actions panel are drawn together: the panel says it at once.
  assert.ok(await conv.locator('[data-testid="snoozed-until"]').isVisible());
  assert.match(await conv.locator('[data-testid="snoozed-until"]').textContent(), /Snoozed until \d/);
  assert.equal(await conv.locator('[data-testid="conv-status"]').textContent(), 'Snoozed');
  const snoozed = await (await api(`/tickets/${ticketId}`)).json();
  assert.equal(snoozed.status, 'snoozed');
  assert.ok(Date.parse(snoozed.snoozed_until) > Date.now() - 1000);
  const assigned = await (await api('/tickets?status=assigned')).json();
  assert.ok(!assigned.items.some((x) => x.id === ticketId), 'not among the assigned while snoozed');

  // The SLA sweep wakes it at its time; the console follows.
  await eventually('the ticket awake', async () => (await conv.locator('[data-testid="conv-status"]').textContent()) === 'Assigned', 20_000);
  assert.equal(await conv.locator('[data-testid="conv-snoozed"]').count(), 0);
  const again = await (await api('/tickets?status=assigned')).json();
  assert.ok(again.items.some((x) => x.id === ticketId), 'back among the assigned');
  assert.match(await conv.locator('[data-testid="audit"]').textContent(), /woke/);
});

test('the agent escalates by hand with a reason: the ticket goes a tier up to the specialists', async () => {
  const conv = ana.locator('[data-testid="conversation"]');
  await conv.locator('[data-testid="escalate"]').click();
  assert.match(await conv.locator('[data-testid="actions"]').textContent(), /up one tier \(now L2\)/);
  await conv.locator('[data-testid="escalate-reason"]').selectOption('refund');
  await conv.locator('[data-testid="escalate-text"]').fill('pide el reembolso del pedido 456789');
  await conv.locator('[data-testid="escalate-go"]').click();
  // Ana is not a specialist: the ticket leaves her sight and her console goes back to the list.
  await eventually('the inbox without the ticket', async () => ana.url().endsWith('#/inbox')
    && (await ana.locator(`.ticket-row[data-ticket="${ticketId}"]`).count()) === 0);
  const bruno = await apiAs(turno.url, 'bruno');
  const t = await (await bruno(`/tickets/${ticketId}`)).json();
  assert.equal(t.tier, 'L3');
  assert.equal(t.team, 'specialists');
  assert.ok(t.reasons.includes('manual'), JSON.stringify(t.reasons));
  assert.ok(t.audit.some((a) => a.action === 'escalated' && /Refund or money matter: pide el reembolso/.test(a.detail || '')), JSON.stringify(t.audit));
  assert.deepEqual(ana.errors, []);
});

test('a customer made VIP in the console goes ahead of an earlier ticket and is assigned first', async () => {
  const anaApi = await apiAs(turno.url, 'ana');
  // Nobody in support takes tickets: both wait in the queue.
  assert.equal((await anaApi('/me/availability', { method: 'PUT', body: JSON.stringify({ availability: 'away' }) })).status, 200);
  await customerSays(turno.url, FIRST, 'Primera Persona', 'quiero hablar con un agente');
  const bruno = await apiAs(turno.url, 'bruno');
  const first = await eventually('the first ticket queued', async () => (await ticketOf(bruno, FIRST))?.status === 'queued' && ticketOf(bruno, FIRST));
  await customerSays(turno.url, SECOND, 'Segunda Persona', 'quiero hablar con un agente');
  const second = await eventually('the second ticket queued', async () => (await ticketOf(bruno, SECOND))?.status === 'queued' && ticketOf(bruno, SECOND));

  const page = await signIn(browser.context, turno.url, 'bruno');
  await page.goto(`${turno.url}/console/#/inbox/${second.id}`);
  const conv = page.locator('[data-testid="conversation"]');
  await conv.locator('[data-testid="customer-edit"]').click();
  const form = conv.locator('[data-testid="customer-form"]');
  await form.locator('[data-testid="customer-name"]').fill('Segunda Persona VIP');
  await form.locator('[data-testid="customer-vip"]').check();
  await form.locator('[data-testid="customer-addattr"]').click();
  await form.locator('[data-attr-key]').last().fill('bad key!');
  await form.locator('[data-attr-value]').last().fill('x');
  await form.locator('[data-testid="customer-save"]').click();
  await form.locator('[data-testid="customer-error"]', { hasText: 'Attribute names are' }).waitFor();
  await form.locator('[data-attr-key]').last().fill('plan');
  await form.locator('[data-attr-value]').last().fill('gold');
  await form.locator('[data-testid="customer-save"]').click();
  await conv.locator('[data-testid="customer-panel"] .badge.vip').waitFor();
  await conv.locator('[data-testid="customer-panel"]', { hasText: 'gold' }).waitFor();
  await conv.locator('[data-testid="conv-name"]', { hasText: 'Segunda Persona' }).waitFor();
  const vipTicket = await (await bruno(`/tickets/${second.id}`)).json();
  assert.ok(vipTicket.tags.includes('vip'), JSON.stringify(vipTicket.tags));
  assert.equal(vipTicket.status, 'queued');

  // Diego comes online and takes from the queue: the VIP first, though they wrote later.
  const diego = await apiAs(turno.url, 'diego');
  assert.equal((await diego('/me/availability', { method: 'PUT', body: JSON.stringify({ availability: 'online' }) })).status, 200);
  // Audit times to the nanosecond, as the server writes them.
  const ns = (at) => {
    const m = String(at).match(/^(.*?)(?:\.(\d+))?Z$/);
    return BigInt(Date.parse(`${m[1]}Z`)) * 1_000_000n + BigInt((m[2] || '').padEnd(9, '0').slice(0, 9));
  };
  const assignedAt = async (id) => {
    const t = await (await bruno(`/tickets/${id}`)).json();
    const at = t.audit.filter((x) => x.action === 'assigned').map((x) => x.at).pop();
    return at && ns(at);
  };
  const [a, b] = await eventually('both assigned', async () => {
    const x = await assignedAt(first.id);
    const y = await assignedAt(second.id);
    return x && y && [x, y];
  });
  assert.ok(b < a, `the VIP was assigned at ${b}, the earlier ticket at ${a}`);
  assert.deepEqual(page.errors, []);
  await page.close();
});
