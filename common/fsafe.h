/* fsafe.h: files and folders that only their owner may touch.
 *
 * airc keeps private state in places other users can name: the run folder
 * (on tmpfs, whose parent /dev/shm anyone can write), AIRC_HOME, the store.
 * This module is the one place that creates them and checks them:
 *   - folders are created 0700 and an existing one is used only if lstat()
 *     says it is a real directory (not a symlink) owned by us with no group
 *     or other bits;
 *   - files in them are opened with O_NOFOLLOW, and files made fresh are
 *     created with O_EXCL after removing a stale entry (unlink never follows
 *     a symlink), mode 0600;
 *   - files airc created earlier with looser modes are tightened to 0600
 *     with a warning.
 * Not for task output or DAG files: those belong to the user. */
#ifndef AIRC_FSAFE_H
#define AIRC_FSAFE_H
#include <stddef.h>
#include "common/err.h"

/* mkdir -p with mode 0700 for every folder it creates (existing ones are
 * left alone). 0, or -1 with errno. */
int fsafe_mkdirs(const char *zDir);

/* Creates zDir (and its parents) 0700 if missing, then checks it with
 * lstat(): a directory, not a symlink, owned by the calling user, no group
 * or other permission. On failure pErr holds one line naming zWhat, the path
 * and what is wrong, e.g. "run folder /x: has mode 0755 (group or others can
 * use it); remove it or chmod 700 it". */
AIRC_WUR airc_rc fsafe_private_dir(const char *zDir, const char *zWhat, airc_err *pErr);

/* The run folder (airc_path_run()), checked by fsafe_private_dir(), with its
 * results/ and xcom/ subfolders. Checked once per process (per path);
 * later calls return the first answer. */
AIRC_WUR airc_rc fsafe_run_folder(airc_err *pErr);

/* 1 if zDir is, right now, a directory owned by us with no group or other
 * bits (lstat); never creates anything. For readers that must not trust a
 * folder someone else made. */
int fsafe_dir_is_private(const char *zDir);

/* open(zPath, flags | O_NOFOLLOW | O_CLOEXEC, 0600): a symlink at zPath
 * fails with ELOOP instead of being followed. */
int fsafe_open(const char *zPath, int flags);

/* Creates zPath as a new file (O_CREAT | O_EXCL | O_NOFOLLOW, 0600) for
 * writing, after unlinking whatever stale entry has that name. Returns the
 * descriptor, or -1 with errno. */
int fsafe_create(const char *zPath);

/* Writes z[0..n) to zPath atomically: a fresh "<zPath>.tmp" (fsafe_create)
 * renamed over zPath (rename replaces a symlink, never its target). */
AIRC_WUR airc_rc fsafe_write_atomic(const char *zPath, const char *z, size_t n, airc_err *pErr);

/* If zPath is a regular file or folder we own (not a symlink) with group or
 * other bits, drops them (0644 becomes 0600, 0755 becomes 0700; lstat then
 * chmod, no descriptor: safe on an open SQLite database) and returns 1, the old mode in *pOldMode.
 * Else 0. Only for what airc itself creates. */
int fsafe_tighten(const char *zPath, unsigned *pOldMode /* OUT */);

#endif
