// Routing rules and business calendars (admins). Rules are tried in order, the first whose
// every condition holds decides the team, tier and priority: they are reordered with buttons
// (keyboard reachable) and saved whole through `PUT /admin/config/routing`. Calendars (open
// hours per day, holidays) are part of the SLA section, saved through `PUT /admin/config/sla`.

import { h, clear } from './dom.js';
import { t } from './i18n.js';
import { field, select, bound, orderButtons, refocus, errorBox, nextId } from './admin-ui.js';

const TIERS = ['', 'L1', 'L2', 'L3'];
const PRIORITIES = ['', 'low', 'normal', 'high', 'urgent'];
const LANGUAGES = ['', 'es', 'en', 'pt'];
const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const copy = (v) => JSON.parse(JSON.stringify(v ?? null));
const words = { parse: (v) => v.split(',').map((x) => x.trim()).filter(Boolean), show: (v) => (v || []).join(', ') };
const optional = { parse: (v) => (v.trim() ? v.trim() : null) };

/// A select bound to `obj[key]`, empty meaning "not set".
function choice(obj, key, values, labelOf) {
  const s = select(values, obj[key] ?? '', labelOf);
  s.addEventListener('change', () => { obj[key] = s.value || null; });
  return s;
}

export function routingScreen({ state, save, put }) {
  const routing = copy(state.config.routing);
  routing.rules = routing.rules || [];
  const rules = routing.rules;
  const teams = state.config.teams.map((x) => x.id);
  const box = errorBox();
  const items = h('ol', { class: 'adm-items adm-rules' });
  const none = (v) => v || t('admin.routing.any');

  function draw(focus) {
    clear(items, rules.map((r, i) => {
      const name = r.name || t('admin.routing.rule', { n: i + 1 });
      const team = select(teams, r.team, (v) => v);
      team.addEventListener('change', () => { r.team = team.value; });
      return h('li', { class: 'adm-item', 'data-item': '', 'data-rule': r.name },
        h('fieldset', {}, h('legend', {}, t('admin.routing.position', { n: i + 1, name })),
          field(t('admin.routing.name'), bound(r, 'name')),
          field(t('admin.routing.keywords'), bound(r, 'keywords', words)),
          field(t('admin.routing.intents'), bound(r, 'intents', words)),
          field(t('admin.routing.tags'), bound(r, 'tags', words)),
          field(t('admin.routing.menu-choice'), bound(r, 'menu_choice', optional)),
          field(t('admin.routing.language'), choice(r, 'language', LANGUAGES, none)),
          field(t('admin.routing.team'), team),
          field(t('admin.routing.tier'), choice(r, 'tier', TIERS, (v) => v || t('admin.routing.team-tier'))),
          field(t('admin.routing.priority'), choice(r, 'priority', PRIORITIES, (v) => (v ? t(`admin.priority.${v}`) : t('admin.routing.unchanged')))),
          orderButtons(rules, i, name, draw)));
    }));
    refocus(items, focus);
  }
  draw(null);

  const fallback = select(teams, routing.default_team, (v) => v);
  fallback.addEventListener('change', () => { routing.default_team = fallback.value; });
  const add = h('button', { type: 'button', class: 'btn', onclick: () => {
    rules.push({ name: `rule_${rules.length + 1}`, keywords: [], intents: [], tags: [], team: teams[0] });
    draw({ index: rules.length - 1, which: 'none' });
  } }, t('admin.routing.add'));
  return h('form', { class: 'adm-form', 'aria-label': t('admin.tab.routing'), onsubmit: (e) => {
    e.preventDefault();
    save(put('/admin/config/routing', routing), box);
  } }, h('p', {}, t('admin.routing.help')),
  field(t('admin.routing.default'), fallback), items, add, box,
  h('button', { type: 'submit', class: 'btn primary' }, t('admin.save')));
}

/// Open hours as typed: `09:00-14:00, 15:00-18:00`; empty for a closed day.
const ranges = { parse: (v) => v.split(',').map((x) => x.trim()).filter(Boolean), show: (v) => (v || []).join(', ') };
const lines = { parse: (v) => v.split(/[\n,]/).map((x) => x.trim()).filter(Boolean), show: (v) => (v || []).join('\n') };

export function calendarsScreen({ state, save, put }) {
  const sla = copy(state.config.sla);
  sla.calendars = sla.calendars || {};
  const box = errorBox();
  const items = h('div', { class: 'adm-items' });
  function draw() {
    const names = Object.keys(sla.calendars).sort();
    clear(items, names.length ? names.map((name) => {
      const c = sla.calendars[name];
      c.week = c.week || {};
      return h('fieldset', { class: 'adm-item', 'data-calendar': name },
        h('legend', {}, name),
        field(t('admin.cal.timezone'), bound(c, 'timezone')),
        h('fieldset', { class: 'adm-week' }, h('legend', {}, t('admin.cal.week')),
          DAYS.map((d) => field(t(`admin.cal.day.${d}`), bound(c.week, d, ranges)))),
        field(t('admin.cal.holidays'), bound(c, 'holidays', { rows: 3, ...lines })),
        h('button', { type: 'button', class: 'btn danger', 'aria-label': t('admin.order.remove', { name }),
          onclick: () => { delete sla.calendars[name]; draw(); } }, t('admin.remove')));
    }) : h('p', {}, t('admin.cal.none')));
  }
  draw();
  const newName = h('input', { type: 'text', pattern: '[a-z0-9_]{1,40}', id: nextId('cal') });
  const add = h('div', { class: 'adm-add' }, field(t('admin.cal.new'), newName),
    h('button', { type: 'button', class: 'btn', onclick: () => {
      const name = newName.value.trim();
      if (!name || sla.calendars[name]) { newName.focus(); return; }
      sla.calendars[name] = { timezone: 'UTC', week: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] }, holidays: [] };
      newName.value = '';
      draw();
      items.querySelector(`[data-calendar="${CSS.escape(name)}"] input`)?.focus();
    } }, t('admin.cal.add')));
  return h('form', { class: 'adm-form', 'aria-label': t('admin.tab.calendars'), onsubmit: (e) => {
    e.preventDefault();
    save(put('/admin/config/sla', sla), box);
  } }, h('p', {}, t('admin.cal.help')), items, add, box,
  h('button', { type: 'submit', class: 'btn primary' }, t('admin.save')));
}
