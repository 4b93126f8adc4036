// Sign-in, pluggable by what /console/config.json says: the local runner's dev login (pick an
// agent), an OAuth 2.0 authorization server (Cognito's hosted pages: the authorization-code
// flow with PKCE, tokens refreshed before they expire, sign-out that revokes), or pasting a
// token.

import { api, setToken } from './api.js';
import { h, clear } from './dom.js';
import { t, LANGS, currentLang, setLang } from './i18n.js';

const KEY = 'turno.token';
/// The OAuth session: `{ id_token, refresh_token, expires_at }` (ms since the epoch).
const SESSION = 'turno.oauth';
/// What the console keeps while the agent is away at the authorization server.
const PENDING = 'turno.oauth.pending';
/// Refresh this long before the token expires.
const REFRESH_MARGIN_MS = 60_000;

let refreshTimer = null;

export async function loadConfig() {
  const r = await fetch('config.json', { cache: 'no-store' });
  if (!r.ok) throw new Error(`config.json: ${r.status}`);
  return r.json();
}

function oauth(config) {
  const s = config?.sign_in;
  return s?.mode === 'cognito' ? { base: s.auth_url.replace(/\/+$/, ''), clientId: s.client_id } : null;
}

/// Where the authorization server sends the agent back: the console's own address.
function redirectUri() { return location.origin + location.pathname; }

function b64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(n = 32) { return b64url(crypto.getRandomValues(new Uint8Array(n))); }

async function challengeOf(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return b64url(new Uint8Array(digest));
}

/// The `exp` of a JWT in ms, or `null` when it cannot be read.
function expiryOf(jwt) {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch { return null; }
}

async function tokenRequest(o, params) {
  const r = await fetch(`${o.base}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: o.clientId, ...params }).toString(),
  });
  const data = await r.json().catch(() => ({}));
  if (!r.ok || !data.id_token) {
    throw new Error(data.error_description || data.error || `token endpoint answered ${r.status}`);
  }
  return data;
}

function keep(tok) {
  sessionStorage.setItem(KEY, tok);
  setToken(tok);
}

function keepSession(o, data, previous) {
  const session = {
    id_token: data.id_token,
    // Cognito keeps the refresh token the same and leaves it out of a refresh's answer.
    refresh_token: data.refresh_token || previous?.refresh_token || null,
    expires_at: expiryOf(data.id_token) ?? Date.now() + (Number(data.expires_in) || 3600) * 1000,
  };
  sessionStorage.setItem(SESSION, JSON.stringify(session));
  keep(session.id_token);
  scheduleRefresh(o, session);
  return session;
}

function readSession() {
  try { return JSON.parse(sessionStorage.getItem(SESSION) || 'null'); } catch { return null; }
}

function scheduleRefresh(o, session) {
  clearTimeout(refreshTimer);
  if (!session.refresh_token) return;
  const wait = Math.max(0, session.expires_at - Date.now() - REFRESH_MARGIN_MS);
  refreshTimer = setTimeout(() => refresh(o).catch((e) => console.warn('token refresh failed', e.message)), wait);
}

/// Exchanges the refresh token for a new ID token; on refusal the session ends (the next API
/// call answers 401 and the console signs in again).
async function refresh(o) {
  const session = readSession();
  if (!session?.refresh_token) return;
  try {
    keepSession(o, await tokenRequest(o, { grant_type: 'refresh_token', refresh_token: session.refresh_token }), session);
  } catch (e) {
    // A network error is retried in a while; a refused refresh token is not.
    if (e instanceof TypeError) refreshTimer = setTimeout(() => refresh(o).catch(() => {}), 15_000);
    else signOut();
    throw e;
  }
}

/// The token to call the API with: the stored one, or the one the authorization server's code
/// (in the query string after its redirect) is exchanged for.
export async function restoreToken(config) {
  const o = oauth(config);
  if (o) {
    const q = new URLSearchParams(location.search);
    const code = q.get('code');
    const returned = code || q.get('error');
    if (returned) {
      const pending = JSON.parse(sessionStorage.getItem(PENDING) || 'null');
      sessionStorage.removeItem(PENDING);
      history.replaceState(null, '', location.pathname + location.hash);
      if (!code) throw new Error(q.get('error_description') || q.get('error'));
      if (!pending || pending.state !== q.get('state')) throw new Error(t('signin.state'));
      keepSession(o, await tokenRequest(o, {
        grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: pending.verifier,
      }));
    } else {
      const session = readSession();
      if (session) {
        if (session.expires_at - Date.now() < REFRESH_MARGIN_MS) {
          try { await refresh(o); } catch { return null; }
        } else {
          scheduleRefresh(o, session);
        }
      }
    }
  }
  const tok = sessionStorage.getItem(KEY);
  if (tok) setToken(tok);
  return tok;
}

/// Forgets the token. With the authorization server, also revokes the refresh token and
/// resolves to the server's sign-out page (where the console should go next), else `null`.
export async function signOut(config) {
  clearTimeout(refreshTimer);
  const session = readSession();
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(SESSION);
  setToken(null);
  const o = oauth(config);
  if (!o) return null;
  if (session?.refresh_token) {
    try {
      await fetch(`${o.base}/oauth2/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: session.refresh_token, client_id: o.clientId }).toString(),
      });
    } catch (e) { console.warn('could not revoke the refresh token', e.message); }
  }
  const url = new URL(`${o.base}/logout`);
  url.searchParams.set('client_id', o.clientId);
  url.searchParams.set('logout_uri', redirectUri());
  return url.toString();
}

