/* task_regex.h: the task-id regex of `tasks clear --task-regex` and of the
 * API's clearTaskInstances (`task_regex`), checked and compiled.
 *
 * POSIX extended regexes from libc (regcomp). glibc expands bounded
 * repetition by copying the automaton, so "(a{1,255}){1,255}" takes
 * seconds and gigabytes to compile, and back-references make matching
 * exponential. Before compiling, a user's pattern is therefore limited to
 * TASK_REGEX_MAX characters, repetition counts up to TASK_REGEX_MAX_COUNT,
 * no repetition of a group that itself contains repetition, and no
 * back-references. Compile outside any store transaction: the check makes
 * it cheap, but it is still work that must not hold the write lock. */
#ifndef AIRC_TASK_REGEX_H
#define AIRC_TASK_REGEX_H
#include <regex.h>
#include <stddef.h>
#include "common/err.h"

#define TASK_REGEX_MAX 256
#define TASK_REGEX_MAX_COUNT 32

/* Checks zRe (nMax: length cap; 0 for no cap, for patterns built by airc
 * itself from a list of literal ids) and compiles it into *pRe
 * (REG_EXTENDED | REG_NOSUB). AIRC_ERR_INVALID with a one-line message
 * naming the pattern when refused; the caller regfree()s *pRe on success. */
AIRC_WUR airc_rc task_regex_compile(const char *zRe, size_t nMax, regex_t *pRe /* OUT */, airc_err *pErr);

#endif
