/* shell_direct.h: which `shell` task commands can run without a shell.
 *
 * /bin/sh on Debian (dash) forks once more for a command that is not a
 * builtin and does not exec the last one: `sh -c "python3 job.py"` costs
 * two fork+execs, `true` an exec of dash. A command that is nothing but
 * plain words (letters, digits and _ . / , : + @ % = -, separated by spaces
 * or tabs) means the same to any POSIX shell as execvp() of those words, so
 * the task process execs the program at once, as GNU make does for such
 * recipe lines. Anything else goes to /bin/sh -c untouched: quotes,
 * backslashes, $, `, globs (* ? [ ]), ~, #, redirections, pipes, ;, &,
 * parentheses, braces, newlines, an assignment (a first word with =), a
 * first word that is a shell keyword, or one of the builtins whose
 * behaviour differs from the program of the same name or that only make
 * sense inside a shell (cd, exit, export, echo, printf, kill, pwd, test,
 * ...). `true` and `false` may exec /usr/bin/true and /usr/bin/false: they
 * do the same.
 *
 * What differs, by design: a program that is not found fails the try with
 * "exec failed: <path>: No such file or directory" (exit 127, like sh's
 * "not found"), and the task's parent process is the supervisor, not sh. */
#ifndef AIRC_EXECUTOR_SHELL_DIRECT_H
#define AIRC_EXECUTOR_SHELL_DIRECT_H

#include <stddef.h>

/* words and bytes of a command run directly, at most (the task type keeps
 * them on the task process's stack) */
#define SHELL_DIRECT_WORDS_MAX 64
#define SHELL_DIRECT_CMD_MAX 4096

/* Splits zCmd into azArgv (NULL-terminated, pointing into zBuf, which gets
 * a copy of zCmd) when it can run without a shell, and returns the number
 * of words (>= 1). Returns 0 when it needs /bin/sh -c: shell syntax as
 * above, no word at all, more than nArgvMax - 1 words, or a copy longer
 * than nBuf - 1 bytes. Allocates nothing and touches only its arguments:
 * safe in a vfork() child. */
int shell_direct_split(const char *zCmd, char *zBuf, size_t nBuf, char **azArgv, int nArgvMax);

#endif
