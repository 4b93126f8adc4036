// The inbox: mine / my teams / one team, counts per status, each row with the customer, the
// last message, how long they have waited and the SLA countdown. The open conversation sits
// beside the list (stacked on a phone). The server filters, searches and pages: the list
// shows the first page of the view and loads more on demand. Changes from the feed are
// patched in: the changed tickets are read as rows (`GET /tickets/changed`) and inserted,
// moved or removed as the view and its order say, with the counts that come with them; the
// first page is read again only when that cannot work (a search, too many changes, no feed).

import { api, lacks } from './api.js';
import { h, clear, initials, time } from './dom.js';
import { t, currentLang } from './i18n.js';
import { slaOf } from './sla.js';
import * as live from './live.js';
import { mountConversation } from './conversation.js';

const OPEN = ['queued', 'assigned', 'pending', 'snoozed'];
const STATUSES = ['all', 'queued', 'assigned', 'pending', 'snoozed', 'resolved'];
const state = { scope: 'mine', status: 'all', q: '' };
const seenAssigned = new Set();
/// More changed tickets than this at once: read the first page again instead.
const MAX_PATCH = 50;
/// The first page is read again at least this often: the feed tells an agent nothing about
/// a ticket that left their teams, so such a row goes at the latest then.
const FULL_EVERY_MS = 5 * 60 * 1000;
let primed = false;

/// The list's rows in one shape, whichever shape the server answers with.
export function summary(raw) {
  const customer = typeof raw.customer === 'string' ? raw.customer : (raw.customer?.wa_id ?? raw.customer?.phone ?? '');
  const name = raw.customer_name ?? raw.customer?.name ?? raw.customer?.profile_name ?? null;
  const last = raw.last_message;
  const preview = typeof last === 'string' ? last : (last?.preview ?? last?.text ?? raw.last_message_preview ?? null);
  return {
    id: raw.id,
    customer,
    customer_name: name,
    preview,
    last_at: last?.at ?? raw.last_message_at ?? raw.updated_at,
    updated_at: raw.updated_at,
    waiting_since: raw.waiting_since ?? raw.queued_at ?? raw.created_at,
    status: raw.status,
    priority: raw.priority,
    team: raw.team,
    assignee: raw.assignee,
    tags: raw.tags || [],
    vip: raw.vip ?? (raw.tags || []).includes('vip'),
    sla: slaOf(raw),
  };
}

export function countdown(sla, extra = {}) {
  if (!sla) return h('span', { class: 'countdown none', ...extra }, t('sla.none'));
  return h('span', {
    class: 'countdown', ...extra,
    dataset: { due: sla.due_at || '', warn: sla.warn_at || '', breached: String(!!sla.breached_at) },
    title: sla.clock ? t(`sla.${sla.clock}`) : '',
  }, h('span', { class: 'cd-icon', 'aria-hidden': 'true' }), h('span', { class: 'cd-text' }));
}

