// views/durations.js: run durations over time, one bar per run (oldest left),
// coloured by run state, with a y axis in seconds/minutes.

import * as api from '../api.js';
import {h, s, replace, stateClass, fmtDate, fmtDuration, secondsBetween} from '../dom.js';
import {niceStep} from './gantt.js';

const LEFT = 70, BOTTOM = 56, TOP = 16, RIGHT = 16, H = 300;

export function create(ctx, shell) {
  const chart = h('div', {class: 'durations-scroll'});
  const note = h('span', {class: 'muted small'});
  const el = h('div', {class: 'durations-view'}, h('div', {class: 'view-toolbar'}, h('strong', null, 'Last 50 runs'), note), chart);
  let lastKey = '';

  chart.addEventListener('click', (e) => {
    const b = e.target.closest('[data-run-id]');
    if (b) { shell.selectRun(b.dataset.runId); location.hash = `#/dags/${encodeURIComponent(shell.dagId)}/gantt?run=${encodeURIComponent(b.dataset.runId)}`; }
  });

  function draw(runs) {
    if (!runs.length) { replace(chart, h('p', {class: 'empty'}, 'No runs yet.')); return; }
    const durs = runs.map((r) => secondsBetween(r.start_date, r.end_date) ?? 0);
    const maxD = Math.max(1, ...durs);
    const step = niceStep(maxD, 5);
    const top = Math.ceil(maxD / step) * step;
    const width = Math.max(560, chart.clientWidth - 4);
    const plotW = width - LEFT - RIGHT, plotH = H - TOP - BOTTOM;
    const bw = Math.min(36, plotW / runs.length * 0.7), gap = plotW / runs.length;
    const svg = s('svg', {class: 'durations', id: 'durations', width, height: H, viewBox: `0 0 ${width} ${H}`, role: 'img',
      'aria-label': 'Run durations'});
    for (let v = 0; v <= top + 1e-9; v += step) {
      const y = TOP + plotH - (v / top) * plotH;
      svg.appendChild(s('line', {class: 'gridline', x1: LEFT, x2: width - RIGHT, y1: y, y2: y}));
      svg.appendChild(s('text', {class: 'tick', x: LEFT - 8, y: y + 4, 'text-anchor': 'end'}, fmtDuration(v)));
    }
    const labelEvery = Math.ceil(runs.length / 8);
    runs.forEach((r, i) => {
      const hgt = Math.max(2, (durs[i] / top) * plotH);
      const x = LEFT + i * gap + (gap - bw) / 2;
      svg.appendChild(s('rect', {class: ['bar', stateClass(r.state)], x, y: TOP + plotH - hgt, width: bw, height: hgt, rx: 2,
        dataset: {runId: r.run_id}, tabindex: 0},
      s('title', null, `${r.run_id}\n${r.state}\n${fmtDate(r.logical_date)}\n${fmtDuration(durs[i])}`)));
      if (i % labelEvery === 0) {
        const d = new Date(r.logical_date || r.start_date || 0).toISOString();
        svg.appendChild(s('text', {class: 'tick', x: x + bw / 2, y: H - BOTTOM + 16, 'text-anchor': 'middle'}, d.slice(5, 10)));
        svg.appendChild(s('text', {class: 'tick', x: x + bw / 2, y: H - BOTTOM + 30, 'text-anchor': 'middle'}, d.slice(11, 16)));
      }
    });
    svg.appendChild(s('line', {class: 'axis-line', x1: LEFT, x2: width - RIGHT, y1: TOP + plotH, y2: TOP + plotH}));
    svg.appendChild(s('text', {class: 'tick', x: LEFT, y: H - 8}, 'logical date (UTC)'));
    replace(chart, svg);
  }

  return {
    el,
    async update() {
      const reply = await api.get(api.path.runs(shell.dagId), {limit: 50, order_by: '-logical_date'});
      const runs = (reply.dag_runs || []).map((r) => ({...r, run_id: r.dag_run_id ?? r.run_id}))
        .sort((a, b) => Date.parse(a.logical_date || a.start_date || 0) - Date.parse(b.logical_date || b.start_date || 0));
      note.textContent = `${reply.total_entries ?? runs.length} runs in total`;
      const key = JSON.stringify([runs, chart.clientWidth]);
      if (key !== lastKey || runs.some((r) => r.state === 'running')) { lastKey = key; draw(runs); }
    },
  };
}
