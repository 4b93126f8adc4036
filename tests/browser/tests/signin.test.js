// Sign-in at an authorization server, as the deployed console does with Cognito's hosted pages:
// the authorization-code flow with PKCE (S256) and a state, tokens refreshed before they
// expire, sign-out that revokes the refresh token and goes through the server's logout page,
// and a reply that does not match the request refused.
//
// A stand-in authorization server plays Cognito's part (its pages are the edge we do not own):
// it speaks Cognito's endpoints (/oauth2/authorize, /oauth2/token, /oauth2/revoke, /logout)
// and signs its ID tokens with the local runner's key, so the runner's API accepts them as API
// Gateway's authorizer would accept Cognito's. The console is told to use it through its
// config.json. The browser does not apply the page's content policy here: on AWS that policy
// is CloudFront's and names the real sign-in domain (checked by the template tests).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { startTurno, startBrowser, eventually } from '../lib/harness.js';

const SECRET = 'sign-in-test-secret-0123456789-abcdefghijklmnop';
const CLIENT_ID = 'consoleclient123';
const TOKEN_SECONDS = 66; // the console refreshes 60 s before expiry: after about 6 s

let turno;
let browser;
let idp;

const b64url = (buf) => Buffer.from(buf).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function idToken(agent) {
  const now = Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify({
    sub: agent, ws: '100200300400500', role: 'agent', iss: 'turno', iat: now, exp: now + TOKEN_SECONDS, nonce: b64url(randomBytes(6)),
  }));
  const sig = b64url(createHmac('sha256', SECRET).update(`${head}.${body}`).digest());
  return `${head}.${body}.${sig}`;
}

/// The stand-in authorization server; `log` keeps what it was asked.
function startIdp() {
  const codes = new Map();
  const refreshTokens = new Set();
  const log = { authorize: [], token: [], revoke: [], logout: [], issued: [] };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://idp');
    const cors = { 'access-control-allow-origin': '*' };
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const json = (status, v) => { res.writeHead(status, { ...cors, 'content-type': 'application/json' }); res.end(JSON.stringify(v)); };
    if (url.pathname === '/oauth2/authorize') {
      const q = Object.fromEntries(url.searchParams);
      log.authorize.push(q);
      if (q.response_type !== 'code' || q.code_challenge_method !== 'S256' || !q.code_challenge || q.client_id !== CLIENT_ID) {
        res.writeHead(400); res.end('bad authorization request'); return;
      }
      // Cognito would show its sign-in page here; the agent "signs in" as ana.
      const code = b64url(randomBytes(12));
      codes.set(code, { challenge: q.code_challenge, redirect: q.redirect_uri, agent: 'ana' });
      const back = new URL(q.redirect_uri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.state);
      res.writeHead(302, { location: back.toString() });
      res.end();
    } else if (url.pathname === '/oauth2/token' && req.method === 'POST') {
      const f = Object.fromEntries(form);
      log.token.push(f);
      if (f.client_id !== CLIENT_ID) return json(400, { error: 'invalid_client' });
      if (f.grant_type === 'authorization_code') {
        const c = codes.get(f.code);
        codes.delete(f.code);
        const verified = c && b64url(createHash('sha256').update(f.code_verifier || '').digest()) === c.challenge;
        if (!c || !verified || f.redirect_uri !== c.redirect) return json(400, { error: 'invalid_grant' });
        const refresh = b64url(randomBytes(24));
        refreshTokens.add(refresh);
        const id = idToken(c.agent);
        log.issued.push(id);
        return json(200, { id_token: id, access_token: 'access', refresh_token: refresh, expires_in: TOKEN_SECONDS, token_type: 'Bearer' });
      }
      if (f.grant_type === 'refresh_token') {
        if (!refreshTokens.has(f.refresh_token)) return json(400, { error: 'invalid_grant' });
        const id = idToken('ana');
        log.issued.push(id);
        return json(200, { id_token: id, access_token: 'access', expires_in: TOKEN_SECONDS, token_type: 'Bearer' });
      }
      return json(400, { error: 'unsupported_grant_type' });
    } else if (url.pathname === '/oauth2/revoke' && req.method === 'POST') {
      log.revoke.push(Object.fromEntries(form));
      refreshTokens.delete(form.get('token'));
      res.writeHead(200, cors); res.end();
    } else if (url.pathname === '/logout') {
      log.logout.push(Object.fromEntries(url.searchParams));
      res.writeHead(302, { location: url.searchParams.get('logout_uri') });
      res.end();
    } else {
      res.writeHead(404); res.end();
    }
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => ok({
    url: `http://127.0.0.1:${server.address().port}`, log, close: () => server.close(),
  })));
}

