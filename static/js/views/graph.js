// views/graph.js: tasks as boxes and dependencies as arrows, laid out by
// topological layers from left to right (model.layers), boxes coloured by the
// task states of the run chosen in the run picker. SVG built with s().

import {h, s, replace, stateClass} from '../dom.js';
import {runPicker} from '../widgets.js';
import {collapseGroups, summaryState} from '../model.js';

const W = 180, H = 44, GX = 70, GY = 18, PAD = 20;

export function create(ctx, shell) {
  const pickerSlot = h('span');
  const svgSlot = h('div', {class: 'graph-scroll'});
  // open groups show their tasks; this folds them back into one node each
  const collapse = h('button', {type: 'button', class: 'btn', id: 'collapse-groups', hidden: true,
    on: {click: () => { for (const g of [...shell.openGroups]) shell.toggleGroup(g); }}}, 'Collapse groups');
  const el = h('div', {class: 'graph-view'},
    h('div', {class: 'view-toolbar'}, h('label', {for: 'run-picker'}, 'Run'), pickerSlot, collapse), svgSlot);
  let layoutKey = '', nodes = new Map(), pickerKey = '';

  svgSlot.addEventListener('click', (e) => {
    const g = e.target.closest('g.node');
    if (g && g.dataset.group) shell.toggleGroup(g.dataset.group);   // a collapsed group opens
    else if (g && shell.selectedRun) shell.openTask(shell.selectedRun, g.dataset.taskId);
  });
  svgSlot.addEventListener('keydown', (e) => {
    const g = e.target.closest('g.node');
    if (g && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); g.dispatchEvent(new MouseEvent('click', {bubbles: true})); }
  });

  function build(tasks) {
    const pos = new Map();
    tasks.layers.forEach((layer, li) => layer.forEach((id, i) =>
      pos.set(id, {x: PAD + li * (W + GX), y: PAD + i * (H + GY)})));
    const width = PAD * 2 + tasks.layers.length * (W + GX) - GX;
    const height = PAD * 2 + Math.max(1, ...tasks.layers.map((l) => l.length)) * (H + GY) - GY;
    const svg = s('svg', {class: 'graph', id: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
      'aria-label': `Task graph: ${tasks.tasks.length} tasks`});
    svg.appendChild(s('defs', null, s('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse'}, s('path', {d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrow-head'}))));
    const edges = s('g', {class: 'edges'});
    for (const t of tasks.tasks) {
      const a = pos.get(t.task_id);
      for (const d of t.downstream) {
        const b = pos.get(d);
        if (!b) continue;
        const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x - 2, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
        edges.appendChild(s('path', {class: 'edge', d: `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`,
          'marker-end': 'url(#arrow)', dataset: {from: t.task_id, to: d}}));
      }
    }
    svg.appendChild(edges);
    nodes = new Map();
    for (const t of tasks.tasks) {
      const p = pos.get(t.task_id);
      const name = t.isGroup ? `▸ ${t.group} (${t.members.length})` : (t.mapped ? `${t.task_id} [ ]` : t.task_id);
      const label = name.length > 20 ? name.slice(0, 19) + '…' : name;
      const g = s('g', {class: ['node', 's-none', t.isGroup && 'group'].filter(Boolean).join(' '),
        transform: `translate(${p.x},${p.y})`, tabindex: 0, role: 'button',
        'aria-label': t.isGroup ? `Task group ${t.group}: ${t.members.length} tasks, click to open` : `Task ${t.task_id}`,
        dataset: t.isGroup ? {taskId: t.task_id, group: t.group} : {taskId: t.task_id}},
      s('title', null, t.isGroup ? `group ${t.group}: ${t.members.join(', ')}` : `${t.task_id}${t.type ? ` (${t.type})` : ''}`),
      s('rect', {class: 'node-box', width: W, height: H, rx: 6}),
      s('rect', {class: 'node-state', width: 6, height: H, rx: 3}),
      s('text', {class: 'node-label', x: 14, y: 19}, label),
      s('text', {class: 'node-sub', x: 14, y: 35}, t.type || 'task'));
      nodes.set(t.task_id, g);
      svg.appendChild(g);
    }
    replace(svgSlot, svg);
  }

  return {
    el,
    update(model) {
      const open = shell.openGroups || new Set();
      collapse.hidden = open.size === 0;
      const view = collapseGroups(model.tasks, open);
      const key = JSON.stringify([view.layers, [...open]]);
      if (key !== layoutKey) { layoutKey = key; build(view); }
      const pk = JSON.stringify([model.grid.runs.map((r) => [r.run_id, r.state]), shell.selectedRun]);
      if (pk !== pickerKey && !pickerSlot.contains(document.activeElement)) { pickerKey = pk; replace(pickerSlot, runPicker(shell, model.grid.runs)); }
      const runId = shell.selectedRun;
      for (const [id, g] of nodes) {
        const node = view.byId.get(id);
        const cell = runId && !node?.isGroup ? model.grid.cell(id, runId) : null;
        const st = !runId ? null : node?.isGroup
          ? summaryState(node.members.map((m) => model.grid.cell(m, runId)?.state)) : cell?.state;
        const cls = stateClass(st);
        const sub = `${node?.type || 'task'}${cell?.map_count ? ` · ${cell.map_count} mapped` : ''} · ${st || 'no status'}`;
        if (node?.mapped) g.querySelector('.node-label').textContent = `${id} [${cell?.map_count ?? ' '}]`;
        if (!g.classList.contains(cls) || g.querySelector('.node-sub').textContent !== sub) {
          for (const c of [...g.classList]) if (c.startsWith('s-')) g.classList.remove(c);
          g.classList.add(cls);
          g.querySelector('.node-sub').textContent = sub;
        }
      }
    },
  };
}
