/* log_spare.c: see log_spare.h. */
#include "executor/log_spare.h"
#include "common/fsafe.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPARE_FOLDER ".spare"

/* Removes the spare folder zDir and what is in it (at most the file a
 * spare folder holds; .spare is private, nothing else is put there).
 * 0, or -1 with errno. */
static int spare_dir_remove(const char *zDir) {
  if(!rmdir(zDir)) return 0;
  if(errno != ENOTEMPTY && errno != EEXIST) return -1;
  DIR *d = opendir(zDir);
  if(!d) return -1;
  struct dirent *e;
  while((e = readdir(d))) {
    if(!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char z[LOG_SPARE_PATH_MAX + 300];
    snprintf(z, sizeof(z), "%s/%s", zDir, e->d_name);
    unlink(z);
  }
  closedir(d);
  return rmdir(zDir);
}

void log_spare_make(log_spare *p, const char *zLogs) {
  p->zDir[0] = p->zFile[0] = 0;
  p->fdFile = -1;
  p->bLog = 0;
  char zSpare[LOG_SPARE_PATH_MAX];
  if(snprintf(zSpare, sizeof(zSpare), "%s/" SPARE_FOLDER, zLogs) >= (int)sizeof(zSpare)) return;
  airc_err err = {0};
  if(fsafe_private_dir(zSpare, "log spare folder", &err)) return; /* only speed is lost */
  if(strlen(zSpare) + 24 >= sizeof(p->zDir)) return; /* room for "/<pid>.d" */
  long pid = (long)getpid();
  snprintf(p->zDir, sizeof(p->zDir), "%.*s/%ld.d", (int)(sizeof(p->zDir) - 24), zSpare, pid);
  snprintf(p->zFile, sizeof(p->zFile), "%.*s/%ld.f", (int)(sizeof(p->zFile) - 24), zSpare, pid);
  /* a leftover under our pid is a dead supervisor's (pids are reused) */
  int rc = mkdir(p->zDir, 0700);
  if(rc && errno == EEXIST && !spare_dir_remove(p->zDir)) rc = mkdir(p->zDir, 0700);
  if(rc) p->zDir[0] = 0;
  int fd = fsafe_create(p->zFile); /* unlinks a leftover, O_EXCL, 0600 */
  if(fd >= 0 && fcntl(fd, F_SETFL, O_APPEND) == 0) { /* as log_spare_open's own open */
    p->fdFile = fd;
  } else {
    if(fd >= 0) {
      close(fd);
      unlink(p->zFile);
    }
    p->zFile[0] = 0;
  }
}

void log_spare_make_log(log_spare *p, const char *zLog) {
  log_spare_drop(p); /* whatever it held (nothing: a no-op) */
  if(snprintf(p->zFile, sizeof(p->zFile), "%s", zLog) >= (int)sizeof(p->zFile)) {
    p->zFile[0] = 0;
    return;
  }
  char *zSlash = strrchr(p->zFile, '/');
  if(!zSlash || zSlash == p->zFile) {
    p->zFile[0] = 0;
    return;
  }
  /* its folder: one mkdir when the run's folder is there (a chain's next
   * link: its upstream's log is in it); EEXIST is a retry's folder */
  *zSlash = 0;
  int rc = mkdir(p->zFile, 0700);
  if(rc && errno == ENOENT) rc = fsafe_mkdirs(p->zFile);
  else if(rc && errno == EEXIST) rc = 0;
  *zSlash = '/';
  int fd = rc ? -1 : fsafe_open(p->zFile, O_WRONLY | O_CREAT | O_EXCL | O_APPEND); /* 0600, no symlink */
  if(fd < 0) {
    p->zFile[0] = 0; /* there already, or not makeable: log_spare_open does as it would */
    return;
  }
  p->fdFile = fd;
  p->bLog = 1;
}

/* Moves the spare zSpare (forgotten on success) to zTarget unless
 * something is there. 0, or -1 with errno (EEXIST: zTarget exists). */
static int spare_take(char *zSpare, const char *zTarget) {
  if(!zSpare || !zSpare[0]) {
    errno = ENOENT;
    return -1;
  }
  if(renameat2(AT_FDCWD, zSpare, AT_FDCWD, zTarget, RENAME_NOREPLACE)) return -1;
  zSpare[0] = 0;
  return 0;
}

int log_spare_open(log_spare *p, const char *zPath) {
  if(p && p->bLog) {
    if(p->fdFile >= 0 && !strcmp(p->zFile, zPath)) {
      int fd = p->fdFile; /* the log itself, made ahead */
      p->fdFile = -1;
      p->zFile[0] = 0;
      p->bLog = 0;
      return fd;
    }
    log_spare_drop(p); /* made for another try: it must not stay as an empty log */
  }
  char zParent[LOG_SPARE_PATH_MAX];
  if(snprintf(zParent, sizeof(zParent), "%s", zPath) >= (int)sizeof(zParent)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  char *zSlash = strrchr(zParent, '/');
  if(zSlash && zSlash != zParent) {
    *zSlash = 0;
    int bHave = 0; /* the folder is there (moved, or it was) */
    if(p && p->zDir[0]) {
      bHave = !spare_take(p->zDir, zParent) || errno == EEXIST;
      if(!bHave && errno == ENOENT) {
        /* a folder above it is missing (the run's first try): make those,
         * then move the spare in as the last one */
        char *zUp = strrchr(zParent, '/');
        if(zUp && zUp != zParent) {
          *zUp = 0;
          int rcUp = fsafe_mkdirs(zParent);
          *zUp = '/';
          bHave = !rcUp && (!spare_take(p->zDir, zParent) || errno == EEXIST);
        }
      }
    }
    if(!bHave && fsafe_mkdirs(zParent)) return -1;
  }
  if(p && p->zFile[0] && !spare_take(p->zFile, zPath) && p->fdFile >= 0) {
    int fd = p->fdFile; /* the same file, now at zPath */
    p->fdFile = -1;
    return fd;
  }
  /* EEXIST (a retry: append to it, as before), or no spare */
  return fsafe_open(zPath, O_WRONLY | O_CREAT | O_APPEND);
}

/* Removes the log made ahead (p->bLog) if it is still the empty file we
 * made, then its folder if that is empty now (rmdir fails otherwise). */
static void made_log_remove(log_spare *p) {
  struct stat mine, there;
  if(p->fdFile < 0 || fstat(p->fdFile, &mine) || lstat(p->zFile, &there)) return;
  if(mine.st_size != 0 || there.st_size != 0 || mine.st_ino != there.st_ino || mine.st_dev != there.st_dev) return;
  if(unlink(p->zFile)) return;
  char *zSlash = strrchr(p->zFile, '/');
  if(!zSlash) return;
  *zSlash = 0;
  rmdir(p->zFile);
  *zSlash = '/';
}

void log_spare_drop(log_spare *p) {
  if(p->bLog) made_log_remove(p);
  else if(p->zFile[0]) unlink(p->zFile);
  if(p->zDir[0]) rmdir(p->zDir);
  if(p->fdFile >= 0) close(p->fdFile);
  p->fdFile = -1;
  p->zDir[0] = p->zFile[0] = 0;
  p->bLog = 0;
}

int log_spare_sweep(const char *zLogs) {
  char zSpare[LOG_SPARE_PATH_MAX];
  if(snprintf(zSpare, sizeof(zSpare), "%s/" SPARE_FOLDER, zLogs) >= (int)sizeof(zSpare)) return 0;
  if(!fsafe_dir_is_private(zSpare)) return 0; /* not ours to clean */
  DIR *d = opendir(zSpare);
  if(!d) return 0;
  int n = 0;
  struct dirent *e;
  while((e = readdir(d))) {
    char *zEnd = NULL;
    long pid = strtol(e->d_name, &zEnd, 10);
    if(pid <= 0 || zEnd == e->d_name || (strcmp(zEnd, ".d") && strcmp(zEnd, ".f"))) continue;
    if(kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue; /* its supervisor may still use it */
    char z[LOG_SPARE_PATH_MAX + 300];
    snprintf(z, sizeof(z), "%s/%s", zSpare, e->d_name);
    if(!(zEnd[1] == 'd' ? spare_dir_remove(z) : unlink(z))) n++;
  }
  closedir(d);
  return n;
}
