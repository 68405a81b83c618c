/* shell_direct.c: which `shell` task commands can run without a shell
 * (shell_direct.h). Written here: no library says "this sh -c text is a
 * plain argv"; wordexp(3) would run the shell's expansions, not refuse
 * them. */
#include "executor/shell_direct.h"
#include <string.h>

/* A byte of a plain word: anything else is shell syntax or may be (the
 * bytes of UTF-8 text included: kept for sh, which is never wrong). */
static int is_plain(unsigned char c) {
  if((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  return c && strchr("_./,:+@%=-", c) != NULL;
}

/* First words that mean something else to sh than a program of that name
 * would: keywords, the special builtins, builtins that act on the shell
 * itself, and builtins whose output or options differ from the program's
 * (dash's echo reads escapes, /bin/echo does not). */
static const char *const azShellFirst[] = {
    "!", ".", ":", "alias", "bg", "break", "case", "cd", "command", "continue", "do", "done", "echo",
    "elif", "else", "esac", "eval", "exec", "exit", "export", "fc", "fg", "fi", "for", "function",
    "getopts", "hash", "if", "in", "jobs", "kill", "local", "printf", "pwd", "read", "readonly",
    "return", "select", "set", "shift", "test", "then", "times", "trap", "type", "ulimit", "umask",
    "unalias", "unset", "until", "wait", "while", NULL};

static int needs_shell_first(const char *zWord) {
  if(strchr(zWord, '=')) return 1; /* an assignment: FOO=1 cmd */
  for(int i = 0; azShellFirst[i]; i++) {
    if(!strcmp(zWord, azShellFirst[i])) return 1;
  }
  return 0;
}

int shell_direct_split(const char *zCmd, char *zBuf, size_t nBuf, char **azArgv, int nArgvMax) {
  size_t n = 0;
  for(; zCmd[n]; n++) {
    unsigned char c = (unsigned char)zCmd[n];
    if(c != ' ' && c != '\t' && !is_plain(c)) return 0;
  }
  if(n + 1 > nBuf || nArgvMax < 2) return 0;
  memcpy(zBuf, zCmd, n + 1);
  int nWord = 0;
  char *z = zBuf;
  for(;;) {
    while(*z == ' ' || *z == '\t') *z++ = 0;
    if(!*z) break;
    if(nWord == nArgvMax - 1) return 0;
    azArgv[nWord++] = z;
    while(*z && *z != ' ' && *z != '\t') z++;
  }
  azArgv[nWord] = NULL;
  if(nWord == 0 || needs_shell_first(azArgv[0])) return 0;
  return nWord;
}
