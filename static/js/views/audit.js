// views/audit.js: the "Audit log" page (#/audit). The audit trail of
// GET /api/v1/eventLogs, newest first: when, event, owner, DAG, run, task
// and the extra JSON, one row per action (web and CLI). Filters by event and
// by DAG id (exact, as the API matches), kept in the hash so a filtered view
// can be shared; paginated by the server with limit/offset and
// total_entries. Read-only: every role may see it. Not for: editing.

import * as api from '../api.js';
import {h, replace, fmtDate, fmtRelative} from '../dom.js';

const PAGE = 25;
// the events airc records (docs/web.md), offered in the event filter
const EVENTS = ['trigger', 'clear', 'mark', 'paused', 'unpaused', 'delete_dag', 'delete_dag_run', 'backfill',
  'login', 'login_failed', 'user_create', 'user_create_sso', 'user_role_sso', 'user_create_proxy', 'user_delete',
  'user_password', 'token_create', 'token_revoke',
  'connection_add', 'connection_delete', 'variable_set', 'variable_delete', 'variable_import', 'rotate_key'];

export function mount(root, ctx, params) {
  document.title = 'Audit log — airc';
  const state = {
    event: params.query.get('event') || '',
    dag: params.query.get('dag_id') || '',
    offset: Math.max(0, Number(params.query.get('offset')) || 0),
  };
  const tbody = h('tbody');
  const summary = h('span', {class: 'muted', id: 'audit-summary'});
  const banner = h('div');
  const status = h('span', {class: 'muted', id: 'audit-page-status', role: 'status', 'aria-live': 'polite'});
  const prevBtn = h('button', {type: 'button', class: 'btn btn-small', id: 'audit-page-prev',
    'aria-label': 'Previous page of events', on: {click: () => go(Math.max(0, state.offset - PAGE))}}, '← Previous');
  const nextBtn = h('button', {type: 'button', class: 'btn btn-small', id: 'audit-page-next',
    'aria-label': 'Next page of events', on: {click: () => go(state.offset + PAGE)}}, 'Next →');
  const eventSel = h('select', {id: 'audit-event', 'aria-label': 'Filter by event',
    on: {change: () => { state.event = eventSel.value; go(0); }}},
  h('option', {value: ''}, 'All events'),
  [...new Set([...EVENTS, state.event].filter(Boolean))].map((e) => h('option', {value: e, selected: e === state.event}, e)));
  const dagInput = h('input', {type: 'search', id: 'audit-dag', placeholder: 'DAG id (exact)',
    'aria-label': 'Filter by DAG id', value: state.dag});
  dagInput.addEventListener('change', () => { state.dag = dagInput.value.trim(); go(0); });

  root.appendChild(h('section', {class: 'page'},
    h('div', {class: 'page-head'}, h('h1', null, 'Audit log'), summary),
    banner,
    h('div', {class: 'toolbar'}, eventSel, dagInput),
    h('div', {class: 'card'},
      h('table', {class: 'table audit-table', id: 'audit-table'},
        h('thead', null, h('tr', null, ['When', 'Event', 'Owner', 'DAG', 'Run', 'Task', 'Extra']
          .map((c) => h('th', {scope: 'col'}, c)))),
        tbody)),
    h('nav', {class: 'pager', 'aria-label': 'Audit log pages'}, prevBtn, status, nextBtn)));

  let ticket = 0;   // answers of an older request are dropped
  function go(offset) {
    state.offset = offset;
    const q = new URLSearchParams();
    if (state.event) q.set('event', state.event);
    if (state.dag) q.set('dag_id', state.dag);
    if (offset) q.set('offset', String(offset));
    const hash = '#/audit' + (q.toString() ? '?' + q : '');
    if (location.hash !== hash) history.replaceState(null, '', hash);
    load();
  }

  function cell(v) { return v === null || v === undefined || v === '' ? h('span', {class: 'muted'}, '—') : String(v); }

  function extraText(x) {
    if (!x) return '';
    try {
      const o = JSON.parse(x);
      return Object.entries(o).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ');
    } catch { return x; }
  }

  function row(e) {
    const dag = e.dag_id ? h('a', {href: `#/dags/${encodeURIComponent(e.dag_id)}/grid`}, e.dag_id) : cell(null);
    return h('tr', {class: 'audit-row', dataset: {event: e.event, id: String(e.event_log_id)}},
      h('td', {title: fmtRelative(e.when)}, fmtDate(e.when)),
      h('td', null, h('span', {class: 'pill'}, e.event)),
      h('td', null, cell(e.owner)),
      h('td', null, dag), h('td', null, cell(e.run_id)), h('td', null, cell(e.task_id)),
      h('td', {class: 'audit-extra'}, h('code', {title: e.extra || ''}, extraText(e.extra))));
  }

  async function load() {
    const my = ++ticket;
    try {
      const r = await api.get('/eventLogs', {limit: PAGE, offset: state.offset, order_by: '-event_log_id',
        event: state.event || undefined, dag_id: state.dag || undefined});
      if (my !== ticket) return;
      const total = r.total_entries || 0;
      const rows = r.event_logs || [];
      replace(banner);
      replace(tbody, rows.length ? rows.map(row)
        : h('tr', null, h('td', {colspan: 7, class: 'empty'}, state.event || state.dag ? 'No event matches the filters.' : 'No events recorded yet.')));
      summary.textContent = `${total} event${total === 1 ? '' : 's'}`;
      const first = total ? state.offset + 1 : 0;
      status.textContent = `Events ${first}–${Math.min(state.offset + PAGE, total)} of ${total}`;
      prevBtn.disabled = state.offset === 0;
      nextBtn.disabled = state.offset + PAGE >= total;
    } catch (e) {
      if (my === ticket && e.status !== 401)
        replace(banner, h('div', {class: 'banner banner-error', role: 'alert'}, `Could not load the audit log: ${ctx.errorText(e)}`));
    }
  }

  load();
  return {unmount() { ticket++; }};
}
