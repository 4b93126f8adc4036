// The bot's menu, answers and flows (admins): edited on a copy of `bot` and saved whole
// through `PUT /admin/config/bot`. The server's checks are the ones that count: a refused
// save shows its message next to the form.

import { h, clear } from './dom.js';
import { t } from './i18n.js';
import { field, select, bound, perLanguage, orderButtons, refocus, errorBox } from './admin-ui.js';

const ACTIONS = ['answer', 'flow', 'handoff'];

const copy = (v) => JSON.parse(JSON.stringify(v ?? null));
const actionOf = (a) => (a && 'answer' in a ? 'answer' : a && 'flow' in a ? 'flow' : 'handoff');

/// The menu: its prompt, and each option's key, title per language and action.
export function menuScreen({ state, save, put }) {
  const bot = copy(state.config.bot);
  bot.menu = bot.menu || { prompt: {}, options: [] };
  const options = bot.menu.options;
  const flows = Object.keys(bot.flows || {}).sort();
  const teams = state.config.teams.map((x) => x.id);
  const box = errorBox();
  const items = h('div', { class: 'adm-items' });

  function actionFields(o) {
    const kind = actionOf(o.action);
    if (kind === 'answer') return perLanguage(o.action, 'answer', t('admin.menu.answer'), 2);
    if (kind === 'flow') {
      const s = select(flows, o.action.flow, (v) => v);
      s.addEventListener('change', () => { o.action = { flow: s.value }; });
      return field(t('admin.menu.flow'), s);
    }
    const current = o.action?.handoff?.team ?? '';
    const s = select(['', ...teams], current, (v) => v || t('admin.menu.default-team'));
    s.addEventListener('change', () => { o.action = { handoff: s.value ? { team: s.value } : {} }; });
    return field(t('admin.menu.team'), s);
  }

  function draw(focus) {
    clear(items, options.map((o, i) => {
      const name = t('admin.menu.option', { key: o.key || i + 1 });
      const kind = select(ACTIONS, actionOf(o.action), (v) => t(`admin.menu.action.${v}`));
      kind.addEventListener('change', () => {
        o.action = kind.value === 'answer' ? { answer: {} }
          : kind.value === 'flow' ? { flow: flows[0] || '' } : { handoff: {} };
        draw(null);
      });
      return h('fieldset', { class: 'adm-item', 'data-item': '', 'data-option': o.key },
        h('legend', {}, name),
        field(t('admin.menu.key'), bound(o, 'key')),
        perLanguage(o, 'title', t('admin.menu.title')),
        field(t('admin.menu.action'), kind),
        actionFields(o),
        orderButtons(options, i, name, draw));
    }));
    refocus(items, focus);
  }
  draw(null);

  const add = h('button', { type: 'button', class: 'btn', onclick: () => {
    options.push({ key: String(options.length + 1), title: {}, action: { handoff: {} } });
    draw({ index: options.length - 1, which: 'none' });
  } }, t('admin.menu.add'));

  return h('form', { class: 'adm-form', 'aria-label': t('admin.tab.menu'), onsubmit: (e) => {
    e.preventDefault();
    save(put('/admin/config/bot', bot), box);
  } },
  perLanguage(bot.menu, 'prompt', t('admin.menu.prompt'), 2),
  items, add, box,
  h('button', { type: 'submit', class: 'btn primary' }, t('admin.save')));
}

/// The answers the bot gives to understood intents (FAQ): intent → text per language.
export function answersScreen({ state, save, put }) {
  const bot = copy(state.config.bot);
  if (!bot.nlu) return h('p', {}, t('admin.answers.none'));
  bot.nlu.answers = bot.nlu.answers || {};
  const entries = Object.entries(bot.nlu.answers).map(([intent, text]) => ({ intent, text }));
  const box = errorBox();
  const items = h('div', { class: 'adm-items' });
  function draw(focus) {
    clear(items, entries.map((a, i) => {
      const name = a.intent || t('admin.answers.new');
      return h('fieldset', { class: 'adm-item', 'data-item': '', 'data-answer': a.intent },
        h('legend', {}, name),
        field(t('admin.answers.intent'), bound(a, 'intent')),
        perLanguage(a, 'text', t('admin.answers.text'), 2),
        orderButtons(entries, i, name, draw));
    }));
    refocus(items, focus);
  }
  draw(null);
  const add = h('button', { type: 'button', class: 'btn', onclick: () => {
    entries.push({ intent: '', text: {} });
    draw({ index: entries.length - 1, which: 'none' });
  } }, t('admin.answers.add'));
  return h('form', { class: 'adm-form', 'aria-label': t('admin.tab.answers'), onsubmit: (e) => {
    e.preventDefault();
    bot.nlu.answers = Object.fromEntries(entries.filter((a) => a.intent.trim()).map((a) => [a.intent.trim(), a.text]));
    save(put('/admin/config/bot', bot), box);
  } }, h('p', {}, t('admin.answers.help')), items, add, box,
  h('button', { type: 'submit', class: 'btn primary' }, t('admin.save')));
}

/// The flows, each as its JSON (slots with their prompts per language, the action it calls,
/// its answers): a syntax error is shown before sending, the server's checks after.
export function flowsScreen({ state, save, put }) {
  const bot = copy(state.config.bot);
  const names = Object.keys(bot.flows || {}).sort();
  if (!names.length) return h('p', {}, t('admin.flows.none'));
  const box = errorBox();
  const areas = names.map((name) => {
    const area = h('textarea', { rows: '14', class: 'adm-json', spellcheck: 'false' });
    area.value = JSON.stringify(bot.flows[name], null, 2);
    return { name, area };
  });
  return h('form', { class: 'adm-form', 'aria-label': t('admin.tab.flows'), onsubmit: (e) => {
    e.preventDefault();
    const flows = {};
    for (const { name, area } of areas) {
      try { flows[name] = JSON.parse(area.value); } catch (err) {
        box.hidden = false;
        box.textContent = t('admin.flows.json', { name, message: err.message });
        area.focus();
        return;
      }
    }
    bot.flows = flows;
    save(put('/admin/config/bot', bot), box);
  } }, h('p', {}, t('admin.flows.help')),
  areas.map(({ name, area }) => h('div', { 'data-flow': name }, field(t('admin.flows.flow', { name }), area))),
  box, h('button', { type: 'submit', class: 'btn primary' }, t('admin.save')));
}
