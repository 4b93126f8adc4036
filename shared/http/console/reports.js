// The Reports page (supervisors and admins): a date range in the workspace's time zone, by
// day or week, for one team or agent or all; volumes, response and resolution times (wall
// clock and business hours side by side), SLA % met per clock, the rates, CSAT, and tables
// per team, per agent (with their activity) and per escalation reason. Figures come from
// `GET /reports`; the export button downloads `GET /reports/export.csv` for the same range.

import { api, download } from './api.js';
import { h, clear, duration } from './dom.js';
import { t, currentLang } from './i18n.js';
import { chartLibrary, chartFigure, dataTable, drawChart } from './reports_charts.js';

const PRESETS = [['today', 0], ['7', 6], ['30', 29], ['90', 89]];
const CLOCKS = ['first_response', 'next_response', 'resolution'];
const VOLUMES = ['new', 'escalated', 'resolved_by_bot', 'resolved_by_people'];

/// `YYYY-MM-DD` of a date whose fields are read in UTC.
function isoDay(d) {
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/// Today's date in the IANA zone `tz` (the browser's own when unknown or unusable), as UTC
/// midnight of that calendar day.
function todayIn(tz) {
  const now = new Date();
  try {
    const parts = new Intl.DateTimeFormat('en-CA', { timeZone: tz || undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
    const get = (type) => Number(parts.find((p) => p.type === type)?.value);
    return new Date(Date.UTC(get('year'), get('month') - 1, get('day')));
  } catch {
    return new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate()));
  }
}

/// The last `back + 1` days up to today, counted in the workspace's zone `tz`.
function presetRange(back, tz) {
  const to = todayIn(tz);
  const from = new Date(to.getTime() - back * 86_400_000);
  return { from: isoDay(from), to: isoDay(to) };
}

/// The page's choices, kept while the console is open; `tz` is the workspace's zone, learnt
/// from the first report.
const state = { preset: '30', ...presetRange(29), granularity: 'day', team: '', agent: '', tz: '' };

/// The query both the report and its export are asked with.
export function reportQuery(s, { forExport = false } = {}) {
  const p = new URLSearchParams({ from: s.from, to: s.to });
  if (!forExport) p.set('granularity', s.granularity);
  if (s.team) p.set('team', s.team);
  if (!forExport && s.agent) p.set('agent', s.agent);
  return p.toString();
}

function fmt() {
  const lang = currentLang();
  const int = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 });
  const pct = new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 1 });
  const dec = new Intl.NumberFormat(lang, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const none = '—';
  return {
    int: (v) => (typeof v === 'number' ? int.format(v) : none),
    pct: (v) => (typeof v === 'number' ? pct.format(v / 100) : none),
    dec: (v) => (typeof v === 'number' ? dec.format(v) : none),
    secs: (v) => (typeof v === 'number' ? duration(v * 1000) : none),
    period: (p, granularity) => {
      const d = new Date(`${p}T00:00:00`);
      if (Number.isNaN(d.getTime())) return String(p);
      const day = d.toLocaleDateString(lang, { day: 'numeric', month: 'short' });
      return granularity === 'week' ? t('reports.week_of', { day }) : day;
    },
  };
}

