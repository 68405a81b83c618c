// live.js: live updates pushed by the server (Server-Sent Events from
// GET /api/v1/events/stream). One EventSource per page; every `change` event
// (the store changed: a run, a task, a pause...) calls the listeners, which
// refetch what they show. While the stream is not open (never connected, the
// server refused it with 503 or 401, or it is reconnecting) connected() is
// false and poll.js polls as before. Not for: logs, which are files, not the
// store (the task panel keeps polling them).

const listeners = new Set();
const stateListeners = new Set();
let source = null;
let open = false;
export const stats = {mode: 'polling', changes: 0, opened: 0};

function setOpen(v) {
  if (open === v) return;
  open = v;
  stats.mode = v ? 'sse' : 'polling';
  document.documentElement.dataset.live = stats.mode;
  for (const fn of stateListeners) fn(v);
}

export function connected() { return open; }

// Opens the stream once (after login: it needs the session).
export function start() {
  if (source || typeof EventSource === 'undefined') return;
  document.documentElement.dataset.live = stats.mode;
  source = new EventSource('/api/v1/events/stream');
  source.addEventListener('ready', () => { stats.opened++; setOpen(true); });
  source.addEventListener('change', () => {
    stats.changes++;
    for (const fn of listeners) fn();
  });
  source.addEventListener('error', () => {
    // CONNECTING: the browser retries by itself; CLOSED (e.g. 503, 401): give up, poll
    setOpen(false);
    if (source && source.readyState === EventSource.CLOSED) { source = null; setTimeout(start, 30_000); }
  });
}

export function stop() {
  if (source) source.close();
  source = null;
  setOpen(false);
}

// fn() on every change; returns an unsubscribe function.
export function onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }
// fn(connected) when the stream opens or drops.
export function onState(fn) { stateListeners.add(fn); return () => stateListeners.delete(fn); }

window.aircLive = stats; // read by the browser tests
