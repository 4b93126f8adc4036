// A modal dialog for what needs a person's confirmation: the rest of the console inert while
// it is open, Tab kept inside it, Escape closing it, and the focus back where it was after.

import { h } from './dom.js';

let count = 0;
const FOCUSABLE = 'button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])';

/// Opens a dialog titled `title`; the caller fills `body`. `onClose` runs once it is closed,
/// however (its buttons, Escape).
export function modal({ title, testid, onClose }) {
  count += 1;
  const heading = h('h2', { id: `dialog-title-${count}`, class: 'dialog-title' }, title);
  const body = h('div', { class: 'dialog-body' });
  const el = h('dialog', { class: 'dialog', 'aria-labelledby': heading.id, 'data-testid': testid }, heading, body);
  const back = document.activeElement;
  el.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const all = [...el.querySelectorAll(FOCUSABLE)].filter((x) => !x.disabled && x.getClientRects().length > 0);
    if (!all.length) { e.preventDefault(); return; }
    const first = all[0];
    const last = all[all.length - 1];
    if (e.shiftKey && (document.activeElement === first || !el.contains(document.activeElement))) { e.preventDefault(); last.focus(); } else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  });
  el.addEventListener('close', () => {
    el.remove();
    if (back instanceof HTMLElement && back.isConnected) back.focus();
    onClose?.();
  });
  document.body.append(el);
  el.showModal();
  return { el, body, close: () => { if (el.open) el.close(); } };
}

/// Asks `text` with a confirm and a cancel button; resolves true when confirmed, false when
/// cancelled (its button or Escape).
export function confirmAction({ title, text, confirmLabel, cancelLabel, testid }) {
  return new Promise((resolve) => {
    let yes = false;
    const dlg = modal({ title, testid, onClose: () => resolve(yes) });
    const cancel = h('button', { type: 'button', class: 'btn ghost', 'data-testid': `${testid}-cancel`, onclick: () => dlg.close() }, cancelLabel);
    dlg.body.append(h('p', {}, text), h('div', { class: 'act-row' },
      h('button', { type: 'button', class: 'btn danger', 'data-testid': `${testid}-go`, onclick: () => { yes = true; dlg.close(); } }, confirmLabel), cancel));
    cancel.focus();
  });
}
