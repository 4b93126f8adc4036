// The supervisor dashboard: who is online and their load, queue depth and longest wait,
// breaches today, first-response and resolution times, SLA compliance, bot deflection, CSAT.
// Figures come from `GET /metrics/dashboard`; the live lists (agents, queues, breached
// tickets) are also read from the agents and tickets the supervisor can see.

import { api } from './api.js';
import { h, clear, duration, initials, time } from './dom.js';
import { t, currentLang } from './i18n.js';
import * as live from './live.js';
import { summary, countdown } from './inbox.js';

const OPEN = ['queued', 'assigned', 'pending', 'snoozed'];
/// The longest the dashboard goes without reading its figures again.
const REFRESH_MS = 60 * 1000;

function num(...vals) { for (const v of vals) if (typeof v === 'number' && Number.isFinite(v)) return v; return null; }
function secs(v) { return v === null ? t('dash.nodata') : duration(v * 1000); }
/// `v` in percent (0–100).
function pct(v) { return v === null ? t('dash.nodata') : `${v.toFixed(1)} %`; }

export function mountDashboard(view, ctx) {
  const root = h('div', { class: 'dashboard', 'data-testid': 'dashboard' });
  clear(view, root);
  if (!ctx.isSupervisor()) {
    clear(root, h('div', { class: 'not-allowed' }, h('div', { class: 'big-icon lock', 'aria-hidden': 'true' }), h('p', {}, t('dash.forbidden'))));
    return { destroy() {} };
  }

  async function load() {
    const [metrics, agents, list] = await Promise.all([
      api('/metrics/dashboard', { feature: 'dashboard' }).catch(() => null),
      api('/agents').catch(() => []),
      api('/tickets?limit=100').catch(() => ({ tickets: [] })),
    ]);
    const tickets = (list.items || list.tickets || []).map((raw) => ({ raw, s: summary(raw) }));
    draw(metrics || {}, agents, tickets);
  }

  function draw(m, agents, tickets) {
    const now = Date.now();
    const today = new Date(); today.setHours(0, 0, 0, 0);
    const breached = tickets.filter(({ raw, s }) => {
      const clocks = Object.values(raw.sla?.clocks || {});
      const at = clocks.map((c) => c.breached_at).filter(Boolean).map(Date.parse);
      return (at.some((x) => x >= today.getTime()) || (s.sla && s.sla.breached_at)) && OPEN.includes(s.status);
    });
    const fr = m.first_response || m.first_response_time || {};
    const rt = m.resolution || m.resolution_time || {};
    const breachesToday = num(m.breaches_today, m.breaches?.today, typeof m.breaches === 'number' ? m.breaches : undefined) ?? breached.length;
    const kpi = (label, value, sub, cls = '', testid) => h('div', { class: `kpi ${cls}`, 'data-testid': testid },
      h('span', { class: 'kpi-label' }, label), h('strong', { class: 'kpi-value' }, value), sub && h('span', { class: 'kpi-sub' }, sub));

    const onlineAgents = (m.agents || agents).map((a) => ({
      id: a.id ?? a.agent_id, name: a.name ?? ctx.agentName(a.id ?? a.agent_id), availability: a.availability ?? (a.online ? 'online' : 'offline'),
      load: a.load ?? 0, capacity: a.capacity ?? 0,
    }));
    const teams = new Map(ctx.teams.map((x) => [x.id, { team: x.id, depth: 0, oldest: null }]));
    for (const { s } of tickets) {
      if (s.status !== 'queued' || !s.team) continue;
      const q = teams.get(s.team) || { team: s.team, depth: 0, oldest: null };
      q.depth += 1;
      const since = Date.parse(s.waiting_since);
      if (!q.oldest || since < q.oldest) q.oldest = since;
      teams.set(s.team, q);
    }
    const queues = m.queues
      ? m.queues.map((q) => ({ team: q.team ?? q.team_id, depth: q.queued ?? q.depth ?? 0, longest: num(q.longest_wait_secs, q.longest_wait) }))
      : [...teams.values()].map((q) => ({ team: q.team, depth: q.depth, longest: q.oldest ? Math.round((now - q.oldest) / 1000) : null }));

    clear(root,
      h('div', { class: 'dash-head' }, h('h1', {}, t('dash.title')), h('span', { class: 'muted' }, new Date().toLocaleString(currentLang()))),
      h('div', { class: 'kpis' },
        kpi(t('dash.breaches'), String(breachesToday), null, breachesToday > 0 ? 'bad' : 'good', 'kpi-breaches'),
        kpi(t('dash.compliance'), pct(num(m.sla_compliance_pct, m.sla_compliance, m.sla?.compliance_pct)), null, '', 'kpi-compliance'),
        kpi(t('dash.frt'), secs(num(fr.median_secs, fr.median, m.first_response_median_secs)), `${t('dash.p90')} ${secs(num(fr.p90_secs, fr.p90, m.first_response_p90_secs))}`, '', 'kpi-frt'),
        kpi(t('dash.rt'), secs(num(rt.median_secs, rt.median, m.resolution_median_secs)), `${t('dash.p90')} ${secs(num(rt.p90_secs, rt.p90, m.resolution_p90_secs))}`, '', 'kpi-rt'),
        kpi(t('dash.deflection'), pct(num(m.bot_deflection_pct, typeof m.bot_deflection_rate === 'number' ? m.bot_deflection_rate * 100 : undefined)), null, '', 'kpi-deflection'),
        kpi(t('dash.csat'), (() => { const v = num(m.csat?.score, m.csat?.average, typeof m.csat === 'number' ? m.csat : undefined); return v === null ? t('dash.nodata') : v.toFixed(2); })(),
          m.csat?.responses !== undefined ? `n = ${m.csat.responses}` : null, '', 'kpi-csat')),
      h('div', { class: 'dash-grid' },
        h('section', { class: 'card' }, h('h3', {}, t('dash.online'), h('span', { class: 'pill status-assigned', 'data-testid': 'agents-online' },
          t('dash.online.count', { n: num(m.agents_online) ?? onlineAgents.filter((a) => a.availability === 'online').length }))),
          h('ul', { class: 'agent-load', 'data-testid': 'agents' }, onlineAgents.map((a) => h('li', {},
            h('span', { class: `avatar small presence ${a.availability}` }, initials(a.name)),
            h('span', { class: 'who' }, h('strong', {}, a.name), h('small', {}, t(`avail.${a.availability}`))),
            h('span', { class: 'load-bar', title: t('dash.load', a) }, h('span', { class: 'load-fill' })),
            h('span', { class: 'load-num' }, t('dash.load', a)))))),
        h('section', { class: 'card' }, h('h3', {}, t('dash.queues')),
          h('table', { class: 'queues', 'data-testid': 'queues' },
            h('thead', {}, h('tr', {}, h('th', {}, t('conv.team')), h('th', {}, t('dash.depth')), h('th', {}, t('dash.longest')))),
            h('tbody', {}, queues.map((q) => h('tr', {}, h('td', {}, ctx.teamName(q.team)), h('td', { class: 'num' }, String(q.depth)),
              h('td', { class: 'num' }, q.longest === null ? '—' : duration(q.longest * 1000))))))),
        h('section', { class: 'card wide' }, h('h3', {}, t('dash.breached.list')),
          breached.length
            ? h('ul', { class: 'breach-list', 'data-testid': 'breached' }, breached.map(({ s }) => h('li', {},
              h('a', { href: `#/inbox/${encodeURIComponent(s.id)}`, 'data-ticket': s.id },
                h('span', { class: 'customer-name' }, s.customer_name || `+${s.customer}`),
                h('span', { class: 'muted' }, ` · ${s.team ? ctx.teamName(s.team) : ''} · ${s.assignee ? ctx.agentName(s.assignee) : t('inbox.unassigned')} · ${time(s.waiting_since, currentLang())}`)),
              countdown(s.sla))))
            : h('p', { class: 'muted' }, t('conv.none')))));
    // Load bars: widths set through the CSSOM (a style attribute would need 'unsafe-inline').
    root.querySelectorAll('.agent-load li').forEach((li, i) => {
      const a = onlineAgents[i];
      li.querySelector('.load-fill').style.width = `${a.capacity ? Math.min(100, (a.load / a.capacity) * 100) : 0}%`;
    });
    ctx.tick();
  }

  // Live: read again when the change feed says something changed, and at least once a minute
  // for what moves with the clock alone (waits, SLA states, who is online).
  let lastLoad = Date.now();
  const reload = () => { lastLoad = Date.now(); return load(); };
  reload().catch((e) => ctx.toast(e.message, true));
  const unsubscribe = live.subscribe((events) => {
    if (events === null || events.length || Date.now() - lastLoad >= REFRESH_MS) return reload();
    return undefined;
  });
  return { destroy() { unsubscribe(); } };
}
