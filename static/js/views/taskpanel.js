// views/taskpanel.js: the task instance panel beside a DAG's views: state,
// tries, times, note, XCom, actions (clear, mark success/failed) and the log
// viewer, which follows a running try live (see followLog).

import * as api from '../api.js';
import {h, replace, stateBadge, fmtDate, fmtDuration, secondsBetween} from '../dom.js';
import {startPolling} from '../poll.js';
import {confirmDialog, noteEditor} from '../control.js';

// Streams a try's log into pre: asks for bytes from the last offset every
// second and appends them as a text node, until the server says the log is
// complete. Returns {stop()}.
export function followLog(dagId, runId, taskId, tryNo, pre, status, mapIndex) {
  let offset = 0, misses = 0;
  const ctrl = new AbortController();
  status.textContent = 'Loading log…';
  const poll = startPolling(async () => {
    let chunk;
    try {
      chunk = await api.getLog(dagId, runId, taskId, tryNo, offset, ctrl.signal, mapIndex);
    } catch (e) {
      if (e.name === 'AbortError') return false;
      if (e.status === 404 && ++misses < 600) { status.textContent = 'Waiting for the log…'; return true; }
      status.textContent = `Log unavailable: ${e.message}`;
      return false;
    }
    if (chunk.text) {
      const stick = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
      pre.appendChild(document.createTextNode(chunk.text));
      if (stick) pre.scrollTop = pre.scrollHeight;
    }
    offset = chunk.nextOffset;
    status.textContent = chunk.complete ? `Log complete (${offset} bytes)` : 'Following live…';
    status.classList.toggle('live', !chunk.complete);
    pre.dataset.complete = String(chunk.complete);
    return !chunk.complete;
  }, 1000);
  return {stop() { ctrl.abort(); poll.stop(); }};
}

