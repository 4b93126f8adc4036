// One conversation: transcript (text, media, locations, interactive replies, delivery ticks),
// why it came to a person, the customer, the reply box with quick replies and the 24 h
// window, notes, and assign / transfer / status actions; the handoff summary on top and the
// agent's actions (actions.js) beside it.

import { api, lacks } from './api.js';
import { h, clear, initials, time } from './dom.js';
import { t, currentLang } from './i18n.js';
import { slaOf } from './sla.js';
import { countdown } from './inbox.js';
import { actionsPanel, customerEditor } from './actions.js';
import { loadHandoff, drawHandoff } from './handoff.js';
import { reasonText } from './i18n-actions.js';
import { templatePicker } from './templates.js';
import { attachControls, upload } from './attach.js';
import { customerData } from './customer-data.js';

const TICKS = { sent: '✓', delivered: '✓✓', read: '✓✓', failed: '!' };
// Customer media shown inline: raster images only, which a browser decodes without running
// anything. A blob URL belongs to the console's origin, so HTML or SVG opened from one would
// run with the agent's session; everything else is only ever saved as a file.
const INLINE_IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/// A file name for a download, from the customer's name for it when it is plain.
function downloadName(c) {
  const plain = String(c.filename || '').replace(/[^\w.\- ]+/g, '_').replace(/^[.\s]+/, '').slice(0, 100);
  return plain || `media-${String(c.media_id || '').replace(/\W+/g, '')}`;
}

function normalize(v) {
  const ticket = v.ticket ?? v;
  const notes = (v.notes || []).map((n) => ({ ...n, note: true }));
  const transcript = [...(v.transcript || []), ...notes]
    .sort((a, b) => Date.parse(a.at || a.created_at) - Date.parse(b.at || b.created_at));
  const closes = v.window?.closes_at ?? v.window_closes_at ?? null;
  const open = v.window?.open ?? (closes ? Date.parse(closes) > Date.now() : false);
  return {
    ticket,
    transcript,
    audit: v.audit ?? ticket.audit ?? [],
    customer: v.customer_profile ?? (v.customer && typeof v.customer === 'object' ? v.customer : null),
    window: { open, closes_at: closes },
    reasons: v.escalation_reasons ?? v.escalation?.reasons ?? ticket.reasons ?? [],
  };
}

function isNote(e) {
  return e.note === true || e.kind === 'note' || e.author?.kind === 'note' || e.body?.direction === 'note' || e.private === true;
}

