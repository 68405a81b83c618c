/* config.h: airc's settings, as Airflow users know them.
 *
 * Sources, later ones winning: built-in defaults, $AIRC_HOME/airc.ini
 * (sections [core], [scheduler], [webserver], [kafka], [cassandra], ...),
 * then environment variables AIRC__SECTION__KEY (upper case, e.g.
 * AIRC__CORE__PARALLELISM=8). $AIRC_HOME defaults to ~/airc.
 * Loaded once per process by airc_config_load(); the getters are then
 * read-only and cheap. */
#ifndef AIRC_CONFIG_H
#define AIRC_CONFIG_H
#include <stdint.h>
#include "common/err.h"

/* Reads $AIRC_HOME/airc.ini if present. A syntax error in it is reported
 * as "airc.ini:LINE: ..." through pErr. */
AIRC_WUR airc_rc airc_config_load(airc_err *pErr);
void airc_config_free(void);

/* $AIRC_HOME, absolute, without trailing slash. */
const char *airc_home(void);
/* Value of section.key: env override, file, else zDefault. Borrowed. */
const char *airc_config_get(const char *zSection, const char *zKey, const char *zDefault);
int64_t airc_config_get_int(const char *zSection, const char *zKey, int64_t iDefault);
int airc_config_get_bool(const char *zSection, const char *zKey, int bDefault);

/* Paths derived from the settings (borrowed, absolute). */
const char *airc_path_dags(void);   /* [core] dags_folder, default $AIRC_HOME/dags */
/* The store to open: [database] url (AIRC__DATABASE__URL) when set
 * (postgresql://... or sqlite:///path), else airc_path_db(). */
const char *airc_store_target(void);
const char *airc_path_db(void);     /* [core] sql_alchemy_conn-like: [database] path, default $AIRC_HOME/airc.db */
const char *airc_path_logs(void);   /* [logging] base_log_folder, default $AIRC_HOME/logs */
/* [core] run_folder, default $XDG_RUNTIME_DIR/airc-<hash of AIRC_HOME>, else
 * /dev/shm/airc-<uid>-<hash>, else $AIRC_HOME/run: locks, result files, the
 * doorbell's name. Check it with fsafe_run_folder() before use. */
const char *airc_path_run(void);
const char *airc_path_data(void);   /* $AIRC_HOME/data: task outputs */

/* Parses a boolean word: true/false/yes/no/on/off/1/0. Returns -1 if none. */
int airc_parse_bool(const char *z);

#endif