export function createTaskPanel(ctx, shell) {
  const el = h('aside', {class: 'task-panel', id: 'task-panel', hidden: true, 'aria-label': 'Task instance'});
  let sel = null;          // {runId, taskId, mapIndex, mapCount}: mapIndex set for a mapped task's instance
  let ti = null, key = '', log = null, logTry = null, followLatest = true;
  const logPre = h('pre', {class: 'log', id: 'task-log', tabindex: 0, 'aria-label': 'Log'});
  const logStatus = h('span', {class: 'log-status small', id: 'log-status'});
  const trySlot = h('span', {class: 'try-tabs'});
  const mapSlot = h('div', {class: 'try-tabs', id: 'map-tabs'});   // a mapped task's instances
  const bodySlot = h('div');
  const header = h('div', {class: 'panel-head'});

  el.append(header, mapSlot, bodySlot, h('section', {class: 'panel-section'},
    h('div', {class: 'section-head'}, h('h3', null, 'Log'), trySlot, h('span', {class: 'spacer'}), logStatus),
    logPre));

  function startLog(tryNo) {
    if (log) log.stop();
    log = null;
    logTry = tryNo;
    logPre.textContent = '';
    delete logPre.dataset.complete;
    if (!tryNo || tryNo < 1) { logStatus.textContent = 'No try has started yet.'; return; }
    log = followLog(shell.dagId, sel.runId, sel.taskId, tryNo, logPre, logStatus, sel.mapIndex);
  }

  async function act(label, fn) {
    try {
      await fn();
      ctx.toast(label, 'success');
      shell.refresh();
      await load();
    } catch (e) {
      ctx.toast(`${label} failed: ${ctx.errorText(e)}`, 'error');
    }
  }

  // Marks the task; a running or queued try is stopped by the scheduler, so ask first.
  async function mark(state) {
    const live = ti && (ti.state === 'running' || ti.state === 'queued');
    if (live && !await confirmDialog(`Stop ${sel.taskId}`, `${sel.taskId} is ${ti.state}. Its process group gets SIGTERM ` +
      `(SIGKILL after the grace period) and the task is marked ${state}.`, `Stop and mark ${state}`)) return;
    await act(`Marked ${sel.taskId} ${state}`, () =>
      api.patch(api.path.ti(shell.dagId, sel.runId, sel.taskId), {new_state: state, dry_run: false}));
  }

  // The run's own actions: mark it, re-queue it, delete it.
  async function runAction(state) {
    const runPath = api.path.run(shell.dagId, sel.runId);
    if (state === 'delete') {
      if (!await confirmDialog('Delete run', `Delete run ${sel.runId} with its task instances and XCom values? ` +
        'Running tasks are stopped; logs are kept.', 'Delete run')) return;
      try {
        await api.del(runPath);
        ctx.toast(`Deleted run ${sel.runId}`, 'success');
        close();
        shell.refresh();
      } catch (e) { ctx.toast(`Delete failed: ${ctx.errorText(e)}`, 'error'); }
      return;
    }
    if (state !== 'queued' && !await confirmDialog(`Mark run ${state}`, state === 'success'
      ? `Mark every task of ${sel.runId} success? Running tasks are stopped.`
      : `Mark ${sel.runId} failed? Running tasks are stopped and marked failed, the others not yet run are skipped.`,
    `Mark run ${state}`, state === 'failed')) return;
    await act(`Run ${sel.runId} set to ${state}`, () => api.patch(runPath, {state}));
  }

  const downstream = h('input', {type: 'checkbox', id: 'clear-downstream', checked: true});
  const onlyFailed = h('input', {type: 'checkbox', id: 'clear-only-failed'});
  const actionSlot = h('div');

  function actions() {
    const can = ctx.canEdit();
    downstream.disabled = onlyFailed.disabled = !can;
    const why = can ? undefined : 'Your role cannot change task instances';
    const tiPath = api.path.ti(shell.dagId, sel.runId, sel.taskId);
    return h('section', {class: 'panel-section actions'},
      h('div', {class: 'btn-row'},
        h('button', {type: 'button', class: 'btn', id: 'btn-clear', disabled: !can, title: why, on: {click: () =>
          act(`Cleared ${sel.taskId}${downstream.checked ? ' and downstream' : ''}`, () =>
            api.post(`${api.path.dag(shell.dagId)}/clearTaskInstances`, {dag_run_id: sel.runId, task_ids: [sel.taskId],
              include_downstream: downstream.checked, only_failed: onlyFailed.checked, dry_run: false}))}}, 'Clear'),
        ['success', 'failed', 'skipped'].map((state) =>
          h('button', {type: 'button', class: ['btn', state === 'success' && 'btn-success', state === 'failed' && 'btn-danger'],
            id: `btn-mark-${state}`, disabled: !can, title: why, on: {click: () => mark(state)}}, `Mark ${state}`))),
      h('div', {class: 'checks'},
        h('label', null, downstream, ' downstream'),
        h('label', null, onlyFailed, ' only failed')),
      h('h3', null, 'Run ', h('span', {class: 'mono small'}, sel.runId)),
      h('div', {class: 'btn-row'},
        h('button', {type: 'button', class: 'btn', id: 'btn-run-success', disabled: !can, title: why,
          on: {click: () => runAction('success')}}, 'Mark run success'),
        h('button', {type: 'button', class: 'btn', id: 'btn-run-failed', disabled: !can, title: why,
          on: {click: () => runAction('failed')}}, 'Mark run failed'),
        h('button', {type: 'button', class: 'btn', id: 'btn-run-queued', disabled: !can, title: why,
          on: {click: () => runAction('queued')}}, 'Re-queue run'),
        h('button', {type: 'button', class: 'btn btn-danger', id: 'btn-run-delete', disabled: !can, title: why,
          on: {click: () => runAction('delete')}}, 'Delete run')),
      runNoteSlot);
  }

  const runNoteSlot = h('div', {id: 'run-note-slot'});
  async function loadRunNote() {
    const want = sel;
    let run;
    try { run = await api.get(api.path.run(shell.dagId, sel.runId)); } catch { return; }
    if (sel !== want) return;
    replace(runNoteSlot, noteEditor(ctx, 'run', run.note, `${api.path.run(shell.dagId, sel.runId)}/setNote`, loadRunNote));
  }

  function tries(t) {
    const list = Array.isArray(t.tries) && t.tries.length ? t.tries.map((x) => x.try_number)
      : Array.from({length: Math.max(0, t.try_number || 0)}, (_, i) => i + 1);
    return [...new Set(list)].sort((a, b) => a - b);
  }

  function render() {
    const t = ti;
    replace(header,
      h('div', {class: 'panel-title'}, h('h2', {id: 'panel-task-id'}, sel.taskId), stateBadge(t.state)),
      h('button', {type: 'button', class: 'btn-icon', 'aria-label': 'Close panel', id: 'panel-close',
        on: {click: () => close()}}, '×'));
    const dur = t.duration ?? secondsBetween(t.start_date, t.end_date);
    let xcom = t.xcom ?? t.xcom_value;
    if (typeof xcom === 'string') { try { xcom = JSON.parse(xcom); } catch { /* shown as the text it is */ } }
    replace(bodySlot,
      h('dl', {class: 'facts'},
        h('dt', null, 'Run'), h('dd', {class: 'mono'}, sel.runId),
        h('dt', null, 'State'), h('dd', {id: 'panel-state'}, t.state || 'none'),
        h('dt', null, 'Try'), h('dd', null, String(t.try_number ?? 0)),
        t.max_tries !== undefined && t.max_tries !== null ? [h('dt', null, 'Max tries'), h('dd', null, String(t.max_tries))] : null,
        h('dt', null, 'Started'), h('dd', null, fmtDate(t.start_date)),
        h('dt', null, 'Ended'), h('dd', null, fmtDate(t.end_date)),
        h('dt', null, 'Duration'), h('dd', null, t.start_date ? fmtDuration(dur) : '—'),
        t.operator || t.type ? [h('dt', null, 'Type'), h('dd', null, t.operator || t.type)] : null,
        t.hostname ? [h('dt', null, 'Host'), h('dd', null, t.hostname)] : null,
        t.pid ? [h('dt', null, 'PID'), h('dd', null, String(t.pid))] : null,
        ),
      h('section', {class: 'panel-section'}, h('h3', null, 'Note'),
        noteEditor(ctx, 'ti', t.note, `${api.path.ti(shell.dagId, sel.runId, sel.taskId)}/setNote`, () => { key = ''; load(); })),
      actionSlot,
      h('section', {class: 'panel-section'}, h('h3', null, 'XCom'),
        xcom === undefined || xcom === null || (typeof xcom === 'object' && !Object.keys(xcom).length)
          ? h('p', {class: 'muted small'}, 'No XCom.')
          : h('pre', {class: 'xcom', id: 'task-xcom'}, typeof xcom === 'string' ? xcom : JSON.stringify(xcom, null, 2))));
    replace(mapSlot, sel.mapCount ? [h('span', {class: 'muted small'}, `Mapped: ${sel.mapCount} instances `),
      Array.from({length: sel.mapCount}, (_, i) => h('button', {type: 'button', class: ['try-tab', i === sel.mapIndex && 'on'],
        dataset: {mapIndex: i}, on: {click: () => {
          sel.mapIndex = i; key = ''; logTry = null; followLatest = true; load();
        }}}, `[${i}]`))] : null);
    const list = tries(t);
    replace(trySlot, list.map((n) => h('button', {type: 'button', class: ['try-tab', n === logTry && 'on'],
      dataset: {try: n}, on: {click: () => { followLatest = n === list[list.length - 1]; startLog(n); render(); }}}, `Try ${n}`)));
  }

  async function load() {
    if (!sel) return;
    const want = sel;
    let t;
    const base = api.path.ti(shell.dagId, sel.runId, sel.taskId);
    try {
      t = await api.get(sel.mapIndex === null || sel.mapIndex === undefined ? base : `${base}/${sel.mapIndex}`);
    } catch (e) {
      if (sel !== want) return;
      if (e.status !== 404) throw e;
      t = {task_id: sel.taskId, state: null, try_number: 0};
      if (sel.mapIndex === null || sel.mapIndex === undefined) {
        // a mapped task: its instances, the first one shown
        let lm = null;
        try { lm = await api.get(`${base}/listMapped`); } catch { /* not mapped */ }
        if (sel !== want) return;
        if (lm && lm.total_entries) {
          sel.mapCount = lm.total_entries;
          sel.mapIndex = 0;
          t = await api.get(`${base}/0`);
          if (sel !== want) return;
        }
      }
    }
    if (sel !== want) return;
    ti = t;
    const latest = tries(t).pop() || 0;
    // A new try (cleared or retried task) restarts the log if we follow the latest.
    if (logTry === null || (followLatest && latest !== logTry)) startLog(latest);
    const k = JSON.stringify([t, logTry]);
    if (k !== key) { key = k; render(); }
  }

  function close() {
    if (log) log.stop();
    log = null;
    sel = null;
    el.hidden = true;
    document.querySelector('.dag-layout')?.classList.remove('with-panel');
  }

  return {
    el,
    async open(runId, taskId) {
      if (log) log.stop();
      log = null;
      sel = {runId, taskId, mapIndex: null, mapCount: 0};
      replace(mapSlot);
      ti = null; key = ''; logTry = null; followLatest = true;
      replace(actionSlot, actions());
      loadRunNote();
      logPre.textContent = '';
      el.hidden = false;
      document.querySelector('.dag-layout')?.classList.add('with-panel');
      replace(header, h('div', {class: 'panel-title'}, h('h2', {id: 'panel-task-id'}, taskId)));
      replace(bodySlot, h('p', {class: 'muted'}, 'Loading…'));
      try { await load(); } catch (e) { replace(bodySlot, h('p', {class: 'form-error'}, ctx.errorText(e))); }
    },
    async refresh() { try { await load(); } catch { /* shown on the next successful poll */ } },
    close,
  };
}
