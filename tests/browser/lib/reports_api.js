// The reports API as the contract describes it, served to the page from a fixture: the
// report (`GET /api/v1/reports`) and its CSV export (`GET /api/v1/reports/export.csv`).
// Every request the page makes to either is recorded, so tests can check what it asked for.
// Once the runner answers these routes itself, tests can drop this helper and read the
// real endpoints instead.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtures } from './harness.js';

export const REPORT = JSON.parse(readFileSync(join(fixtures, 'report.json'), 'utf8'));
export const EXPORT_CSV = 'id,customer,team,agent,status\nT1,34600111222,support,ana,resolved\n';

/// Routes both endpoints on `page`; resolves to `{ reports: [URL], exports: [{ url, headers }] }`.
export async function serveReports(page) {
  const seen = { reports: [], exports: [] };
  await page.route(/\/api\/v1\/reports\?/, (route) => {
    seen.reports.push(new URL(route.request().url()));
    return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(REPORT) });
  });
  await page.route(/\/api\/v1\/reports\/export\.csv\?/, async (route) => {
    seen.exports.push({ url: new URL(route.request().url()), headers: await route.request().allHeaders() });
    return route.fulfill({
      status: 200,
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="turno-conversations.csv"' },
      body: EXPORT_CSV,
    });
  });
  return seen;
}
