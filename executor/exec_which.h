/* exec_which.h: where a program named without a slash is, through PATH,
 * remembered for a moment.
 *
 * execvp() finds such a program by trying execve() in each PATH folder
 * in turn: with a developer's PATH (pyenv, cargo, go, ...) that is 11 to
 * 16 failed execve calls, 1.8 us each on this project's VM, for `true`,
 * on the path from one chain task's end to the next one's start, where
 * the machine's floor (bench-floor) execs /bin/true by its path.
 *
 * exec_which_exec() execs the program where it was found last, if that
 * was under the same PATH less than EXEC_WHICH_TTL_US ago; else it looks
 * it up as execvp would (the first PATH folder holding a regular file we
 * may execute), remembers it, and execs it there. When that exec fails
 * (the file is gone, a script without #!, ...), execvp() runs as always:
 * what runs and what fails is what execvp decides. The difference: a
 * program put into an earlier PATH folder is seen up to EXEC_WHICH_TTL_US
 * late (bash's command hash sees it only after `hash -r`). A relative
 * PATH folder (".", "") is never remembered: the task's folder changes.
 *
 * The memory is the process's. A task process that a pool member
 * vfork()ed shares the member's memory until its exec: what it remembers
 * stays for the member's next tries (nothing else runs in the member
 * meanwhile: vfork suspends it). A fork()ed one remembers for itself. */
#ifndef AIRC_EXEC_WHICH_H
#define AIRC_EXEC_WHICH_H

#define EXEC_WHICH_TTL_US 1000000 /* 1 s */

/* Execs zName (no '/') with azArgv and the current environment, as
 * execvp(zName, azArgv) does. Returns only when that failed, with errno
 * set by execvp. */
void exec_which_exec(const char *zName, char *const azArgv[]);

/* The path zName (no '/') has through zPath (a PATH value) as
 * exec_which_exec would exec it at once: 0 and the path in zOut, or -1
 * (not found, or not to be remembered). For tests. */
int exec_which_find(const char *zName, const char *zPath, char *zOut, unsigned nOut);

#endif
