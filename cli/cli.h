/* cli.h: shared helpers of the `airc` command line.
 *
 * Conventions (as Airflow users expect): every command has --help; exit
 * code 0 on success, 1 on failure, 2 on a usage error; errors are one line
 * on stderr ("airc: error: ..."); commands that list things take
 * --output table|json|plain. */
#ifndef AIRC_CLI_H
#define AIRC_CLI_H
#include <jansson.h>
#include "common/err.h"
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_USAGE 2

typedef struct cli_command {
  const char *zName;       /* "dags list" */
  const char *zSummary;    /* one line */
  const char *zUsage;      /* full --help text after the usage line */
  int (*xMain)(int argc, char **argv);
} cli_command;

/* Prints "airc: error: msg" and returns CLI_FAIL (or CLI_USAGE for usage errors). */
int cli_error(const char *zFmt, ...) __attribute__((format(printf, 1, 2)));
int cli_usage_error(const char *zCmd, const char *zFmt, ...) __attribute__((format(printf, 2, 3)));
int cli_fail_err(const airc_err *pErr);
/* As cli_fail_err, but a "DAG '<zDagId>' not found" error says why that
 * may be (the CLI reads the store, which the scheduler fills from the DAG
 * folder) and what to do: `airc dags reserialize`. */
int cli_fail_dag_err(const airc_err *pErr, const char *zDagId);
/* Prints that DAG zDagId is not in the store (with the hint above) and
 * returns CLI_FAIL. */
int cli_dag_not_found(const char *zDagId);

/* Opens (creating and migrating) the store; on failure prints and returns NULL. */
store *cli_open_store(void);
/* For the commands that set a home up or run it (db init, scheduler,
 * standalone): warns once, on stderr, if AIRC_HOME lets group or others in
 * (it is the user's folder: not changed), and tightens airc.ini and the
 * default log folder to owner-only with a warning. */
void cli_check_home(void);
/* Path of a sibling binary of the running one (e.g. "airc-webserver"). */
void cli_sibling_path(const char *zName, char *zOut, size_t nOut);
/* Opens the store and syncs the DAG folder into it (so commands see files
 * without a running scheduler). Import errors are recorded, not fatal.
 * Only for the commands that parse files by design (`dags reserialize`,
 * `dags list-import-errors --reparse`, `dags test`, `tasks test`): the
 * others read the store alone and answer in milliseconds at any number of
 * DAGs (docs/scheduler.md). *pnChanged (may be NULL): DAGs the sync
 * changed; *pbFailed (may be NULL): 1 if the sync failed (warned). */
store *cli_open_store_synced(int *pnChanged /* OUT */, int *pbFailed /* OUT */);

/* Parses a --conf value: NULL stays NULL (*ppOut = NULL), anything else
 * must be a JSON object (new reference in *ppOut). Returns CLI_OK, or
 * CLI_USAGE after printing why. */
int cli_parse_conf(const char *zCmd, const char *zConf, json_t **ppOut /* OUT */);

/* The audit trail of the CLI (one place for every mutating command):
 * records zEvent (the web's names: "trigger", "clear", "mark", "paused",
 * ...) with owner "cli:<login name of the OS user>" and extra pExtra
 * (a JSON object, stolen; NULL for {}) plus "source": "cli". Best
 * effort: a store error prints one warning line, the command's outcome is
 * unchanged. zDagId/zRunId/zTaskId may be NULL. */
void cli_audit(store *s, const char *zEvent, const char *zDagId, const char *zRunId, const char *zTaskId,
               json_t *pExtra);

/* Output of tables: aazRow[i][j] strings; columns from azHead. */
typedef enum { OUT_TABLE, OUT_JSON, OUT_PLAIN } cli_output;
int cli_parse_output(const char *z, cli_output *pOut);
/* Prints a JSON array of objects as a table (keys of azCols), JSON or plain. */
void cli_print_rows(json_t *pRows, const char *const *azCols, cli_output out);

/* Shared `--help` handling: returns 1 if argv has -h/--help (and prints). */
int cli_wants_help(int argc, char **argv, const cli_command *pCmd);
const cli_command *cli_find(const char *zName);

/* Event time us (microseconds) as "2026-01-01T00:00:00Z" in zBuf (n
 * bytes), returned; "" (a literal) for INT64_MIN, the store's NULL
 * (STORE_VIEW_NULL). */
const char *cli_fmt_time_us(int64_t us, char *zBuf, size_t n);

#endif
