// Administration (admins): agents, teams, quick replies, SLA targets and calendars, routing
// rules, the bot's texts, menu, answers and flows, and the WhatsApp templates, as plain forms
// over `GET /admin/config` and its focused routes. Every save sends the
// configuration's version it was made on (If-Match): an edit made on a stale copy is
// refused with 409 and the screen says so and reloads.

import { api } from './api.js';
import { h, clear } from './dom.js';
import { t } from './i18n.js';
import './i18n-admin.js';
import { LANGS, field, select, list } from './admin-ui.js';
import { confirmAction } from './dialog.js';
import { menuScreen, answersScreen, flowsScreen } from './admin-bot.js';
import { routingScreen, calendarsScreen } from './admin-routing.js';
import { templatesScreen } from './admin-templates.js';

const TABS = ['agents', 'teams', 'quick-replies', 'sla', 'calendars', 'routing', 'bot', 'menu', 'answers', 'flows', 'templates'];
const ROLES = ['agent', 'supervisor', 'admin'];
const TIERS = ['L1', 'L2', 'L3'];
const BOT_TEXTS = ['greeting', 'handoff', 'fallback'];

export function mountAdmin(view, ctx, tab) {
  const root = h('div', { class: 'admin', 'data-testid': 'admin' });
  clear(view, root);
  if (!ctx.isAdmin()) {
    clear(root, h('div', { class: 'not-allowed' }, h('p', {}, t('admin.forbidden'))));
    return { destroy() {} };
  }
  const current = TABS.includes(tab) ? tab : 'agents';
  const nav = h('nav', { class: 'adm-tabs', 'aria-label': t('admin.title') },
    TABS.map((x) => h('a', { href: `#/admin/${x}`, 'aria-current': x === current ? 'page' : false }, t(`admin.tab.${x}`))));
  const status = h('p', { class: 'adm-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'admin-status' });
  const body = h('div', { class: 'adm-body' });
  clear(root, h('h1', {}, t('admin.title')), nav, status, body);
  let state = null;

  function say(message, error = false) {
    status.textContent = message;
    status.className = `adm-status ${error ? 'error' : ''}`;
    status.setAttribute('role', error ? 'alert' : 'status');
  }

  async function load() {
    const r = await api('/admin/config', { etag: null });
    state = { config: r.data.config, version: r.data.version };
    draw();
  }

  /// Runs a save; a stale edit says so and shows the configuration as it is now. A refused
  /// one (422 naming the field) also says why in `box`, next to its form, which stays as
  /// typed.
  async function save(call, box) {
    if (box) { box.hidden = true; box.textContent = ''; }
    try {
      await call(String(state.version));
      say(t('admin.saved'));
      await load();
    } catch (e) {
      if (e.status === 409) {
        say(t('admin.conflict'), true);
        await load().catch(() => {});
      } else {
        say(t('admin.failed', { message: e.message }), true);
        if (box) { box.hidden = false; box.textContent = e.message; }
      }
    }
  }

  const put = (path, body) => (v) => api(path, { method: 'PUT', body, ifMatch: v });

  /// Agents an admin deactivated: out of the configuration, their records kept (and shown
  /// here with a badge, to be invited again).
  async function deactivatedAgents() {
    const configured = new Set(state.config.agents.map((a) => a.id));
    const all = await api('/agents').catch(() => []);
    return (Array.isArray(all) ? all : []).filter((a) => a.deactivated && !configured.has(a.id));
  }

  function deactivatedRow(a, teamIds) {
    const role = select(ROLES, a.role, (r) => t(`role.${r}`));
    const teams = h('input', { type: 'text', value: (a.teams?.length ? a.teams : teamIds.slice(0, 1)).join(', ') });
    const cap = h('input', { type: 'number', min: '0', max: '1000', value: String(a.capacity || 5) });
    return h('tr', { 'data-agent': a.id, class: 'deactivated' },
      h('th', { scope: 'row' }, a.name, ' ', h('span', { class: 'badge deactivated', 'data-testid': 'agent-deactivated' }, t('admin.agent.deactivated')),
        h('br'), h('small', {}, a.email), h('br'), h('small', { class: 'muted' }, t('admin.agent.deactivated.help'))),
      h('td', {}, field(t('admin.agent.role'), role)),
      h('td', {}, field(t('admin.agent.teams'), teams)),
      h('td', {}, field(t('admin.agent.capacity'), cap)),
      h('td', {}, h('button', { type: 'button', class: 'btn', 'data-testid': 'agent-reactivate', onclick: () => save((v) => api('/admin/agents', {
        method: 'POST', ifMatch: v, body: { id: a.id, name: a.name, email: a.email, role: role.value, teams: list(teams.value), capacity: Number(cap.value) },
      })) }, t('admin.agent.reactivate'))));
  }

  async function agents() {
    const cfg = state.config;
    const teamIds = cfg.teams.map((x) => x.id);
    const gone = await deactivatedAgents();
    const rows = cfg.agents.map((a) => {
      const role = select(ROLES, a.role, (r) => t(`role.${r}`));
      const teams = h('input', { type: 'text', value: a.teams.join(', ') });
      const cap = h('input', { type: 'number', min: '0', max: '1000', value: String(a.capacity) });
      return h('tr', { 'data-agent': a.id },
        h('th', { scope: 'row' }, a.name, h('br'), h('small', {}, a.email)),
        h('td', {}, field(t('admin.agent.role'), role)),
        h('td', {}, field(t('admin.agent.teams'), teams)),
        h('td', {}, field(t('admin.agent.capacity'), cap)),
        h('td', {},
          h('button', { type: 'button', class: 'btn', onclick: () => save((v) => api(`/admin/agents/${encodeURIComponent(a.id)}`, {
            method: 'PATCH', ifMatch: v, body: { role: role.value, teams: list(teams.value), capacity: Number(cap.value) },
          })) }, t('admin.save')),
          ' ',
          h('button', { type: 'button', class: 'btn danger', 'data-testid': 'agent-deactivate', 'aria-haspopup': 'dialog', onclick: async () => {
            const yes = await confirmAction({
              title: t('admin.agent.deactivate'), text: t('admin.agent.confirm', { name: a.name }), testid: 'deactivate-dialog',
              confirmLabel: t('admin.agent.deactivate'), cancelLabel: t('admin.agent.cancel'),
            });
            if (yes) save((v) => api(`/admin/agents/${encodeURIComponent(a.id)}`, { method: 'DELETE', ifMatch: v }));
          } }, t('admin.agent.deactivate'))));
    });
    rows.push(...gone.map((a) => deactivatedRow(a, teamIds)));
    const id = h('input', { type: 'text', required: true, pattern: '[A-Za-z0-9._-]{1,64}' });
    const name = h('input', { type: 'text', required: true });
    const email = h('input', { type: 'email', required: true });
    const role = select(ROLES, 'agent', (r) => t(`role.${r}`));
    const teams = h('input', { type: 'text', value: teamIds[0] || '' });
    const cap = h('input', { type: 'number', min: '0', max: '1000', value: '5' });
    const invite = h('form', { class: 'adm-form', 'aria-label': t('admin.agent.invite'), onsubmit: (e) => {
      e.preventDefault();
      save((v) => api('/admin/agents', { method: 'POST', ifMatch: v, body: {
        id: id.value.trim(), name: name.value.trim(), email: email.value.trim(), role: role.value, teams: list(teams.value), capacity: Number(cap.value),
      } }));
    } },
    h('h2', {}, t('admin.agent.invite')),
    field(t('admin.agent.id'), id), field(t('admin.agent.name'), name), field(t('admin.agent.email'), email),
    field(t('admin.agent.role'), role), field(t('admin.agent.teams'), teams), field(t('admin.agent.capacity'), cap),
    h('button', { type: 'submit', class: 'btn primary' }, t('admin.agent.send')));
    return [h('table', { class: 'adm-table' }, h('caption', {}, t('admin.tab.agents')), h('tbody', {}, rows)), invite];
  }

  function teams() {
    const cfg = state.config;
    const inputs = cfg.teams.map((x) => ({ x, name: h('input', { type: 'text', value: x.name }), tier: select(TIERS, x.tier, (v) => v) }));
    return h('form', { class: 'adm-form', 'aria-label': t('admin.tab.teams'), onsubmit: (e) => {
      e.preventDefault();
      save(put('/admin/config/teams', inputs.map(({ x, name, tier }) => ({ ...x, name: name.value.trim(), tier: tier.value }))));
    } },
    inputs.map(({ x, name, tier }) => h('fieldset', { 'data-team': x.id }, h('legend', {}, x.id),
      field(t('admin.team.name'), name), field(t('admin.team.tier'), tier))),
    h('button', { type: 'submit', class: 'btn primary' }, t('admin.save')));
  }

  function sla() {
    const cfg = state.config;
    const secs = (v) => h('input', { type: 'number', min: '1', value: v == null ? '' : String(v) });
    const num = (el) => (el.value === '' ? null : Number(el.value));
    const def = secs(cfg.sla.first_response_secs);
    const policies = (cfg.sla.policies || []).map((p) => ({ p, fr: secs(p.first_response_secs), nr: secs(p.next_response_secs), res: secs(p.resolution_secs) }));
    return h('form', { class: 'adm-form', 'aria-label': t('admin.tab.sla'), onsubmit: (e) => {
      e.preventDefault();
      const next = { ...cfg.sla, first_response_secs: num(def), policies: policies.map(({ p, fr, nr, res }) => ({ ...p, first_response_secs: num(fr), next_response_secs: num(nr), resolution_secs: num(res) })) };
      save(put('/admin/config/sla', next));
    } },
    field(t('admin.sla.default'), def),
    policies.map(({ p, fr, nr, res }) => h('fieldset', { 'data-policy': p.name }, h('legend', {}, p.name),
      field(t('admin.sla.first'), fr), field(t('admin.sla.next'), nr), field(t('admin.sla.resolution'), res))),
    h('button', { type: 'submit', class: 'btn primary' }, t('admin.save')));
  }

  function bot() {
    const b = state.config.bot;
    const areas = [];
    const sets = BOT_TEXTS.map((key) => h('fieldset', { 'data-text': key }, h('legend', {}, t(`admin.bot.${key}`)),
      LANGS.map((l) => {
        const area = h('textarea', { rows: '2' });
        area.value = b[key]?.[l] ?? '';
        areas.push({ key, l, area });
        return field(l, area);
      })));
    return h('form', { class: 'adm-form', 'aria-label': t('admin.tab.bot'), onsubmit: (e) => {
      e.preventDefault();
      const next = { ...b };
      for (const { key, l, area } of areas) {
        next[key] = { ...next[key] };
        if (area.value.trim()) next[key][l] = area.value; else delete next[key][l];
      }
      save(put('/admin/config/bot', next));
    } }, sets, h('button', { type: 'submit', class: 'btn primary' }, t('admin.save')));
  }

  async function quickReplies() {
    const items = await api('/quick-replies').catch(() => []);
    const all = Array.isArray(items) ? items : (items.items || []);
    const rows = all.map((q) => {
      const text = h('textarea', { rows: '2' });
      text.value = q.text;
      return h('form', { class: 'adm-form', 'data-quick-reply': q.shortcut, 'aria-label': `/${q.shortcut}`, onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api(`/quick-replies/${encodeURIComponent(q.id)}`, { method: 'PUT', body: { shortcut: q.shortcut, text: text.value, language: q.language ?? null } });
          say(t('admin.saved'));
        } catch (err) { say(t('admin.failed', { message: err.message }), true); }
      } }, field(`/${q.shortcut}`, text), h('button', { type: 'submit', class: 'btn' }, t('admin.save')));
    });
    const shortcut = h('input', { type: 'text', required: true });
    const text = h('textarea', { rows: '2', required: true });
    const add = h('form', { class: 'adm-form', 'aria-label': t('admin.qr.add'), onsubmit: async (e) => {
      e.preventDefault();
      try {
        await api('/quick-replies', { method: 'POST', body: { shortcut: shortcut.value, text: text.value } });
        say(t('admin.saved'));
        draw();
      } catch (err) { say(t('admin.failed', { message: err.message }), true); }
    } }, h('h2', {}, t('admin.qr.add')), field(t('admin.qr.shortcut'), shortcut), field(t('admin.qr.text'), text),
    h('button', { type: 'submit', class: 'btn primary' }, t('admin.save')));
    return [rows, add];
  }

  async function draw() {
    const kit = { state, save, put, say };
    const parts = {
      agents, teams, sla, bot, 'quick-replies': quickReplies,
      calendars: () => calendarsScreen(kit), routing: () => routingScreen(kit),
      menu: () => menuScreen(kit), answers: () => answersScreen(kit), flows: () => flowsScreen(kit),
      templates: () => templatesScreen(kit),
    };
    const content = await parts[current]();
    clear(body, h('p', { class: 'adm-version', 'data-testid': 'admin-version' }, t('admin.version', { v: state.version })), content);
  }

  load().catch((e) => say(t('admin.failed', { message: e.message }), true));
  return { destroy() {} };
}
