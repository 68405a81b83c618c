// dom.js: the only way the dashboard builds DOM. Everything that came from the
// server goes in as a text node or through setAttribute on a safe attribute;
// nothing here ever parses a string as HTML (no innerHTML, no insertAdjacentHTML).
// Not for: layout or styling decisions (style.css) or fetching (api.js).

const SVG_NS = 'http://www.w3.org/2000/svg';

// Attributes we refuse to set from data: event handlers and anything that can
// carry a javascript: URL. Links are built with hrefs we compose ourselves.
function setAttr(el, name, value) {
  if (value === undefined || value === null || value === false) return;
  const n = name.toLowerCase();
  if (n.startsWith('on') || n === 'style' || n === 'srcdoc') {
    throw new Error(`dom: refusing to set attribute ${name}`);
  }
  if ((n === 'href' || n === 'src' || n === 'xlink:href') && !/^(#|\/|\.\/)/.test(String(value))) {
    throw new Error(`dom: refusing non-local URL in ${name}`);
  }
  el.setAttribute(name, value === true ? '' : String(value));
}

function append(el, child) {
  if (child === undefined || child === null || child === false) return;
  if (Array.isArray(child)) { for (const c of child) append(el, c); return; }
  if (child instanceof Node) { el.appendChild(child); return; }
  el.appendChild(document.createTextNode(String(child)));
}

function build(el, attrs, children) {
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'on') { for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn); }
      else if (k === 'dataset') { for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv); }
      else if (k === 'class') { if (v) setAttr(el, 'class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v); }
      else if (k === 'text') { el.textContent = v == null ? '' : String(v); }
      else if (k === 'props') { Object.assign(el, v); }
      else setAttr(el, k, v);
    }
  }
  append(el, children);
  return el;
}

// h('div', {class: 'x', on: {click: fn}}, 'text', child, [more])
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

// s('rect', {x: 1, class: 's-success'}) builds an SVG element the same way.
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

// Known task and run states; anything else is shown as 'none' so that a
// state string from the server never becomes an arbitrary class name.
export const STATES = ['success', 'failed', 'running', 'queued', 'scheduled', 'up_for_retry',
  'up_for_reschedule', 'upstream_failed', 'skipped', 'removed', 'restarting', 'deferred', 'none'];

export function stateClass(state) {
  return 's-' + (STATES.includes(state) ? state : 'none');
}

export function stateBadge(state) {
  return h('span', {class: ['badge', stateClass(state || 'none')]}, state || 'none');
}

// Dates: the API speaks ISO 8601; the dashboard shows UTC like Airflow does.
export function fmtDate(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC');
}

// A UTC date followed by the wall clock of a DAG's time zone, as the DAG
// page shows its next run: "2026-03-29 01:00:00 UTC (03:00 Europe/Paris)".
// The date is repeated when the zone's day differs from UTC's.
export function fmtDateZone(iso, tz) {
  const utc = fmtDate(iso);
  if (!iso || !tz || tz === 'UTC') return utc;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return utc;
  try {
    const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {timeZone: tz, year: 'numeric', month: '2-digit',
      day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'}).formatToParts(d).map((p) => [p.type, p.value]));
    const day = `${parts.year}-${parts.month}-${parts.day}`;
    const hm = `${parts.hour}:${parts.minute}`;
    return `${utc} (${day === d.toISOString().slice(0, 10) ? hm : day + ' ' + hm} ${tz})`;
  } catch (e) {
    return utc;   // a zone this browser does not know
  }
}

export function fmtDuration(sec) {
  if (sec === null || sec === undefined || Number.isNaN(sec)) return '—';
  sec = Number(sec);
  if (sec === 0) return '0 s';
  if (sec < 1) return `${Math.round(sec * 1000)} ms`;
  if (sec < 60) return `${Number.isInteger(sec) || sec >= 10 ? Math.round(sec) : sec.toFixed(1)} s`;
  const m = Math.floor(sec / 60), r = Math.round(sec % 60);
  if (m < 60) return r ? `${m} min ${r} s` : `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 60)} h`;
}

export function fmtRelative(iso) {
  if (!iso) return '';
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const diff = (t - Date.now()) / 1000, a = Math.abs(diff);
  const v = a < 60 ? `${Math.round(a)} s` : a < 3600 ? `${Math.round(a / 60)} min`
    : a < 86400 ? `${Math.round(a / 3600)} h` : `${Math.round(a / 86400)} d`;
  return diff >= 0 ? `in ${v}` : `${v} ago`;
}

export function secondsBetween(a, b) {
  if (!a) return null;
  const ta = new Date(a).getTime(), tb = b ? new Date(b).getTime() : Date.now();
  if (Number.isNaN(ta) || Number.isNaN(tb)) return null;
  return Math.max(0, (tb - ta) / 1000);
}
