// model.js: turns API replies into the shapes the DAG views draw from, so
// that the views do not each guess at field names. Pure functions, no DOM.

export const runIdOf = (r) => r.dag_run_id ?? r.run_id ?? r.id;

// Tasks from GET /dags/{id}/tasks, with upstream and downstream both filled in.
export function normalizeTasks(reply) {
  const list = (reply && (reply.tasks || reply)) || [];
  const tasks = list.map((t) => ({
    task_id: String(t.task_id ?? t.id),
    type: t.type ?? t.task_type ?? t.operator_name ?? '',
    trigger_rule: t.trigger_rule ?? '',
    upstream: [...(t.upstream_task_ids ?? t.upstream ?? [])].map(String),
    downstream: [...(t.downstream_task_ids ?? t.downstream ?? [])].map(String),
    group: t.task_group ?? null,     // airc: group = NAME
    mapped: !!t.is_mapped,           // expand = ...
    raw: t,
  }));
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  for (const t of tasks) {
    for (const d of t.downstream) { const o = byId.get(d); if (o && !o.upstream.includes(t.task_id)) o.upstream.push(t.task_id); }
    for (const u of t.upstream) { const o = byId.get(u); if (o && !o.downstream.includes(t.task_id)) o.downstream.push(t.task_id); }
  }
  return {tasks, byId};
}

// Topological layers (longest path from a root), with a cycle guard. Within a
// layer tasks are ordered by the mean position of their upstreams, which keeps
// most arrows from crossing.
export function layers(tasks, byId) {
  const depth = new Map(), indeg = new Map();
  for (const t of tasks) indeg.set(t.task_id, t.upstream.filter((u) => byId.has(u)).length);
  const queue = tasks.filter((t) => indeg.get(t.task_id) === 0).map((t) => t.task_id);
  for (const id of queue) depth.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const t = byId.get(queue[i]);
    for (const d of t.downstream) {
      if (!byId.has(d)) continue;
      depth.set(d, Math.max(depth.get(d) ?? 0, depth.get(t.task_id) + 1));
      indeg.set(d, indeg.get(d) - 1);
      if (indeg.get(d) === 0) queue.push(d);
    }
  }
  for (const t of tasks) if (!depth.has(t.task_id)) depth.set(t.task_id, 0);  // cycle: park it left
  const out = [];
  for (const t of tasks) (out[depth.get(t.task_id)] ||= []).push(t.task_id);
  const pos = new Map();
  out.forEach((layer, li) => {
    if (li > 0) {
      const key = (id) => {
        const ups = byId.get(id).upstream.filter((u) => pos.has(u));
        return ups.length ? ups.reduce((a, u) => a + pos.get(u), 0) / ups.length : 1e9;
      };
      const keys = new Map(layer.map((id) => [id, key(id)]));
      layer.sort((a, b) => keys.get(a) - keys.get(b));
    }
    layer.forEach((id, i) => pos.set(id, i));
  });
  return out.filter(Boolean);
}