/// Sends the agent to the authorization server, keeping the PKCE verifier and the state.
async function goToAuthorizationServer(o) {
  const verifier = randomString(48);
  const state = randomString(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state }));
  const url = new URL(`${o.base}/oauth2/authorize`);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', o.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('scope', 'openid email profile');
  url.searchParams.set('state', state);
  url.searchParams.set('code_challenge', await challengeOf(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  location.assign(url.toString());
}

/// Draws the sign-in card into `root`; resolves once signed in. `problem`: why an earlier
/// attempt failed, shown on the card.
export function signIn(root, config, problem) {
  return new Promise((resolve) => {
    const error = h('p', { class: 'form-error', role: 'alert' });
    const langSel = h('select', { class: 'lang-select', 'aria-label': 'Language', onchange: (e) => { setLang(e.target.value); draw(); } },
      LANGS.map(([code, name]) => h('option', { value: code, selected: code === currentLang() }, name)));
    const fail = (e) => { error.textContent = t('signin.failed', { message: e.message }); };
    function draw() {
      const mode = config.sign_in?.mode || 'token';
      let form;
      if (mode === 'dev') {
        const agents = config.sign_in.agents || [];
        form = h('div', { class: 'agent-picker' },
          h('p', { class: 'muted' }, t('signin.pick')),
          agents.map((a) => h('button', {
            class: 'agent-choice', type: 'button', 'data-agent': a.id,
            onclick: async () => {
              try {
                const r = await api('/auth/dev-login', { method: 'POST', body: { agent_id: a.id, workspace: a.workspace } });
                keep(r.token);
                resolve(r.agent);
              } catch (e) { fail(e); }
            },
          }, h('span', { class: 'avatar' }, a.name.split(/\s+/).map((p) => p[0]).join('').slice(0, 2)),
          h('span', { class: 'who' }, h('strong', {}, a.name), h('small', {}, t(`role.${a.role}`) + ' · ' + a.id)))));
      } else if (mode === 'cognito') {
        form = h('button', {
          class: 'btn primary', type: 'button', 'data-testid': 'signin-idp',
          onclick: () => goToAuthorizationServer(oauth(config)).catch(fail),
        }, t('signin.cognito'));
      } else {
        const input = h('textarea', { class: 'token-input', rows: 4, 'aria-label': t('signin.token'), placeholder: t('signin.token') });
        form = h('form', {
          onsubmit: async (e) => {
            e.preventDefault();
            keep(input.value.trim());
            try { resolve(await api('/me')); } catch (err) { signOut(); fail(err); }
          },
        }, input, h('button', { class: 'btn primary' }, t('signin.submit')));
      }
      clear(root, h('div', { class: 'signin' },
        h('div', { class: 'signin-card' },
          h('div', { class: 'brand big' }, h('img', { src: 'icon.svg', alt: '' }), h('span', {}, 'turno')),
          h('p', { class: 'muted' }, t('app.tagline')),
          h('h1', {}, t('signin.title')),
          form, error, h('div', { class: 'signin-foot' }, langSel))));
      if (problem) fail(problem);
    }
    draw();
  });
}
