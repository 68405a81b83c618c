/* exec_which.c: see exec_which.h. Written by hand: glibc has no lookup
 * that stops before the exec (execvp's own walk is the exec). */
#include "executor/exec_which.h"
#include "common/timeutil.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WHICH_SLOTS 8
#define WHICH_NAME_MAX 64
#define WHICH_PATHVAR_MAX 2048
#define WHICH_FILE_MAX 1024

typedef struct which_slot {
  char zName[WHICH_NAME_MAX];       /* "" when free */
  char zPathVar[WHICH_PATHVAR_MAX]; /* the PATH it was found through */
  char zFile[WHICH_FILE_MAX];       /* where */
  int64_t atUs;                     /* when */
} which_slot;

static which_slot g_aSlot[WHICH_SLOTS];
static unsigned g_iNext; /* the slot the next new name takes (round robin) */

int exec_which_find(const char *zName, const char *zPath, char *zOut, unsigned nOut) {
  if(!zPath || !*zName || strchr(zName, '/')) return -1;
  const char *z = zPath;
  for(;;) {
    const char *zEnd = strchrnul(z, ':');
    size_t nDir = (size_t)(zEnd - z);
    if(nDir == 0 || z[0] != '/') return -1; /* relative (the task's folder): execvp decides */
    int n = snprintf(zOut, nOut, "%.*s/%s", (int)nDir, z, zName);
    struct stat st;
    if(n > 0 && (unsigned)n < nOut && stat(zOut, &st) == 0 && S_ISREG(st.st_mode) && access(zOut, X_OK) == 0)
      return 0;
    if(!*zEnd) return -1;
    z = zEnd + 1;
  }
}

void exec_which_exec(const char *zName, char *const azArgv[]) {
  const char *zPath = getenv("PATH");
  const size_t nName = strlen(zName);
  if(!zPath || nName >= WHICH_NAME_MAX || strlen(zPath) >= WHICH_PATHVAR_MAX) {
    execvp(zName, azArgv);
    return;
  }
  const int64_t now = airc_now_us();
  which_slot *pSlot = NULL;
  for(unsigned i = 0; i < WHICH_SLOTS && !pSlot; i++)
    if(!strcmp(g_aSlot[i].zName, zName) && !strcmp(g_aSlot[i].zPathVar, zPath)) pSlot = &g_aSlot[i];
  which_slot *pStale = NULL;
  if(pSlot && now - pSlot->atUs >= EXEC_WHICH_TTL_US) {
    pStale = pSlot; /* too old: looked up again, into the same slot */
    pSlot = NULL;
  }
  if(!pSlot) {
    which_slot *p = pStale ? pStale : &g_aSlot[g_iNext++ % WHICH_SLOTS];
    if(!exec_which_find(zName, zPath, p->zFile, sizeof(p->zFile))) {
      memcpy(p->zName, zName, nName + 1);
      snprintf(p->zPathVar, sizeof(p->zPathVar), "%s", zPath);
      p->atUs = now;
      pSlot = p;
    } else {
      p->zName[0] = 0;
    }
  }
  if(pSlot) {
    execv(pSlot->zFile, azArgv);
    pSlot->zName[0] = 0; /* it failed there: forgotten, and execvp decides */
  }
  execvp(zName, azArgv);
}
