// app.js: the dashboard shell. Hash routing, the session (who is logged in,
// their role), the header (health, user menu) and toasts. Each view is a
// module with mount(root, ctx, params) -> {unmount()}.

import * as api from './api.js';
import {h, replace} from './dom.js';
import {startPolling} from './poll.js';
import * as live from './live.js';
import * as loginView from './views/login.js';
import * as dagsView from './views/dags.js';
import * as dagView from './views/dag.js';
import * as auditView from './views/audit.js';
import * as datasetsView from './views/datasets.js';
import * as pipelineView from './views/pipeline.js';
import * as tokensView from './views/tokens.js';

const main = document.getElementById('main');
const healthEl = document.getElementById('health');
const userEl = document.getElementById('user-menu');
const toastsEl = document.getElementById('toasts');

const session = {user: null};
let current = null;       // the mounted view
let healthPoll = null;
let pipelineHealthPoll = null;
let baseHealthItems = [];     // store, scheduler
let pipelineHealthItems = []; // the pipeline's configured components (Kafka, ...)

export function toast(message, kind = 'info') {
  const t = h('div', {class: ['toast', `toast-${kind}`], role: kind === 'error' ? 'alert' : 'status'}, message);
  toastsEl.appendChild(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
}

const ctx = {
  get user() { return session.user; },
  canEdit() { return !!session.user && session.user.role !== 'viewer'; },
  toast,
  navigate(hash) { if (location.hash === hash) route(); else location.hash = hash; },
  errorText(e) { return e instanceof api.ApiError ? e.message : String(e && e.message || e); },
};

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/dags';
  const [p, q] = raw.split('?');
  const parts = p.split('/').filter(Boolean).map(decodeURIComponent);
  return {parts, query: new URLSearchParams(q || '')};
}

function renderUser() {
  if (!session.user) { replace(userEl); return; }
  const menu = h('div', {class: 'menu', hidden: true, id: 'user-menu-list', role: 'menu'},
    h('div', {class: 'menu-info'}, 'Signed in as ', h('strong', null, session.user.username),
      h('div', {class: 'muted'}, `Role: ${session.user.role}`)),
    h('button', {type: 'button', class: 'menu-item', role: 'menuitem', id: 'logout',
      on: {click: doLogout}}, 'Log out'));
  const btn = h('button', {type: 'button', class: 'user-button', 'aria-haspopup': 'true',
    'aria-expanded': 'false', 'aria-controls': 'user-menu-list', on: {click: () => {
      menu.hidden = !menu.hidden;
      btn.setAttribute('aria-expanded', String(!menu.hidden));
    }}},
  h('span', {class: 'avatar', 'aria-hidden': 'true'}, (session.user.username || '?').slice(0, 1).toUpperCase()),
  h('span', {class: 'user-name'}, session.user.username),
  h('span', {class: 'role-pill'}, session.user.role));
  replace(userEl, btn, menu);
}

document.addEventListener('click', (e) => {
  const menu = document.getElementById('user-menu-list');
  if (menu && !menu.hidden && !userEl.contains(e.target)) {
    menu.hidden = true;
    userEl.querySelector('.user-button')?.setAttribute('aria-expanded', 'false');
  }
});

function healthItem(name, status, extra) {
  const ok = ['healthy', 'up'].includes(String(status || '').toLowerCase());
  return h('span', {class: ['health-item', ok ? 'ok' : 'bad'], title: extra ? `${name}: ${status} (${extra})` : `${name}: ${status}`,
    dataset: {component: name}},
  h('span', {class: 'dot', 'aria-hidden': 'true'}), `${name}`);
}

async function refreshHealth() {
  try {
    const r = await api.get('/health');
    const items = [];
    for (const [name, v] of Object.entries(r || {})) {
      if (v && typeof v === 'object' && 'status' in v) {
        const label = name === 'metadatabase' ? 'store' : name;
        items.push(healthItem(label, v.status, v.latest_scheduler_heartbeat || v.latest_heartbeat || ''));
      }
    }
    if (!items.length) items.push(healthItem('server', r && r.status ? r.status : 'healthy'));
    baseHealthItems = items;
  } catch (e) {
    baseHealthItems = [healthItem('server', 'unreachable', ctx.errorText(e))];
  }
  replace(healthEl, ...baseHealthItems, ...pipelineHealthItems);
}

// The pipeline's components (GET /api/v1/pipeline/health) whose address is
// set explicitly, or that answer on the default one (an airc without the
// pipeline gets no red dots for it); polled less often than the scheduler:
// each poll may reach Kafka.
const PIPELINE_LABELS = {kafka: 'kafka', schema_registry: 'registry', spark: 'spark', cassandra: 'cassandra', postgres: 'postgres'};
async function refreshPipelineHealth() {
  try {
    const r = await api.get('/pipeline/health');
    pipelineHealthItems = Object.entries((r && r.components) || {})
      .filter(([, v]) => v && v.status !== 'not_configured' && (v.configured || v.status === 'up'))
      .map(([k, v]) => healthItem(PIPELINE_LABELS[k] || k, v.status, v.error || ''));
  } catch {
    pipelineHealthItems = [];
  }
  replace(healthEl, ...baseHealthItems, ...pipelineHealthItems);
}

async function doLogout() {
  try { await api.logout(); } catch { /* session is gone either way */ }
  session.user = null;
  live.stop();
  renderUser();
  ctx.navigate('#/login');
}

function mount(view, params) {
  if (current && current.unmount) current.unmount();
  replace(main);
  current = view.mount(main, ctx, params) || null;
}

async function route() {
  const {parts, query} = parseHash();
  if (parts[0] === 'login') {
    document.title = 'Log in — airc';
    mount(loginView, {
      next: query.get('next') || '#/dags',
      onLogin: async () => { session.user = await api.me(); renderUser(); },
    });
    return;
  }
  if (!session.user) {
    try { session.user = await api.me(); renderUser(); }
    catch {
      const next = location.hash && !location.hash.startsWith('#/login') ? location.hash : '#/dags';
      location.hash = '#/login?next=' + encodeURIComponent(next);
      return;
    }
  }
  if (!healthPoll) healthPoll = startPolling(refreshHealth, 5000);
  if (!pipelineHealthPoll) pipelineHealthPoll = startPolling(refreshPipelineHealth, 15000);
  live.start();
  for (const a of document.querySelectorAll('.topnav a'))
    a.classList.toggle('active', a.getAttribute('href') === '#/' + (parts[0] || 'dags'));
  if (parts[0] === 'audit') {
    mount(auditView, {query});
  } else if (parts[0] === 'datasets') {
    mount(datasetsView, {query});
  } else if (parts[0] === 'pipeline') {
    mount(pipelineView, {query});
  } else if (parts[0] === 'tokens') {
    mount(tokensView, {query});
  } else if (parts[0] === 'dags' && parts[1]) {
    mount(dagView, {dagId: parts[1], tab: parts[2] || 'grid', query});
  } else {
    mount(dagsView, {query});
  }
}

window.addEventListener('airc:unauthorized', () => {
  if (!session.user) return;
  session.user = null;
  live.stop();
  renderUser();
  location.hash = '#/login?next=' + encodeURIComponent(location.hash || '#/dags');
});
window.addEventListener('hashchange', route);
route();