before(async () => {
  turno = await startTurno({ env: { TURNO_JWT_SECRET: SECRET } });
  idp = await startIdp();
  browser = await startBrowser({ bypassCSP: true });
  await browser.context.route('**/console/config.json', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({ sign_in: { mode: 'cognito', auth_url: idp.url, client_id: CLIENT_ID }, sandbox: false }),
  }));
});

after(async () => {
  if (process.exitCode && turno) console.error(turno.output());
  await browser?.close();
  idp?.close();
  await turno?.stop();
});

test('an agent signs in with the code flow and PKCE, stays signed in across a refresh, and signs out with a revocation', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${turno.url}/console/`);
  await page.locator('[data-testid="signin-idp"]').click();
  await page.locator('[data-testid="me"]').waitFor();

  const [asked] = idp.log.authorize;
  assert.equal(asked.response_type, 'code');
  assert.equal(asked.redirect_uri, `${turno.url}/console/`);
  assert.ok(asked.state?.length >= 16, 'a state of its own');
  const [exchange] = idp.log.token;
  assert.equal(exchange.grant_type, 'authorization_code');
  assert.ok(exchange.code_verifier?.length >= 43, 'a PKCE verifier of at least 43 characters');
  assert.equal(new URL(page.url()).search, '', 'the code does not stay in the address bar');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('turno.token')), idp.log.issued[0]);

  // The token lasts 66 s: the console refreshes it 60 s before, and keeps using the new one.
  await eventually('a refresh', () => idp.log.token.some((t) => t.grant_type === 'refresh_token'));
  const refreshed = idp.log.issued.at(-1);
  assert.notEqual(refreshed, idp.log.issued[0]);
  await eventually('the refreshed token in use', async () => (await page.evaluate(() => sessionStorage.getItem('turno.token'))) === refreshed);
  const me = await page.evaluate(async (tok) => (await fetch('/api/v1/me', { headers: { authorization: `Bearer ${tok}` } })).status, refreshed);
  assert.equal(me, 200);
  assert.equal(await page.locator('[data-testid="signin-idp"]').count(), 0, 'still signed in');

  const refreshToken = idp.log.token.find((t) => t.grant_type === 'refresh_token').refresh_token;
  await page.locator('[data-testid="signout"]').click();
  await page.locator('[data-testid="signin-idp"]').waitFor();
  assert.deepEqual(idp.log.revoke, [{ token: refreshToken, client_id: CLIENT_ID }]);
  assert.deepEqual(idp.log.logout, [{ client_id: CLIENT_ID, logout_uri: `${turno.url}/console/` }]);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('turno.token')), null);
  // The revoked refresh token is refused from now on.
  const r = await fetch(`${idp.url}/oauth2/token`, {
    method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT_ID, refresh_token: refreshToken }),
  });
  assert.equal(r.status, 400);
  await page.close();
});

test('a reply whose state does not match the request is refused', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${turno.url}/console/`);
  await page.locator('[data-testid="signin-idp"]').waitFor();
  const before = idp.log.token.length;
  await page.goto(`${turno.url}/console/?code=forged&state=not-mine`);
  await page.locator('.form-error', { hasText: 'does not match' }).waitFor();
  assert.equal(idp.log.token.length, before, 'no code exchange for a forged reply');
  assert.equal(await page.locator('[data-testid="me"]').count(), 0);
  await page.close();
});
