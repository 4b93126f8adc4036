// The Reports page's charts: Chart.js (vendored, loaded on first use) draws each figure, and
// every chart has its text alternative beside it: a caption and its figures as a table.

import { h } from './dom.js';
import { t } from './i18n.js';

const CHART_JS = 'chart-4.6.1.umd.min.js';
/// Line and bar colours, each at least 4.5:1 against white.
export const COLOURS = ['#1d4ed8', '#b91c1c', '#047857', '#6d28d9', '#92400e', '#0e7490'];

let loading = null;

/// Chart.js, loaded once as a classic script from this origin (the policy allows nothing
/// else). Resolves to null when it cannot load: the tables still show every figure.
export function chartLibrary() {
  if (window.Chart) return Promise.resolve(window.Chart);
  if (!loading) {
    loading = new Promise((resolve) => {
      const s = document.createElement('script');
      s.src = CHART_JS;
      s.onload = () => resolve(window.Chart || null);
      s.onerror = () => { loading = null; resolve(null); };
      document.head.appendChild(s);
    });
  }
  return loading;
}

/// A chart's figure: the title, the canvas (an image whose label summarises it), and a
/// disclosure with the same figures as a table. `spec` is `{ type, labels, datasets, yFormat,
/// stacked }`; `table` is `{ head: [..], rows: [[..]] }` of text.
export function chartFigure(id, title, summary, spec, table) {
  const canvas = h('canvas', { role: 'img', 'aria-label': `${title}. ${summary}` });
  const fig = h('figure', { class: 'card report-chart', 'data-testid': `chart-${id}` },
    h('figcaption', {}, h('h3', {}, title), h('p', { class: 'chart-summary' }, summary)),
    h('div', { class: 'chart-box' }, canvas),
    h('details', { class: 'chart-table' },
      h('summary', {}, t('reports.table.show')),
      dataTable(table, `table-${id}`)));
  return { fig, canvas, spec };
}

export function dataTable({ head, rows }, testid) {
  return h('div', { class: 'table-scroll' },
    h('table', { class: 'report-table', 'data-testid': testid },
      h('thead', {}, h('tr', {}, head.map((x, i) => h('th', { scope: 'col', class: i ? 'num' : '' }, x)))),
      h('tbody', {}, rows.map((r) => h('tr', {}, r.map((x, i) => (i
        ? h('td', { class: 'num' }, x)
        : h('th', { scope: 'row' }, x))))))));
}

/// Draws the figure's chart once Chart.js is there; returns the chart to destroy, or null.
export function drawChart(Chart, { canvas, spec }) {
  if (!Chart || !canvas.isConnected) return null;
  const { type, labels, datasets, yFormat, stacked, yMax } = spec;
  return new Chart(canvas, {
    type,
    data: {
      labels,
      datasets: datasets.map((d, i) => ({
        borderColor: COLOURS[i % COLOURS.length],
        backgroundColor: COLOURS[i % COLOURS.length],
        borderWidth: 2,
        pointRadius: labels.length > 31 ? 0 : 3,
        tension: 0.2,
        spanGaps: true,
        ...d,
      })),
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom', labels: { color: '#1c2530', boxWidth: 12 } },
        tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.raw === null ? '—' : (yFormat ? yFormat(c.raw) : c.raw)}` } },
      },
      scales: {
        x: { stacked: !!stacked, ticks: { color: '#3d4853', maxRotation: 0, autoSkip: true }, grid: { display: false } },
        y: {
          stacked: !!stacked, beginAtZero: true, max: yMax,
          ticks: { color: '#3d4853', callback: (v) => (yFormat ? yFormat(v) : v) },
          grid: { color: '#e3e7ec' },
        },
      },
    },
  });
}
