/* tick_planner.h: which logical dates a DAG's schedule asks for.
 *
 * A cron schedule fires at each tick at or after start_date and not after
 * end_date; a run's logical date is its tick and its data interval runs
 * from the previous tick to this one. @once fires once, at start_date.
 * Pure functions of the DAG, the last scheduled logical date and `now`. */
#ifndef AIRC_TICK_PLANNER_H
#define AIRC_TICK_PLANNER_H
#include <stdint.h>
#include "dag/dag.h"

/* First tick at or after start_date, or -1 if none (no schedule, past end). */
int64_t tick_first(const dag *d);
/* Tick after t within [start_date, end_date], or -1. */
int64_t tick_after(const dag *d, int64_t t);
/* Data interval start for a run whose logical date is t. */
int64_t tick_interval_start(const dag *d, int64_t t);

/* Logical dates to create now, oldest first, at most nMax, given the last
 * scheduled logical date (or -1 if the DAG has never been scheduled).
 * catchup=false yields only the latest due tick. Returns the count. */
int tick_plan_due(const dag *d, int64_t lastLogical, int64_t now, int64_t *aOut, int nMax);

/* The next n ticks the scheduler will create, as `airc dags next-execution`
 * prints them (catchup: from the first missed one; else from the latest due). */
int tick_plan_next(const dag *d, int64_t lastLogical, int64_t now, int64_t *aOut, int n);

/* Ticks within [start, end] (inclusive) for backfill, at most nMax. */
int tick_plan_range(const dag *d, int64_t start, int64_t end, int64_t *aOut, int nMax);

#endif