// Grid reply -> {runs: [{run_id, state, ...}] oldest first, taskIds: [],
// cell(taskId, runId) -> {state, try_number, start_date, end_date} | undefined}.
// Accepts the shapes an Airflow-like server may send: tasks with per-run
// instance objects (keyed by run id) or with arrays aligned to the runs.
export function normalizeGrid(reply, taskOrder) {
  const runsRaw = reply.dag_runs ?? reply.runs ?? [];
  let runs = runsRaw.map((r) => ({...r, run_id: String(runIdOf(r))}));
  const tasksRaw = reply.tasks ?? reply.groups?.children ?? reply.task_instances ?? [];
  const cells = new Map();
  const put = (taskId, runId, v) => {
    if (v === null || v === undefined) return;
    const c = typeof v === 'string' ? {state: v} : v;
    cells.set(`${taskId}\u0000${runId}`, c);
  };
  const taskIds = [];
  for (const t of tasksRaw) {
    const id = String(t.task_id ?? t.id);
    taskIds.push(id);
    const inst = t.instances ?? t.task_instances ?? t.states ?? [];
    const counts = Array.isArray(t.map_counts) ? t.map_counts : null;   // a mapped task: instances per run
    if (Array.isArray(inst)) {
      inst.forEach((v, i) => {
        if (counts && typeof v === 'string') v = {state: v, map_count: counts[i] || 0};
        const rid = v && typeof v === 'object' && runIdOf(v) !== undefined ? String(runIdOf(v)) : runs[i]?.run_id;
        if (rid !== undefined) put(id, rid, v);
      });
    } else if (inst && typeof inst === 'object') {
      for (const [rid, v] of Object.entries(inst)) put(id, rid, v);
    }
  }
  // Newest-first replies are flipped: the grid reads left (old) to right (new).
  if (runs.length > 1) {
    const t0 = Date.parse(runs[0].logical_date ?? runs[0].start_date ?? '');
    const t1 = Date.parse(runs[runs.length - 1].logical_date ?? runs[runs.length - 1].start_date ?? '');
    if (t0 > t1) runs = runs.slice().reverse();
  }
  const order = taskOrder && taskOrder.length ? [...taskOrder, ...taskIds.filter((id) => !taskOrder.includes(id))] : taskIds;
  return {runs, taskIds: order, cell: (taskId, runId) => cells.get(`${taskId}\u0000${runId}`)};
}

// Fallback when the server has no grid endpoint: runs plus their task instances.
export function gridFromRuns(runs, tisByRun) {
  return {
    dag_runs: runs,
    tasks: (() => {
      const by = new Map();
      runs.forEach((r) => {
        for (const ti of tisByRun.get(runIdOf(r)) || []) {
          if (!by.has(ti.task_id)) by.set(ti.task_id, {task_id: ti.task_id, instances: {}});
          by.get(ti.task_id).instances[runIdOf(r)] = ti;
        }
      });
      return [...by.values()];
    })(),
  };
}

// What a set of states counts as, as the scheduler sums a mapped task up:
// running while one is unfinished, then failed, upstream_failed, success,
// else skipped. null when there is none at all.
const FINISHED = new Set(['success', 'failed', 'skipped', 'upstream_failed']);
export function summaryState(states) {
  const s = states.filter(Boolean);
  if (!s.length) return null;
  if (s.some((x) => !FINISHED.has(x))) return s.every((x) => x === s[0]) ? s[0] : 'running';
  for (const x of ['failed', 'upstream_failed', 'success']) if (s.includes(x)) return x;
  return 'skipped';
}

// Task groups collapsed: every task of a group that is not in `open`
// becomes one node `group:NAME` whose edges are its members' edges to
// the outside. Returns {tasks, byId, layers, rep} (rep: task id -> the id
// of the node that shows it), tasks in the order of `order`.
export function collapseGroups(model, open) {
  const rep = new Map();
  const groups = new Map();
  for (const t of model.tasks) {
    const g = t.group && !open.has(t.group) ? `group:${t.group}` : null;
    rep.set(t.task_id, g || t.task_id);
    if (g) (groups.get(g) || groups.set(g, []).get(g)).push(t.task_id);
  }
  const nodes = new Map();
  for (const id of model.order || model.tasks.map((t) => t.task_id)) {
    const r = rep.get(id);
    if (nodes.has(r)) continue;
    if (groups.has(r)) {
      nodes.set(r, {task_id: r, isGroup: true, group: r.slice(6), members: groups.get(r), type: 'group',
        upstream: [], downstream: []});
    } else {
      const t = model.byId.get(id);
      nodes.set(r, {...t, upstream: [], downstream: []});
    }
  }
  for (const t of model.tasks) {
    const a = rep.get(t.task_id);
    for (const d of t.downstream) {
      const b = rep.get(d);
      if (!b || a === b) continue;
      if (!nodes.get(a).downstream.includes(b)) nodes.get(a).downstream.push(b);
      if (!nodes.get(b).upstream.includes(a)) nodes.get(b).upstream.push(a);
    }
  }
  const tasks = [...nodes.values()];
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  return {tasks, byId, layers: layers(tasks, byId), rep};
}
