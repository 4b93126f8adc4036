// Controls the administration screens share: labelled fields, selects, per-language inputs,
// and the buttons that move or remove an item of an ordered list.

import { h } from './dom.js';
import { t } from './i18n.js';

export const LANGS = ['es', 'en', 'pt'];

let uid = 0;
export const nextId = (p) => `${p}-${++uid}`;

/// A labelled control: the label names it for screen readers and for the tests.
export function field(label, control) {
  const id = control.id || nextId('adm');
  control.id = id;
  return h('div', { class: 'adm-field' }, h('label', { for: id }, label), control);
}

export function select(values, current, labelOf) {
  const s = h('select', {});
  for (const v of values) s.appendChild(h('option', { value: v, selected: v === current }, labelOf(v)));
  s.value = current;
  return s;
}

export const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);

/// An input bound to `obj[key]`: typing changes the object, so a redraw keeps what was typed.
export function bound(obj, key, { type = 'text', rows, parse = (v) => v, show = (v) => v ?? '' } = {}) {
  const el = rows ? h('textarea', { rows: String(rows) }) : h('input', { type });
  el.value = show(obj[key]);
  el.addEventListener('input', () => { obj[key] = parse(el.value); });
  return el;
}

/// One input per language for a text kept per language (`{es, en, pt}`); an emptied
/// language is dropped.
export function perLanguage(obj, key, label, rows) {
  if (!obj[key] || typeof obj[key] !== 'object') obj[key] = {};
  const texts = obj[key];
  return h('fieldset', { class: 'adm-langs' }, h('legend', {}, label),
    LANGS.map((l) => {
      const el = rows ? h('textarea', { rows: String(rows) }) : h('input', { type: 'text' });
      el.value = texts[l] ?? '';
      el.addEventListener('input', () => {
        if (el.value.trim()) texts[l] = el.value; else delete texts[l];
      });
      return field(`${label} (${l})`, el);
    }));
}

/// Up, down and remove for item `i` of `items`, each named for what it moves; `redraw` shows
/// the new order and puts the focus back on the same button of the moved item.
export function orderButtons(items, i, name, redraw) {
  const move = (to, which) => () => {
    const [x] = items.splice(i, 1);
    items.splice(to, 0, x);
    redraw({ index: to, which });
  };
  return h('div', { class: 'adm-order' },
    h('button', { type: 'button', class: 'btn', 'data-move': 'up', disabled: i === 0,
      'aria-label': t('admin.order.up', { name }), onclick: move(i - 1, 'up') }, '↑'),
    h('button', { type: 'button', class: 'btn', 'data-move': 'down', disabled: i === items.length - 1,
      'aria-label': t('admin.order.down', { name }), onclick: move(i + 1, 'down') }, '↓'),
    h('button', { type: 'button', class: 'btn danger', 'data-move': 'remove',
      'aria-label': t('admin.order.remove', { name }), onclick: () => { items.splice(i, 1); redraw(null); } }, t('admin.remove')));
}

/// After a redraw, the focus goes back to the moved item's button (the other way when it hit
/// an end; the first control of an added item).
export function refocus(container, focus) {
  if (!focus) return;
  const item = container.querySelectorAll('[data-item]')[focus.index];
  const other = { up: 'down', down: 'up' }[focus.which];
  const candidates = [focus.which, other].map((w) => item?.querySelector(`[data-move="${w}"]`));
  const btn = candidates.find((b) => b && !b.disabled);
  (btn || item?.querySelector('input, select, textarea, button'))?.focus();
}

/// Where a refused save says why, next to the form.
export function errorBox() {
  return h('p', { class: 'adm-error', role: 'alert', 'data-testid': 'admin-form-error', hidden: true });
}
