// views/pipeline.js: the "Pipeline" page (#/pipeline), airc's Control Center.
// What the user pipeline runs on, read by the web server (webui/api_pipeline.c)
// and refreshed every 5 s: each component's health; the Kafka cluster
// (brokers, controller); topics with partitions, leader, replicas, ISR, high
// watermark and messages/s; consumer groups, and the Spark queries (from their
// checkpoints), with committed offsets and lag per partition; schema registry subjects; the Spark master's workers and
// applications; row counts of the pipeline's tables. A component that is down
// or not configured shows why, and the rest of the page still renders.
// Read-only: every role may see it. Not for: changing anything in the stack.

import * as api from '../api.js';
import {h, replace, fmtDate, fmtRelative} from '../dom.js';
import {startPolling} from '../poll.js';

const REFRESH_MS = 5000;
const COMPONENTS = [['kafka', 'Kafka'], ['schema_registry', 'Schema registry'], ['spark', 'Spark'],
  ['cassandra', 'Cassandra'], ['postgres', 'PostgreSQL']];

const num = (v) => (v === null || v === undefined ? h('span', {class: 'muted'}, '—') : Number(v).toLocaleString('en-US'));
const list = (a) => (Array.isArray(a) && a.length ? a.join(', ') : h('span', {class: 'muted'}, '—'));
const rate = (v) => (v === null || v === undefined ? h('span', {class: 'muted'}, '—') : `${Number(v).toFixed(1)}/s`);

function statusPill(status) {
  const cls = status === 'up' ? 's-success' : status === 'down' ? 's-failed' : 's-none';
  const text = status === 'not_configured' ? 'not configured' : status || 'unknown';
  return h('span', {class: ['badge', cls, 'status-pill'], dataset: {status: status || 'unknown'}}, text);
}

// A card with a title, the component's status and, when it is not up, why.
function section(id, title, doc, ...body) {
  const status = doc ? doc.status : 'unknown';
  return h('section', {class: ['card', 'pipe-card'], id, dataset: {status}},
    h('div', {class: 'section-head'}, h('h2', null, title), statusPill(status),
      doc && doc.sampled_at ? h('span', {class: 'muted small', title: fmtDate(doc.sampled_at)}, `read ${fmtRelative(doc.sampled_at)}`) : null),
    doc && doc.error ? h('div', {class: ['banner', status === 'down' ? 'banner-error' : 'banner-warn', 'pipe-error']}, doc.error) : null,
    status === 'up' ? body : null);
}

function table(id, headers, rows, empty) {
  if (!rows.length) return h('p', {class: 'muted empty', id: `${id}-empty`}, empty);
  return h('table', {class: 'table pipe-table', id},
    h('thead', null, h('tr', null, headers.map((c) => h('th', {scope: 'col'}, c)))),
    h('tbody', null, rows));
}

function componentsBar(health) {
  const comps = (health && health.components) || {};
  return h('div', {class: 'pipe-components', id: 'pipeline-components'},
    COMPONENTS.map(([key, label]) => {
      const c = comps[key] || {status: 'unknown'};
      return h('div', {class: 'pipe-component', dataset: {component: key, status: c.status}, title: c.error || ''},
        h('span', {class: 'pipe-component-name'}, label), statusPill(c.status));
    }));
}

function clusterCard(cluster) {
  const brokers = (cluster && cluster.brokers) || [];
  return section('kafka-cluster', 'Kafka cluster', cluster,
    h('p', {class: 'muted small'}, `bootstrap ${cluster && cluster.bootstrap || ''} · controller `,
      h('strong', {id: 'kafka-controller'}, cluster && cluster.controller_id !== null ? `broker ${cluster.controller_id}` : 'unknown')),
    table('kafka-brokers', ['Broker', 'Address', 'Role'], brokers.map((b) =>
      h('tr', {class: 'broker-row', dataset: {broker: String(b.id)}},
        h('td', null, String(b.id)), h('td', null, `${b.host}:${b.port}`),
        h('td', null, b.controller ? h('span', {class: 'pill'}, 'controller') : h('span', {class: 'muted'}, 'broker')))),
    'No brokers in the metadata.'));
}

