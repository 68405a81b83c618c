/* run_id.c: which run ids a user may choose. Pure (no I/O); the store, the
 * CLI and the web server ask it before a run id reaches the store. */
#include "dag/dag.h"

int dag_run_id_is_valid(const char *z) { return dag_id_is_valid(z); }
