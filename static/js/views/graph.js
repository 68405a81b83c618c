// views/graph.js: tasks as boxes and dependencies as arrows, laid out by
// topological layers from left to right (model.layers), boxes coloured by the
// task states of the run chosen in the run picker. SVG built with s().

import {h, s, replace, stateClass} from '../dom.js';
import {runPicker} from '../widgets.js';

const W = 180, H = 44, GX = 70, GY = 18, PAD = 20;

export function create(ctx, shell) {
  const pickerSlot = h('span');
  const svgSlot = h('div', {class: 'graph-scroll'});
  const el = h('div', {class: 'graph-view'},
    h('div', {class: 'view-toolbar'}, h('label', {for: 'run-picker'}, 'Run'), pickerSlot), svgSlot);
  let layoutKey = '', nodes = new Map(), pickerKey = '';

  svgSlot.addEventListener('click', (e) => {
    const g = e.target.closest('g.node');
    if (g && shell.selectedRun) shell.openTask(shell.selectedRun, g.dataset.taskId);
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
      const label = t.task_id.length > 20 ? t.task_id.slice(0, 19) + '…' : t.task_id;
      const g = s('g', {class: 'node s-none', transform: `translate(${p.x},${p.y})`, tabindex: 0, role: 'button',
        'aria-label': `Task ${t.task_id}`, dataset: {taskId: t.task_id}},
      s('title', null, `${t.task_id}${t.type ? ` (${t.type})` : ''}`),
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
      const key = JSON.stringify(model.tasks.layers);
      if (key !== layoutKey) { layoutKey = key; build(model.tasks); }
      const pk = JSON.stringify([model.grid.runs.map((r) => [r.run_id, r.state]), shell.selectedRun]);
      if (pk !== pickerKey && !pickerSlot.contains(document.activeElement)) { pickerKey = pk; replace(pickerSlot, runPicker(shell, model.grid.runs)); }
      const runId = shell.selectedRun;
      for (const [id, g] of nodes) {
        const st = runId ? model.grid.cell(id, runId)?.state : null;
        const cls = stateClass(st);
        if (!g.classList.contains(cls)) {
          for (const c of [...g.classList]) if (c.startsWith('s-')) g.classList.remove(c);
          g.classList.add(cls);
          g.querySelector('.node-sub').textContent = `${model.tasks.byId.get(id)?.type || 'task'} · ${st || 'no status'}`;
        }
      }
    },
  };
}
