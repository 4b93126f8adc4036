// Starts the local runner (the real `turno` binary, SQLite in a temp dir, the sandbox channel)
// and Debian's chromium through playwright-core.

import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../../..');
export const fixtures = resolve(here, '../fixtures');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const BIN = process.env.TURNO_BIN || join(repo, 'target/debug/turno');

/// The runner on a free port; resolves once it listens.
/// `env` adds to (or overrides) the runner's environment: live mode against a fake Graph API.
export async function startTurno({ config = join(fixtures, 'turno.yaml'), env = {} } = {}) {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`cargo build --bin turno\` first (or set TURNO_BIN)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'turno-browser-'));
  const child = spawn(BIN, [], {
    env: {
      ...process.env,
      TURNO_ADDR: '127.0.0.1:0',
      TURNO_DATA_DIR: dataDir,
      TURNO_CONFIG: config,
      TURNO_SLA_SWEEP_SECS: '1',
      RUST_LOG: process.env.RUST_LOG || 'warn,turno=info',
      WHATSAPP_ACCESS_TOKEN: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`turno did not start within 30 s:\n${output}`)), 30_000);
    const onData = (b) => {
      output += b.toString();
      const m = output.match(/turno is running at (http:\/\/[\d.]+:\d+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`turno exited with ${code}:\n${output}`)); });
  });
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await new Promise((ok) => { child.once('exit', ok); setTimeout(() => { child.kill('SIGKILL'); ok(); }, 5000); });
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/// Headless chromium with a fresh profile. `bypassCSP`: for a test that stands in for a
/// server the page's policy does not name.
export async function startBrowser({ bypassCSP = false } = {}) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'turno-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
      '--no-first-run', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
    locale: 'en-US',
    bypassCSP,
  });
  return {
    context,
    async close() { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}

/// The agent API as a given agent (for the checks the browser cannot make).
export async function apiAs(url, agentId) {
  const r = await fetch(`${url}/api/v1/auth/dev-login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ agent_id: agentId }),
  });
  if (!r.ok) throw new Error(`dev-login ${agentId}: ${r.status}`);
  const { token } = await r.json();
  return (path, init = {}) => fetch(`${url}/api/v1${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers || {}) },
  });
}

/// A sandbox customer writes to the bot.
export async function customerSays(url, customer, name, text) {
  const r = await fetch(`${url}/sandbox/api/messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ customer, name, text }),
  });
  if (r.status !== 202) throw new Error(`sandbox send: ${r.status} ${await r.text()}`);
}

/// Opens the console in a new tab and signs in as `agentId` with the dev-login picker.
export async function signIn(context, url, agentId, { lang = 'en', viewport } = {}) {
  await context.grantPermissions(['notifications'], { origin: url });
  const page = await context.newPage();
  // Keep what the console shows as system notifications, for the tests to read.
  await page.addInitScript(() => {
    window.shownNotifications = [];
    const Native = window.Notification;
    if (!Native) return;
    window.Notification = class extends Native {
      constructor(title, options) {
        super(title, options);
        window.shownNotifications.push({ title, body: options?.body });
      }
    };
  });
  if (viewport) await page.setViewportSize(viewport);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.on('dialog', (d) => { errors.push(new Error(`unexpected dialog: ${d.message()}`)); d.dismiss(); });
  page.errors = errors;
  // The language the test starts in, once per tab: a reload keeps what the agent chose.
  await page.addInitScript((l) => {
    if (!sessionStorage.getItem('turno.test.lang')) {
      localStorage.setItem('turno.lang', l);
      sessionStorage.setItem('turno.test.lang', l);
    }
  }, lang);
  await page.goto(`${url}/console/`);
  await page.locator(`[data-agent="${agentId}"]`).click();
  await page.locator('[data-testid="me"]').waitFor();
  return page;
}

/// The app secret the runner checks webhooks with in live mode.
export const LIVE_APP_SECRET = 'turno-browser-live-secret';

/// The runner in live mode, sending to `graphUrl` (a fake Graph API): no sandbox, no
/// password-less sign-in; agents sign in with the tokens it prints.
export async function startLiveTurno(graphUrl, opts = {}) {
  const t = await startTurno({
    ...opts,
    env: { WHATSAPP_ACCESS_TOKEN: 'fake-graph-token', WHATSAPP_APP_SECRET: LIVE_APP_SECRET, WHATSAPP_API_BASE_URL: graphUrl, ...(opts.env || {}) },
  });
  const tokens = {};
  for (const m of t.output().matchAll(/\((\w+)\):\s+export TOKEN=(\S+)/g)) tokens[m[1]] = m[2];
  return { ...t, tokens };
}

