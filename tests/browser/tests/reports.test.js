// The Reports page in headless chromium: a supervisor picks a date range and a team, the
// report is asked for with them, and its charts, tiles and tables show the figures the API
// answered (the contract's JSON, from tests/browser/fixtures/report.json); the export
// button downloads the CSV with the same range and team; agents get no Reports page.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startTurno, startBrowser, signIn, repo, eventually } from '../lib/harness.js';
import { serveReports, REPORT, EXPORT_CSV } from '../lib/reports_api.js';

const SHOTS = process.env.TURNO_SCREENSHOTS ? join(repo, 'docs/screenshots') : null;

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

const cells = (table) => table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));

test('the vendored chart library is served as JavaScript, cached, with its licence', async () => {
  const js = await fetch(`${turno.url}/console/chart-4.6.1.umd.min.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  assert.match(js.headers.get('cache-control'), /immutable/);
  const licence = await fetch(`${turno.url}/console/chart-4.6.1.LICENSE.md`);
  assert.match(await licence.text(), /MIT License/);
});

test('a supervisor reads a week of one team: the request carries the range and team, and every figure is drawn', async () => {
  const bruno = await signIn(browser.context, turno.url, 'bruno');
  const seen = await serveReports(bruno);
  await bruno.locator('[data-nav="reports"]').click();
  const page = bruno.locator('[data-testid="reports"]');
  await page.locator('[data-testid="report-new"]').waitFor();

  await page.locator('[data-testid="report-from"]').fill(REPORT.from);
  await page.locator('[data-testid="report-to"]').fill(REPORT.to);
  await page.locator('[data-testid="report-team"]').selectOption('support');
  const asked = await eventually('the report asked for the range and team', async () => seen.reports.find((u) => u.searchParams.get('from') === REPORT.from
    && u.searchParams.get('to') === REPORT.to && u.searchParams.get('team') === 'support'));
  assert.equal(asked.searchParams.get('granularity'), 'day');
  assert.equal(await page.locator('[data-testid="report-preset"]').inputValue(), 'custom');
  await eventually('the range in the heading', async () => (await page.locator('.report-status').textContent()).includes(`${REPORT.from} – ${REPORT.to}`));

  // Tiles: the totals' rates and volumes.
  assert.equal(await page.locator('[data-testid="report-new"] .kpi-value').textContent(), '248');
  assert.equal(await page.locator('[data-testid="report-escalation-rate"] .kpi-value').textContent(), '39.9%');
  assert.equal(await page.locator('[data-testid="report-deflection"] .kpi-value').textContent(), '54.8%');
  assert.equal(await page.locator('[data-testid="report-fcr"] .kpi-value').textContent(), '71.4%');
  assert.equal(await page.locator('[data-testid="report-reopen-rate"] .kpi-value').textContent(), '13.8%');
  assert.equal(await page.locator('[data-testid="report-csat"] .kpi-value').textContent(), '4.13');

  // Each chart is drawn by Chart.js with the series' figures, and says them in text too.
  const charted = await bruno.evaluate(() => [...document.querySelectorAll('.report-chart')].map((f) => {
    const chart = window.Chart.getChart(f.querySelector('canvas'));
    return { id: f.dataset.testid, labels: chart.data.labels.length, data: chart.data.datasets.map((d) => d.data), label: f.querySelector('canvas').getAttribute('aria-label') };
  }));
  const byId = Object.fromEntries(charted.map((c) => [c.id, c]));
  assert.deepEqual(Object.keys(byId).sort(), ['chart-csat', 'chart-first_response-time', 'chart-resolution-time', 'chart-sla', 'chart-volume']);
  assert.equal(byId['chart-volume'].labels, REPORT.series.length);
  assert.deepEqual(byId['chart-volume'].data[0], REPORT.series.map((s) => s.volumes.new));
  assert.deepEqual(byId['chart-volume'].data[3], REPORT.series.map((s) => s.volumes.resolved_by_people));
  assert.deepEqual(byId['chart-first_response-time'].data[0], REPORT.series.map((s) => s.first_response.wall.median_secs));
  assert.deepEqual(byId['chart-first_response-time'].data[3], REPORT.series.map((s) => s.first_response.business.p90_secs));
  assert.deepEqual(byId['chart-resolution-time'].data[2], REPORT.series.map((s) => s.resolution.business.median_secs));
  assert.deepEqual(byId['chart-sla'].data[0], REPORT.series.map((s) => s.sla.first_response.pct));
  assert.deepEqual(byId['chart-csat'].data[0], REPORT.totals.csat.distribution);
  assert.match(byId['chart-volume'].label, /248 new, 99 escalated, 136 resolved by the bot, 87 resolved by people/);
  assert.match(byId['chart-first_response-time'].label, /Median 5 m 00 s \(p90 21 m 00 s\) wall clock, 3 m 00 s \(p90 15 m 00 s\) in business hours/);

  // The text alternative: the volume chart's figures as a table, one row per day.
  await page.locator('[data-testid="chart-volume"] summary').click();
  const volume = await cells(page.locator('[data-testid="table-volume"]'));
  assert.equal(volume.length, REPORT.series.length);
  assert.deepEqual(volume[0].slice(1), ['40', '16', '22', '14']);

  // Per team, per agent (with activity) and per reason.
  const teams = await cells(page.locator('[data-testid="report-by-team"]'));
  assert.equal(teams[0][0], 'Soporte');
  assert.equal(teams[0][1], '248');
  const agents = await cells(page.locator('[data-testid="report-by-agent"]'));
  assert.deepEqual(agents.map((r) => r[0]), ['Ana García', 'Diego Ruiz']);
  assert.deepEqual(agents[0].slice(1, 6), ['140', '56', '77', '49', '5 m 20 s']);
  assert.deepEqual(agents[0].slice(-3), ['1 d 12 h', '2 h 00 m', '5 d 10 h']);
  const reasons = await cells(page.locator('[data-testid="report-by-reason"]'));
  assert.deepEqual(reasons[0], ['Asked for a person', '61']);
  assert.equal(reasons.length, REPORT.by_reason.length);

  // Every control has a label.
  const unlabelled = await bruno.evaluate(() => [...document.querySelectorAll('.report-controls select, .report-controls input')]
    .filter((el) => !el.closest('label')?.textContent.trim()).length);
  assert.equal(unlabelled, 0);
  if (SHOTS) {
    mkdirSync(SHOTS, { recursive: true });
    await bruno.waitForTimeout(300);
    await bruno.screenshot({ path: join(SHOTS, 'reports.png') });
    await bruno.evaluate(() => { const r = document.querySelector('.reports'); r.scrollTop = r.scrollHeight; });
    await bruno.waitForTimeout(300);
    await bruno.screenshot({ path: join(SHOTS, 'reports-tables.png') });
    await bruno.evaluate(() => { document.querySelector('.reports').scrollTop = 0; });
  }

  // The same figures in Spanish.
  await bruno.locator('[data-testid="lang"]').selectOption('es');
  await bruno.locator('[data-nav="reports"]', { hasText: 'Informes' }).waitFor();
  await eventually('the Spanish percentages', async () => (await bruno.locator('[data-testid="report-escalation-rate"] .kpi-value').textContent()) === '39,9\u00a0%');
  assert.equal(await bruno.locator('[data-testid="report-csat"] .kpi-value').textContent(), '4,13');
  await bruno.locator('[data-testid="lang"]').selectOption('en');
  assert.deepEqual(bruno.errors, []);
  await bruno.close();
});

test('the export button downloads the CSV for the chosen range and team, with the bearer token', async () => {
  const bruno = await signIn(browser.context, turno.url, 'bruno');
  const seen = await serveReports(bruno);
  await bruno.goto(`${turno.url}/console/#/reports`);
  const page = bruno.locator('[data-testid="reports"]');
  await page.locator('[data-testid="report-new"]').waitFor();
  await page.locator('[data-testid="report-preset"]').selectOption('7');
  await page.locator('[data-testid="report-team"]').selectOption('specialists');
  const from = await page.locator('[data-testid="report-from"]').inputValue();
  const to = await page.locator('[data-testid="report-to"]').inputValue();
  assert.equal((Date.parse(to) - Date.parse(from)) / 86_400_000, 6, `last 7 days: ${from} to ${to}`);

  const [download] = await Promise.all([
    bruno.waitForEvent('download'),
    page.locator('[data-testid="report-export"]').click(),
  ]);
  assert.equal(seen.exports.length, 1);
  const { url, headers } = seen.exports[0];
  assert.equal(url.searchParams.get('from'), from);
  assert.equal(url.searchParams.get('to'), to);
  assert.equal(url.searchParams.get('team'), 'specialists');
  assert.match(headers.authorization || '', /^Bearer \S+/);
  assert.equal(download.suggestedFilename(), 'turno-conversations.csv');
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  assert.equal(Buffer.concat(chunks).toString('utf8'), EXPORT_CSV);
  assert.deepEqual(bruno.errors, []);
  await bruno.close();
});

test('an agent has no Reports page', async () => {
  const ana = await signIn(browser.context, turno.url, 'ana');
  const seen = await serveReports(ana);
  assert.equal(await ana.locator('[data-nav="reports"]').count(), 0);
  await ana.goto(`${turno.url}/console/#/reports`);
  await ana.locator('[data-testid="reports"] .not-allowed').waitFor();
  assert.match(await ana.locator('[data-testid="reports"]').textContent(), /for supervisors/);
  assert.equal(seen.reports.length, 0, 'no report was asked for');
  await ana.close();
});
