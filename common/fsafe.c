/* fsafe.c: see fsafe.h. */
#include "common/fsafe.h"
#include "common/config.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fsafe_mkdirs(const char *zDir) {
  char z[4400];
  if(snprintf(z, sizeof(z), "%s", zDir) >= (int)sizeof(z)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  /* the usual case first: the parent exists (a try's log folder in its
   * run's folder), one mkdir instead of one per component */
  if(!mkdir(z, 0700) || errno == EEXIST) return 0;
  if(errno != ENOENT) return -1;
  for(char *p = z + 1; *p; p++) {
    if(*p != '/') continue;
    *p = 0;
    if(mkdir(z, 0700) && errno != EEXIST) return -1;
    *p = '/';
  }
  if(mkdir(z, 0700) && errno != EEXIST) return -1;
  return 0;
}

airc_rc fsafe_private_dir(const char *zDir, const char *zWhat, airc_err *pErr) {
  if(fsafe_mkdirs(zDir))
    return airc_err_set(pErr, AIRC_ERR_IO, "%s %s: cannot create it: %s", zWhat, zDir, strerror(errno));
  struct stat st;
  if(lstat(zDir, &st))
    return airc_err_set(pErr, AIRC_ERR_IO, "%s %s: %s", zWhat, zDir, strerror(errno));
  if(S_ISLNK(st.st_mode))
    return airc_err_set(pErr, AIRC_ERR_STATE, "%s %s: is a symbolic link, not a folder of yours; remove it", zWhat, zDir);
  if(!S_ISDIR(st.st_mode))
    return airc_err_set(pErr, AIRC_ERR_STATE, "%s %s: is not a folder; remove it", zWhat, zDir);
  if(st.st_uid != getuid())
    return airc_err_set(pErr, AIRC_ERR_STATE, "%s %s: is owned by uid %u, not by you (uid %u); remove it", zWhat,
                        zDir, (unsigned)st.st_uid, (unsigned)getuid());
  if(st.st_mode & 077)
    return airc_err_set(pErr, AIRC_ERR_STATE,
                        "%s %s: has mode %04o (group or others can use it); remove it or chmod 700 it", zWhat, zDir,
                        (unsigned)(st.st_mode & 07777));
  return AIRC_OK;
}

airc_rc fsafe_run_folder(airc_err *pErr) {
  static char zDone[4096]; /* the folder last checked (tests change it) */
  static airc_err gErr;
  const char *zRun = airc_path_run();
  if(strcmp(zDone, zRun)) {
    memset(&gErr, 0, sizeof(gErr));
    airc_rc rc = fsafe_private_dir(zRun, "run folder", &gErr);
    char zSub[4300];
    for(int i = 0; !rc && i < 2; i++) {
      snprintf(zSub, sizeof(zSub), "%s/%s", zRun, i ? "xcom" : "results");
      rc = fsafe_private_dir(zSub, "run folder", &gErr);
    }
    snprintf(zDone, sizeof(zDone), "%s", zRun);
  }
  if(gErr.rc) *pErr = gErr;
  return gErr.rc;
}

int fsafe_dir_is_private(const char *zDir) {
  struct stat st;
  return !lstat(zDir, &st) && S_ISDIR(st.st_mode) && st.st_uid == getuid() && !(st.st_mode & 077);
}

int fsafe_open(const char *zPath, int flags) {
  int fd;
  do {
    fd = open(zPath, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
  } while(fd < 0 && errno == EINTR);
  return fd;
}

int fsafe_create(const char *zPath) {
  /* the leftover is rare: unlinked only when met (one system call less on
   * the common path, that of every try's result file) */
  int fd = fsafe_open(zPath, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC);
  if(fd >= 0 || errno != EEXIST) return fd;
  if(unlink(zPath) && errno != ENOENT) return -1;
  return fsafe_open(zPath, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC);
}

airc_rc fsafe_write_atomic(const char *zPath, const char *z, size_t n, airc_err *pErr) {
  char zTmp[4400];
  if(snprintf(zTmp, sizeof(zTmp), "%s.tmp", zPath) >= (int)sizeof(zTmp))
    return airc_err_set(pErr, AIRC_ERR_IO, "%s: path too long", zPath);
  int fd = fsafe_create(zTmp);
  if(fd < 0) return airc_err_set(pErr, AIRC_ERR_IO, "create %s: %s", zTmp, strerror(errno));
  size_t done = 0;
  while(done < n) {
    ssize_t w = write(fd, z + done, n - done);
    if(w < 0 && errno == EINTR) continue;
    if(w <= 0) break;
    done += (size_t)w;
  }
  int e = errno;
  if(close(fd) && done == n) {
    e = errno;
    done = 0;
  }
  if(done != n) {
    unlink(zTmp);
    return airc_err_set(pErr, AIRC_ERR_IO, "write %s: %s", zTmp, strerror(e));
  }
  if(rename(zTmp, zPath)) {
    e = errno;
    unlink(zTmp);
    return airc_err_set(pErr, AIRC_ERR_IO, "rename %s: %s", zTmp, strerror(e));
  }
  return AIRC_OK;
}

int fsafe_tighten(const char *zPath, unsigned *pOldMode) {
  /* by path, not through a descriptor: closing any descriptor of a SQLite
   * database drops every POSIX lock this process holds on it. lstat() says
   * it is not a symlink; the folder it sits in is the user's own */
  struct stat st;
  if(lstat(zPath, &st) || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) || st.st_uid != getuid() ||
     !(st.st_mode & 077))
    return 0;
  if(chmod(zPath, st.st_mode & 0700)) return 0;
  if(pOldMode) *pOldMode = (unsigned)(st.st_mode & 07777);
  return 1;
}
