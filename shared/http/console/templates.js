// The template picker: each approved template as the customer will read it (header, body
// with its numbered placeholders, buttons) in the customer's language, a field for every
// placeholder pre-filled from the customer and the ticket where the configuration maps one,
// and the same checks the server makes before anything is sent.

import { api } from './api.js';
import { h, clear } from './dom.js';
import { addKeys, t } from './i18n.js';
import { checkFile, typesOf, size, uploadMedia, onFileDrop } from './attach.js';

addKeys({
  en: {
    'templates.headermedia': '{kind}: a public https link or an uploaded media id',
    'templates.headermedia.missing': '{kind}: give a public https link or an uploaded media id.',
    'templates.upload': 'Upload a file',
    'templates.upload.hint': 'or drop it here: {kind} files up to {limit}',
    'templates.upload.kind': 'This header takes {kind} files; this one is {type}.',
    'templates.upload.busy': 'Uploading {name}…',
    'templates.upload.done': 'Uploaded {name}: its media id is filled in.',
  },
  es: {
    'templates.headermedia': '{kind}: un enlace https público o el id de un archivo subido',
    'templates.headermedia.missing': '{kind}: indica un enlace https público o el id de un archivo subido.',
    'templates.upload': 'Subir un archivo',
    'templates.upload.hint': 'o suéltalo aquí: archivos de {kind} de hasta {limit}',
    'templates.upload.kind': 'Esta cabecera lleva archivos de {kind}; este es {type}.',
    'templates.upload.busy': 'Subiendo {name}…',
    'templates.upload.done': 'Subido {name}: su id ya está puesto.',
  },
  pt: {
    'templates.headermedia': '{kind}: um link https público ou o id de um arquivo enviado',
    'templates.headermedia.missing': '{kind}: informe um link https público ou o id de um arquivo enviado.',
    'templates.upload': 'Enviar um arquivo',
    'templates.upload.hint': 'ou solte-o aqui: arquivos de {kind} de até {limit}',
    'templates.upload.kind': 'Este cabeçalho leva arquivos de {kind}; este é {type}.',
    'templates.upload.busy': 'Enviando {name}…',
    'templates.upload.done': 'Enviado {name}: o id já está preenchido.',
  },
});

/// WhatsApp's longest body parameter.
const PARAM_MAX = 1024;
/// Header formats whose media each send must give.
const MEDIA_HEADERS = new Set(['image', 'video', 'document']);

/// `{link}` or `{id}` for what the agent gave as a header's media, or null when it is neither.
export function headerMedia(value) {
  const v = String(value || '').trim();
  if (/^https:\/\/\S+$/.test(v) && v.length <= 2048) return { link: v };
  if (/^[A-Za-z0-9]{1,64}$/.test(v)) return { id: v };
  return null;
}

/// The upload of a header's media: a file picker and a drop zone taking only the header's
/// kind within WhatsApp's limit for it (checked before anything is uploaded), uploaded
/// without sending; the media id it gets fills `target`. `fail` shows a refusal.
function headerUpload(format, target, ticketId, fail) {
  const { types, limit } = typesOf(format);
  const kind = t(`attach.kind.${format}`);
  const state = h('small', { class: 'muted', role: 'status', 'data-testid': 'template-header-state' }, t('templates.upload.hint', { kind, limit: size(limit) }));
  const input = h('input', {
    type: 'file', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true', accept: types.join(','), 'data-testid': 'template-header-file',
    onchange: () => { if (input.files?.[0]) take(input.files[0]); input.value = ''; },
  });
  const button = h('button', { type: 'button', class: 'btn ghost small', 'data-testid': 'template-header-upload', onclick: () => input.click() }, '📎 ', t('templates.upload'));
  const zone = h('div', { class: 'tpl-upload' }, button, input, state);

  async function take(file) {
    const ok = checkFile(file);
    const type = String(file.type || '').split(';')[0] || '?';
    if (ok.error) { fail(ok.error); return; }
    if (ok.kind !== format) { fail(t('templates.upload.kind', { kind, type })); return; }
    const name = file.name || kind;
    state.textContent = t('templates.upload.busy', { name });
    button.disabled = true;
    try {
      const r = await uploadMedia(ticketId(), file);
      target.value = r.media_id;
      target.dispatchEvent(new Event('input'));
      state.textContent = t('templates.upload.done', { name });
    } catch (e) {
      state.textContent = t('templates.upload.hint', { kind, limit: size(limit) });
      fail(e.message);
    } finally { button.disabled = false; }
  }

  onFileDrop(zone, take, true);
  return zone;
}

/// The text of a per-language map in `lang`, or its first language.
function pick(texts, lang) {
  if (!texts || typeof texts !== 'object') return '';
  return texts[lang] ?? Object.values(texts)[0] ?? '';
}

/// The value a placeholder starts with: a mapped field, else the configured value.
function prefill(tp, n, ticket, customerName) {
  const field = tp.fields?.[String(n)];
  if (field === 'customer_name') return customerName || '';
  if (field === 'ticket_id') return ticket.id || '';
  const configured = tp.body_params?.[n - 1];
  if (!configured) return '';
  return String(configured).split('{customer_name}').join(customerName || '').split('{ticket_id}').join(ticket.id || '');
}

/// Why the values cannot be sent, or null: every placeholder filled, short enough, one line.
export function checkParams(values) {
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i].trim();
    const n = i + 1;
    if (!v) return t('templates.missing', { n });
    if (v.length > PARAM_MAX) return t('templates.toolong', { n, max: PARAM_MAX });
    if (/[\n\t]| {5}/.test(v)) return t('templates.oneline', { n });
  }
  return null;
}

