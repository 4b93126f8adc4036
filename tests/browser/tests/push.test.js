// Background notifications (Web Push) in the console. Headless chromium has no push service
// to reach offline, so `PushManager.subscribe` is stubbed in the page: it hands back a
// subscription whose endpoint is a pretend push service this test serves on loopback, with a
// real P-256 key. Everything else is real: the service worker registers from /console/sw.js,
// the console sends the subscription to the server, the server's pushes (an assignment, a
// mention) arrive at the pretend push service encrypted and VAPID-signed, and a push event
// dispatched inside the service worker shows a notification whose click opens the ticket.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createECDH, randomBytes } from 'node:crypto';
import { startTurno, startBrowser, signIn, customerSays, apiAs, eventually } from '../lib/harness.js';

const CUSTOMER = '34600555777';

let turno;
let browser;
let pushService;
const pushes = [];

function b64url(buf) {
  return Buffer.from(buf).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

before(async () => {
  turno = await startTurno();
  browser = await startBrowser();
  pushService = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      pushes.push({ path: req.url, headers: req.headers, length: Buffer.concat(chunks).length });
      res.writeHead(201).end();
    });
  });
  await new Promise((ok) => pushService.listen(0, '127.0.0.1', ok));
  const endpoint = `http://127.0.0.1:${pushService.address().port}/push/ana-laptop`;
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const keys = { p256dh: b64url(ecdh.getPublicKey()), auth: b64url(randomBytes(16)) };
  await browser.context.addInitScript(([endpoint, keys]) => {
    // `?nopush`: a browser without the Push API.
    if (location.search.includes('nopush')) { delete window.PushManager; return; }
    if (!window.PushManager) return;
    let current = null;
    const sub = {
      endpoint, expirationTime: null, options: {},
      toJSON() { return { endpoint, expirationTime: null, keys }; },
      async unsubscribe() { current = null; return true; },
    };
    PushManager.prototype.subscribe = async function subscribe(opts) {
      window.pushSubscribed = { userVisibleOnly: opts.userVisibleOnly, keyBytes: new Uint8Array(opts.applicationServerKey).length };
      current = sub;
      return sub;
    };
    PushManager.prototype.getSubscription = async function getSubscription() { return current; };
  }, [endpoint, keys]);
});

after(async () => {
  if (process.exitCode && turno) console.error(turno.output());
  await browser?.close();
  await turno?.stop();
  pushService?.close();
});

test('background notifications: subscribe, receive pushes, show and open the ticket', async () => {
  const ana = await signIn(browser.context, turno.url, 'ana');
  await ana.locator('[data-testid="notify-bell"]').click();
  const toggle = ana.locator('[data-testid="push-toggle"]');
  assert.equal(await toggle.textContent(), 'Enable notifications in the background');
  await toggle.click();
  await eventually('push is on', async () => /on for this browser/.test(await ana.locator('[data-testid="push-status"]').textContent()));
  assert.equal(await toggle.textContent(), 'Turn off background notifications');
  // The server's VAPID key went to subscribe: an uncompressed P-256 point.
  assert.deepEqual(await ana.evaluate(() => window.pushSubscribed), { userVisibleOnly: true, keyBytes: 65 });
  const reg = await ana.evaluate(async () => {
    const r = await navigator.serviceWorker.ready;
    return { scope: r.scope, script: r.active?.scriptURL };
  });
  assert.equal(reg.scope, `${turno.url}/console/`);
  assert.equal(reg.script, `${turno.url}/console/sw.js`);

  // A handoff assigns a ticket to Ana and Bruno mentions her: the server pushes both to the
  // subscription the console handed it.
  await customerSays(turno.url, CUSTOMER, 'Lucía', 'quiero hablar con un agente');
  const bruno = await apiAs(turno.url, 'bruno');
  const ticketId = await eventually('the ticket is Ana\'s', async () => {
    const page = await (await bruno(`/tickets?q=${CUSTOMER}`)).json();
    return (page.items || []).find((t) => t.customer === CUSTOMER && t.assignee === 'ana')?.id;
  });
  const note = await bruno(`/tickets/${encodeURIComponent(ticketId)}/notes`, { method: 'POST', body: JSON.stringify({ text: '@ana mira esto' }) });
  assert.equal(note.status, 201);
  await eventually('two pushes reach the push service', async () => pushes.length >= 2);
  for (const p of pushes) {
    assert.equal(p.path, '/push/ana-laptop');
    assert.equal(p.headers['content-encoding'], 'aes128gcm');
    assert.match(p.headers.authorization, /^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]{87}$/);
    assert.ok(p.length > 86 + 16, 'the body holds a header and a sealed record');
  }

  // A push event in the service worker shows a notification; its click opens the ticket.
  const sw = await eventually('the service worker', async () => browser.context.serviceWorkers().find((w) => w.url().endsWith('/console/sw.js')));
  await ana.evaluate(() => { location.hash = '#/inbox'; });
  const shown = await sw.evaluate(async (ticket) => {
    self.dispatchEvent(new PushEvent('push', { data: JSON.stringify({ kind: 'mention', workspace: 'w', ticket }) }));
    for (let i = 0; i < 50; i += 1) {
      const ns = await self.registration.getNotifications();
      if (ns.length) return ns.map((n) => ({ title: n.title, body: n.body, tag: n.tag }));
      await new Promise((r) => setTimeout(r, 100));
    }
    return [];
  }, ticketId);
  assert.deepEqual(shown, [{ title: 'turno', body: `You were mentioned in a note · ${ticketId}`, tag: `mention:${ticketId}` }]);
  await sw.evaluate(async () => {
    const [n] = await self.registration.getNotifications();
    self.dispatchEvent(new NotificationEvent('notificationclick', { notification: n }));
  });
  await eventually('the console opens the ticket', async () => (await ana.evaluate(() => location.hash)) === `#/inbox/${encodeURIComponent(ticketId)}`);

  // Turned off: the server forgets the subscription.
  await toggle.click();
  await eventually('push is off', async () => (await toggle.textContent()) === 'Enable notifications in the background');
  const gone = await bruno(`/tickets/${encodeURIComponent(ticketId)}/notes`, { method: 'POST', body: JSON.stringify({ text: '@ana otra vez' }) });
  assert.equal(gone.status, 201);
  const before = pushes.length;
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(pushes.length, before, 'a push went to an unsubscribed browser');
  assert.deepEqual(ana.errors, []);
});

test('without the Push API the console says notifications come while the tab is open', async () => {
  const ana = await signIn(browser.context, turno.url, 'ana');
  await ana.goto(`${turno.url}/console/?nopush`);
  await ana.locator('[data-testid="me"]').waitFor();
  await ana.locator('[data-testid="notify-bell"]').click();
  assert.match(await ana.locator('[data-testid="push-status"]').textContent(), /cannot receive notifications in the background: you get them while this tab is open/);
  await ana.locator('[data-testid="push-toggle"]').click();
  assert.match(await ana.locator('[data-testid="push-status"]').textContent(), /while this tab is open/);
});
