// poll.js: periodic refresh that never overlaps itself and sleeps while the
// tab is hidden (one immediate refresh when it becomes visible again).
// With {live: true} the refresh follows the server's change events
// (live.js) instead of a timer while the event stream is open, and falls
// back to polling every ms milliseconds while it is not. Change events
// start at most one refresh per LIVE_MIN_GAP_MS: a busy scheduler commits
// several times a second, and refreshing back to back would load the tab
// more than polling did.

import * as live from './live.js';

const pollers = new Set();
const LIVE_MIN_GAP_MS = 1000;

document.addEventListener('visibilitychange', () => {
  if (document.hidden) return;
  for (const p of pollers) p.kick();
});

// Calls fn() now and then every ms milliseconds (or on each change event,
// see above) until stop(). fn may return false to stop itself (a finished
// log, for instance).
export function startPolling(fn, ms, opts = {}) {
  let timer = null, busy = false, stopped = false, again = false;
  let lastStart = 0, gapTimer = null;
  const unsubs = [];
  // a change event: refresh now, or once the gap since the last refresh is over
  const liveKick = () => {
    if (stopped || document.hidden || gapTimer) return;
    const wait = lastStart + LIVE_MIN_GAP_MS - Date.now();
    if (wait > 0) gapTimer = setTimeout(() => { gapTimer = null; p.kick(); }, wait);
    else p.kick();
  };
  const schedule = () => {
    clearTimeout(timer);
    if (stopped || (opts.live && live.connected())) return;
    timer = setTimeout(() => { if (!document.hidden) p.kick(); }, ms);
  };
  const p = {
    async kick() {
      if (stopped) return;
      if (busy) { again = true; return; }  // a change during a refresh: one more after it
      clearTimeout(timer);
      busy = true;
      lastStart = Date.now();
      let more = true;
      try { more = (await fn()) !== false; } catch (e) { console.warn('poll', e); }
      busy = false;
      if (!more) { p.stop(); return; }
      if (again && !stopped) { again = false; liveKick(); }
      schedule();
    },
    stop() { stopped = true; clearTimeout(timer); clearTimeout(gapTimer); pollers.delete(p); for (const u of unsubs) u(); },
  };
  if (opts.live) {
    unsubs.push(live.onChange(liveKick));
    // the stream opened: no timer; it dropped: refresh now and poll again
    unsubs.push(live.onState((up) => { if (up) clearTimeout(timer); else p.kick(); }));
  }
  pollers.add(p);
  p.kick();
  return p;
}
