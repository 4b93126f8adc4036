// What reaches the agent from the change feed the console follows: a note that @mentions me,
// a customer's reply and an SLA warning on a ticket assigned to me. Each goes on a list under
// a bell with a count of unread, and becomes a browser notification when permitted.

import { api } from './api.js';
import { h, clear, time } from './dom.js';
import { t, currentLang } from './i18n.js';
import * as live from './live.js';
import { pushActive, pushControl } from './push.js';

/// The feed's kinds worth a look, and what each may hold for me.
const WATCHED = new Set(['note', 'message', 'sla']);
/// At most this many items are kept on the list.
const KEEP = 30;

export function mountNotifications(ctx) {
  const me = ctx.me;
  const since = Date.now();
  const seen = new Set();
  const items = [];
  let unread = 0;

  const count = h('span', { class: 'notify-count', 'data-testid': 'notify-count', hidden: true });
  const list = h('ul', { class: 'notify-list', 'data-testid': 'notify-list' });
  const panel = h('div', { class: 'notify-panel', id: 'notify-panel', hidden: true }, h('h2', { class: 'notify-title' }, t('mentions.title')), list, pushControl());
  const bell = h('button', {
    class: 'btn ghost small notify-bell', type: 'button', 'data-testid': 'notify-bell',
    'aria-haspopup': 'true', 'aria-expanded': 'false', 'aria-controls': 'notify-panel', 'aria-label': t('mentions.title'),
    onclick: () => toggle(),
  }, h('span', { 'aria-hidden': 'true' }, '🔔'), count);
  const root = h('div', { class: 'notify' }, bell, panel);
  panel.addEventListener('keydown', (e) => { if (e.key === 'Escape') { toggle(false); bell.focus(); } });

  function toggle(force) {
    const open = force ?? panel.hidden;
    panel.hidden = !open;
    bell.setAttribute('aria-expanded', String(open));
    if (open) { unread = 0; drawCount(); draw(); }
  }

  function drawCount() {
    count.hidden = unread === 0;
    count.textContent = String(unread);
    bell.setAttribute('aria-label', unread ? t('mentions.unread', { n: unread }) : t('mentions.title'));
  }

  function draw() {
    clear(list, items.length ? items.map((it) => h('li', { 'data-kind': it.kind },
      h('a', { href: `#/inbox/${encodeURIComponent(it.ticket)}`, onclick: () => toggle(false) }, it.text),
      h('time', { datetime: it.at }, time(it.at, currentLang()))))
      : h('li', { class: 'muted' }, t('mentions.none')));
  }

  function add(key, kind, ticket, text, at) {
    if (seen.has(key)) return;
    seen.add(key);
    items.unshift({ kind, ticket, text, at });
    items.length = Math.min(items.length, KEEP);
    unread += 1;
    drawCount();
    if (!panel.hidden) draw();
    // With push on, the service worker shows it (also when this tab is in the background).
    if (!pushActive() && 'Notification' in window && Notification.permission === 'granted') {
      try { new Notification('turno', { body: text, tag: key }); } catch { /* the list has it */ }
    }
  }

  function customerOf(v) { return v.customer_name || `+${v.customer}`; }
  function recent(at) { return Date.parse(at) >= since - 1000; }

  async function look(id, kinds) {
    let v;
    try { v = await api(`/tickets/${encodeURIComponent(id)}`); } catch { return; }
    const transcript = v.transcript || [];
    if (kinds.has('note')) {
      for (const e of transcript) {
        const b = e.body || {};
        if (b.direction !== 'note' || !(b.mentions || []).includes(me.id) || e.author?.id === me.id || !recent(e.at)) continue;
        add(`mention:${e.message_id}`, 'mention', v.id, t('mentions.mentioned', { who: ctx.agentName(e.author?.id || ''), name: customerOf(v) }), e.at);
      }
    }
    if (v.assignee !== me.id) return;
    if (kinds.has('message')) {
      const last = [...transcript].reverse().find((e) => e.body?.direction === 'inbound');
      if (last && recent(last.at)) add(`reply:${last.message_id}`, 'reply', v.id, t('mentions.reply', { name: customerOf(v) }), last.at);
    }
    if (kinds.has('sla')) {
      for (const [clock, c] of Object.entries(v.sla?.clocks || {})) {
        const at = c.breached_at || c.warned_at;
        if (at && recent(at)) add(`sla:${v.id}:${clock}:${at}`, 'sla', v.id, t(c.breached_at ? 'mentions.breach' : 'mentions.warning', { name: customerOf(v) }), at);
      }
    }
  }

  live.subscribe(async (events) => {
    if (!events?.length) return;
    const byTicket = new Map();
    for (const e of events) {
      if (!WATCHED.has(e.kind)) continue;
      if (!byTicket.has(e.ticket_id)) byTicket.set(e.ticket_id, new Set());
      byTicket.get(e.ticket_id).add(e.kind);
    }
    for (const [id, kinds] of byTicket) await look(id, kinds);
  });
  drawCount();
  return root;
}
