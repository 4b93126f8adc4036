// The business account's WhatsApp templates (admins): what the last sync and the status
// webhooks say of each (name, language, status, category, body), and the button that reads
// the list from WhatsApp again (`POST /admin/templates/sync`).

import { api } from './api.js';
import { h, clear } from './dom.js';
import { t } from './i18n.js';

function table(list) {
  if (!list.length) return h('p', { 'data-testid': 'admin-templates-empty' }, t('admin.tpl.none'));
  return h('table', { class: 'adm-table', 'data-testid': 'admin-templates' },
    h('caption', {}, t('admin.tab.templates')),
    h('thead', {}, h('tr', {}, ['name', 'language', 'status', 'category', 'body'].map((c) => h('th', { scope: 'col' }, t(`admin.tpl.${c}`))))),
    h('tbody', {}, list.map((x) => h('tr', { 'data-template': `${x.name}#${x.language}` },
      h('th', { scope: 'row' }, x.name),
      h('td', {}, x.language),
      h('td', { class: `tpl-status ${String(x.status || '').toLowerCase()}` }, x.status || '—'),
      h('td', {}, x.category ? t(`admin.tpl.cat.${x.category}`) : '—'),
      h('td', { class: 'tpl-body' },
        x.header?.text ? h('strong', {}, x.header.text, h('br')) : null,
        x.header && !x.header.text ? h('em', {}, t('admin.tpl.media', { format: x.header.format }), h('br')) : null,
        x.body || '—',
        x.buttons?.length ? h('div', { class: 'tpl-buttons' }, x.buttons.map((b) => h('span', { class: 'chip' }, b))) : null)))));
}

export async function templatesScreen({ say }) {
  const holder = h('div', {});
  const sync = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'templates-sync' }, t('admin.tpl.sync'));
  sync.addEventListener('click', async () => {
    sync.disabled = true;
    say(t('admin.tpl.syncing'));
    try {
      const r = await api('/admin/templates/sync', { method: 'POST' });
      clear(holder, table(r.templates || []));
      say(t('admin.tpl.synced', { n: r.listed }));
    } catch (e) {
      say(t('admin.tpl.failed', { message: e.message }), true);
    } finally {
      sync.disabled = false;
      sync.focus();
    }
  });
  const list = await api('/admin/templates').catch((e) => { say(t('admin.tpl.failed', { message: e.message }), true); return []; });
  clear(holder, table(Array.isArray(list) ? list : []));
  return [h('p', {}, t('admin.tpl.help')), sync, holder];
}
