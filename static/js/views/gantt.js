// views/gantt.js: one run's task instances as bars on a time axis (start to
// end; a running task's bar grows to now). Rows follow the order tasks started.

import * as api from '../api.js';
import {h, s, replace, stateClass, fmtDate, fmtDuration, secondsBetween} from '../dom.js';
import {runPicker} from '../widgets.js';

const LABEL_W = 200, ROW = 24, TOP = 28, RIGHT = 24;

// A tick step of 1, 2 or 5 x 10^n seconds (or minutes/hours) giving ~6 ticks.
export function niceStep(spanSec, want = 6) {
  const raw = spanSec / want;
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
  return steps.find((x) => x >= raw) || Math.ceil(raw / 86400) * 86400;
}

export function create(ctx, shell) {
  const pickerSlot = h('span');
  const chart = h('div', {class: 'gantt-scroll'});
  const info = h('span', {class: 'muted small'});
  const el = h('div', {class: 'gantt-view'},
    h('div', {class: 'view-toolbar'}, h('label', {for: 'run-picker'}, 'Run'), pickerSlot, info), chart);
  let pickerKey = '', lastKey = '';

  chart.addEventListener('click', (e) => {
    const g = e.target.closest('[data-task-id]');
    if (g && shell.selectedRun) shell.openTask(shell.selectedRun, g.dataset.taskId);
  });

  function draw(run, tis) {
    const started = tis.filter((t) => t.start_date);
    const t0 = Math.min(...started.map((t) => Date.parse(t.start_date)), Date.parse(run.start_date || '') || Infinity);
    if (!started.length || !Number.isFinite(t0)) {
      replace(chart, h('p', {class: 'empty'}, 'No task of this run has started yet.'));
      return;
    }
    const ends = started.map((t) => (t.end_date ? Date.parse(t.end_date) : Date.now()));
    const t1 = Math.max(...ends, t0 + 1000);
    const span = (t1 - t0) / 1000;
    const width = Math.max(640, chart.clientWidth - 4);
    const plotW = width - LABEL_W - RIGHT;
    const x = (ms) => LABEL_W + ((ms - t0) / 1000 / span) * plotW;
    const order = tis.slice().sort((a, b) => (Date.parse(a.start_date || '') || Infinity) - (Date.parse(b.start_date || '') || Infinity));
    const height = TOP + order.length * ROW + 10;
    const svg = s('svg', {class: 'gantt', id: 'gantt', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
      'aria-label': `Gantt chart of run ${run.run_id}`});
    const step = niceStep(span);
    const axis = s('g', {class: 'axis'});
    for (let v = 0; v <= span + 1e-9; v += step) {
      const xx = LABEL_W + (v / span) * plotW;
      axis.appendChild(s('line', {x1: xx, x2: xx, y1: TOP - 6, y2: height - 6, class: 'gridline'}));
      axis.appendChild(s('text', {x: xx, y: TOP - 10, class: 'tick', 'text-anchor': 'middle'}, `+${fmtDuration(v)}`));
    }
    svg.appendChild(axis);
    order.forEach((ti, i) => {
      const y = TOP + i * ROW;
      const row = s('g', {class: 'gantt-row', dataset: {taskId: ti.task_id}});
      row.appendChild(s('rect', {class: 'row-bg', x: 0, y, width, height: ROW}));
      row.appendChild(s('text', {class: 'row-label', x: 8, y: y + 16}, ti.task_id.length > 26 ? ti.task_id.slice(0, 25) + '…' : ti.task_id));
      if (ti.start_date) {
        const a = Date.parse(ti.start_date), b = ti.end_date ? Date.parse(ti.end_date) : Date.now();
        const bw = Math.max(3, x(b) - x(a));
        row.appendChild(s('rect', {class: ['bar', stateClass(ti.state)], x: x(a), y: y + 5, width: bw, height: ROW - 10, rx: 3},
          s('title', null, `${ti.task_id}: ${ti.state}\n${fmtDate(ti.start_date)} → ${ti.end_date ? fmtDate(ti.end_date) : 'running'}\n${fmtDuration(ti.duration ?? secondsBetween(ti.start_date, ti.end_date))}`)));
      } else {
        row.appendChild(s('text', {class: 'tick', x: LABEL_W + 4, y: y + 16}, ti.state || 'not started'));
      }
      svg.appendChild(row);
    });
    replace(chart, svg);
  }

  return {
    el,
    async update(model) {
      const runs = model.grid.runs;
      const pk = JSON.stringify([runs.map((r) => [r.run_id, r.state]), shell.selectedRun]);
      if (pk !== pickerKey && !pickerSlot.contains(document.activeElement)) { pickerKey = pk; replace(pickerSlot, runPicker(shell, runs)); }
      const run = runs.find((r) => r.run_id === shell.selectedRun);
      if (!run) { replace(chart, h('p', {class: 'empty'}, 'No runs yet.')); info.textContent = ''; return; }
      const reply = await api.get(api.path.tis(shell.dagId, run.run_id));
      const tis = reply.task_instances || [];
      info.textContent = `${run.state || 'none'} · started ${fmtDate(run.start_date)} · ${fmtDuration(secondsBetween(run.start_date, run.end_date))}`;
      const key = JSON.stringify([run, tis, chart.clientWidth]);
      const live = tis.some((t) => t.start_date && !t.end_date);
      if (key !== lastKey || live) { lastKey = key; draw(run, tis); }
    },
  };
}