export function mountConversation(pane, ctx, id, onChange) {
  const me = ctx.me;
  let data = null;
  let mode = 'reply';
  let destroyed = false;
  // A template can go at any time; once the 24-hour window is closed it is the only way.
  let templateChosen = false;
  let picker = null;
  // The transfer form survives the redraws live updates cause while an agent fills it in.
  const transferState = { open: false, target: '', note: '', focused: false };

  const header = h('header', { class: 'conv-head' });
  const reason = h('div', { class: 'reason', 'data-testid': 'reason', hidden: true });
  const handoffBox = h('section', { class: 'handoff', 'data-testid': 'handoff', 'aria-label': t('handoff.title'), hidden: true });
  const transcript = h('ol', { class: 'transcript', 'data-testid': 'transcript', 'aria-live': 'polite' });
  const side = h('div', { class: 'side-cards' });
  const changed = async () => { await refresh(); onChange(); };
  const actions = actionsPanel(ctx, id, changed, () => { destroyed = true; onChange(); ctx.go('#/inbox'); });
  const editor = customerEditor(ctx, async (c) => { customer = c; await changed(); });
  // Once the customer is erased its tickets are gone: back to the list.
  const custData = customerData(ctx, () => { destroyed = true; onChange(); ctx.go('#/inbox'); });
  const aside = h('aside', { class: 'conv-side' }, actions.el,
    h('section', { class: 'card customer-edit' }, editor.toggle, editor.form), side);
  const windowInfo = h('div', { class: 'window-info', 'data-testid': 'window' });
  const text = h('textarea', { class: 'composer-text', rows: 3, 'data-testid': 'composer', 'aria-label': t('conv.reply') });
  const sendBtn = h('button', { class: 'btn primary', type: 'submit', 'data-testid': 'send' }, t('conv.send'));
  const quickBtn = h('button', { class: 'btn ghost', type: 'button', 'data-testid': 'quick-replies', 'aria-haspopup': 'listbox', onclick: () => toggleQuick() }, t('conv.quick'));
  const quickMenu = h('ul', { class: 'quick-menu', role: 'listbox', hidden: true, 'data-testid': 'quick-menu' });
  const templateBox = h('div', { class: 'template-box', hidden: true, 'data-testid': 'template-box' });
  const templateBtn = h('button', { class: 'btn ghost', type: 'button', 'data-testid': 'template-open', 'aria-pressed': 'false', onclick: () => { templateChosen = !templateChosen; drawComposer(); } }, t('templates.use'));
  const tabs = h('div', { class: 'composer-tabs', role: 'tablist' });
  const composer = h('form', { class: 'composer', onsubmit: (e) => { e.preventDefault(); submit(); } },
    tabs, windowInfo, h('div', { class: 'composer-row' }, text), templateBox,
    h('div', { class: 'composer-actions' }, quickBtn, quickMenu, templateBtn, h('span', { class: 'spacer' }), sendBtn));
  const attach = attachControls(composer, ctx);
  composer.querySelector('.composer-actions').prepend(attach.button);
  composer.append(attach.input);
  composer.querySelector('.composer-row').after(attach.chip);
  text.addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); submit(); } });
  const main = h('div', { class: 'conv-main' }, header, handoffBox, reason, transcript, composer);
  clear(pane, h('div', { class: 'conversation', 'data-testid': 'conversation' }, main, aside));

  function drawTabs() {
    const can = (m) => m === 'reply' || !lacks('notes');
    clear(tabs, ['reply', 'note'].filter(can).map((m) => h('button', {
      type: 'button', role: 'tab', class: `tab ${mode === m ? 'current' : ''}`, 'aria-selected': String(mode === m), 'data-tab': m,
      onclick: () => { mode = m; drawTabs(); drawComposer(); },
    }, t(m === 'reply' ? 'conv.reply' : 'conv.note'))));
  }

  function drawComposer() {
    const note = mode === 'note';
    composer.classList.toggle('note-mode', note);
    text.placeholder = t(note ? 'conv.note.placeholder' : 'conv.reply.placeholder');
    sendBtn.textContent = t(note ? 'conv.addnote' : 'conv.send');
    quickBtn.hidden = note || lacks('quick-replies');
    const closed = data && !data.window.open;
    windowInfo.hidden = note;
    if (data?.window.closes_at) {
      windowInfo.dataset.window = data.window.closes_at;
    } else {
      delete windowInfo.dataset.window;
      windowInfo.textContent = t('conv.window.unknown');
    }
    windowInfo.classList.toggle('closed', !!closed);
    const templates = !note && (closed || templateChosen);
    text.hidden = templates;
    templateBox.hidden = !templates;
    templateBtn.hidden = note || closed || lacks('templates');
    attach.button.hidden = note || templates;
    if (note || templates) attach.clear();
    templateBtn.setAttribute('aria-pressed', String(templates));
    templateBtn.textContent = t(templateChosen ? 'templates.back' : 'templates.use');
    if (!note && closed) sendBtn.textContent = t('conv.template.send');
    if (templates) {
      if (!picker) picker = templatePicker(templateBox, () => data);
      else picker.refresh();
      if (templateChosen && !closed) sendBtn.textContent = t('conv.template.send');
    }
    ctx.tick();
  }

  async function toggleQuick(force) {
    const show = force ?? quickMenu.hidden;
    quickMenu.hidden = !show;
    if (!show) return;
    let list = [];
    try { const r = await api('/quick-replies', { feature: 'quick-replies' }); list = r.items || r.quick_replies || r || []; } catch (e) {
      if (e.noRoute) { quickBtn.hidden = true; quickMenu.hidden = true; return; }
    }
    const lang = data?.ticket.language;
    list.sort((a, b) => Number(b.language === lang) - Number(a.language === lang));
    clear(quickMenu, list.length ? list.map((q) => h('li', {},
      h('button', { type: 'button', role: 'option', 'data-shortcut': q.shortcut, onclick: () => { text.value = fillQuick(q.text); toggleQuick(false); text.focus(); } },
        h('strong', {}, `/${String(q.shortcut).replace(/^\//, '')}`), h('span', {}, q.text)))) : h('li', { class: 'muted' }, t('conv.quick.none')));
  }

  /// The placeholders a quick reply may hold, filled in so the agent sees what will be sent.
  function fillQuick(body) {
    const tk = data?.ticket || {};
    const customerName = tk.customer_name || data?.customer?.name || '';
    return String(body)
      .split('{{customer_name}}').join(customerName)
      .split('{{agent_name}}').join(me.name);
  }

  async function submit() {
    const body = text.value.trim();
    try {
      if (mode === 'note') {
        if (!body) return;
        await api(`/tickets/${encodeURIComponent(id)}/notes`, { method: 'POST', body: { text: body }, feature: 'notes' });
      } else if (data && !templateBox.hidden) {
        const chosen = picker?.collect();
        if (!chosen) return;
        if (chosen.error) { ctx.toast(chosen.error, true); return; }
        await api(`/tickets/${encodeURIComponent(id)}/messages`, { method: 'POST', body: { template: chosen.template } });
        templateChosen = false;
        picker.reset();
      } else if (attach.pending()) {
        await upload(id, attach.pending(), body);
        attach.clear();
      } else {
        if (!body) return;
        await api(`/tickets/${encodeURIComponent(id)}/messages`, { method: 'POST', body: { text: body } });
      }
      text.value = '';
      ctx.toast(t('conv.done'));
      await refresh();
      onChange();
    } catch (e) { ctx.toast(t('conv.error', { message: e.message }), true); }
  }

  async function act(path, body, leaves = false) {
    try {
      await api(`/tickets/${encodeURIComponent(id)}${path}`, { method: 'POST', body });
      ctx.toast(t('conv.done'));
      if (leaves) { destroyed = true; onChange(); ctx.go('#/inbox'); return; }
      await refresh();
      onChange();
    } catch (e) { ctx.toast(t('conv.error', { message: e.message }), true); }
  }

  function drawHeader() {
    const tk = data.ticket;
    const name = tk.customer_name || data.customer?.name || `+${tk.customer}`;
    const resolved = tk.status === 'resolved' || tk.status === 'closed';
    const transferSel = h('select', { 'aria-label': t('conv.transfer.to'), 'data-testid': 'transfer-target' },
      h('option', { value: '' }, t('conv.transfer.to')),
      // Agents hand over to a team's queue; supervisors may also pick the agent.
      ctx.isSupervisor() && ctx.agents.filter((a) => a.id !== tk.assignee).map((a) => h('option', { value: `agent:${a.id}` }, t('conv.transfer.agent', { name: a.name }))),
      ctx.teams.map((x) => h('option', { value: `team:${x.id}` }, t('conv.transfer.team', { name: x.name }))));
    const transferNote = h('input', { type: 'text', placeholder: t('conv.transfer.note'), 'aria-label': t('conv.transfer.note'), 'data-testid': 'transfer-note' });
    transferSel.value = transferState.target;
    transferSel.addEventListener('change', () => { transferState.target = transferSel.value; });
    transferNote.value = transferState.note;
    transferNote.addEventListener('input', () => { transferState.note = transferNote.value; });
    transferNote.addEventListener('focus', () => { transferState.focused = true; });
    transferNote.addEventListener('blur', () => { transferState.focused = false; });
    const transfer = h('details', { class: 'transfer' },
      h('summary', { class: 'btn ghost small', 'data-testid': 'transfer' }, t('conv.transfer')),
      h('div', { class: 'transfer-form' }, transferSel, transferNote,
        h('button', { class: 'btn primary small', type: 'button', 'data-testid': 'transfer-go', onclick: () => {
          const [kind, target] = transferSel.value.split(':');
          if (!target) return;
          const note = transferNote.value.trim() || undefined;
          // Handing over to a team I am not in takes the ticket out of my sight: back to the list.
          const leaves = !ctx.isSupervisor() && kind === 'team' && !(me.teams || []).includes(target);
          Object.assign(transferState, { open: false, target: '', note: '', focused: false });
          act('/transfer', kind === 'agent' ? { agent_id: target, note } : { team_id: target, note }, leaves);
        } }, t('conv.transfer'))));
    transfer.open = transferState.open;
    transfer.addEventListener('toggle', () => { transferState.open = transfer.open; });
    const refocus = transferState.focused;
    clear(header,
      h('button', { class: 'btn ghost small back', type: 'button', onclick: () => ctx.go('#/inbox') }, '← ', t('conv.back')),
      h('span', { class: `avatar ${tk.tags?.includes('vip') ? 'vip' : ''}` }, initials(name)),
      h('div', { class: 'conv-title' },
        h('h2', { class: 'customer-name', 'data-testid': 'conv-name' }, name),
        h('div', { class: 'conv-sub' },
          h('span', {}, `+${tk.customer}`),
          h('span', { class: `pill status-${tk.status}`, 'data-testid': 'conv-status' }, t(`status.${tk.status}`)),
          tk.priority && tk.priority !== 'normal' && h('span', { class: `badge priority-${tk.priority}` }, t(`priority.${tk.priority}`)),
          tk.status === 'snoozed' && tk.snoozed_until && h('span', { class: 'badge snoozed', 'data-testid': 'conv-snoozed' }, t('actions.snoozed', { time: time(tk.snoozed_until, currentLang()) })),
          tk.csat?.score && h('span', { class: 'badge csat', 'data-testid': 'conv-csat' }, `${t('conv.csat')} ${tk.csat.score}/5`),
          tk.csat?.comment && h('span', { class: 'csat-comment', 'data-testid': 'conv-csat-comment' }, `“${tk.csat.comment}”`),
          !resolved && countdown(slaOf(tk), { 'data-testid': 'conv-sla' }))),
      h('div', { class: 'conv-actions' },
        !resolved && tk.assignee !== me.id && h('button', { class: 'btn small', type: 'button', 'data-testid': 'assign-me', onclick: () => act('/assign', { agent_id: me.id }) }, t('conv.assign.me')),
        !resolved && transfer,
        !resolved && tk.status !== 'pending' && h('button', { class: 'btn ghost small', type: 'button', 'data-testid': 'pending', onclick: () => act('/status', { status: 'pending' }) }, t('conv.status.pending')),
        !resolved && h('button', { class: 'btn success small', type: 'button', 'data-testid': 'resolve', onclick: () => act('/status', { status: 'resolved' }) }, t('conv.status.resolve')),
        tk.status === 'resolved' && h('button', { class: 'btn small', type: 'button', 'data-testid': 'reopen', onclick: () => act('/status', { status: 'queued' }) }, t('conv.status.reopen')),
        tk.status === 'resolved' && h('button', { class: 'btn ghost small', type: 'button', 'data-testid': 'close', onclick: () => act('/status', { status: 'closed' }) }, t('conv.status.close'))));
    if (refocus && transfer.open) transferNote.focus();
  }

  function drawReason() {
    // The handoff summary says the same first, when there is one.
    reason.hidden = !data.reasons.length || !handoffBox.hidden;
    clear(reason, h('strong', {}, t('conv.reason')), ' ',
      data.reasons.map((r) => {
        const code = typeof r === 'string' ? r : (r.code || JSON.stringify(r));
        return h('span', { class: 'reason-code', 'data-reason': code, title: code }, reasonText(code));
      }));
  }

  function content(c) {
    switch (c?.type) {
      case 'text': return h('p', { class: 'text' }, c.body);
      case 'button_reply': return h('p', { class: 'text interactive' }, h('span', { class: 'tap' }, '↩ '), c.title);
      case 'list_reply': return h('p', { class: 'text interactive' }, h('span', { class: 'tap' }, '☰ '), c.title, c.description && h('small', {}, ` — ${c.description}`));
      case 'template_button': return h('p', { class: 'text interactive' }, h('span', { class: 'tap' }, '↩ '), c.text);
      case 'media': return media(c);
      case 'location': {
        const url = `https://www.openstreetmap.org/?mlat=${encodeURIComponent(c.latitude)}&mlon=${encodeURIComponent(c.longitude)}#map=16/${encodeURIComponent(c.latitude)}/${encodeURIComponent(c.longitude)}`;
        return h('div', { class: 'location' }, h('span', { class: 'loc-pin', 'aria-hidden': 'true' }),
          h('div', {}, h('strong', {}, c.name || t('conv.location')), c.address && h('div', {}, c.address),
            h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, `${Number(c.latitude).toFixed(5)}, ${Number(c.longitude).toFixed(5)}`)));
      }
      case 'contacts': return h('p', { class: 'text' }, `${t('conv.contacts')}: `, (c.names || []).join(', '));
      case 'reaction': return h('p', { class: 'text reaction' }, c.emoji || '∅');
      case 'edit': return h('p', { class: 'text muted' }, `${t('conv.edited')}: `, content(c.content));
      case 'revoke': return h('p', { class: 'text muted deleted' }, t('conv.deleted'));
      case 'call': return h('p', { class: 'text call' }, h('span', { 'aria-hidden': 'true' }, '📞 '),
        c.outcome === 'missed' ? t('conv.call.missed') : `${t('conv.call.answered')}${c.duration_secs ? ` (${c.duration_secs} s)` : ''}`);
      case 'system': return h('p', { class: 'text muted system' }, c.body || t(`conv.system.${c.kind}`));
      default: return h('p', { class: 'text muted' }, `${t('conv.unsupported')} (${c?.type ?? '?'})`);
    }
  }

  function media(c) {
    const box = h('div', { class: `media media-${c.kind}` });
    const label = h('span', { class: 'media-label' }, `${c.filename || t('conv.media')} (${c.kind}${c.mime_type ? `, ${c.mime_type}` : ''})`);
    box.append(label);
    // Media sent by link has no id to fetch: the label says what it was.
    if (c.media_id) box.append(h('button', { class: 'btn ghost small', type: 'button', 'aria-label': t('attach.download'), onclick: () => fetchMedia(c, box, label, true) }, '⤓'));
    if (c.caption) box.append(h('p', { class: 'text' }, c.caption));
    if (c.media_id && (c.kind === 'image' || c.kind === 'sticker')) fetchMedia(c, box, label, false);
    return box;
  }

  async function fetchMedia(c, box, label, download) {
    if (lacks('media')) return;
    try {
      const r = await fetch(`/api/v1/tickets/${encodeURIComponent(id)}/media/${encodeURIComponent(c.media_id)}`, {
        headers: { authorization: `Bearer ${sessionStorage.getItem('turno.token')}` },
      });
      if (!r.ok) return;
      const blob = await r.blob();
      const type = blob.type.split(';')[0].trim().toLowerCase();
      if (!download) {
        if (!INLINE_IMAGE_TYPES.has(type)) return;
        box.insertBefore(h('img', { src: URL.createObjectURL(blob), alt: c.caption || c.filename || c.kind, class: 'media-img' }), label);
        return;
      }
      // Saved, never opened: typed as bytes so no browser renders it on this origin.
      const url = URL.createObjectURL(new Blob([blob], { type: 'application/octet-stream' }));
      const link = h('a', { href: url, download: downloadName(c), hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch { /* shown as the label only */ }
  }

  function outbound(m) {
    if (m.type === 'media') {
      return media({ kind: m.kind, media_id: m.source?.id, caption: m.caption, filename: m.filename, link: m.source?.link });
    }
    const parts = [h('p', { class: 'text' }, m.body ?? m.text ?? (m.name ? `${t('conv.template')}: ${m.name}` : ''))];
    if (m.type === 'buttons') parts.push(h('div', { class: 'choices' }, (m.buttons || []).map((b) => h('span', { class: 'choice' }, b.title))));
    if (m.type === 'list') parts.push(h('div', { class: 'choices' }, h('span', { class: 'choice' }, `☰ ${m.button}`), (m.rows || []).map((r) => h('span', { class: 'choice' }, r.title))));
    if (m.type === 'template') parts.push(h('small', { class: 'muted' }, `${t('conv.template')}: ${m.name}`));
    return parts;
  }

  function entry(e) {
    const note = isNote(e);
    const kind = note ? 'note' : (e.author?.kind || 'system');
    const who = note ? `${t('conv.author.note')} · ${ctx.agentName(e.author?.id || e.agent_id || e.author_id || '')}`
      : kind === 'agent' ? ctx.agentName(e.author.id) : t(`conv.author.${kind}`);
    const body = note ? h('p', { class: 'text' }, e.text ?? e.body?.text ?? '')
      : e.body?.direction === 'inbound' ? content(e.body.content)
        : e.body?.direction === 'outbound' ? outbound(e.body.message) : h('p', { class: 'text' }, e.text ?? '');
    const tick = e.delivery && h('span', { class: `tick ${e.delivery}`, title: t(`conv.${e.delivery}`), 'data-delivery': e.delivery }, TICKS[e.delivery] || '');
    const a = e.amended || {};
    // Earlier versions of an edited message, oldest first; nothing of a deleted one.
    const history = !a.deleted_at && (a.history || []).length > 0
      && h('details', { class: 'msg-history' }, h('summary', {}, t('conv.history')), (a.history || []).map((c) => content(c)));
    const marks = h('div', { class: 'msg-foot' }, h('time', { datetime: e.at }, time(e.at, currentLang())), tick,
      a.edited_at && !a.deleted_at && h('span', { class: 'mark edited' }, t('conv.edited')),
      a.deleted_at && h('span', { class: 'mark deleted' }, t('conv.deleted')));
    const reaction = a.reaction && h('div', { class: 'msg-reaction', role: 'img', 'aria-label': `${t('conv.reaction')}: ${a.reaction}` }, a.reaction);
    return h('li', { class: `msg from-${kind}${a.deleted_at ? ' is-deleted' : ''}`, 'data-author': kind, title: e.delivery_error || '' },
      h('div', { class: 'bubble' },
        h('div', { class: 'msg-who' }, who),
        body,
        history,
        marks),
      reaction);
  }

  function drawTranscript() {
    const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 60;
    clear(transcript, data.transcript.map(entry));
    if (atBottom || !transcript.dataset.drawn) transcript.scrollTop = transcript.scrollHeight;
    transcript.dataset.drawn = '1';
  }

  let customer = null;
  let handoffSeen = null;
  async function loadCustomer() {
    if (data.customer) { customer = data.customer; return; }
    if (customer || lacks('customers')) return;
    try { customer = await api(`/customers/${encodeURIComponent(data.ticket.customer)}`, { feature: 'customers' }); } catch { customer = null; }
  }

  function field(label, value) {
    return h('div', { class: 'field' }, h('dt', {}, label), h('dd', {}, value ?? '—'));
  }

  function drawSide() {
    const tk = data.ticket;
    const c = customer || {};
    const tags = c.tags || tk.tags || [];
    const vip = c.vip ?? tags.includes('vip');
    const previous = (c.previous_tickets || c.tickets || (tk.previous_ticket ? [{ id: tk.previous_ticket }] : []))
      .filter((p) => (p.id || p) !== tk.id);
    const clocks = Object.entries(tk.sla?.clocks || {});
    clear(side,
      h('section', { class: 'card', 'data-testid': 'customer-panel' },
        h('h3', {}, t('conv.customer'), vip && h('span', { class: 'badge vip' }, '★ ', t('conv.vip'))),
        h('dl', {},
          field(t('conv.customer'), c.name || c.profile_name || tk.customer_name),
          field(t('conv.phone'), `+${tk.customer}`),
          field(t('conv.language'), c.language || tk.language),
          field(t('conv.tags'), tags.length ? h('span', { class: 'tags' }, tags.map((x) => h('span', { class: 'tag' }, x))) : t('conv.none')),
          Object.entries(c.attributes || c.custom_attributes || {}).map(([k, v]) => field(k, String(v))),
          field(t('conv.previous'), previous.length
            ? h('ul', { class: 'prev', 'data-testid': 'previous-tickets' }, previous.map((p) => h('li', {},
              h('a', { href: `#/inbox/${encodeURIComponent(p.id || p)}`, 'aria-label': t('actions.previous.open', { id: p.id || p }) }, String(p.id || p).slice(0, 13)),
              p.status && ` · ${t(`status.${p.status}`)}`, p.created_at && ` · ${time(p.created_at, currentLang())}`)))
            : t('conv.none'))),
        custData.el),
      h('section', { class: 'card' },
        h('h3', {}, 'Ticket'),
        h('dl', {},
          field('ID', h('code', {}, tk.id)),
          field(t('conv.team'), tk.team ? ctx.teamName(tk.team) : '—'),
          field(t('conv.tier'), tk.tier),
          field(t('conv.assignee'), tk.assignee ? ctx.agentName(tk.assignee) : t('inbox.unassigned')),
          clocks.map(([k, cl]) => field(t(`sla.${k}`), cl.met_at ? `✓ ${time(cl.met_at, currentLang())}` : cl.breached_at ? `⚠ ${time(cl.breached_at, currentLang())}` : cl.due_at ? time(cl.due_at, currentLang()) : '—')))),
      h('section', { class: 'card' },
        h('h3', {}, t('conv.audit')),
        h('ol', { class: 'audit', 'data-testid': 'audit' }, [...data.audit].reverse().slice(0, 30).map((a) => h('li', {},
          h('time', {}, time(a.at, currentLang())), ' ',
          h('strong', {}, a.actor ? ctx.agentName(a.actor) : 'turno'), ' ',
          h('span', {}, a.action), a.detail && h('small', {}, ` — ${a.detail}`))))));
  }

  function notAllowed(e) {
    clear(pane, h('div', { class: 'not-allowed', role: 'alert', 'data-testid': 'not-allowed' },
      h('div', { class: 'big-icon lock', 'aria-hidden': 'true' }),
      h('p', {}, t('conv.notallowed')),
      h('small', { class: 'muted' }, `${e.status} ${e.code}`),
      h('button', { class: 'btn', type: 'button', onclick: () => ctx.go('#/inbox') }, t('conv.back'))));
  }

  async function refresh() {
    if (destroyed) return;
    let v;
    try { v = await api(`/tickets/${encodeURIComponent(id)}`); } catch (e) {
      if (e.status === 403 || e.status === 404) { destroyed = true; notAllowed(e); return; }
      throw e;
    }
    data = normalize(v);
    await loadCustomer();
    drawHeader();
    // The actions panel follows the header in the same frame: both show the ticket's status.
    const tk = data.ticket;
    actions.update(tk, [...(ctx.tagsInUse || []), ...(customer?.tags || [])]);
    // The summary is read again only when what it shows of the ticket may have changed.
    const seen = JSON.stringify([tk.status, tk.reasons, tk.tags, tk.priority, tk.tier, customer?.tags]);
    if (seen !== handoffSeen) {
      handoffSeen = seen;
      drawHandoff(handoffBox, await loadHandoff(id));
    }
    if (!editor.editing()) editor.update(customer);
    custData.update(tk.customer);
    drawReason();
    drawTranscript();
    drawSide();
    drawComposer();
  }

  drawTabs();
  refresh().then(drawTabs).catch((e) => ctx.toast(t('conv.error', { message: e.message }), true));
  return { refresh, destroy() { destroyed = true; } };
}
