// views/dag.js: one DAG's page. Header (id, description, pause, trigger), tabs
// (grid, graph, Gantt, run durations, calendar, source) and the task instance panel. Loads the
// DAG, its tasks and the grid every 2 s and hands them to the active tab.

import * as api from '../api.js';
import {h, replace, fmtDateZone} from '../dom.js';
import {startPolling} from '../poll.js';
import {pauseSwitch, triggerButton, tagChips} from '../widgets.js';
import {normalizeTasks, normalizeGrid, gridFromRuns, layers, runIdOf} from '../model.js';
import {scheduleText} from './dags.js';
import * as gridTab from './grid.js';
import * as graphTab from './graph.js';
import * as ganttTab from './gantt.js';
import * as durationsTab from './durations.js';
import * as calendarTab from './calendar.js';
import * as sourceTab from './source.js';
import {createTaskPanel} from './taskpanel.js';
import {backfillDialog, confirmDialog} from '../control.js';

const TABS = [
  {id: 'grid', label: 'Grid', mod: gridTab},
  {id: 'graph', label: 'Graph', mod: graphTab},
  {id: 'gantt', label: 'Gantt', mod: ganttTab},
  {id: 'durations', label: 'Run durations', mod: durationsTab},
  {id: 'calendar', label: 'Calendar', mod: calendarTab},
  {id: 'source', label: 'Source', mod: sourceTab},
];

let gridEndpoint = true;   // false once the server said it has no /grid
const openGroupsByDag = new Map();   // DAG id -> its task groups shown open (kept across tabs)

