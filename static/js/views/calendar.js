// views/calendar.js: tab "calendar". A year of runs, one square per UTC day
// (weeks as columns, Monday on top), coloured by the day's worst run state
// (failed > running > queued > success) from GET /dags/<id>/calendar?year=.
// Each day has a tooltip and an aria-label; a legend explains the colours.

import * as api from '../api.js';
import {h, s, replace, stateClass} from '../dom.js';

const CELL = 13, GAP = 3, LEFT = 34, TOP = 22;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LEGEND = [['failed', 'failed'], ['running', 'running'], ['queued', 'queued'], ['success', 'success'], [null, 'no runs']];

// "3 runs: 2 success, 1 failed" for a day's counts.
export function dayText(day) {
  if (!day) return 'no runs';
  const parts = Object.entries(day.counts).sort((a, b) => b[1] - a[1]).map(([st, n]) => `${n} ${st}`);
  return `${day.total} run${day.total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

export function create(ctx, shell) {
  let year = new Date().getUTCFullYear();
  let lastKey = '';
  const title = h('strong', {id: 'calendar-year'});
  const note = h('span', {class: 'muted small', id: 'calendar-total'});
  const go = (d) => { year += d; lastKey = ''; shell.refresh(); };
  const chart = h('div', {class: 'calendar-scroll'});
  const legend = h('ul', {class: 'calendar-legend', 'aria-label': 'Legend'}, LEGEND.map(([st, label]) =>
    h('li', null, h('span', {class: ['cal-swatch', st ? stateClass(st) : 'cal-empty'], 'aria-hidden': 'true'}), label)));
  const el = h('div', {class: 'calendar-view'},
    h('div', {class: 'view-toolbar'},
      h('button', {type: 'button', class: 'btn btn-small', id: 'cal-prev', 'aria-label': 'Previous year', on: {click: () => go(-1)}}, '‹'),
      title,
      h('button', {type: 'button', class: 'btn btn-small', id: 'cal-next', 'aria-label': 'Next year', on: {click: () => go(1)}}, '›'),
      note, h('div', {class: 'spacer'}), legend),
    chart);

  function draw(doc) {
    const byDate = new Map((doc.days || []).map((d) => [d.date, d]));
    const jan1 = Date.UTC(year, 0, 1);
    const nDays = Math.round((Date.UTC(year + 1, 0, 1) - jan1) / 86400000);
    const lead = (new Date(jan1).getUTCDay() + 6) % 7;   // Monday = 0
    const weeks = Math.ceil((lead + nDays) / 7);
    const width = LEFT + weeks * (CELL + GAP) + 4, height = TOP + 7 * (CELL + GAP) + 4;
    const svg = s('svg', {class: 'calendar', id: 'calendar', width, height, viewBox: `0 0 ${width} ${height}`,
      role: 'group', 'aria-label': `Runs of ${shell.dagId} per day in ${year}`});
    ['Mon', '', 'Wed', '', 'Fri', '', 'Sun'].forEach((d, i) => {
      if (d) svg.appendChild(s('text', {class: 'tick', x: 0, y: TOP + i * (CELL + GAP) + CELL - 2}, d));
    });
    for (let i = 0; i < nDays; i++) {
      const t = new Date(jan1 + i * 86400000);
      const iso = t.toISOString().slice(0, 10);
      const col = Math.floor((lead + i) / 7), row = (lead + i) % 7;
      const x = LEFT + col * (CELL + GAP), y = TOP + row * (CELL + GAP);
      if (t.getUTCDate() === 1) svg.appendChild(s('text', {class: 'tick', x, y: TOP - 8}, MONTHS[t.getUTCMonth()]));
      const day = byDate.get(iso);
      const label = `${iso}: ${dayText(day)}`;
      svg.appendChild(s('rect', {class: ['cal-day', day ? stateClass(day.state) : 'cal-empty'], x, y, width: CELL, height: CELL,
        rx: 2, role: 'img', 'aria-label': label, tabindex: day ? 0 : false, dataset: {date: iso}}, s('title', null, label)));
    }
    replace(chart, svg);
  }

  return {
    el,
    async update() {
      const doc = await api.get(`${api.path.dag(shell.dagId)}/calendar`, {year});
      title.textContent = String(year);
      note.textContent = `${doc.total_runs} run${doc.total_runs === 1 ? '' : 's'} in ${year} (UTC days of the logical date)`;
      const key = JSON.stringify(doc);
      if (key !== lastKey) { lastKey = key; draw(doc); }
    },
  };
}
