// views/grid.js: runs as columns (oldest left), tasks as rows, one cell per
// task instance coloured by its state. Built once with a DocumentFragment and
// afterwards updated in place (only cells whose state changed are touched);
// one delegated click listener on the table opens the task panel. Sized for
// 1000 tasks x 25 runs.

import {h, replace, stateClass, fmtDate, fmtDuration, secondsBetween} from '../dom.js';
import {summaryState} from '../model.js';

// The rows: tasks in the grid's order, a task group's tasks folded into
// one row (its cells sum its tasks up) unless the group is open, then
// the group's row followed by its tasks.
function displayRows(model, open) {
  const byId = model.tasks?.byId || new Map();
  const ids = model.grid.taskIds;
  const rows = [], seen = new Set();
  for (const id of ids) {
    const g = byId.get(id)?.group;
    if (!g) { rows.push({id, task: id, mapped: !!byId.get(id)?.mapped}); continue; }
    if (seen.has(g)) continue;
    seen.add(g);
    const members = ids.filter((x) => byId.get(x)?.group === g);
    rows.push({id: `group:${g}`, group: g, members, open: open.has(g)});
    if (open.has(g)) for (const m of members) rows.push({id: m, task: m, inGroup: true, mapped: !!byId.get(m)?.mapped});
  }
  return rows;
}

