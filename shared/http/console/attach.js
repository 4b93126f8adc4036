// Files agents send: chosen with the picker, dropped on the composer or pasted into it,
// checked against WhatsApp's types and limits before anything is uploaded, then sent through
// the attachments route (uploaded to WhatsApp and sent by its media id).

import { h, clear } from './dom.js';
import { t } from './i18n.js';

const MB = 1024 * 1024;
const DOC = 100 * MB;
/// The Cloud API's types, the kind each goes as, and its limit (as the server checks).
const TYPES = {
  'image/jpeg': ['image', 5 * MB], 'image/png': ['image', 5 * MB], 'image/webp': ['sticker', 500 * 1024],
  'audio/aac': ['audio', 16 * MB], 'audio/amr': ['audio', 16 * MB], 'audio/mpeg': ['audio', 16 * MB], 'audio/mp4': ['audio', 16 * MB], 'audio/ogg': ['audio', 16 * MB],
  'video/mp4': ['video', 16 * MB], 'video/3gpp': ['video', 16 * MB],
  'text/plain': ['document', DOC], 'application/pdf': ['document', DOC], 'application/msword': ['document', DOC],
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ['document', DOC],
  'application/vnd.ms-excel': ['document', DOC], 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ['document', DOC],
  'application/vnd.ms-powerpoint': ['document', DOC], 'application/vnd.openxmlformats-officedocument.presentationml.presentation': ['document', DOC],
};
/// Kinds WhatsApp shows a caption under.
const CAPTIONED = new Set(['image', 'video', 'document']);

/// The types WhatsApp takes as `kind` (image, video, document, ...) and the limit they share.
export function typesOf(kind) {
  const types = Object.keys(TYPES).filter((x) => TYPES[x][0] === kind);
  return { types, limit: types.length ? TYPES[types[0]][1] : 0 };
}

export function size(n) {
  return n >= MB ? `${(n / MB).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;
}

/// `{kind}` for a file WhatsApp takes, or `{error}` saying why not.
export function checkFile(file) {
  const type = String(file.type || '').split(';')[0].trim().toLowerCase();
  const known = TYPES[type];
  if (!known) return { error: t('attach.unsupported', { type: type || '?' }) };
  const [kind, limit] = known;
  if (!file.size) return { error: t('attach.empty') };
  if (file.size > limit) return { error: t('attach.toolarge', { size: size(file.size), kind: t(`attach.kind.${kind}`), limit: size(limit) }) };
  return { kind };
}

/// Lets `zone` take a file dropped on it: shown as `dragging` while a file is over it, and
/// the first dropped file handed to `take`. `contained`: the drop goes no further (a zone
/// inside another that takes files too).
export function onFileDrop(zone, take, contained = false) {
  zone.addEventListener('dragover', (e) => { if (e.dataTransfer?.types?.includes('Files')) { e.preventDefault(); zone.classList.add('dragging'); } });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (e) => {
    zone.classList.remove('dragging');
    const f = e.dataTransfer?.files?.[0];
    if (!f) return;
    e.preventDefault();
    if (contained) e.stopPropagation();
    take(f);
  });
}

/// The attach button, its hidden file input and the chip of the file waiting to go.
/// `zone` takes drops and pastes. `pending()` is the file to send with the next submit.
export function attachControls(zone, ctx) {
  let file = null;
  const chip = h('div', { class: 'attach-chip', hidden: true, 'data-testid': 'attach-chip', role: 'status' });
  const input = h('input', {
    type: 'file', id: 'attach-file', class: 'visually-hidden', 'data-testid': 'attach-input', tabindex: '-1', 'aria-hidden': 'true',
    accept: Object.keys(TYPES).join(','),
    onchange: () => { if (input.files?.[0]) take(input.files[0]); input.value = ''; },
  });
  const button = h('button', { class: 'btn ghost', type: 'button', 'data-testid': 'attach', 'aria-label': t('attach.choose'), title: t('attach.choose'), onclick: () => input.click() }, '📎 ', t('attach.button'));

  function take(f) {
    const ok = checkFile(f);
    if (ok.error) { ctx.toast(ok.error, true); return; }
    file = f;
    clear(chip,
      h('span', { class: 'attach-name' }, `📎 ${f.name || t(`attach.kind.${ok.kind}`)} · ${t(`attach.kind.${ok.kind}`)} · ${size(f.size)}`),
      h('small', { class: 'attach-hint' }, CAPTIONED.has(ok.kind) ? t('attach.caption') : t('attach.nocaption')),
      h('button', { class: 'btn ghost small', type: 'button', 'data-testid': 'attach-remove', 'aria-label': t('attach.remove'), onclick: () => drop() }, '✕'));
    chip.hidden = false;
    chip.dataset.kind = ok.kind;
  }

  function drop() { file = null; chip.hidden = true; clear(chip); }

  onFileDrop(zone, take);
  zone.addEventListener('paste', (e) => {
    const f = [...(e.clipboardData?.files || [])][0];
    if (!f) return;
    e.preventDefault();
    take(f);
  });

  return {
    button, input, chip, take,
    pending() { return file; },
    clear: drop,
  };
}

/// Posts `file` as the body of `path` (with `query`); resolves to the answer or throws an
/// Error whose message says what went wrong (type, size, window, WhatsApp's refusal).
async function postFile(path, file, query) {
  const q = new URLSearchParams(query);
  if (file.name) q.set('filename', file.name);
  const r = await fetch(`/api/v1${path}?${q}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sessionStorage.getItem('turno.token')}`, 'content-type': file.type, accept: 'application/json' },
    body: file,
  });
  let data = null;
  try { data = await r.json(); } catch { data = null; }
  if (r.ok) return data;
  const code = data?.error?.code || `http_${r.status}`;
  const known = { whatsapp_throttled: 'attach.throttled', whatsapp_unavailable: 'attach.unavailable', window_closed: 'attach.window' }[code];
  const err = new Error(known ? t(known) : (data?.error?.message || r.statusText));
  err.status = r.status;
  err.code = code;
  throw err;
}

/// Sends `file` on ticket `id` with `caption`; resolves to the transcript entry.
export function upload(id, file, caption) {
  return postFile(`/tickets/${encodeURIComponent(id)}/attachments`, file, caption ? { caption } : {});
}

/// Uploads `file` to WhatsApp for a later message on ticket `id` (a template's header),
/// sending nothing; resolves to `{media_id, kind, mime_type, size}`.
export function uploadMedia(id, file) {
  return postFile(`/tickets/${encodeURIComponent(id)}/media`, file, {});
}
