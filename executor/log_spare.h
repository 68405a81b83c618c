/* log_spare.h: a try's log folder and log file, made before the try exists.
 *
 * Every try writes a new file in a new folder (Airflow's layout,
 * logs/dag_id=D/run_id=R/task_id=T/attempt=N.log), so every try allocates
 * two inodes on its critical path. On ext4 without a journal (this project's
 * CI machine, many VMs) allocating an inode scans the group's bitmap past
 * every inode freed in the last 1 to 6 minutes (fs/ext4/ialloc.c,
 * recently_deleted()); after a test suite or a log cleanup that was 0.3 to
 * 0.7 ms per try, as much as the task's own fork + exec.
 *
 * A warm supervisor (exec_pool.h) waits idle before its try arrives. It
 * makes one empty folder and one empty file then, in <logs>/.spare/, named
 * by its pid; its try renames them into place (renameat2 RENAME_NOREPLACE:
 * moving an entry allocates no inode, 0.03 ms for both). Nothing a reader
 * sees changes: the same path, folders 0700, files 0600, the file opened
 * O_NOFOLLOW | O_APPEND. Whatever cannot use a spare (no spare, another
 * filesystem, the folder exists already: a retry) creates as before.
 *
 * A chain's next link needs no spare: its log itself is made ahead
 * (log_spare_make_log).
 *
 * <logs>/.spare is a private folder (fsafe_private_dir): no one else can
 * put anything there for a try to rename into its log path. Spares a try
 * did not use are removed when its supervisor ends; those of a supervisor
 * killed with SIGKILL are removed by the next fork server that starts
 * (log_spare_sweep). */
#ifndef AIRC_LOG_SPARE_H
#define AIRC_LOG_SPARE_H

#define LOG_SPARE_PATH_MAX 4200

typedef struct log_spare {
  char zDir[LOG_SPARE_PATH_MAX];  /* the spare folder, "" when there is none */
  char zFile[LOG_SPARE_PATH_MAX]; /* the spare file, or the next try's log itself (bLog); "" when none */
  int fdFile;                     /* zFile open for appending, -1 when none */
  int bLog;                       /* zFile is the next try's log, made empty at its own path */
} log_spare;

/* Makes this process's spare folder and file under zLogs/.spare (best
 * effort: what fails is left out, and log_spare_open creates as before).
 * The file stays open: the try that takes it needs no open() of its own. */
void log_spare_make(log_spare *p, const char *zLogs);

/* A chain's next link, known while the link before runs: its log zLog is
 * made now, empty, at its own path (its folder too, 0700, if missing; the
 * file 0600, O_EXCL: a log that is there already is left alone, and
 * nothing is made). The link's try then only writes its first line, where
 * a spare would cost a rename on the path from one task's end to the next
 * one's start (20-50 us on a journaled ext4). An empty log is not proof
 * that a try started: the zombie sweep gives a queued try whose log is
 * missing or empty back to be run (sched_ingest.c), so a member killed
 * before its link began repeats nothing. Whatever p held is dropped first. */
void log_spare_make_log(log_spare *p, const char *zLog);

/* Opens the log zPath for appending (O_WRONLY | O_APPEND | O_NOFOLLOW |
 * O_CLOEXEC), creating its folder (0700, parents too) and the file (0600)
 * if missing, from p's spares when it can (p may be NULL). A spare used is
 * forgotten. Returns the descriptor, or -1 with errno. */
int log_spare_open(log_spare *p, const char *zPath);

/* Removes the spares p still holds (and closes the spare file). A log
 * made ahead (bLog) is removed only while it is still empty and still the
 * file p made (a try of the same name someone else started keeps it), and
 * its folder only if that is then empty. Call it before anyone can start
 * that try elsewhere: before the result that lets the scheduler go on. */
void log_spare_drop(log_spare *p);

/* Removes the spares under zLogs/.spare whose process is gone (a
 * supervisor killed before it could drop them; a spare folder with its
 * file inside goes whole). Returns how many. */
int log_spare_sweep(const char *zLogs);

#endif