export function mountInbox(view, ctx, ticketId) {
  const me = ctx.me;
  const scopes = [['mine', t('inbox.mine')], ['all', ctx.isSupervisor() ? t('status.all') : t('inbox.all')],
    ...ctx.teams.filter((x) => ctx.isSupervisor() || (me.teams || []).includes(x.id)).map((x) => [`team:${x.id}`, t('inbox.team', { team: x.name })])];
  const scopeBar = h('div', { class: 'scopes', role: 'tablist' });
  const statusBar = h('div', { class: 'status-filters' });
  let searchTimer = null;
  const search = h('input', { class: 'search', type: 'search', placeholder: t('inbox.search'), 'aria-label': t('inbox.search'), value: state.q,
    oninput: (e) => {
      state.q = e.target.value;
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => reset(), 250);
    } });
  const list = h('ul', { class: 'ticket-list', 'data-testid': 'ticket-list', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'load-more', 'data-testid': 'load-more', hidden: true,
    onclick: () => loadMore().catch(showError) }, t('inbox.more'));
  const convPane = h('section', { class: 'conv-pane' });
  const layout = h('div', { class: `inbox ${ticketId ? 'show-conv' : ''}` },
    h('section', { class: 'list-pane' }, h('div', { class: 'list-head' }, scopeBar, search, statusBar), list, more),
    convPane);
  clear(view, layout);

  let rows = [];
  let counts = null;
  let etag = null;
  let cursor = null;
  let conversation = null;
  let lastFull = 0;

  function query(after) {
    const p = new URLSearchParams({ limit: '50' });
    if (state.scope === 'mine') p.set('assignee', me.id);
    else if (state.scope.startsWith('team:')) p.set('team', state.scope.slice(5));
    if (state.status === 'all') p.set('view', 'open');
    else p.set('status', state.status);
    const q = state.q.trim();
    if (q) p.set('q', q);
    if (after) p.set('cursor', after);
    return `/tickets?${p}`;
  }

  /// The first page again (a 304 when nothing changed); rows already loaded past it stay,
  /// updated where the first page has a newer copy.
  async function load() {
    lastFull = Date.now();
    const url = query();
    const r = await api(url, { etag: etag && etag.url === url ? etag.value : undefined });
    if (r.notModified) return;
    etag = r.etag ? { url, value: r.etag } : null;
    const data = r.data || {};
    const first = (data.items || data.tickets || []).map(summary);
    const firstIds = new Set(first.map((x) => x.id));
    const oldest = first.length ? first[first.length - 1].last_at : null;
    const rest = cursor ? rows.filter((x) => !firstIds.has(x.id) && oldest && x.last_at <= oldest) : [];
    if (!cursor) cursor = data.next_cursor || null;
    rows = first.concat(rest);
    // The tags on the tickets in view, offered when an agent tags a ticket.
    ctx.tagsInUse = [...new Set(rows.flatMap((x) => x.tags))];
    counts = data.counts || null;
    notifyNew();
    draw();
  }

  /// Whether a row belongs to the view shown (the server only answers what the caller may see).
  function inView(r) {
    if (state.scope === 'mine' && r.assignee !== me.id) return false;
    if (state.scope.startsWith('team:') && r.team !== state.scope.slice(5)) return false;
    return state.status === 'all' ? OPEN.includes(r.status) : r.status === state.status;
  }

  /// The list's order: newest activity first (as the server pages it).
  function before(a, b) {
    if (a.updated_at !== b.updated_at) return a.updated_at > b.updated_at;
    return a.id > b.id;
  }

  /// Applies a page of the change feed to the rows shown.
  async function patch(events) {
    const ids = [...new Set(events.map((e) => e.ticket_id))];
    if (!ids.length) return;
    if (state.q.trim() || ids.length > MAX_PATCH || lacks('changed')) { await load(); return; }
    const p = new URLSearchParams({ ids: ids.join(',') });
    if (state.scope.startsWith('team:')) p.set('team', state.scope.slice(5));
    let r;
    try {
      r = await api(`/tickets/changed?${p}`, { feature: 'changed' });
    } catch (e) {
      if (e.noRoute) { await load(); return; }
      throw e;
    }
    const fresh = new Map((r.items || []).map((raw) => [raw.id, summary(raw)]));
    const oldest = rows.length ? rows[rows.length - 1] : null;
    let next = rows.filter((x) => !ids.includes(x.id));
    for (const id of ids) {
      const row = fresh.get(id);
      if (!row || !inView(row)) continue;
      // Past the last row shown while more pages remain: it belongs to a page not loaded yet.
      if (cursor && oldest && !before(row, oldest)) continue;
      const at = next.findIndex((x) => before(row, x));
      next.splice(at === -1 ? next.length : at, 0, row);
    }
    rows = next;
    counts = r.counts || counts;
    // The list's ETag no longer matches what is shown.
    etag = null;
    notifyNew();
    draw();
  }

  async function loadMore() {
    if (!cursor) return;
    const r = await api(query(cursor));
    const data = r.data || {};
    const seen = new Set(rows.map((x) => x.id));
    rows = rows.concat((data.items || []).map(summary).filter((x) => !seen.has(x.id)));
    cursor = data.next_cursor || null;
    draw();
  }

  function reset() {
    etag = null; cursor = null; rows = [];
    draw();
    load().catch(showError);
  }

  function notifyNew() {
    const mine = rows.filter((r) => r.assignee === me.id && r.status === 'assigned');
    for (const r of mine) {
      if (!seenAssigned.has(r.id) && primed) ctx.notifyAssigned(r);
      seenAssigned.add(r.id);
    }
    if (state.scope === 'mine' || state.scope === 'all') primed = true;
  }

  function countOf(s) {
    if (s === 'all') return counts ? OPEN.reduce((n, k) => n + (counts[k] || 0), 0) : rows.filter((r) => OPEN.includes(r.status)).length;
    return counts ? (counts[s] || 0) : rows.filter((r) => r.status === s).length;
  }

  function draw() {
    clear(scopeBar, scopes.map(([id, label]) => h('button', {
      type: 'button', role: 'tab', class: `scope ${state.scope === id ? 'current' : ''}`, 'aria-selected': String(state.scope === id), 'data-scope': id,
      onclick: () => { state.scope = id; reset(); },
    }, label)));
    clear(statusBar, STATUSES.map((s) => h('button', {
      type: 'button', class: `chip status-${s} ${state.status === s ? 'current' : ''}`, 'data-status': s,
      onclick: () => { state.status = s; reset(); },
    }, t(`status.${s}`), h('span', { class: 'count', 'data-count': s }, String(countOf(s))))));
    const shown = rows;
    more.hidden = !cursor;
    if (!shown.length) {
      clear(list, h('li', { class: 'empty' }, t('inbox.empty')));
    } else {
      clear(list, shown.map(row));
    }
    ctx.tick();
  }

  function row(r) {
    const name = r.customer_name || `+${r.customer}`;
    return h('li', {},
      h('a', {
        class: `ticket-row ${r.id === ticketId ? 'current' : ''}`, href: `#/inbox/${encodeURIComponent(r.id)}`,
        'data-ticket': r.id, 'data-status': r.status,
      },
      h('span', { class: `avatar ${r.vip ? 'vip' : ''}` }, initials(name)),
      h('span', { class: 'row-main' },
        h('span', { class: 'row-top' },
          h('span', { class: 'customer-name' }, name),
          r.vip && h('span', { class: 'badge vip' }, t('conv.vip')),
          r.priority && r.priority !== 'normal' && h('span', { class: `badge priority-${r.priority}` }, t(`priority.${r.priority}`)),
          h('span', { class: 'spacer' }),
          OPEN.includes(r.status) ? countdown(r.sla, { 'data-testid': 'row-sla' }) : h('span', { class: 'row-time' }, time(r.last_at, currentLang()))),
        r.preview && h('span', { class: 'preview' }, r.preview),
        h('span', { class: 'row-meta' },
          h('span', { class: `pill status-${r.status}` }, t(`status.${r.status}`)),
          r.team && h('span', { class: 'team' }, ctx.teamName(r.team)),
          h('span', { class: 'assignee' }, r.assignee ? ctx.agentName(r.assignee) : t('inbox.unassigned')),
          OPEN.includes(r.status) && r.waiting_since && h('span', { class: 'waiting', dataset: { since: r.waiting_since } })))));
  }

  function showError(e) {
    clear(list, h('li', { class: 'empty error' }, t('conv.error', { message: e.message })));
  }

  if (ticketId) {
    conversation = mountConversation(convPane, ctx, ticketId, () => load().catch(() => {}));
  } else {
    clear(convPane, h('div', { class: 'placeholder' }, h('img', { src: 'icon.svg', alt: '' }), h('p', {}, t('inbox.pick'))));
  }

  draw();
  load().catch(showError);
  const unsubscribe = live.subscribe(async (events) => {
    if (events === null || Date.now() - lastFull > FULL_EVERY_MS) await load();
    else await patch(events);
    if (conversation && (events === null || events.some((e) => e.ticket_id === ticketId))) await conversation.refresh();
  });
  return { destroy() { unsubscribe(); conversation?.destroy(); } };
}
