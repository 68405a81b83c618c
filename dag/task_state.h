/* task_state.h: the pure rules of task and run states, as Airflow users
 * know them. No I/O here, so every rule is unit tested directly.
 *
 * Task states: none, scheduled, queued, running, success, failed,
 * up_for_retry, upstream_failed, skipped, up_for_reschedule. Run states: queued, running,
 * success, failed. */
#ifndef AIRC_TASK_STATE_H
#define AIRC_TASK_STATE_H
#include <stdint.h>
#include "dag/dag.h"

typedef enum ti_state {
  TI_NONE, TI_SCHEDULED, TI_QUEUED, TI_RUNNING, TI_SUCCESS, TI_FAILED, TI_UP_FOR_RETRY,
  TI_UPSTREAM_FAILED, TI_SKIPPED,
  TI_UP_FOR_RESCHEDULE, /* a sensor in mode=reschedule between two pokes: holds no slot */
  TI_STATE_COUNT
} ti_state;

const char *ti_state_name(ti_state s);
/* Returns 1 and sets *pOut if z names a state. */
int ti_state_parse(const char *z, ti_state *pOut);
/* success, failed, skipped, upstream_failed */
int ti_state_is_finished(ti_state s);

/* Counts of a task's upstream states. */
typedef struct upstream_counts {
  int nTotal;
  int nSuccess, nFailed, nUpstreamFailed, nSkipped;
  int nDone;   /* finished in any way */
} upstream_counts;

typedef enum { TRIGGER_WAIT, TRIGGER_READY, TRIGGER_SKIP, TRIGGER_UPSTREAM_FAILED } trigger_verdict;

/* What a task in state none should become, given its upstreams. */
trigger_verdict trigger_rule_evaluate(trigger_rule rule, const upstream_counts *p);

/* After a failed try number tryNumber (1-based): 1 if another try is due. */
int task_should_retry(const dag_task *t, int tryNumber);
/* Seconds to wait before the try after failed try tryNumber: retry_delay,
 * doubled per further failure with exponential backoff, capped by
 * max_retry_delay (the cap applies to plain delays too; 0 means no cap). */
int64_t task_retry_delay(const dag_task *t, int tryNumber);

/* Run outcome from its leaf tasks (those without downstream): failed if any
 * leaf failed or upstream_failed, success if all are success or skipped.
 * Returns "success", "failed", or NULL while tasks remain unfinished. */
const char *run_state_from_tasks(const dag *d, const ti_state *aState);

#endif
