// views/dags.js: the DAG list. One row per DAG with its pause switch, recent
// run states, schedule, next run and a trigger button; the import errors
// banner above. Refreshes itself every 2 s while visible. Paginated by the
// server (limit/offset, total from total_entries): page size 25/50/100,
// previous/next in a labelled <nav>, the page position announced politely,
// so 10,000 DAGs cost one page of rows.

import * as api from '../api.js';
import {h, replace, fmtDate, fmtRelative} from '../dom.js';
import {startPolling} from '../poll.js';
import {pauseSwitch, triggerButton, runDots, importErrorsBanner, tagChips} from '../widgets.js';

const PAGE_SIZES = [25, 50, 100];

export function mount(root, ctx, params) {
  document.title = 'DAGs — airc';
  const wanted = Number(params.query.get('limit'));
  const state = {
    limit: PAGE_SIZES.includes(wanted) ? wanted : 50,
    offset: Number(params.query.get('offset')) || 0,
    filter: params.query.get('paused') || 'all',   // all | active | paused
    search: params.query.get('search') || '',
    tag: params.query.get('tags') || '',
  };
  const bannerSlot = h('div', {id: 'banner-slot'});
  const tbody = h('tbody');
  const summary = h('span', {class: 'muted'});
  const pagerStatus = h('span', {class: 'muted', id: 'dag-page-status', role: 'status', 'aria-live': 'polite'});
  const prevBtn = h('button', {type: 'button', class: 'btn btn-small', id: 'dag-page-prev', 'aria-label': 'Previous page of DAGs',
    on: {click: () => { state.offset = Math.max(0, state.offset - state.limit); refresh(); }}}, '← Previous');
  const nextBtn = h('button', {type: 'button', class: 'btn btn-small', id: 'dag-page-next', 'aria-label': 'Next page of DAGs',
    on: {click: () => { state.offset += state.limit; refresh(); }}}, 'Next →');
  const sizeSelect = h('select', {id: 'dag-page-size',
    on: {change: (e) => { state.limit = Number(e.target.value); state.offset = 0; refresh(); }}},
  PAGE_SIZES.map((n) => h('option', {value: String(n), selected: n === state.limit}, String(n))));
  const pager = h('nav', {class: 'pager', 'aria-label': 'DAG list pages'},
    h('label', {for: 'dag-page-size', class: 'muted'}, 'Per page '), sizeSelect, prevBtn, pagerStatus, nextBtn);

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
    // the controls stay in place (never rebuilt), so focus stays on them
    const pages = Math.max(1, Math.ceil(data.total_entries / state.limit));
    const first = data.total_entries ? state.offset + 1 : 0;
    const last = Math.min(state.offset + state.limit, data.total_entries);
    const text = `Page ${Math.floor(state.offset / state.limit) + 1} of ${pages} (DAGs ${first}–${last} of ${data.total_entries})`;
    if (pagerStatus.textContent !== text) pagerStatus.textContent = text;
    prevBtn.disabled = state.offset === 0;
    nextBtn.disabled = state.offset + state.limit >= data.total_entries;
    pager.hidden = data.total_entries <= PAGE_SIZES[0];
    const tags = new Set();
    for (const d of data.dags) for (const t of d.tags || []) tags.add(typeof t === 'object' ? t.name : t);
    if (state.tag) tags.add(state.tag);
    const sel = h('select', {'aria-label': 'Filter by tag', id: 'tag-filter',
      on: {change: (e) => { state.tag = e.target.value; state.offset = 0; refresh(); }}},
    h('option', {value: ''}, 'All tags'), [...tags].sort().map((t) => h('option', {value: t, selected: t === state.tag}, t)));
    replace(tagBox, sel);
  }

  async function refresh() {
    const query = {limit: state.limit, offset: state.offset, tags: state.tag || undefined};
    if (state.filter !== 'all') query.paused = state.filter === 'paused' ? 'true' : 'false';
    try {
      const [dags, errs] = await Promise.all([
        api.get('/dags', query),
        api.get('/importErrors').catch(() => ({import_errors: []})),
      ]);
      data = {dags: dags.dags || [], total_entries: dags.total_entries ?? (dags.dags || []).length};
      if (state.offset > 0 && state.offset >= data.total_entries) {   // the list shrank under us
        state.offset = Math.max(0, (Math.ceil(data.total_entries / state.limit) - 1) * state.limit);
        return refresh();
      }
      replace(bannerSlot, importErrorsBanner(errs.import_errors));
      render();
    } catch (e) {
      if (e.status !== 401) replace(bannerSlot, h('div', {class: 'banner banner-error', role: 'alert'}, `Could not load DAGs: ${ctx.errorText(e)}`));
    }
  }

  const poller = startPolling(refresh, 2000, {live: true});
  return {unmount() { poller.stop(); }};
}

export function scheduleText(s) {
  if (s === null || s === undefined || s === '') return 'None';
  if (typeof s === 'object') return s.value || s.__type || JSON.stringify(s);
  return String(s);
}