export function mountReports(view, ctx) {
  const root = h('div', { class: 'reports', 'data-testid': 'reports' });
  clear(view, root);
  if (!ctx.isSupervisor()) {
    clear(root, h('div', { class: 'not-allowed' }, h('div', { class: 'big-icon lock', 'aria-hidden': 'true' }), h('p', {}, t('reports.forbidden'))));
    return { destroy() {} };
  }
  let charts = [];
  let destroyed = false;
  let generation = 0;
  const body = h('div', { class: 'report-body', 'aria-live': 'polite', 'aria-busy': 'true' });
  const status = h('p', { class: 'muted report-status', role: 'status' });

  const field = (label, control) => h('label', { class: 'report-field' }, h('span', {}, label), control);
  const presetSel = h('select', { 'data-testid': 'report-preset', onchange: (e) => {
    state.preset = e.target.value;
    const found = PRESETS.find(([id]) => id === state.preset);
    if (found) Object.assign(state, presetRange(found[1], state.tz));
    fromIn.value = state.from; toIn.value = state.to;
    load();
  } }, PRESETS.map(([id]) => h('option', { value: id, selected: state.preset === id }, t(`reports.preset.${id}`))),
  h('option', { value: 'custom', selected: state.preset === 'custom' }, t('reports.preset.custom')));
  const dateChanged = () => {
    if (!fromIn.value || !toIn.value) return;
    state.from = fromIn.value; state.to = toIn.value;
    if (state.from > state.to) { [state.from, state.to] = [state.to, state.from]; fromIn.value = state.from; toIn.value = state.to; }
    state.preset = 'custom'; presetSel.value = 'custom';
    load();
  };
  const fromIn = h('input', { type: 'date', 'data-testid': 'report-from', value: state.from, onchange: dateChanged });
  const toIn = h('input', { type: 'date', 'data-testid': 'report-to', value: state.to, onchange: dateChanged });
  const granSel = h('select', { 'data-testid': 'report-granularity', onchange: (e) => { state.granularity = e.target.value; load(); } },
    ['day', 'week'].map((g) => h('option', { value: g, selected: state.granularity === g }, t(`reports.granularity.${g}`))));
  const teamSel = h('select', { 'data-testid': 'report-team', onchange: (e) => { state.team = e.target.value; load(); } },
    h('option', { value: '' }, t('reports.all_teams')),
    ctx.teams.map((x) => h('option', { value: x.id, selected: state.team === x.id }, x.name)));
  const agentSel = h('select', { 'data-testid': 'report-agent', onchange: (e) => { state.agent = e.target.value; load(); } },
    h('option', { value: '' }, t('reports.all_agents')),
    ctx.agents.map((a) => h('option', { value: a.id, selected: state.agent === a.id }, a.name || a.id)));
  const exportBtn = h('button', { type: 'button', class: 'btn primary', 'data-testid': 'report-export', onclick: async () => {
    exportBtn.disabled = true;
    try {
      await download(`/reports/export.csv?${reportQuery(state, { forExport: true })}`, `turno-${state.from}-${state.to}.csv`);
    } catch (e) {
      ctx.toast(e.noRoute ? t('reports.unavailable') : t('conv.error', { message: e.message }), true);
    } finally { exportBtn.disabled = false; }
  } }, t('reports.export'));

  clear(root,
    h('div', { class: 'dash-head' }, h('h1', {}, t('reports.title')), status),
    h('form', { class: 'report-controls card', 'aria-label': t('reports.filters'), onsubmit: (e) => e.preventDefault() },
      field(t('reports.range'), presetSel), field(t('reports.from'), fromIn), field(t('reports.to'), toIn),
      field(t('reports.granularity'), granSel), field(t('conv.team'), teamSel), field(t('reports.agent'), agentSel),
      h('div', { class: 'spacer' }), exportBtn),
    body);

  function destroyCharts() { for (const c of charts) c?.destroy(); charts = []; }

  async function load() {
    const mine = ++generation;
    body.setAttribute('aria-busy', 'true');
    status.textContent = t('reports.loading');
    let report;
    try {
      report = await api(`/reports?${reportQuery(state)}`, { feature: 'reports' });
    } catch (e) {
      if (mine !== generation || destroyed) return;
      destroyCharts();
      const msg = e.noRoute ? t('reports.unavailable') : (e.status === 403 ? t('reports.forbidden') : t('conv.error', { message: e.message }));
      clear(body, h('p', { class: 'card muted', 'data-testid': 'report-error' }, msg));
      status.textContent = '';
      body.setAttribute('aria-busy', 'false');
      return;
    }
    if (mine !== generation || destroyed) return;
    // A preset's days are the workspace's: once its zone is known, a range counted in the
    // browser's zone is asked again.
    if (report?.time_zone && report.time_zone !== state.tz) {
      state.tz = report.time_zone;
      const found = PRESETS.find(([id]) => id === state.preset);
      const range = found && presetRange(found[1], state.tz);
      if (range && (range.from !== state.from || range.to !== state.to)) {
        Object.assign(state, range);
        fromIn.value = state.from; toIn.value = state.to;
        load();
        return;
      }
    }
    const Chart = await chartLibrary();
    if (mine !== generation || destroyed) return;
    render(report || {}, Chart);
    status.textContent = t('reports.range_tz', { from: report.from, to: report.to, tz: report.time_zone || '' });
    body.setAttribute('aria-busy', 'false');
  }

  function render(r, Chart) {
    destroyCharts();
    const f = fmt();
    const series = Array.isArray(r.series) ? r.series : [];
    const tot = r.totals || {};
    const labels = series.map((s) => f.period(s.period, r.granularity));
    const vol = (x, k) => x?.volumes?.[k] ?? null;
    const figures = [];

    figures.push(chartFigure('volume', t('reports.chart.volume'),
      t('reports.summary.volume', { new: f.int(vol(tot, 'new')), escalated: f.int(vol(tot, 'escalated')), bot: f.int(vol(tot, 'resolved_by_bot')), people: f.int(vol(tot, 'resolved_by_people')) }),
      { type: 'line', labels, datasets: VOLUMES.map((k) => ({ label: t(`reports.volume.${k}`), data: series.map((s) => vol(s, k)) })) },
      { head: [t('reports.period'), ...VOLUMES.map((k) => t(`reports.volume.${k}`))],
        rows: series.map((s, i) => [labels[i], ...VOLUMES.map((k) => f.int(vol(s, k)))]) }));

    for (const clock of ['first_response', 'resolution']) {
      const pick = (x, side, q) => x?.[clock]?.[side]?.[q] ?? null;
      const lines = [['wall', 'median_secs'], ['wall', 'p90_secs'], ['business', 'median_secs'], ['business', 'p90_secs']];
      const name = ([side, q]) => t('reports.time.line', { q: t(q === 'median_secs' ? 'dash.median' : 'dash.p90'), clock: t(`reports.clock.${side}`) });
      figures.push(chartFigure(`${clock}-time`, t(`reports.chart.${clock}`),
        t('reports.summary.time', {
          wall: f.secs(pick(tot, 'wall', 'median_secs')), wall90: f.secs(pick(tot, 'wall', 'p90_secs')),
          business: f.secs(pick(tot, 'business', 'median_secs')), business90: f.secs(pick(tot, 'business', 'p90_secs')),
          avg: f.secs(pick(tot, 'wall', 'avg_secs')), n: f.int(pick(tot, 'wall', 'count')),
        }),
        { type: 'line', labels, yFormat: f.secs,
          datasets: lines.map((l, i) => ({ label: name(l), data: series.map((s) => pick(s, ...l)), borderDash: i % 2 ? [6, 4] : undefined })) },
        { head: [t('reports.period'), ...lines.map(name)], rows: series.map((s, i) => [labels[i], ...lines.map((l) => f.secs(pick(s, ...l)))]) }));
    }

    const slaOf = (x, c) => x?.sla?.[c] || {};
    figures.push(chartFigure('sla', t('reports.chart.sla'),
      CLOCKS.map((c) => `${t(`sla.${c}`)}: ${f.pct(slaOf(tot, c).pct ?? null)}`).join(' · '),
      { type: 'line', labels, yFormat: (v) => f.pct(v), yMax: 100,
        datasets: CLOCKS.map((c) => ({ label: t(`sla.${c}`), data: series.map((s) => slaOf(s, c).pct ?? null) })) },
      { head: [t('reports.period'), ...CLOCKS.map((c) => t(`sla.${c}`))],
        rows: [[t('reports.total'), ...CLOCKS.map((c) => slaLine(f, slaOf(tot, c)))],
          ...series.map((s, i) => [labels[i], ...CLOCKS.map((c) => slaLine(f, slaOf(s, c)))])] }));

    const csat = tot.csat || {};
    const dist = Array.isArray(csat.distribution) ? csat.distribution : [];
    figures.push(chartFigure('csat', t('reports.chart.csat'),
      t('reports.summary.csat', { avg: f.dec(csat.average ?? null), n: f.int(csat.responses ?? 0) }),
      { type: 'bar', labels: [1, 2, 3, 4, 5].map((n) => t('reports.csat.score', { n })),
        datasets: [{ label: t('reports.csat.answers'), data: [0, 1, 2, 3, 4].map((i) => dist[i] ?? 0) }] },
      { head: [t('reports.csat.score_col'), t('reports.csat.answers')],
        rows: [0, 1, 2, 3, 4].map((i) => [String(i + 1), f.int(dist[i] ?? 0)]) }));

    const tile = (id, label, value, sub) => h('div', { class: 'kpi', 'data-testid': `report-${id}` },
      h('span', { class: 'kpi-label' }, label), h('strong', { class: 'kpi-value' }, value), sub && h('span', { class: 'kpi-sub' }, sub));
    clear(body,
      h('div', { class: 'kpis' },
        tile('new', t('reports.volume.new'), f.int(vol(tot, 'new')), t('reports.reopened', { n: f.int(vol(tot, 'reopened')) })),
        tile('escalation-rate', t('reports.rate.escalation'), f.pct(tot.escalation_rate_pct ?? null)),
        tile('deflection', t('reports.rate.deflection'), f.pct(tot.bot_deflection_pct ?? null)),
        tile('fcr', t('reports.rate.fcr'), f.pct(tot.first_contact_resolution_pct ?? null)),
        tile('reopen-rate', t('reports.rate.reopen'), f.pct(tot.reopen_rate_pct ?? null)),
        tile('csat', t('dash.csat'), f.dec(csat.average ?? null), t('reports.csat.n', { n: f.int(csat.responses ?? 0) }))),
      h('div', { class: 'report-charts' }, figures.map((x) => x.fig)),
      breakdowns(r, f, ctx));
    charts = figures.map((x) => drawChart(Chart, x));
  }

  load();
  return { destroy() { destroyed = true; destroyCharts(); } };
}

