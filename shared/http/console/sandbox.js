// The local runner's customer sandbox as a side pane: write as a WhatsApp customer, see the
// bot's (and the agents') replies, and watch the handoff arrive in the inbox beside it.

import { h, clear, time } from './dom.js';
import { addKeys, t, currentLang } from './i18n.js';

addKeys({
  en: { 'sandbox.headermedia': 'The template’s {kind} header' },
  es: { 'sandbox.headermedia': 'Cabecera de {kind} de la plantilla' },
  pt: { 'sandbox.headermedia': 'Cabeçalho de {kind} do modelo' },
});

/// A template's header media as the customer receives it: an uploaded image shown, anything
/// else named.
function headerMedia(m) {
  const label = t('sandbox.headermedia', { kind: m.kind });
  const id = m.source?.id;
  if (m.kind === 'image' && id) return h('img', { class: 'wa-media', src: `/sandbox/api/media/${encodeURIComponent(id)}`, alt: label, 'data-testid': 'sandbox-header-media' });
  return h('p', { class: 'wa-media', 'data-testid': 'sandbox-header-media' }, `${label}: ${id || m.source?.link || ''}`);
}

const state = { phone: sessionStorage.getItem('turno.sandbox.phone') || '34600111222', name: sessionStorage.getItem('turno.sandbox.name') || 'Lucía', log: [], after: 0 };
let timer = null;

export function mountSandbox(pane, ctx) {
  const phone = h('input', { value: state.phone, inputmode: 'numeric', 'aria-label': t('sandbox.phone'), 'data-testid': 'sandbox-phone' });
  const name = h('input', { value: state.name, 'aria-label': t('sandbox.name'), 'data-testid': 'sandbox-name' });
  const log = h('ol', { class: 'wa-log', 'data-testid': 'sandbox-log', 'aria-live': 'polite' });
  const input = h('input', { class: 'wa-input', autocomplete: 'off', placeholder: t('sandbox.placeholder'), 'aria-label': t('sandbox.placeholder'), 'data-testid': 'sandbox-input' });
  const reset = () => { state.log = []; state.after = 0; draw(); };
  phone.addEventListener('change', () => { state.phone = phone.value.trim(); sessionStorage.setItem('turno.sandbox.phone', state.phone); reset(); });
  name.addEventListener('change', () => { state.name = name.value; sessionStorage.setItem('turno.sandbox.name', state.name); });

  clear(pane, h('div', { class: 'wa' },
    h('div', { class: 'wa-head' },
      h('div', { class: 'wa-title' }, h('strong', {}, t('sandbox.title')), h('small', {}, t('sandbox.hint'))),
      h('div', { class: 'wa-who' }, h('label', {}, t('sandbox.phone'), phone), h('label', {}, t('sandbox.name'), name))),
    log,
    h('form', { class: 'wa-form', onsubmit: (e) => { e.preventDefault(); send(input.value); input.value = ''; } },
      input, h('button', { class: 'btn primary', 'data-testid': 'sandbox-send', 'aria-label': t('sandbox.send') }, '➤'))));

  function bubble(m) {
    return h('li', { class: `wa-msg ${m.mine ? 'mine' : 'theirs'} ${m.error ? 'error' : ''}` },
      m.media && headerMedia(m.media),
      h('p', {}, m.text),
      m.options?.length && h('div', { class: 'wa-options' }, m.options.map((o) => h('button', { type: 'button', onclick: () => send(o.title) }, o.title))),
      h('time', {}, time(m.at, currentLang())));
  }

  function draw() {
    clear(log, state.log.map(bubble));
    log.scrollTop = log.scrollHeight;
  }

  async function send(text) {
    text = String(text || '').trim();
    if (!text) return;
    state.log.push({ mine: true, text, at: new Date().toISOString() });
    draw();
    const r = await fetch('/sandbox/api/messages', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customer: state.phone, name: state.name || undefined, text }),
    });
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      state.log.push({ error: true, text: `⚠ ${body.error?.message || r.status}`, at: new Date().toISOString() });
      draw();
    }
  }

  async function poll() {
    try {
      const r = await fetch(`/sandbox/api/messages?customer=${encodeURIComponent(state.phone)}&after=${state.after}`, { cache: 'no-store' });
      if (r.ok) {
        const { messages } = await r.json();
        for (const m of messages) {
          state.after = Math.max(state.after, m.seq);
          const msg = m.message || {};
          const template = msg.type === 'template' ? [msg.name, ...(msg.body_params || [])].join(' · ') : '';
          state.log.push({ mine: false, text: msg.body ?? msg.text ?? template, media: msg.header_media, options: msg.buttons || msg.rows, at: m.at ? new Date(typeof m.at === 'number' ? m.at * (m.at < 1e12 ? 1000 : 1) : m.at).toISOString() : new Date().toISOString() });
        }
        if (messages.length) draw();
      }
    } catch { /* the next poll retries */ }
    timer = setTimeout(poll, 800);
  }

  clearTimeout(timer);
  draw();
  poll();
  void ctx;
}
