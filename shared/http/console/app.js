// The console's shell: sign-in, top bar, views by URL hash (#/inbox, #/inbox/<ticket>,
// #/dashboard, #/reports), the sandbox drawer, countdowns and notifications.

import { api, onUnauthorized } from './api.js';
import { loadConfig, restoreToken, signIn, signOut } from './auth.js';
import { h, clear, duration } from './dom.js';
import { t, LANGS, currentLang, setLang, onLangChange } from './i18n.js';
import * as live from './live.js';
import { mountNotifications } from './notify.js';
import { mountInbox } from './inbox.js';
import { mountDashboard } from './dashboard.js';
import { mountReports } from './reports.js';
import { mountAdmin } from './admin.js';
import { mountSandbox } from './sandbox.js';

const root = document.getElementById('root');
const ctx = { me: null, config: null, agents: [], teams: [], view: null };

function isSupervisor() { return ctx.me && (ctx.me.role === 'supervisor' || ctx.me.role === 'admin'); }

async function boot() {
  ctx.config = await loadConfig();
  onUnauthorized(() => { signOut(); location.reload(); });
  let problem = null;
  let token = null;
  try { token = await restoreToken(ctx.config); } catch (e) { problem = e; }
  if (token) {
    try { ctx.me = await api('/me'); } catch { await signOut(); }
  }
  if (!ctx.me) {
    await signIn(root, ctx.config, problem);
    ctx.me = await api('/me');
  }
  await loadDirectory();
  shell();
  window.addEventListener('hashchange', route);
  onLangChange(() => { shell(); });
  live.start();
  setInterval(tickCountdowns, 1000);
}

async function loadDirectory() {
  try { ctx.agents = await api('/agents'); } catch { ctx.agents = []; }
  try {
    const r = await api('/teams', { feature: 'teams' });
    ctx.teams = (r.teams || r.items || r).map((x) => ({ id: x.id, name: x.name || x.id }));
  } catch {
    const ids = new Set([...(ctx.me.teams || []), ...ctx.agents.flatMap((a) => a.teams || [])]);
    ctx.teams = [...ids].map((id) => ({ id, name: id }));
  }
}

ctx.agentName = (id) => ctx.agents.find((a) => a.id === id)?.name || id;
ctx.teamName = (id) => ctx.teams.find((x) => x.id === id)?.name || id;
ctx.isSupervisor = isSupervisor;
ctx.isAdmin = () => ctx.me?.role === 'admin';
ctx.go = (hash) => { if (location.hash === hash) route(); else location.hash = hash; };

let sandboxOpen = sessionStorage.getItem('turno.sandbox') === 'open';

function shell() {
  const me = ctx.me;
  const nav = h('nav', { class: 'nav' },
    h('a', { href: '#/inbox', 'data-nav': 'inbox' }, t('nav.inbox')),
    isSupervisor() && h('a', { href: '#/dashboard', 'data-nav': 'dashboard' }, t('nav.dashboard')),
    isSupervisor() && h('a', { href: '#/reports', 'data-nav': 'reports' }, t('reports.nav')),
    ctx.isAdmin() && h('a', { href: '#/admin', 'data-nav': 'admin' }, t('admin.nav')));
  const avail = h('select', {
    class: 'avail', 'aria-label': 'availability', 'data-testid': 'availability',
    onchange: async (e) => {
      try { ctx.me = await api('/me/availability', { method: 'PUT', body: { availability: e.target.value } }); } catch (err) { toast(err.message, true); }
      avail.className = `avail ${ctx.me.availability}`;
    },
  }, ['online', 'away', 'offline'].map((a) => h('option', { value: a, selected: me.availability === a }, t(`avail.${a}`))));
  avail.className = `avail ${me.availability}`;
  const lang = h('select', { class: 'lang-select', 'aria-label': 'Language', 'data-testid': 'lang', onchange: (e) => setLang(e.target.value) },
    LANGS.map(([code, name]) => h('option', { value: code, selected: code === currentLang() }, name)));
  const notifyBtn = ('Notification' in window && Notification.permission === 'default')
    ? h('button', { class: 'btn ghost small', type: 'button', onclick: async () => { await Notification.requestPermission(); notifyBtn.remove(); } }, t('notify.enable'))
    : null;
  const sandboxBtn = ctx.config.sandbox
    ? h('button', { class: `btn small ${sandboxOpen ? 'active' : 'ghost'}`, type: 'button', 'data-testid': 'sandbox-toggle', 'aria-pressed': String(sandboxOpen), onclick: () => { sandboxOpen = !sandboxOpen; sessionStorage.setItem('turno.sandbox', sandboxOpen ? 'open' : 'closed'); shell(); } }, t('nav.sandbox'))
    : null;
  const liveDot = h('span', { class: 'live-dot', title: 'live' });
  live.onStatus((ok) => { liveDot.classList.toggle('off', !ok); liveDot.title = ok ? 'live' : t('live.offline'); });
  // One list of mentions and alerts for the session, kept across redraws of the top bar.
  ctx.notifications ??= mountNotifications(ctx);
  const view = h('main', { class: 'view', id: 'view' });
  const drawer = sandboxOpen ? h('aside', { class: 'sandbox-drawer', 'aria-label': t('nav.sandbox') }) : null;
  clear(root, h('div', { class: `app ${sandboxOpen ? 'with-sandbox' : ''}` },
    h('header', { class: 'topbar' },
      h('div', { class: 'brand' }, h('img', { src: 'icon.svg', alt: '' }), h('span', {}, 'turno')),
      nav,
      h('div', { class: 'spacer' }),
      sandboxBtn, notifyBtn, ctx.notifications, liveDot, avail, lang,
      h('div', { class: 'me', 'data-testid': 'me' }, h('span', { class: 'avatar small' }, me.name.split(/\s+/).map((p) => p[0]).join('').slice(0, 2)),
        h('span', { class: 'me-name' }, h('strong', {}, me.name), h('small', {}, t(`role.${me.role}`)))),
      h('button', { class: 'btn ghost small', type: 'button', 'data-testid': 'signout', onclick: async () => {
        live.stop();
        const next = await signOut(ctx.config);
        if (next) { location.assign(next); } else { location.hash = ''; location.reload(); }
      } }, t('nav.signout'))),
    h('div', { class: 'body' }, view, drawer)));
  if (drawer) mountSandbox(drawer, ctx);
  route();
}