/// Draws the picker into `box` once; `state()` gives what the conversation needs now.
export function templatePicker(box, getData) {
  let list = null;
  let chosen = 0;
  let inputs = [];
  let media = null;
  const error = h('p', { class: 'form-error template-error', role: 'alert', 'data-testid': 'template-error' });
  const preview = h('div', { class: 'template-preview', 'data-testid': 'template-preview', 'aria-live': 'polite' });
  const fields = h('div', { class: 'template-params' });

  function lang() { return getData()?.ticket.language || 'es'; }
  function current() { return list?.[chosen]; }

  function drawPreview() {
    const tp = current();
    if (!tp) return;
    const l = lang();
    const body = pick(tp.body, l);
    const parts = [];
    if (tp.header?.format === 'text') parts.push(h('strong', { class: 'tpl-header' }, pick(tp.header.text, l)));
    else if (tp.header?.format) parts.push(h('span', { class: 'badge tpl-media' }, t(`templates.header.${tp.header.format}`)));
    if (body) {
      const text = h('p', { class: 'tpl-body', 'data-testid': 'template-body' });
      // Placeholders shown as what the agent typed, or as {{n}} while empty.
      for (const piece of body.split(/(\{\{\s*\d+\s*\}\})/)) {
        const m = piece.match(/^\{\{\s*(\d+)\s*\}\}$/);
        if (!m) { text.append(piece); continue; }
        const v = inputs[Number(m[1]) - 1]?.value.trim();
        text.append(h('mark', { class: v ? 'tpl-param' : 'tpl-param empty' }, v || `{{${m[1]}}}`));
      }
      parts.push(text);
    } else {
      parts.push(h('p', { class: 'muted' }, t('templates.nobody')));
    }
    if (tp.buttons?.length) parts.push(h('div', { class: 'choices' }, tp.buttons.map((b) => h('span', { class: 'choice' }, pick(b, l)))));
    clear(preview, parts);
  }

  function drawFields() {
    const tp = current();
    const data = getData();
    if (!tp || !data) return;
    const name = data.ticket.customer_name || data.customer?.name || '';
    const count = tp.param_count ?? (tp.body_params || []).length;
    inputs = [];
    const rows = [];
    media = null;
    if (MEDIA_HEADERS.has(tp.header?.format)) {
      // The header's image, video or document: a public https link or an uploaded media id.
      media = h('input', {
        type: 'text', id: 'tpl-header-media', 'data-testid': 'template-header-media', maxlength: 2048,
        placeholder: 'https://…', oninput: () => { error.textContent = ''; },
      });
      rows.push(h('div', { class: 'tpl-field' },
        h('label', { for: 'tpl-header-media' }, t('templates.headermedia', { kind: t(`templates.header.${tp.header.format}`) })),
        media,
        headerUpload(tp.header.format, media, () => getData()?.ticket.id, (m) => { error.textContent = m; })));
    }
    for (let n = 1; n <= count; n += 1) {
      const input = h('input', {
        type: 'text', id: `tpl-param-${n}`, maxlength: PARAM_MAX, 'data-testid': `template-param-${n}`,
        value: prefill(tp, n, data.ticket, name), oninput: () => { error.textContent = ''; drawPreview(); },
      });
      inputs.push(input);
      const field = tp.fields?.[String(n)];
      rows.push(h('div', { class: 'tpl-field' },
        h('label', { for: `tpl-param-${n}` }, `{{${n}}}`, field && h('small', { class: 'muted' }, ` ${t(`templates.field.${field}`)}`)),
        input));
    }
    clear(fields, rows);
    error.textContent = '';
    drawPreview();
  }

  async function load() {
    let got = [];
    try { const r = await api('/templates', { feature: 'templates' }); got = Array.isArray(r) ? r : (r?.templates || r?.items || []); } catch { got = []; }
    list = got;
    if (!list.length) { clear(box, h('p', { class: 'muted' }, t('conv.template.none'))); return; }
    const sel = h('select', { id: 'tpl-choice', 'data-testid': 'template', onchange: () => { chosen = Number(sel.value); drawFields(); } },
      list.map((tp, i) => h('option', { value: String(i) }, [tp.name, tp.category && t(`templates.category.${tp.category}`), tp.quality].filter(Boolean).join(' · '))));
    clear(box, h('div', { class: 'tpl-choose' }, h('label', { for: 'tpl-choice' }, t('conv.template')), sel), preview, fields, error);
    drawFields();
  }

  load();
  return {
    /// Re-reads the customer's language and fields (after a refresh) without losing typing.
    refresh() { if (list?.length && !inputs.length) drawFields(); else drawPreview(); },
    /// `{template}` to send, or `{error}` to show (and the field to focus).
    collect() {
      const tp = current();
      if (!tp) return { error: t('conv.template.none') };
      const values = inputs.map((i) => i.value);
      const problem = checkParams(values);
      if (problem) {
        error.textContent = problem;
        const firstBad = inputs.find((i) => checkParams([i.value]));
        firstBad?.focus();
        return { error: problem };
      }
      let header;
      if (media) {
        header = headerMedia(media.value);
        if (!header) {
          const problem2 = t('templates.headermedia.missing', { kind: t(`templates.header.${tp.header.format}`) });
          error.textContent = problem2;
          media.focus();
          return { error: problem2 };
        }
      }
      const l = lang();
      const template = { name: tp.name, language: tp.languages?.[l] || tp.language, params: values.map((v) => v.trim()) };
      if (header) template.header_media = header;
      return { template };
    },
    reset() { drawFields(); },
  };
}
