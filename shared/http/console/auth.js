// Sign-in, pluggable by what /console/config.json says: the local runner's dev login (pick an
// agent), Cognito's hosted UI, or pasting a token.

import { api, setToken } from './api.js';
import { h, clear } from './dom.js';
import { t, LANGS, currentLang, setLang } from './i18n.js';

const KEY = 'turno.token';

export async function loadConfig() {
  const r = await fetch('config.json', { cache: 'no-store' });
  if (!r.ok) throw new Error(`config.json: ${r.status}`);
  return r.json();
}

/// The stored token, or one Cognito just handed back in the URL fragment.
export function restoreToken() {
  const frag = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromIdp = frag.get('id_token') || frag.get('access_token');
  if (fromIdp) {
    sessionStorage.setItem(KEY, fromIdp);
    history.replaceState(null, '', location.pathname);
  }
  const tok = sessionStorage.getItem(KEY);
  if (tok) setToken(tok);
  return tok;
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  setToken(null);
}

function keep(tok) {
  sessionStorage.setItem(KEY, tok);
  setToken(tok);
}

/// Draws the sign-in card into `root`; resolves once signed in.
export function signIn(root, config) {
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
        const url = new URL(`https://${config.sign_in.domain}/login`);
        url.searchParams.set('response_type', 'token');
        url.searchParams.set('client_id', config.sign_in.client_id);
        url.searchParams.set('scope', 'openid email profile');
        url.searchParams.set('redirect_uri', location.origin + location.pathname);
        form = h('a', { class: 'btn primary', href: url.toString() }, t('signin.cognito'));
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
    }
    draw();
  });
}
