/* task_keys.c: the keys every task takes, whatever its type (dag/dag.h's
 * dag_is_task_common_key). A file of its own so that a binary that only
 * checks plugin descriptions (bin/airc-supervisor, executor/task_plugin.c)
 * links this table and not the DAG builder. */
#include "dag/dag.h"
#include <string.h>

static const char *const azTaskCommonKeys[] = {
    "id", "type", "upstream", "trigger_rule", "retries", "retry_delay",
    "retry_exponential_backoff", "max_retry_delay", "execution_timeout", "queue", "outlets",
    "expand", "max_active_tis_per_dag", "group",
    "pool", "pool_slots", "priority_weight", "weight_rule", "on_failure", "on_retry", "on_success",
    NULL};

int dag_is_task_common_key(const char *zKey) {
  for(int i = 0; azTaskCommonKeys[i]; i++)
    if(!strcmp(zKey, azTaskCommonKeys[i])) return 1;
  return 0;
}
