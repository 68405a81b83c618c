// views/dags.js: the DAG list. One row per DAG with its pause switch, recent
// run states, schedule, next run and a trigger button; the import errors
// banner above. Refreshes itself every 2 s while visible.

import * as api from '../api.js';
import {h, replace, fmtDate, fmtRelative} from '../dom.js';
import {startPolling} from '../poll.js';
import {pauseSwitch, triggerButton, runDots, importErrorsBanner, tagChips} from '../widgets.js';

const PAGE = 50;

export function mount(root, ctx, params) {
  document.title = 'DAGs — airc';
  const state = {
    offset: Number(params.query.get('offset')) || 0,
    filter: params.query.get('paused') || 'all',   // all | active | paused
    search: params.query.get('search') || '',
    tag: params.query.get('tags') || '',
  };
  const bannerSlot = h('div', {id: 'banner-slot'});
  const tbody = h('tbody');
  const summary = h('span', {class: 'muted'});
  const pager = h('div', {class: 'pager'});

  const search = h('input', {type: 'search', placeholder: 'Filter DAGs by id', id: 'dag-search',
    'aria-label': 'Filter DAGs by id', value: state.search});
  search.addEventListener('input', () => { state.search = search.value; render(); });
  const filterButtons = ['all', 'active', 'paused'].map((f) => h('button', {type: 'button',
    class: ['seg', state.filter === f && 'on'], dataset: {filter: f}, 'aria-pressed': String(state.filter === f),
    on: {click: () => {
      state.filter = f; state.offset = 0;
      for (const b of filterButtons) {
        b.classList.toggle('on', b.dataset.filter === f);
        b.setAttribute('aria-pressed', String(b.dataset.filter === f));
      }
      refresh();
    }}}, f[0].toUpperCase() + f.slice(1)));
  const tagBox = h('span', {class: 'tag-filter'});

  root.appendChild(h('section', {class: 'page'},
    h('div', {class: 'page-head'}, h('h1', null, 'DAGs'), summary),
    bannerSlot,
    h('div', {class: 'toolbar'}, h('div', {class: 'segmented', role: 'group', 'aria-label': 'Show'}, filterButtons),
      search, tagBox),
    h('div', {class: 'card'},
      h('table', {class: 'table dag-table', id: 'dag-table'},
        h('thead', null, h('tr', null,
          h('th', {class: 'col-switch'}, h('span', {class: 'sr-only'}, 'Active')),
          h('th', null, 'DAG'), h('th', null, 'Schedule'), h('th', null, 'Next run'),
          h('th', null, 'Recent runs'), h('th', {class: 'col-actions'}, h('span', {class: 'sr-only'}, 'Actions')))),
        tbody)),
    pager));

  let data = {dags: [], total_entries: 0};
  let rows = new Map();   // dag_id -> {key, tr}

  function row(d) {
    const link = h('a', {class: 'dag-link', href: `#/dags/${encodeURIComponent(d.dag_id)}/grid`}, d.dag_id);
    return h('tr', {class: ['dag-row', d.is_paused && 'paused'], dataset: {dagId: d.dag_id}},
      h('td', {class: 'col-switch'}, pauseSwitch(ctx, d, () => refresh())),
      h('td', {class: 'col-dag'},
        h('div', {class: 'dag-id'}, link, d.is_active === false ? h('span', {class: 'pill pill-muted'}, 'inactive') : null),
        d.description ? h('div', {class: 'dag-desc'}, d.description) : null,
        tagChips(d.tags)),
      h('td', null, h('code', {class: 'schedule'}, scheduleText(d.schedule_interval))),
      h('td', null, d.next_dagrun ? h('span', {title: fmtDate(d.next_dagrun)}, fmtDate(d.next_dagrun),
        h('div', {class: 'muted small'}, fmtRelative(d.next_dagrun))) : h('span', {class: 'muted'}, '—')),
      h('td', null, runDots(d.recent_runs)),
      h('td', {class: 'col-actions'}, triggerButton(ctx, d.dag_id, () => refresh())));
  }

  function render() {
    const q = state.search.trim().toLowerCase();
    const list = data.dags.filter((d) => !q || d.dag_id.toLowerCase().includes(q)
      || (d.description || '').toLowerCase().includes(q));
    // Rows are rebuilt only when their DAG changed, and never while they hold
    // the keyboard focus, so polling does not yank a control from the user.
    const seen = new Map();
    const trs = list.map((d) => {
      const key = JSON.stringify(d);
      const old = rows.get(d.dag_id);
      const keep = old && (old.key === key || old.tr.contains(document.activeElement));
      const entry = keep ? old : {key, tr: row(d)};
      seen.set(d.dag_id, entry);
      return entry.tr;
    });
    rows = seen;
    const same = trs.length === tbody.children.length && trs.every((tr, i) => tbody.children[i] === tr);
    if (!same) {
      replace(tbody, trs.length ? trs
        : h('tr', null, h('td', {colspan: 6, class: 'empty'}, data.dags.length ? 'No DAG matches the filter.' : 'No DAGs yet. Put DAG files in $AIRC_HOME/dags.')));
    }
    summary.textContent = `${data.total_entries} DAG${data.total_entries === 1 ? '' : 's'}`;
    const pages = Math.ceil(data.total_entries / PAGE);
    replace(pager, pages > 1 ? [
      h('button', {class: 'btn btn-small', disabled: state.offset === 0,
        on: {click: () => { state.offset = Math.max(0, state.offset - PAGE); refresh(); }}}, '← Previous'),
      h('span', {class: 'muted'}, `Page ${Math.floor(state.offset / PAGE) + 1} of ${pages}`),
      h('button', {class: 'btn btn-small', disabled: state.offset + PAGE >= data.total_entries,
        on: {click: () => { state.offset += PAGE; refresh(); }}}, 'Next →')] : null);
    const tags = new Set();
    for (const d of data.dags) for (const t of d.tags || []) tags.add(typeof t === 'object' ? t.name : t);
    if (state.tag) tags.add(state.tag);
    const sel = h('select', {'aria-label': 'Filter by tag', id: 'tag-filter',
      on: {change: (e) => { state.tag = e.target.value; state.offset = 0; refresh(); }}},
    h('option', {value: ''}, 'All tags'), [...tags].sort().map((t) => h('option', {value: t, selected: t === state.tag}, t)));
    replace(tagBox, sel);
  }

  async function refresh() {
    const query = {limit: PAGE, offset: state.offset, tags: state.tag || undefined};
    if (state.filter !== 'all') query.paused = state.filter === 'paused' ? 'true' : 'false';
    try {
      const [dags, errs] = await Promise.all([
        api.get('/dags', query),
        api.get('/importErrors').catch(() => ({import_errors: []})),
      ]);
      data = {dags: dags.dags || [], total_entries: dags.total_entries ?? (dags.dags || []).length};
      replace(bannerSlot, importErrorsBanner(errs.import_errors));
      render();
    } catch (e) {
      if (e.status !== 401) replace(bannerSlot, h('div', {class: 'banner banner-error', role: 'alert'}, `Could not load DAGs: ${ctx.errorText(e)}`));
    }
  }

  const poller = startPolling(refresh, 2000);
  return {unmount() { poller.stop(); }};
}

export function scheduleText(s) {
  if (s === null || s === undefined || s === '') return 'None';
  if (typeof s === 'object') return s.value || s.__type || JSON.stringify(s);
  return String(s);
}
