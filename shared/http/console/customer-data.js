// A customer's data on request, in the conversation's customer panel: the export of
// everything kept about the customer as a JSON file (supervisors and admins) and the erasure
// (admins), confirmed in a dialog by typing the customer's number. Both are audited by the
// server; the buttons show only for the roles it allows.

import { api } from './api.js';
import { h, clear } from './dom.js';
import { addKeys, t } from './i18n.js';
import { modal } from './dialog.js';

addKeys({
  en: {
    'custdata.title': 'Customer data',
    'custdata.export': 'Export data',
    'custdata.exported': 'Exported: {file}',
    'custdata.erase': 'Erase customer',
    'custdata.erase.title': 'Erase this customer',
    'custdata.erase.what': 'Everything kept about {number} is erased: tickets (open ones are resolved first), messages, notes, survey answers, media references, the bot’s conversation and the profile. It cannot be undone.',
    'custdata.erase.type': 'Type the customer’s number to confirm',
    'custdata.erase.go': 'Erase everything',
    'custdata.erase.busy': 'Erasing…',
    'custdata.erased': 'Erased: {tickets} tickets ({open} were open) and {entries} transcript entries.',
    'custdata.close': 'Close',
    'custdata.cancel': 'Cancel',
    'custdata.forbidden': 'Your role may not do this.',
    'custdata.notfound': 'Nothing is kept about this customer (erased already?).',
    'custdata.server': 'The server could not do it ({status}); try again in a moment.',
  },
  es: {
    'custdata.title': 'Datos del cliente',
    'custdata.export': 'Exportar datos',
    'custdata.exported': 'Exportado: {file}',
    'custdata.erase': 'Borrar cliente',
    'custdata.erase.title': 'Borrar a este cliente',
    'custdata.erase.what': 'Se borra todo lo guardado sobre {number}: tickets (los abiertos se resuelven antes), mensajes, notas, respuestas a encuestas, referencias a archivos, la conversación con el bot y el perfil. No se puede deshacer.',
    'custdata.erase.type': 'Escribe el número del cliente para confirmar',
    'custdata.erase.go': 'Borrar todo',
    'custdata.erase.busy': 'Borrando…',
    'custdata.erased': 'Borrado: {tickets} tickets ({open} estaban abiertos) y {entries} entradas de conversación.',
    'custdata.close': 'Cerrar',
    'custdata.cancel': 'Cancelar',
    'custdata.forbidden': 'Tu rol no permite hacerlo.',
    'custdata.notfound': 'No hay nada guardado sobre este cliente (¿ya se borró?).',
    'custdata.server': 'El servidor no pudo hacerlo ({status}); inténtalo de nuevo en un momento.',
  },
  pt: {
    'custdata.title': 'Dados do cliente',
    'custdata.export': 'Exportar dados',
    'custdata.exported': 'Exportado: {file}',
    'custdata.erase': 'Apagar cliente',
    'custdata.erase.title': 'Apagar este cliente',
    'custdata.erase.what': 'Tudo o que está guardado sobre {number} é apagado: tickets (os abertos são resolvidos antes), mensagens, notas, respostas a pesquisas, referências a arquivos, a conversa com o bot e o perfil. Não pode ser desfeito.',
    'custdata.erase.type': 'Digite o número do cliente para confirmar',
    'custdata.erase.go': 'Apagar tudo',
    'custdata.erase.busy': 'Apagando…',
    'custdata.erased': 'Apagado: {tickets} tickets ({open} estavam abertos) e {entries} entradas da conversa.',
    'custdata.close': 'Fechar',
    'custdata.cancel': 'Cancelar',
    'custdata.forbidden': 'Seu papel não permite fazer isso.',
    'custdata.notfound': 'Nada está guardado sobre este cliente (já foi apagado?).',
    'custdata.server': 'O servidor não conseguiu ({status}); tente de novo em instantes.',
  },
});

/// The words for a refusal of the export or the erasure.
export function refusal(e) {
  if (e.status === 403) return t('custdata.forbidden');
  if (e.status === 404) return t('custdata.notfound');
  if (e.status >= 500) return t('custdata.server', { status: e.status });
  return e.message;
}

