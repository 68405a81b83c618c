// views/datasets.js: the "Datasets" page (#/datasets). Data-aware
// scheduling at a glance: for each dataset (GET /api/v1/datasets) the tasks
// producing it (their outlets) -> the dataset URI (last update) -> the DAGs
// consuming it (their schedule), with links to each DAG; then the latest
// dataset events (GET /api/v1/datasets/events) and the runs they triggered.
// Read-only: every role may see it. Not for: editing datasets (airc records
// events only from task successes).

import * as api from '../api.js';
import {h, replace, fmtDate, fmtRelative, stateBadge} from '../dom.js';
import {startPolling} from '../poll.js';

const dagLink = (dagId, text) => h('a', {href: `#/dags/${encodeURIComponent(dagId)}/grid`, class: 'ds-dag'}, text || dagId);

export function mount(root, ctx) {
  document.title = 'Datasets — airc';
  const tbody = h('tbody');
  const events = h('tbody');
  const banner = h('div');
  const summary = h('span', {class: 'muted', id: 'datasets-summary'});
  root.appendChild(h('section', {class: 'page'},
    h('div', {class: 'page-head'}, h('h1', null, 'Datasets'), summary),
    h('p', {class: 'muted'}, 'A task\u2019s outlets update a dataset when it succeeds; a DAG scheduled on datasets runs once all of them were updated since its last run.'),
    banner,
    h('div', {class: 'card'},
      h('table', {class: 'table ds-table', id: 'datasets-table'},
        h('thead', null, h('tr', null, ['Producing tasks', '', 'Dataset', '', 'Consuming DAGs']
          .map((c) => h('th', {scope: 'col'}, c)))),
        tbody)),
    h('h2', {class: 'ds-events-title'}, 'Latest events'),
    h('div', {class: 'card'},
      h('table', {class: 'table ds-events', id: 'dataset-events'},
        h('thead', null, h('tr', null, ['When', 'Dataset', 'Source', 'Triggered runs'].map((c) => h('th', {scope: 'col'}, c)))),
        events))));

  const none = (t) => h('span', {class: 'muted'}, t);

  function datasetRow(d) {
    const prod = d.producing_tasks.length
      ? d.producing_tasks.map((t) => h('div', {class: 'ds-ref ds-producer', dataset: {dagId: t.dag_id, taskId: t.task_id}},
        dagLink(t.dag_id), h('span', {class: 'muted'}, ' . '), h('code', null, t.task_id)))
      : none('no producer');
    const cons = d.consuming_dags.length
      ? d.consuming_dags.map((c) => h('div', {class: 'ds-ref ds-consumer', dataset: {dagId: c.dag_id}}, dagLink(c.dag_id)))
      : none('no consumer');
    return h('tr', {class: 'ds-row', dataset: {uri: d.uri}},
      h('td', null, prod),
      h('td', {class: 'ds-arrow', 'aria-hidden': 'true'}, '\u2192'),
      h('td', null, h('div', {class: 'ds-uri'}, h('code', null, d.uri)),
        h('div', {class: 'muted ds-updated', title: fmtDate(d.updated_at)}, `updated ${fmtRelative(d.updated_at)}`)),
      h('td', {class: 'ds-arrow', 'aria-hidden': 'true'}, '\u2192'),
      h('td', null, cons));
  }

  function eventRow(e) {
    const runs = e.created_dagruns.length
      ? e.created_dagruns.map((r) => h('div', {class: 'ds-run'}, dagLink(r.dag_id), ' ', h('code', null, r.run_id), ' ', stateBadge(r.state)))
      : none('none yet');
    return h('tr', {class: 'ds-event-row', dataset: {id: String(e.id)}},
      h('td', {title: fmtRelative(e.timestamp)}, fmtDate(e.timestamp)),
      h('td', null, h('code', null, e.dataset_uri)),
      h('td', null, e.source_dag_id ? [dagLink(e.source_dag_id), ` . ${e.source_task_id || ''} (${e.source_run_id || ''})`] : none('—')),
      h('td', null, runs));
  }

  let ticket = 0;
  async function load() {
    const my = ++ticket;
    try {
      const [ds, ev] = await Promise.all([api.get('/datasets', {limit: 1000}),
        api.get('/datasets/events', {limit: 20, order_by: '-timestamp'})]);
      if (my !== ticket) return;
      replace(banner);
      replace(tbody, ds.datasets.length ? ds.datasets.map(datasetRow)
        : h('tr', null, h('td', {colspan: 5, class: 'empty'}, 'No datasets: give a task outlets = URI, or a DAG schedule = URI.')));
      replace(events, ev.dataset_events.length ? ev.dataset_events.map(eventRow)
        : h('tr', null, h('td', {colspan: 4, class: 'empty'}, 'No dataset events yet.')));
      summary.textContent = `${ds.total_entries} dataset${ds.total_entries === 1 ? '' : 's'}, ${ev.total_entries} event${ev.total_entries === 1 ? '' : 's'}`;
    } catch (e) {
      if (my === ticket && e.status !== 401)
        replace(banner, h('div', {class: 'banner banner-error', role: 'alert'}, `Could not load the datasets: ${ctx.errorText(e)}`));
    }
  }
  const poll = startPolling(load, 5000);
  return {unmount() { ticket++; poll.stop(); }};
}