/// A customer writes, delivered as Meta delivers it: a signed webhook.
export async function webhookCustomerSays(url, customer, name, text, phoneNumberId = '100200300400500') {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '1', changes: [{ field: 'messages', value: {
      messaging_product: 'whatsapp',
      metadata: { display_phone_number: '15550000000', phone_number_id: phoneNumberId },
      contacts: [{ profile: { name }, wa_id: customer }],
      messages: [{ from: customer, id: `wamid.in.${Date.now()}.${Math.random().toString(36).slice(2)}`, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: text } }],
    } }] }],
  });
  const sig = createHmac('sha256', LIVE_APP_SECRET).update(body).digest('hex');
  const r = await fetch(`${url}/webhook/whatsapp`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${sig}` }, body,
  });
  if (r.status !== 200) throw new Error(`webhook: ${r.status} ${await r.text()}`);
}

/// Opens the console with a token already kept, as after pasting it on the sign-in card.
export async function signInWithToken(context, url, token, { lang = 'en' } = {}) {
  await context.grantPermissions(['notifications'], { origin: url });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  page.errors = errors;
  await page.addInitScript(([tok, l]) => {
    // Keep what the console shows as system notifications, for the tests to read.
    window.shownNotifications = [];
    const Native = window.Notification;
    if (Native) {
      window.Notification = class extends Native {
        constructor(title, options) {
          super(title, options);
          window.shownNotifications.push({ title, body: options?.body });
        }
      };
    }
    sessionStorage.setItem('turno.token', tok);
    if (!sessionStorage.getItem('turno.test.lang')) {
      localStorage.setItem('turno.lang', l);
      sessionStorage.setItem('turno.test.lang', l);
    }
  }, [token, lang]);
  await page.goto(`${url}/console/`);
  await page.locator('[data-testid="me"]').waitFor();
  return page;
}

/// Calls `f` until it returns something truthy (an error counts as not yet), every 200 ms,
/// for at most `timeoutMs`; then fails naming `what` and the last error.
export async function eventually(what, f, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try { const v = await f(); if (v) return v; } catch (e) { last = e; }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/// The fixture's configuration changed by `edit` (which must change it), written to a temp
/// directory: `{ path, remove() }`.
export function fixtureConfig(edit) {
  const dir = mkdtempSync(join(tmpdir(), 'turno-config-'));
  const fixture = readFileSync(join(fixtures, 'turno.yaml'), 'utf8')
    .replace('../../../infra/demo/intents.yaml', join(repo, 'infra/demo/intents.yaml'));
  const config = edit(fixture);
  if (config === fixture) throw new Error('the edit changed nothing in the fixture');
  writeFileSync(join(dir, 'turno.yaml'), config);
  return { path: join(dir, 'turno.yaml'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/// The runner on the fixture's configuration with Diego as the workspace's admin; `edit`
/// changes it further. Its `stop()` also removes the configuration written.
export async function startAdminTurno({ edit = (c) => c } = {}) {
  const config = fixtureConfig((c) => {
    const admin = c.replace('email: diego@lumen.example, role: agent', 'email: diego@lumen.example, role: admin');
    if (!/diego@lumen.example, role: admin/.test(admin)) throw new Error('the fixture no longer names Diego as an agent');
    return edit(admin);
  });
  try {
    const turno = await startTurno({ config: config.path });
    return { ...turno, async stop() { await turno.stop(); config.remove(); } };
  } catch (e) {
    config.remove();
    throw e;
  }
}

/// Opens an administration tab and waits for its configuration to show.
export async function openAdminTab(page, url, tab) {
  await page.goto(`${url}/console/#/admin/${tab}`);
  await page.locator('[data-testid="admin-version"]').waitFor();
}

/// Waits for the administration screen to confirm a save (and fails on its refusal).
export async function adminSaved(page) {
  await eventually('the save to be confirmed', async () => {
    const text = await page.locator('[data-testid="admin-status"]').textContent();
    if (text.startsWith('Not saved')) throw new Error(text);
    return text.startsWith('Saved') || null;
  });
}
