// The Reports page against the runner's own reports and export, end to end: two sandbox
// customers are helped, their tickets resolved, and each answers the satisfaction survey with
// a low score on WhatsApp; the score shows on the ticket, the workspace's alert fires once
// (not again while the average stays low), and a supervisor's report for today and the team
// counts both handoffs and both answers; the export downloads both conversations. The page
// passes the accessibility audit with real figures on it.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTurno, startBrowser, signIn, apiAs, customerSays, fixtures, eventually } from '../lib/harness.js';
import { resolve } from 'node:path';
import { audit } from '../lib/a11y.js';

const CUSTOMERS = [['34600777001', 'Olga Prieto', '2'], ['34600777002', 'Raúl Sanz', '1']];

let turno;
let browser;
let hook;
let dir;

/// The notification webhook: keeps what it is sent.
function startHook() {
  const received = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    try { received.push(JSON.parse(body)); } catch { received.push({ unreadable: body }); }
    res.writeHead(200); res.end('ok');
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({
    url: `http://127.0.0.1:${server.address().port}/hook`, received, close: () => server.close(),
  })));
}

before(async () => {
  hook = await startHook();
  dir = mkdtempSync(join(tmpdir(), 'turno-reports-'));
  // The browser tests' workspace, with an alert when the last two scores average under 3.5.
  // Its relative paths point from the fixtures' folder, so they are made absolute.
  const config = readFileSync(join(fixtures, 'turno.yaml'), 'utf8')
    .replace(/(: +)(\.\.\/[^\s#]+)/g, (_, sep, path) => `${sep}${resolve(fixtures, path)}`)
    .replace(/( +)delay_secs: 1 .*\n/, (line, indent) => `${line}${indent}alert_below: 3.5\n${indent}alert_window: 2\n`);
  assert.match(config, /alert_below: 3\.5/);
  writeFileSync(join(dir, 'turno.yaml'), config);
  turno = await startTurno({ config: join(dir, 'turno.yaml'), env: { TURNO_NOTIFY_URL: hook.url } });
  browser = await startBrowser();
});

after(async () => {
  if (process.exitCode && turno) console.error(turno.output());
  await browser?.close();
  await turno?.stop();
  hook?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('survey answers reach the ticket, the alert fires once, and the report and export count them', async () => {
  const ana = await apiAs(turno.url, 'ana');
  const ids = [];
  for (const [number, name, score] of CUSTOMERS) {
    await customerSays(turno.url, number, name, 'quiero hablar con una persona');
    const ticket = await eventually(`${name}'s ticket assigned to Ana`, async () => {
      const list = await (await ana('/tickets?view=open')).json();
      return (list.items || []).find((t) => t.customer === number && t.status === 'assigned');
    });
    ids.push(ticket.id);
    assert.equal((await ana(`/tickets/${ticket.id}/messages`, { method: 'POST', body: JSON.stringify({ text: 'Ya está resuelto.' }) })).status, 201);
    assert.equal((await ana(`/tickets/${ticket.id}/status`, { method: 'POST', body: JSON.stringify({ status: 'resolved' }) })).status, 200);
    await eventually('the survey sent', async () => {
      const t = await (await ana(`/tickets/${ticket.id}`)).json();
      return Boolean((t.csat ?? t.ticket?.csat)?.sent_at);
    });
    await customerSays(turno.url, number, name, score);
    await eventually(`${name}'s score on the ticket`, async () => {
      const t = await (await ana(`/tickets/${ticket.id}`)).json();
      return (t.csat ?? t.ticket?.csat)?.score === Number(score);
    });
  }
  // 2 then 1: the average of the last two is under 3.5 from the second answer on, and the
  // alert fires once for it.
  const alerts = () => hook.received.filter((n) => n.turno?.kind === 'csat_low');
  await eventually('the satisfaction alert', async () => alerts().length === 1);
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(alerts().length, 1, 'one alert while the average stays low');
  assert.ok(!JSON.stringify(alerts()).includes('34600777'), 'no customer number in the alert');

  // The supervisor's report for today and the team reads the real rollups.
  const bruno = await signIn(browser.context, turno.url, 'bruno');
  const asked = [];
  bruno.on('request', (r) => { if (r.url().includes('/api/v1/reports')) asked.push(new URL(r.url())); });
  await bruno.locator('[data-nav="reports"]').click();
  const page = bruno.locator('[data-testid="reports"]');
  await page.locator('[data-testid="report-preset"]').selectOption('today');
  await page.locator('[data-testid="report-team"]').selectOption('support');
  await eventually('the team asked for', async () => asked.some((u) => u.pathname.endsWith('/reports') && u.searchParams.get('team') === 'support'));
  await eventually('two survey answers averaging 1.50', async () => (await page.locator('[data-testid="report-csat"] .kpi-value').textContent()) === '1.50');
  const api = await apiAs(turno.url, 'bruno');
  const today = await page.locator('[data-testid="report-from"]').inputValue();
  const report = await (await api(`/reports?from=${today}&to=${today}&team=support`)).json();
  assert.equal(report.totals.volumes.escalated, 2);
  assert.equal(report.totals.volumes.resolved_by_people, 2);
  assert.deepEqual(report.totals.csat.distribution, [1, 1, 0, 0, 0]);
  assert.equal(report.totals.first_response.wall.count, 2);
  await audit(bruno, 'reports page with figures');

  // The export: both conversations, one row each, with their scores.
  const [download] = await Promise.all([
    bruno.waitForEvent('download'),
    page.locator('[data-testid="report-export"]').click(),
  ]);
  assert.match(download.suggestedFilename(), /^turno-conversations-.*\.csv$/);
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  const csv = Buffer.concat(chunks).toString('utf8').trim().split(/\r?\n/);
  assert.ok(csv[0].startsWith('id,'), csv[0]);
  for (const id of ids) assert.equal(csv.filter((l) => l.startsWith(`${id},`)).length, 1, `${id} once in ${csv.join('\n')}`);
  assert.deepEqual(bruno.errors, []);
  await bruno.close();
});