function topicsCard(topics, showInternal, onToggle) {
  const all = (topics && topics.topics) || [];
  const shown = all.filter((t) => showInternal || !t.internal);
  const rows = [];
  for (const t of shown) {
    const parts = t.partitions || [];
    parts.forEach((p, i) => {
      rows.push(h('tr', {class: ['partition-row', i === 0 ? 'topic-first' : null], dataset: {topic: t.name, partition: String(p.partition)}},
        i === 0 ? h('td', {rowspan: String(parts.length), class: 'topic-name'}, h('strong', null, t.name),
          t.internal ? h('span', {class: 'pill pill-muted'}, 'internal') : null) : null,
        h('td', null, String(p.partition)),
        h('td', {class: 'leader'}, p.leader >= 0 ? String(p.leader) : h('span', {class: 's-failed badge'}, 'none')),
        h('td', {class: 'replicas'}, list(p.replicas)),
        h('td', {class: ['isr', (p.isr || []).length < (p.replicas || []).length ? 'isr-short' : null]}, list(p.isr)),
        h('td', {class: 'hw num'}, num(p.high_watermark)),
        i === 0 ? h('td', {rowspan: String(parts.length), class: 'num topic-messages'}, num(t.messages)) : null,
        i === 0 ? h('td', {rowspan: String(parts.length), class: 'num topic-rate'}, rate(t.messages_per_second)) : null));
    });
  }
  const toggle = h('label', {class: 'small'}, h('input', {type: 'checkbox', id: 'show-internal', checked: showInternal,
    on: {change: (e) => onToggle(e.target.checked)}}), ' internal topics');
  return section('kafka-topics', 'Topics', topics, h('div', {class: 'toolbar'}, toggle),
    table('kafka-topics-table', ['Topic', 'Partition', 'Leader', 'Replicas', 'ISR', 'High watermark', 'Messages', 'Messages/s'],
      rows, 'No topics yet.'));
}

function groupsCard(groups) {
  const all = (groups && groups.groups) || [];
  const rows = [];
  for (const g of all) {
    const spark = g.kind === 'spark_checkpoint';
    rows.push(h('tr', {class: 'group-row', dataset: {group: g.group_id, kind: g.kind || 'consumer_group'}},
      h('td', {colspan: '2'}, h('strong', null, g.group_id), ' ',
        h('span', {class: 'pill'}, spark ? 'Spark query' : g.state || '?'),
        h('span', {class: 'muted small', title: spark ? g.checkpoint : ''},
          spark ? (g.batch === null ? ' no batch committed yet' : ` batch ${g.batch} (checkpoint)`)
            : ` ${(g.members || []).length} member(s)`),
        g.error ? h('span', {class: 'field-error'}, ` ${g.error}`) : null),
      h('td', null), h('td', null),
      h('td', {class: 'num group-lag'}, num(g.lag))));
    for (const o of g.offsets || []) {
      rows.push(h('tr', {class: 'group-offset-row', dataset: {group: g.group_id, topic: o.topic, partition: String(o.partition)}},
        h('td', {class: 'indent'}, o.topic), h('td', null, String(o.partition)),
        h('td', {class: 'num committed'}, num(o.committed)), h('td', {class: 'num hw'}, num(o.high_watermark)),
        h('td', {class: ['num', 'lag', o.lag > 0 ? 'lag-behind' : null]}, num(o.lag))));
    }
  }
  return section('kafka-groups', 'Consumer groups', groups,
    table('kafka-groups-table', ['Group / topic', 'Partition', 'Committed', 'High watermark', 'Lag'], rows,
      'No consumer groups and no Spark query checkpoints.'));
}

function schemasCard(doc) {
  const subjects = (doc && doc.subjects) || [];
  return section('schemas', 'Schema registry', doc,
    h('p', {class: 'muted small'}, `${doc && doc.url || ''} · global compatibility `, h('strong', null, doc && doc.compatibility || '—')),
    table('schemas-table', ['Subject', 'Versions', 'Latest (id)', 'Type', 'Compatibility'], subjects.map((s) =>
      h('tr', {class: 'subject-row', dataset: {subject: s.subject}},
        h('td', null, s.subject, s.error ? h('div', {class: 'field-error'}, s.error) : null),
        h('td', null, list(s.versions)),
        h('td', null, s.latest_version === null ? '—' : `v${s.latest_version} (${s.latest_id})`),
        h('td', null, s.schema_type || '—'),
        h('td', null, s.compatibility || '—', s.compatibility_inherited ? h('span', {class: 'muted small'}, ' (global)') : null))),
    'No subjects registered.'));
}

