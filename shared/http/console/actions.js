// The agent's actions on a conversation: priority, the ticket's tags, snooze until a time
// (presets in the workspace's time zone, or a date and time), escalation by hand with a
// reason, and editing the customer's profile (name, tags, VIP, custom attributes). The
// controls are built once per conversation and kept across the redraws live updates cause,
// so what an agent is typing is never lost.

import { api } from './api.js';
import { h, clear, time } from './dom.js';
import { t, currentLang } from './i18n.js';
import './i18n-actions.js';

const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
const TAG = /^[\p{L}\p{N}_\-:.]{1,32}$/u;
const ATTR_KEY = /^[A-Za-z0-9_.-]{1,64}$/;
const ESCALATION_REASONS = ['technical', 'refund', 'complaint', 'vip'];
const TIERS = ['L1', 'L2', 'L3'];

let uid = 0;
function labelled(text, control) {
  const id = control.id || `act-${++uid}`;
  control.id = id;
  return [h('label', { for: id }, text), control];
}

/// `datetime-local` value (local time, to the second) for a moment.
function localInput(date) {
  const p = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())}T${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`;
}

/// The actions panel of ticket `id`. `done()` is called after each change has been saved.
/// `leave()` when a change takes the ticket out of the agent's sight.
export function actionsPanel(ctx, id, done, leave) {
  const path = (p) => `/tickets/${encodeURIComponent(id)}${p}`;
  let ticket = null;
  let left = false;

  async function run(f) {
    try {
      await f();
      ctx.toast(t('conv.done'));
      if (!left) await done();
    } catch (e) { ctx.toast(t('conv.error', { message: e.message }), true); }
  }
  function away() { left = true; leave(); }

  // Priority.
  const priority = h('select', { 'data-testid': 'priority' }, PRIORITIES.map((p) => h('option', { value: p }, t(`priority.${p}`))));
  priority.addEventListener('change', () => run(() => api(path('/priority'), { method: 'PUT', body: { priority: priority.value } })));

  // Tags.
  const tagList = h('ul', { class: 'act-tags', 'data-testid': 'ticket-tags' });
  const tagInput = h('input', { type: 'text', list: `tag-suggest-${id}`, 'data-testid': 'tag-input', autocomplete: 'off' });
  const tagDatalist = h('datalist', { id: `tag-suggest-${id}` });
  const tagError = h('p', { class: 'act-error', role: 'alert', 'data-testid': 'tag-error', hidden: true });
  function saveTags(tags) { return run(() => api(path('/tags'), { method: 'PUT', body: { tags } })); }
  function addTag() {
    const tag = tagInput.value.trim().toLowerCase();
    if (!tag) return;
    if (!TAG.test(tag)) { tagError.textContent = t('actions.tags.invalid'); tagError.hidden = false; return; }
    tagError.hidden = true;
    tagInput.value = '';
    const tags = ticket.tags || [];
    if (!tags.includes(tag)) saveTags([...tags, tag]);
  }
  tagInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); addTag(); } });
  const tagAdd = h('button', { type: 'button', class: 'btn small', 'data-testid': 'tag-add', onclick: addTag }, t('actions.tags.add'));

  // Snooze.
  const snoozeState = h('p', { class: 'act-state', 'data-testid': 'snoozed-until', hidden: true });
  const presets = h('div', { class: 'act-presets', 'data-testid': 'snooze-presets' });
  const zone = h('small', { class: 'muted' });
  const at = h('input', { type: 'datetime-local', step: '1', 'data-testid': 'snooze-at' });
  const snoozeError = h('p', { class: 'act-error', role: 'alert', hidden: true });
  function snooze(until) {
    if (!(Date.parse(until) > Date.now())) { snoozeError.textContent = t('actions.snooze.past'); snoozeError.hidden = false; return; }
    snoozeError.hidden = true;
    run(() => api(path('/status'), { method: 'POST', body: { status: 'snoozed', until } }));
  }
  const snoozeGo = h('button', { type: 'button', class: 'btn small', 'data-testid': 'snooze-go', onclick: () => {
    const d = at.value ? new Date(at.value) : null;
    snooze(d && !Number.isNaN(d.getTime()) ? d.toISOString() : '');
  } }, t('actions.snooze.go'));
  async function loadPresets() {
    try {
      const r = await api('/snooze-presets', { feature: 'snooze-presets' });
      zone.textContent = t('actions.snooze.zone', { zone: r.timezone });
      clear(presets, r.presets.map((p) => h('button', { type: 'button', class: 'btn ghost small', 'data-preset': p.key, title: time(p.until, currentLang()), onclick: () => snooze(p.until) }, t(`actions.snooze.${p.key}`))));
    } catch { clear(presets); }
  }
  const snoozeBox = h('details', { class: 'act-group' }, h('summary', { 'data-testid': 'snooze' }, t('actions.snooze')),
    presets, zone, h('div', { class: 'act-row' }, ...labelled(t('actions.snooze.at'), at), snoozeGo), snoozeError);
  snoozeBox.addEventListener('toggle', () => { if (snoozeBox.open) { at.value = at.value || localInput(new Date(Date.now() + 3600_000)); loadPresets(); } });

  // Escalation.
  const reason = h('select', { 'data-testid': 'escalate-reason' },
    ESCALATION_REASONS.map((r) => h('option', { value: r }, t(`actions.escalate.r.${r}`))), h('option', { value: 'other' }, t('actions.escalate.other')));
  const reasonText = h('input', { type: 'text', maxlength: '400', 'data-testid': 'escalate-text' });
  const escalateWhat = h('p', { class: 'muted small' });
  const escalateGo = h('button', { type: 'button', class: 'btn small warn', 'data-testid': 'escalate-go', onclick: () => {
    const chosen = reason.value === 'other' ? '' : t(`actions.escalate.r.${reason.value}`);
    const text = [chosen, reasonText.value.trim()].filter(Boolean).join(': ');
    reasonText.value = '';
    escalateBox.open = false;
    run(async () => {
      const moved = await api(path('/escalate'), { method: 'POST', body: { reason: text || null } });
      // Escalated into a team I am not in: the ticket is out of my sight, back to the list.
      if (!ctx.isSupervisor() && moved?.team && !(ctx.me.teams || []).includes(moved.team)) away();
    });
  } }, t('actions.escalate.go'));
  const escalateBox = h('details', { class: 'act-group' }, h('summary', { 'data-testid': 'escalate' }, t('actions.escalate')),
    escalateWhat, h('div', { class: 'act-col' }, ...labelled(t('actions.escalate.reason'), reason), ...labelled(t('actions.escalate.text'), reasonText)), escalateGo);

  const el = h('section', { class: 'card actions', 'data-testid': 'actions' },
    h('h3', {}, t('actions.title')),
    h('div', { class: 'act-row' }, ...labelled(t('actions.priority'), priority)),
    h('div', { class: 'act-group' }, h('span', { class: 'act-label' }, t('actions.tags')), tagList,
      h('div', { class: 'act-row' }, ...labelled(t('actions.tags.add'), tagInput), tagAdd), tagDatalist, tagError),
    snoozeState, snoozeBox, escalateBox);

  function update(tk, tagsInUse = []) {
    ticket = tk;
    if (document.activeElement !== priority) priority.value = tk.priority || 'normal';
    const tags = tk.tags || [];
    clear(tagList, tags.map((x) => h('li', { class: 'tag' }, x,
      h('button', { type: 'button', class: 'tag-x', 'aria-label': t('actions.tags.remove', { tag: x }), 'data-remove-tag': x, onclick: () => saveTags(tags.filter((y) => y !== x)) }, '×'))));
    const suggestions = [...new Set(tagsInUse)].filter((x) => !tags.includes(x)).sort();
    clear(tagDatalist, suggestions.map((x) => h('option', { value: x })));
    const resolved = tk.status === 'resolved' || tk.status === 'closed';
    snoozeState.hidden = tk.status !== 'snoozed' || !tk.snoozed_until;
    if (!snoozeState.hidden) snoozeState.textContent = t('actions.snoozed', { time: time(tk.snoozed_until, currentLang()) });
    snoozeBox.hidden = !['assigned', 'pending'].includes(tk.status);
    const top = TIERS.indexOf(tk.tier) >= TIERS.length - 1;
    escalateBox.hidden = resolved || !['queued', 'assigned', 'pending', 'snoozed'].includes(tk.status);
    escalateWhat.textContent = top ? t('actions.escalate.top') : t('actions.escalate.what', { tier: tk.tier });
    escalateGo.disabled = top;
  }

  return { el, update };
}

/// The customer's profile editor: a button that opens a form for the name, tags, VIP and
/// custom attributes, checked before it is sent, with the server's refusal shown as it is.
export function customerEditor(ctx, done) {
  let customer = null;
  const error = h('p', { class: 'act-error', role: 'alert', 'data-testid': 'customer-error', hidden: true });
  const name = h('input', { type: 'text', maxlength: '200', 'data-testid': 'customer-name' });
  const tags = h('input', { type: 'text', 'data-testid': 'customer-tags' });
  const vip = h('input', { type: 'checkbox', 'data-testid': 'customer-vip' });
  const attrs = h('div', { class: 'act-col', 'data-testid': 'customer-attrs' });
  let removed = [];

  function attrRow(k = '', v = '') {
    const key = h('input', { type: 'text', value: k, 'aria-label': t('actions.customer.key'), 'data-attr-key': '', placeholder: t('actions.customer.key') });
    const value = h('input', { type: 'text', value: v, maxlength: '500', 'aria-label': t('actions.customer.value'), 'data-attr-value': '', placeholder: t('actions.customer.value') });
    const row = h('div', { class: 'act-row attr-row' }, key, value);
    row.append(h('button', { type: 'button', class: 'tag-x', 'aria-label': t('actions.customer.removeattr', { key: k || '…' }), onclick: () => {
      if (key.dataset.original) removed.push(key.dataset.original);
      row.remove();
    } }, '×'));
    if (k) key.dataset.original = k;
    return row;
  }

  const form = h('form', { class: 'act-col customer-form', 'data-testid': 'customer-form', hidden: true, onsubmit: (e) => { e.preventDefault(); save(); } },
    ...labelled(t('actions.customer.name'), name),
    ...labelled(t('actions.customer.tags'), tags),
    h('label', { class: 'act-check' }, vip, ' ', t('actions.customer.vip')),
    h('span', { class: 'act-label' }, t('actions.customer.attrs')), attrs,
    h('button', { type: 'button', class: 'btn ghost small', 'data-testid': 'customer-addattr', onclick: () => { const r = attrRow(); attrs.append(r); r.querySelector('input').focus(); } }, t('actions.customer.addattr')),
    error,
    h('div', { class: 'act-row' },
      h('button', { type: 'submit', class: 'btn primary small', 'data-testid': 'customer-save' }, t('actions.customer.save')),
      h('button', { type: 'button', class: 'btn ghost small', onclick: () => close() }, t('actions.customer.cancel'))));
  const toggle = h('button', { type: 'button', class: 'btn ghost small', 'data-testid': 'customer-edit', 'aria-expanded': 'false', onclick: () => (form.hidden ? open() : close()) }, t('actions.customer.edit'));

  function open() {
    const c = customer || {};
    name.value = c.name || '';
    const all = c.tags || [];
    vip.checked = all.includes('vip');
    tags.value = all.filter((x) => x !== 'vip').join(', ');
    removed = [];
    clear(attrs, Object.entries(c.attributes || {}).map(([k, v]) => attrRow(k, v)));
    error.hidden = true;
    form.hidden = false;
    toggle.setAttribute('aria-expanded', 'true');
    name.focus();
  }
  function close() { form.hidden = true; toggle.setAttribute('aria-expanded', 'false'); toggle.focus(); }
  function fail(message) { error.textContent = message; error.hidden = false; }

  async function save() {
    const n = name.value.trim();
    if ([...n].length > 200) return fail(t('actions.customer.longname'));
    const list = tags.value.split(',').map((x) => x.trim().toLowerCase()).filter(Boolean);
    const bad = list.find((x) => !TAG.test(x));
    if (bad) return fail(`${t('actions.tags.invalid')} (${bad})`);
    if (vip.checked && !list.includes('vip')) list.push('vip');
    const attributes = {};
    for (const k of removed) attributes[k] = null;
    for (const row of attrs.querySelectorAll('.attr-row')) {
      const k = row.querySelector('[data-attr-key]').value.trim();
      const v = row.querySelector('[data-attr-value]').value;
      if (!k && !v) continue;
      if (!ATTR_KEY.test(k)) return fail(t('actions.customer.badkey', { key: k || '""' }));
      const original = row.querySelector('[data-attr-key]').dataset.original;
      if (original && original !== k) attributes[original] = null;
      attributes[k] = v;
    }
    try {
      customer = await api(`/customers/${encodeURIComponent(customer.wa_id)}`, { method: 'PATCH', body: { name: n, tags: list, attributes }, feature: 'customers' });
      form.hidden = true;
      toggle.setAttribute('aria-expanded', 'false');
      ctx.toast(t('actions.customer.saved'));
      await done(customer);
    } catch (e) { fail(e.message); }
  }

  return {
    toggle,
    form,
    editing: () => !form.hidden,
    update(c) { customer = c; toggle.hidden = !c?.wa_id; },
  };
}