function route() {
  const view = document.getElementById('view');
  if (!view) return;
  ctx.view?.destroy?.();
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('current', a.dataset.nav === (parts[0] || 'inbox'));
  if (parts[0] === 'dashboard') ctx.view = mountDashboard(view, ctx);
  else if (parts[0] === 'reports') ctx.view = mountReports(view, ctx);
  else if (parts[0] === 'admin') ctx.view = mountAdmin(view, ctx, decodeURIComponent(parts[1] || ''));
  else ctx.view = mountInbox(view, ctx, parts[0] === 'inbox' ? decodeURIComponent(parts[1] || '') : '');
}

/// Every `[data-due]` element shows its countdown and turns amber at warning, red at breach.
function tickCountdowns() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-due]')) {
    const due = el.dataset.due ? Date.parse(el.dataset.due) : NaN;
    const warn = el.dataset.warn ? Date.parse(el.dataset.warn) : null;
    const breached = el.dataset.breached === 'true' || now >= due;
    const state = breached ? 'breached' : (warn && now >= warn ? 'warning' : 'ok');
    el.classList.remove('sla-ok', 'sla-warning', 'sla-breached');
    el.classList.add(`sla-${state}`);
    el.dataset.state = state;
    const label = el.querySelector('.cd-text') || el;
    if (Number.isNaN(due)) label.textContent = t(`sla.state.${state}`);
    else label.textContent = state === 'breached' ? t('sla.breached', { d: duration(now - due) }) : t(`sla.${state}`, { d: duration(due - now) });
  }
  for (const el of document.querySelectorAll('[data-since]')) {
    el.textContent = t('inbox.waiting', { d: duration(now - Date.parse(el.dataset.since)) });
  }
  for (const el of document.querySelectorAll('[data-window]')) {
    const closes = Date.parse(el.dataset.window);
    el.textContent = closes > now ? t('conv.window.open', { d: duration(closes - now) }) : t('conv.window.closed');
  }
}
ctx.tick = tickCountdowns;

let toastTimer = null;
export function toast(message, error = false) {
  let el = document.getElementById('toast');
  if (!el) { el = h('div', { id: 'toast', role: 'status', 'aria-live': 'polite' }); document.body.appendChild(el); }
  el.textContent = message;
  el.className = `toast show ${error ? 'error' : ''}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { el.className = 'toast'; }, 3500);
}
ctx.toast = toast;

/// A browser notification for a conversation newly assigned to me (when permitted).
ctx.notifyAssigned = (ticket) => {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const n = new Notification('turno', { body: t('notify.assigned', { name: ticket.customer_name || ticket.customer }), tag: ticket.id });
  n.onclick = () => { window.focus(); ctx.go(`#/inbox/${encodeURIComponent(ticket.id)}`); };
};

boot().catch((e) => {
  clear(root, h('div', { class: 'fatal' }, h('h1', {}, 'turno'), h('p', {}, String(e.message || e))));
});