export function create(ctx, shell) {
  const table = h('table', {class: 'grid', id: 'grid'});
  const legend = h('div', {class: 'legend', 'aria-label': 'States'},
    ['success', 'failed', 'running', 'queued', 'scheduled', 'up_for_retry', 'up_for_reschedule', 'upstream_failed', 'skipped', 'none']
      .map((st) => h('span', {class: 'legend-item'}, h('span', {class: ['swatch', stateClass(st)]}), st.replace(/_/g, ' '))));
  const empty = h('p', {class: 'empty', hidden: true}, 'No runs yet. Trigger one, or unpause the DAG and let the scheduler create them.');
  const el = h('div', {class: 'grid-view'}, legend, empty, h('div', {class: 'grid-scroll'}, table));

  let shape = '';          // task ids + run ids the table was built for
  let cells = [];          // cells[t][r] -> td
  let cellState = [];      // last class set on each td
  let runs = [], rows = [], grid = null, selected = null;

  // a row's cell: {state, ...} of its task, or its group's summary
  const cellOf = (row, runId) => row.group
    ? {state: summaryState(row.members.map((m) => grid.cell(m, runId)?.state))}
    : grid.cell(row.task, runId);

  table.addEventListener('click', (e) => {
    const btn = e.target.closest('button.group-toggle');
    if (btn) { shell.toggleGroup(btn.dataset.group); return; }
    const td = e.target.closest('td.cell');
    if (!td || !table.contains(td)) return;
    const t = Number(td.parentNode.dataset.t), r = Number(td.dataset.r);
    if (rows[t].group) { shell.toggleGroup(rows[t].group); return; }   // a group's cell opens the group
    select(t, r);
    shell.openTask(runs[r].run_id, rows[t].task);
  });
  table.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && e.target.matches('td.cell')) { e.preventDefault(); e.target.click(); }
  });
  // Tooltips are written when the pointer arrives, not for all 25 000 cells up front.
  table.addEventListener('mouseover', (e) => {
    const td = e.target.closest('td.cell');
    if (!td) return;
    const t = Number(td.parentNode.dataset.t), r = Number(td.dataset.r);
    const row = rows[t];
    const c = cellOf(row, runs[r].run_id);
    const lines = [row.group ? `Group: ${row.group} (${row.members.join(', ')})` : `Task: ${row.task}`,
      `Run: ${runs[r].run_id}`, `State: ${c?.state || 'none'}`];
    if (c?.map_count) lines.push(`Mapped: ${c.map_count} instances`);
    if (c?.try_number) lines.push(`Try: ${c.try_number}`);
    if (c?.start_date) lines.push(`Started: ${fmtDate(c.start_date)}`);
    if (c?.start_date) lines.push(`Duration: ${fmtDuration(c.duration ?? secondsBetween(c.start_date, c.end_date))}`);
    td.title = lines.join('\n');
  });

  function select(t, r) {
    if (selected) selected.classList.remove('sel');
    selected = cells[t]?.[r] || null;
    if (selected) selected.classList.add('sel');
  }

  function runHeader(run, i, maxDur) {
    const dur = secondsBetween(run.start_date, run.end_date) || 0;
    const bar = h('span', {class: ['run-bar', stateClass(run.state)]});
    bar.style.height = `${Math.max(4, Math.round(40 * (maxDur ? dur / maxDur : 0)))}px`;
    return h('th', {class: 'run-col', scope: 'col', dataset: {r: i, runId: run.run_id},
      title: `${run.run_id}\n${run.state || 'none'} · ${run.run_type || ''}\nLogical date: ${fmtDate(run.logical_date)}\nDuration: ${fmtDuration(dur)}`},
    bar);
  }

  function build() {
    const maxDur = Math.max(0, ...runs.map((r) => secondsBetween(r.start_date, r.end_date) || 0));
    const frag = document.createDocumentFragment();
    frag.appendChild(h('thead', null, h('tr', null,
      h('th', {class: 'task-col corner', scope: 'col'}, h('span', {class: 'muted small'}, `${grid.taskIds.length} tasks · ${runs.length} runs`)),
      runs.map((run, i) => runHeader(run, i, maxDur)))));
    const tbody = document.createElement('tbody');
    cells = [];
    cellState = [];
    for (let t = 0; t < rows.length; t++) {
      const row = rows[t];
      const tr = document.createElement('tr');
      tr.dataset.t = t;
      const th = document.createElement('th');
      th.className = 'task-col';
      th.scope = 'row';
      if (row.group) {
        tr.className = 'group-row';
        tr.dataset.group = row.group;
        th.appendChild(h('button', {type: 'button', class: 'group-toggle', dataset: {group: row.group},
          'aria-expanded': String(row.open), title: row.members.join(', ')},
        `${row.open ? '▾' : '▸'} ${row.group}`, h('span', {class: 'map-count'}, `${row.members.length} tasks`)));
      } else {
        tr.dataset.taskId = row.task;
        if (row.inGroup) tr.className = 'in-group';
        th.textContent = row.task;
        if (row.mapped) {
          const last = runs.length ? grid.cell(row.task, runs[runs.length - 1].run_id)?.map_count : 0;
          th.appendChild(h('span', {class: 'map-count', title: 'mapped task: instances in the latest run'}, `[${last || ' '}]`));
        }
      }
      tr.appendChild(th);
      const rowCells = [], rowState = [];
      for (let r = 0; r < runs.length; r++) {
        const td = document.createElement('td');
        const cls = stateClass(cellOf(row, runs[r].run_id)?.state);
        td.className = 'cell ' + cls;
        td.dataset.r = r;
        td.tabIndex = -1;
        tr.appendChild(td);
        rowCells.push(td);
        rowState.push(cls);
      }
      cells.push(rowCells);
      cellState.push(rowState);
      tbody.appendChild(tr);
    }
    frag.appendChild(tbody);
    replace(table, frag);
    selected = null;
  }

  function patch() {
    const maxDur = Math.max(0, ...runs.map((r) => secondsBetween(r.start_date, r.end_date) || 0));
    const ths = table.tHead.rows[0].cells;
    runs.forEach((run, i) => ths[i + 1].replaceWith(runHeader(run, i, maxDur)));
    for (let t = 0; t < rows.length; t++) {
      for (let r = 0; r < runs.length; r++) {
        const cls = stateClass(cellOf(rows[t], runs[r].run_id)?.state);
        if (cellState[t][r] !== cls) {
          cells[t][r].classList.replace(cellState[t][r], cls);
          cellState[t][r] = cls;
        }
      }
    }
  }

  return {
    el,
    update(model) {
      grid = model.grid;
      runs = grid.runs;
      rows = displayRows(model, shell.openGroups || new Set());
      empty.hidden = runs.length > 0;
      const mapKey = rows.filter((x) => x.mapped).map((x) => grid.cell(x.task, runs[runs.length - 1]?.run_id)?.map_count);
      const key = JSON.stringify([rows.map((x) => x.id + (x.open ? '+' : '')), runs.map((r) => r.run_id), mapKey]);
      if (key !== shape) { shape = key; build(); } else patch();
    },
  };
}
