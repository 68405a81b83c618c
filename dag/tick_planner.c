/* tick_planner.c: see tick_planner.h. */
#include "dag/tick_planner.h"
#include <string.h>

static int in_window(const dag *d, int64_t t) {
  if(t < 0) return 0;
  if(d->hasStartDate && t < d->startDate) return 0;
  if(d->hasEndDate && t > d->endDate) return 0;
  return 1;
}

int64_t tick_first(const dag *d) {
  if(d->schedule.kind == SCHEDULE_ONCE) return d->hasStartDate ? d->startDate : -1;
  if(d->schedule.kind != SCHEDULE_CRON || !d->hasStartDate) return -1;
  int64_t t = cron_next(&d->schedule, d->startDate - 1);
  return in_window(d, t) ? t : -1;
}

int64_t tick_after(const dag *d, int64_t t) {
  if(d->schedule.kind != SCHEDULE_CRON) return -1;
  int64_t n = cron_next(&d->schedule, t);
  if(n >= 0 && d->hasStartDate && n < d->startDate) return tick_first(d);
  return in_window(d, n) ? n : -1;
}

int64_t tick_interval_start(const dag *d, int64_t t) {
  if(d->schedule.kind != SCHEDULE_CRON) return t;
  int64_t p = cron_prev(&d->schedule, t);
  return p < 0 ? t : p;
}

/* The latest tick at or before now (and end_date), given that t is a due
 * tick: one cron_prev step, however long the DAG was down. */
static int64_t latest_due(const dag *d, int64_t t, int64_t now) {
  int64_t bound = d->hasEndDate && d->endDate < now ? d->endDate : now;
  int64_t latest = cron_prev(&d->schedule, bound + 1);
  return latest < t ? t : latest;
}

int tick_plan_due(const dag *d, int64_t lastLogical, int64_t now, int64_t *aOut, int nMax) {
  if(nMax <= 0) return 0;
  if(d->schedule.kind == SCHEDULE_ONCE) {
    if(lastLogical >= 0 || !d->hasStartDate || d->startDate > now) return 0;
    aOut[0] = d->startDate;
    return 1;
  }
  if(d->schedule.kind != SCHEDULE_CRON) return 0;
  int64_t t = lastLogical < 0 ? tick_first(d) : tick_after(d, lastLogical);
  if(t < 0 || t > now) return 0;
  if(!d->catchup) {
    /* only the latest due tick */
    aOut[0] = latest_due(d, t, now);
    return 1;
  }
  int n = 0;
  while(t >= 0 && t <= now && n < nMax) {
    aOut[n++] = t;
    t = tick_after(d, t);
  }
  return n;
}

int tick_plan_next(const dag *d, int64_t lastLogical, int64_t now, int64_t *aOut, int n) {
  if(n <= 0) return 0;
  if(d->schedule.kind == SCHEDULE_ONCE) {
    if(lastLogical >= 0 || !d->hasStartDate) return 0;
    aOut[0] = d->startDate;
    return 1;
  }
  if(d->schedule.kind != SCHEDULE_CRON) return 0;
  int64_t t = lastLogical < 0 ? tick_first(d) : tick_after(d, lastLogical);
  if(t < 0) return 0;
  if(!d->catchup && t <= now) t = latest_due(d, t, now);
  int k = 0;
  while(t >= 0 && k < n) {
    aOut[k++] = t;
    t = tick_after(d, t);
  }
  return k;
}

int tick_plan_range(const dag *d, int64_t start, int64_t end, int64_t *aOut, int nMax) {
  if(d->schedule.kind == SCHEDULE_ONCE) {
    if(d->hasStartDate && d->startDate >= start && d->startDate <= end && nMax > 0) {
      aOut[0] = d->startDate;
      return 1;
    }
    return 0;
  }
  if(d->schedule.kind != SCHEDULE_CRON) return 0;
  int n = 0;
  int64_t t = cron_next(&d->schedule, start - 1);
  while(t >= 0 && t <= end && n < nMax) {
    if(in_window(d, t)) aOut[n++] = t;
    t = cron_next(&d->schedule, t);
  }
  return n;
}

int tick_backfill_behavior_ok(const char *z) {
  return z && (!strcmp(z, "none") || !strcmp(z, "failed") || !strcmp(z, "completed"));
}

tick_backfill_action tick_backfill_decide(const char *zState, const char *zBehavior) {
  if(!zState || !*zState) return TICK_BACKFILL_CREATE;
  if(!strcmp(zState, "failed") && zBehavior && strcmp(zBehavior, "none")) return TICK_BACKFILL_RERUN;
  if(!strcmp(zState, "success") && zBehavior && !strcmp(zBehavior, "completed")) return TICK_BACKFILL_RERUN;
  return TICK_BACKFILL_KEEP;
}

const char *tick_backfill_action_name(tick_backfill_action a) {
  return a == TICK_BACKFILL_CREATE ? "create" : a == TICK_BACKFILL_RERUN ? "rerun" : "keep";
}