export function mount(root, ctx, params) {
  const dagId = params.dagId;
  const tab = TABS.find((t) => t.id === params.tab) || TABS[0];
  document.title = `${dagId} — airc`;
  let selectedRun = params.query.get('run') || null;

  const headSlot = h('div', {class: 'dag-head'});
  const errSlot = h('div');
  const body = h('div', {class: 'tab-body'});
  const shell = {
    dagId,
    get selectedRun() { return selectedRun; },
    selectRun(runId) {
      selectedRun = runId;
      const q = new URLSearchParams(params.query);
      if (runId) q.set('run', runId); else q.delete('run');
      history.replaceState(null, '', `#/dags/${encodeURIComponent(dagId)}/${tab.id}${q.toString() ? '?' + q : ''}`);
      if (model) view.update(model);
    },
    openTask: (runId, taskId) => panel.open(runId, taskId),
    // task groups shown open (the others are collapsed into one node/row)
    openGroups: openGroupsByDag.get(dagId) || openGroupsByDag.set(dagId, new Set()).get(dagId),
    toggleGroup(name) {
      if (shell.openGroups.has(name)) shell.openGroups.delete(name); else shell.openGroups.add(name);
      if (model) view.update(model);
    },
    refresh: () => poller.kick(),
  };
  const panel = createTaskPanel(ctx, shell);
  const view = tab.mod.create(ctx, shell);
  body.appendChild(view.el);

  const tabs = h('nav', {class: 'tabs', 'aria-label': 'DAG views'}, TABS.map((t) =>
    h('a', {href: `#/dags/${encodeURIComponent(dagId)}/${t.id}${selectedRun ? '?run=' + encodeURIComponent(selectedRun) : ''}`,
      class: ['tab', t === tab && 'active'], 'aria-current': t === tab ? 'page' : false, dataset: {tab: t.id}}, t.label)));

  root.appendChild(h('section', {class: 'page dag-page'},
    h('nav', {class: 'crumbs', 'aria-label': 'Breadcrumb'}, h('a', {href: '#/dags'}, 'DAGs'), h('span', {'aria-hidden': 'true'}, ' / '),
      h('span', null, dagId)),
    headSlot, errSlot, tabs,
    h('div', {class: 'dag-layout'}, h('div', {class: 'card tab-card'}, body), panel.el)));

  let model = null, headKey = '';
  let timezone = null;   // the DAG's time zone, from /details once (schedules are read on its wall clock)

  function renderHead(dag) {
    const key = JSON.stringify([dag.is_paused, dag.description, dag.tags, dag.schedule_interval, dag.next_dagrun, timezone, ctx.canEdit()]);
    if (key === headKey || headSlot.contains(document.activeElement)) return;
    headKey = key;
    replace(headSlot,
      h('div', {class: 'dag-title'},
        pauseSwitch(ctx, dag, () => poller.kick()),
        h('h1', {id: 'dag-title'}, dag.dag_id),
        dag.is_paused ? h('span', {class: 'pill pill-muted', id: 'paused-pill'}, 'paused') : null,
        h('div', {class: 'spacer'}),
        h('button', {type: 'button', class: 'btn', id: 'btn-backfill', disabled: !ctx.canEdit(),
          title: ctx.canEdit() ? `Backfill ${dagId} over a date range` : 'Your role cannot backfill',
          on: {click: () => backfillDialog(ctx, dagId)}}, 'Backfill'),
        h('button', {type: 'button', class: 'btn btn-danger', id: 'btn-delete-dag', disabled: !ctx.canEdit(),
          title: ctx.canEdit() ? `Delete the history of ${dagId}` : 'Your role cannot delete DAGs',
          on: {click: async () => {
            if (!await confirmDialog('Delete DAG', `Delete every run, task instance and XCom value of ${dagId}? ` +
              'Running tasks are stopped. A file still in the DAG folder brings it back as a new, paused DAG.', 'Delete')) return;
            try {
              await api.del(api.path.dag(dagId));
              ctx.toast(`Deleted ${dagId}`, 'success');
              ctx.navigate('#/dags');
            } catch (e) { ctx.toast(`Delete failed: ${ctx.errorText(e)}`, 'error'); }
          }}}, 'Delete'),
        triggerButton(ctx, dagId, (r) => { if (r) shell.selectRun(String(runIdOf(r))); poller.kick(); })),
      dag.description ? h('p', {class: 'dag-desc', id: 'dag-description'}, dag.description) : null,
      h('div', {class: 'dag-meta'},
        h('span', null, h('span', {class: 'muted'}, 'Schedule '), h('code', null, scheduleText(dag.schedule_interval))),
        h('span', {id: 'next-run'}, h('span', {class: 'muted'}, 'Next run '), fmtDateZone(dag.next_dagrun, timezone)),
        dag.fileloc ? h('span', {class: 'muted small', title: dag.fileloc}, dag.fileloc) : null,
        tagChips(dag.tags)));
  }

  let tasksCache = null;
  async function loadGrid(taskOrder) {
    if (gridEndpoint) {
      try {
        return normalizeGrid(await api.get(`${api.path.dag(dagId)}/grid`, {limit: 25}), taskOrder);
      } catch (e) {
        if (e.status !== 404 && e.status !== 405 && e.status !== 501) throw e;
        gridEndpoint = false;
      }
    }
    const runs = (await api.get(api.path.runs(dagId), {limit: 25})).dag_runs || [];
    const tis = new Map(await Promise.all(runs.map(async (r) =>
      [runIdOf(r), (await api.get(api.path.tis(dagId, runIdOf(r)))).task_instances || []])));
    return normalizeGrid(gridFromRuns(runs, tis), taskOrder);
  }

  async function refresh() {
    try {
      const [dag, tasksReply] = await Promise.all([
        api.get(api.path.dag(dagId)),
        tasksCache ? Promise.resolve(null) : api.get(`${api.path.dag(dagId)}/tasks`),
      ]);
      if (timezone === null) {
        try { timezone = (await api.get(`${api.path.dag(dagId)}/details`)).timezone || 'UTC'; } catch (e) { timezone = 'UTC'; }
      }
      if (tasksReply) {
        const t = normalizeTasks(tasksReply);
        t.layers = layers(t.tasks, t.byId);
        t.order = t.layers.flat();
        tasksCache = t;
      }
      const grid = await loadGrid(tasksCache.order);
      model = {dag, tasks: tasksCache, grid};
      if (!selectedRun || !grid.runs.some((r) => r.run_id === selectedRun)) {
        const last = grid.runs[grid.runs.length - 1];
        if (last && !params.query.get('run')) selectedRun = last.run_id;
      }
      renderHead(dag);
      replace(errSlot);
      await view.update(model);
      await panel.refresh();
    } catch (e) {
      if (e.status === 404) replace(errSlot, h('div', {class: 'banner banner-error', role: 'alert'}, `DAG ${dagId} was not found.`));
      else if (e.status !== 401) replace(errSlot, h('div', {class: 'banner banner-error', role: 'alert'}, ctx.errorText(e)));
      else return false;
    }
    return true;
  }

  const poller = startPolling(refresh, 2000, {live: true});
  return {unmount() { poller.stop(); panel.close(); if (view.destroy) view.destroy(); }};
}
