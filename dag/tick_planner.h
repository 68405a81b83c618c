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

/* What a backfill does at one tick (Airflow's reprocess_behavior). */
typedef enum tick_backfill_action {
  TICK_BACKFILL_CREATE, /* no run at that date: create one */
  TICK_BACKFILL_RERUN,  /* a run the behaviour asks to redo: clear it */
  TICK_BACKFILL_KEEP    /* leave the existing run as it is */
} tick_backfill_action;

/* 1 if zBehavior is "none", "failed" or "completed". */
int tick_backfill_behavior_ok(const char *zBehavior);
/* The action for a tick whose existing run has state zState ("" or NULL
 * when there is none) under zBehavior: "none" keeps every existing run,
 * "failed" re-runs failed ones, "completed" re-runs failed and successful
 * ones; queued and running runs are always kept. */
tick_backfill_action tick_backfill_decide(const char *zState, const char *zBehavior);
/* "create", "rerun", "keep". */
const char *tick_backfill_action_name(tick_backfill_action a);

#endif
