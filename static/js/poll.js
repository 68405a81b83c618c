// poll.js: periodic refresh that never overlaps itself and sleeps while the
// tab is hidden (one immediate refresh when it becomes visible again).
// With {live: true} the refresh follows the server's change events
// (live.js) instead of a timer while the event stream is open, and falls
// back to polling every ms milliseconds while it is not.

import * as live from './live.js';

const pollers = new Set();

document.addEventListener('visibilitychange', () => {
  if (document.hidden) return;
  for (const p of pollers) p.kick();
});

// Calls fn() now and then every ms milliseconds (or on each change event,
// see above) until stop(). fn may return false to stop itself (a finished
// log, for instance).
export function startPolling(fn, ms, opts = {}) {
  let timer = null, busy = false, stopped = false, again = false;
  const unsubs = [];
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
      let more = true;
      try { more = (await fn()) !== false; } catch (e) { console.warn('poll', e); }
      busy = false;
      if (!more) { p.stop(); return; }
      if (again && !stopped) { again = false; p.kick(); return; }
      schedule();
    },
    stop() { stopped = true; clearTimeout(timer); pollers.delete(p); for (const u of unsubs) u(); },
  };
  if (opts.live) {
    unsubs.push(live.onChange(() => { if (!document.hidden) p.kick(); }));
    // the stream opened: no timer; it dropped: refresh now and poll again
    unsubs.push(live.onState((up) => { if (up) clearTimeout(timer); else p.kick(); }));
  }
  pollers.add(p);
  p.kick();
  return p;
}