function slaLine(f, s) {
  return s.pct === undefined ? '—' : `${f.pct(s.pct)} (${f.int(s.met ?? 0)} / ${f.int((s.met ?? 0) + (s.breached ?? 0))})`;
}

/// The per team, per agent and per reason tables.
function breakdowns(r, f, ctx) {
  const cols = [t('reports.volume.new'), t('reports.volume.escalated'), t('reports.volume.resolved_by_bot'), t('reports.volume.resolved_by_people'),
    t('reports.col.frt'), t('reports.col.frt_business'), t('reports.col.rt'), t('reports.col.rt_business'), t('reports.col.sla_frt'), t('dash.csat')];
  const figs = (x) => [f.int(x.volumes?.new), f.int(x.volumes?.escalated), f.int(x.volumes?.resolved_by_bot), f.int(x.volumes?.resolved_by_people),
    f.secs(x.first_response?.wall?.median_secs ?? null), f.secs(x.first_response?.business?.median_secs ?? null),
    f.secs(x.resolution?.wall?.median_secs ?? null), f.secs(x.resolution?.business?.median_secs ?? null),
    f.pct(x.sla?.first_response?.pct ?? null), f.dec(x.csat?.average ?? null)];
  const list = (v) => (Array.isArray(v) ? v : []);
  const section = (id, title, table) => h('section', { class: 'card report-breakdown' }, h('h3', { id: `h-${id}` }, title), table);
  return h('div', { class: 'report-breakdowns' },
    section('teams', t('reports.by_team'), dataTable({ head: [t('conv.team'), ...cols],
      rows: list(r.by_team).map((x) => [ctx.teamName(x.team), ...figs(x)]) }, 'report-by-team')),
    section('agents', t('reports.by_agent'), dataTable({ head: [t('reports.agent'), ...cols, t('avail.online'), t('avail.away'), t('avail.offline')],
      rows: list(r.by_agent).map((x) => [x.name || ctx.agentName(x.agent), ...figs(x),
        f.secs(x.activity?.online_secs ?? null), f.secs(x.activity?.away_secs ?? null), f.secs(x.activity?.offline_secs ?? null)]) }, 'report-by-agent')),
    section('reasons', t('reports.by_reason'), dataTable({ head: [t('reports.reason'), t('reports.volume.escalated')],
      rows: list(r.by_reason).map((x) => [t(`reports.reason.${x.reason}`) === `reports.reason.${x.reason}` ? x.reason : t(`reports.reason.${x.reason}`), f.int(x.escalated)]) }, 'report-by-reason')));
}
