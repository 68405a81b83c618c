// poll.js: periodic refresh that never overlaps itself and sleeps while the
// tab is hidden (one immediate refresh when it becomes visible again).

const pollers = new Set();

document.addEventListener('visibilitychange', () => {
  if (document.hidden) return;
  for (const p of pollers) p.kick();
});

// Calls fn() now and then every ms milliseconds until stop(). fn may return
// false to stop polling itself (a finished log, for instance).
export function startPolling(fn, ms) {
  let timer = null, busy = false, stopped = false;
  const p = {
    async kick() {
      if (stopped || busy) return;
      clearTimeout(timer);
      busy = true;
      let again = true;
      try { again = (await fn()) !== false; } catch (e) { console.warn('poll', e); }
      busy = false;
      if (!again) { p.stop(); return; }
      if (!stopped) timer = setTimeout(() => { if (!document.hidden) p.kick(); }, ms);
    },
    stop() { stopped = true; clearTimeout(timer); pollers.delete(p); },
  };
  pollers.add(p);
  p.kick();
  return p;
}
