// The handoff summary at the top of a conversation: what the server gathered from the bot's
// turns (why it came to a person, what the customer asked, what the bot did and was given,
// the mood, the customer's tags and the SLA due), shown in the agent's language.

import { api, lacks } from './api.js';
import { h, clear, time } from './dom.js';
import { t, currentLang } from './i18n.js';
import { reasonText, askedText, slotText } from './i18n-actions.js';

export async function loadHandoff(id) {
  if (lacks('handoff')) return null;
  try { return await api(`/tickets/${encodeURIComponent(id)}/handoff`, { feature: 'handoff' }); } catch { return null; }
}

function row(label, ...value) {
  return h('div', { class: 'handoff-row' }, h('dt', {}, label), h('dd', {}, ...value));
}

/// Fills `box` with summary `s` (or hides it when there is none).
export function drawHandoff(box, s) {
  box.hidden = !s;
  if (!s) { clear(box); return; }
  const slots = Object.entries(s.slots || {});
  const did = [
    s.bot_turns ? t('handoff.turns', { n: s.bot_turns }) : t('handoff.none'),
    s.answered?.length ? t('handoff.answered', { n: s.answered.length }) : null,
    s.failed_attempts ? t('handoff.failed', { n: s.failed_attempts }) : null,
  ].filter(Boolean).join(' · ');
  clear(box,
    h('h3', { class: 'handoff-title' }, t('handoff.title')),
    h('dl', { class: 'handoff-grid' },
      row(t('handoff.why'), (s.reasons || []).map((r) => h('span', { class: 'reason-chip', 'data-reason': r }, reasonText(r)))),
      s.asked?.length > 0 && row(t('handoff.asked'), h('span', { 'data-testid': 'handoff-asked' }, s.asked.map(askedText).join(', '))),
      row(t('handoff.language'), String(s.language).toUpperCase()),
      row(t('handoff.did'), did),
      slots.length > 0 && row(t('handoff.slots'), h('span', { 'data-testid': 'handoff-slots' },
        slots.map(([k, v], i) => [i ? ', ' : '', `${slotText(k)}: `, h('strong', {}, v)]))),
      s.lookups?.length > 0 && row(t('handoff.lookups'), s.lookups.map((l, i) => [i ? ', ' : '',
        h('span', { class: `lookup lookup-${l.outcome}` }, `${l.action} ${Object.values(l.slots || {}).join(' ')} → ${t(`handoff.lookup.${l.outcome}`)}`)])),
      row(t('handoff.sentiment'), h('span', { class: `mood mood-${s.sentiment}` }, t(`handoff.sentiment.${s.sentiment}`))),
      (s.tags?.length > 0 || s.vip) && row(t('handoff.tags'), s.vip && h('span', { class: 'badge vip' }, '★ ', t('conv.vip')), ' ',
        (s.tags || []).filter((x) => x !== 'vip').map((x) => h('span', { class: 'tag' }, x))),
      s.sla_due && row(t('handoff.sla'), t('handoff.sla.due', { clock: t(`sla.${s.sla_due.clock}`), time: time(s.sla_due.due_at, currentLang()) }))));
}