/// The number with all but its last four digits hidden: what a file name may carry.
export function masked(waId) {
  const digits = String(waId || '').replace(/\D/g, '');
  return `${'x'.repeat(Math.max(0, digits.length - 4))}${digits.slice(-4)}`;
}

/// The export and erase buttons for the customer shown; `erased()` runs once the erasure is
/// done and its result has been read.
export function customerData(ctx, erased) {
  let waId = null;
  const status = h('p', { class: 'act-state', role: 'status', 'data-testid': 'customer-data-status' });
  const exportBtn = h('button', { type: 'button', class: 'btn ghost small', 'data-testid': 'customer-export', onclick: () => exportData() }, t('custdata.export'));
  const eraseBtn = h('button', { type: 'button', class: 'btn small danger', 'data-testid': 'customer-erase', 'aria-haspopup': 'dialog', onclick: () => confirmErase() }, t('custdata.erase'));
  const el = h('div', { class: 'customer-data', 'data-testid': 'customer-data', role: 'group', 'aria-label': t('custdata.title') },
    h('div', { class: 'act-row' }, exportBtn, eraseBtn), status);

  function say(message, error = false) {
    status.textContent = message;
    status.classList.toggle('act-error', error);
    status.setAttribute('role', error ? 'alert' : 'status');
  }

  async function exportData() {
    const number = waId;
    try {
      const doc = await api(`/customers/${encodeURIComponent(number)}/export`, { feature: 'customer-export' });
      const file = `customer-${masked(number)}-${new Date().toISOString().slice(0, 10)}.json`;
      const url = URL.createObjectURL(new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' }));
      const a = h('a', { href: url, download: file, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      say(t('custdata.exported', { file }));
    } catch (e) { say(refusal(e), true); }
  }

  function confirmErase() {
    const number = waId;
    let done = null;
    const dlg = modal({ title: t('custdata.erase.title'), testid: 'erase-dialog', onClose: () => { if (done) erased(done); } });
    const typed = h('input', { type: 'text', id: 'erase-confirm', inputmode: 'tel', autocomplete: 'off', 'data-testid': 'erase-confirm' });
    const error = h('p', { class: 'act-error', role: 'alert', 'data-testid': 'erase-error' });
    const go = h('button', { type: 'submit', class: 'btn danger', 'data-testid': 'erase-go', disabled: true }, t('custdata.erase.go'));
    const digits = (v) => String(v).replace(/\D/g, '');
    typed.addEventListener('input', () => { go.disabled = digits(typed.value) !== digits(number); error.textContent = ''; });
    const form = h('form', { class: 'act-col', onsubmit: async (e) => {
      e.preventDefault();
      if (digits(typed.value) !== digits(number)) return;
      go.disabled = true;
      go.textContent = t('custdata.erase.busy');
      try {
        const r = await api(`/customers/${encodeURIComponent(number)}`, { method: 'DELETE', feature: 'customers' });
        done = r || {};
        const close = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'erase-close', onclick: () => dlg.close() }, t('custdata.close'));
        clear(dlg.body, h('p', { role: 'status', 'data-testid': 'erase-result' },
          t('custdata.erased', { tickets: done.tickets ?? 0, open: done.open_tickets ?? 0, entries: done.transcript_entries ?? 0 })), close);
        close.focus();
      } catch (err) {
        error.textContent = refusal(err);
        go.textContent = t('custdata.erase.go');
        go.disabled = false;
      }
    } },
    h('p', {}, t('custdata.erase.what', { number: `+${number}` })),
    h('label', { for: 'erase-confirm' }, t('custdata.erase.type')), typed, error,
    h('div', { class: 'act-row' }, go,
      h('button', { type: 'button', class: 'btn ghost', 'data-testid': 'erase-cancel', onclick: () => dlg.close() }, t('custdata.cancel'))));
    clear(dlg.body, form);
    typed.focus();
  }

  return {
    el,
    /// Shows the buttons the agent's role allows for customer `wa`.
    update(wa) {
      if (wa !== waId) say('');
      waId = wa;
      exportBtn.hidden = !ctx.isSupervisor();
      eraseBtn.hidden = !ctx.isAdmin();
      el.hidden = !waId || (exportBtn.hidden && eraseBtn.hidden);
    },
  };
}