function sparkCard(doc) {
  const workers = (doc && doc.workers) || [];
  const apps = [...((doc && doc.active_apps) || []), ...((doc && doc.completed_apps) || [])];
  return section('spark', 'Spark', doc,
    h('p', {class: 'muted small'}, `${doc && doc.url || ''} · ${doc && doc.alive_workers || 0} alive worker(s), cores ${doc && doc.cores_used || 0}/${doc && doc.cores || 0}`),
    table('spark-workers', ['Worker', 'Address', 'State', 'Cores used', 'Memory used (MB)', 'Heartbeat'], workers.map((w) =>
      h('tr', {class: 'worker-row', dataset: {worker: w.id || ''}},
        h('td', null, w.id || '—'), h('td', null, `${w.host}:${w.port}`), h('td', null, w.state || '—'),
        h('td', {class: 'num'}, `${w.cores_used ?? '—'}/${w.cores ?? '—'}`),
        h('td', {class: 'num'}, `${w.memory_used_mb ?? '—'}/${w.memory_mb ?? '—'}`),
        h('td', {title: fmtDate(w.last_heartbeat)}, fmtRelative(w.last_heartbeat)))),
    'No workers registered.'),
    table('spark-apps', ['Application', 'Name', 'State', 'Cores', 'Started'], apps.map((a) =>
      h('tr', {class: 'app-row', dataset: {app: a.id || ''}},
        h('td', null, a.id || '—'), h('td', null, a.name || '—'), h('td', null, a.state || '—'),
        h('td', {class: 'num'}, num(a.cores)), h('td', {title: fmtDate(a.started)}, fmtRelative(a.started)))),
    'No applications.'));
}

function tablesCard(doc) {
  const cass = (doc && doc.cassandra) || {status: 'unknown'};
  const pg = (doc && doc.postgres) || {status: 'unknown'};
  const rows = (store, d) => (d.tables || []).map((t) =>
    h('tr', {class: 'table-row', dataset: {table: t.table, store}},
      h('td', null, t.table), h('td', {class: 'num rows'}, num(t.rows)),
      h('td', {class: 'muted small'}, t.error || '')));
  return h('div', {class: 'pipe-tables'},
    section('tables-cassandra', 'Cassandra tables', cass,
      h('p', {class: 'muted small'}, cass.host || ''),
      table('tables-cassandra-table', ['Table', 'Rows', ''], rows('cassandra', cass), 'No tables configured.')),
    section('tables-postgres', 'PostgreSQL tables', pg,
      table('tables-postgres-table', ['Table', 'Rows', ''], rows('postgres', pg), 'No tables configured.')));
}

export function mount(root, ctx) {
  document.title = 'Pipeline — airc';
  const state = {showInternal: false, data: {}};
  const body = h('div', {class: 'pipe-grid', id: 'pipeline-body'}, h('p', {class: 'muted'}, 'Reading the pipeline…'));
  const updated = h('span', {class: 'muted', id: 'pipeline-updated', role: 'status', 'aria-live': 'polite'});
  root.appendChild(h('section', {class: 'page', id: 'pipeline-page'},
    h('div', {class: 'page-head'}, h('h1', null, 'Pipeline'), updated),
    body));

  function render() {
    const d = state.data;
    replace(body,
      componentsBar(d.health),
      clusterCard(d.cluster),
      tablesCard(d.tables),
      topicsCard(d.topics, state.showInternal, (v) => { state.showInternal = v; render(); }),
      groupsCard(d.groups),
      schemasCard(d.schemas),
      sparkCard(d.spark));
  }

  async function load() {
    const parts = {health: '/pipeline/health', cluster: '/kafka/cluster', topics: '/kafka/topics',
      groups: '/kafka/consumerGroups', schemas: '/schemas', spark: '/spark', tables: '/pipeline/tables'};
    const keys = Object.keys(parts);
    const results = await Promise.allSettled(keys.map((k) => api.get(parts[k])));
    const failed = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') state.data[keys[i]] = r.value;
      else failed.push(`${parts[keys[i]]}: ${ctx.errorText(r.reason)}`);
    });
    render();
    replace(updated, failed.length ? `could not refresh ${failed.join('; ')}` : `updated ${new Date().toLocaleTimeString()}`);
    root.dataset.loaded = '1';
  }

  const poll = startPolling(load, REFRESH_MS);
  return {unmount() { poll.stop(); }};
}
