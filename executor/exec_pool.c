/* exec_pool.c: see exec_pool.h. The scheduler's side (new, fill, hand
 * over, reaped, free) and the waiting member's side (wait_request). */
#include "executor/exec_pool.h"
#include "executor/exec_spawn.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct pool_member {
  pid_t pid;
  int fd; /* the scheduler's end of the member's socket pair */
} pool_member;

struct exec_pool {
  int nSize;
  int idleSec;
  int n;
  pool_member a[EXEC_POOL_MAX]; /* oldest first */
};

exec_pool *exec_pool_new(int nSize, int idleSec) {
  exec_pool *p = calloc(1, sizeof(*p));
  if(!p) return NULL;
  p->nSize = nSize < 0 ? 0 : nSize > EXEC_POOL_MAX ? EXEC_POOL_MAX : nSize;
  p->idleSec = idleSec < 1 ? 1 : idleSec;
  return p;
}

int exec_pool_count(const exec_pool *p) { return p ? p->n : 0; }

static void member_drop(exec_pool *p, int i) {
  close(p->a[i].fd);
  memmove(&p->a[i], &p->a[i + 1], sizeof(pool_member) * (size_t)(p->n - i - 1));
  p->n--;
}

airc_rc exec_pool_fill(exec_pool *p, airc_err *pErr) {
  while(p && p->n < p->nSize) {
    int aSock[2];
    if(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, aSock))
      return airc_err_set(pErr, AIRC_ERR_IO, "supervisor pool: socketpair: %s", strerror(errno));
    char zIdle[24];
    snprintf(zIdle, sizeof(zIdle), "%d", p->idleSec);
    char *azArgv[] = {"airc", "__supervise", "pool", zIdle, NULL};
    pid_t pid;
    airc_rc rc = exec_spawn_supervisor(aSock[1], -1, -1, azArgv, &pid, pErr);
    close(aSock[1]);
    if(rc) {
      close(aSock[0]);
      return rc;
    }
    p->a[p->n++] = (pool_member){pid, aSock[0]};
  }
  return AIRC_OK;
}

int exec_pool_hand_over(exec_pool *p, int reqFd, int lockFd, pid_t *pPid) {
  while(p && p->n > 0) {
    char cByte = 'R';
    struct iovec iov = {&cByte, 1};
    union {
      struct cmsghdr h;
      char a[CMSG_SPACE(2 * sizeof(int))];
    } u;
    memset(&u, 0, sizeof(u));
    struct msghdr msg = {0};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = u.a;
    msg.msg_controllen = sizeof(u.a);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(2 * sizeof(int));
    int aFd[2] = {reqFd, lockFd};
    memcpy(CMSG_DATA(c), aFd, sizeof(aFd));
    ssize_t w;
    do {
      w = sendmsg(p->a[0].fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    } while(w < 0 && errno == EINTR);
    pid_t pid = p->a[0].pid;
    /* taken or gone (EPIPE: it timed out and shut its socket; it is
     * reaped later like any child): either way no longer waiting. Closing
     * our end after a sendmsg leaves the message queued before the end of
     * file the member sees. */
    member_drop(p, 0);
    if(w == 1) {
      *pPid = pid;
      return 1;
    }
  }
  return 0;
}

int exec_pool_reaped(exec_pool *p, pid_t pid) {
  for(int i = 0; p && i < p->n; i++) {
    if(p->a[i].pid != pid) continue;
    member_drop(p, i);
    return 1;
  }
  return 0;
}

void exec_pool_free(exec_pool *p) {
  while(p && p->n > 0) member_drop(p, p->n - 1);
  free(p);
}

int exec_pool_wait_request(int sockFd, int idleSec, int *pReqFd, int *pLockFd) {
  struct pollfd pfd = {sockFd, POLLIN, 0};
  int timeoutMs = idleSec < 1 ? 1000 : idleSec > 86400 ? 86400 * 1000 : idleSec * 1000;
  int r;
  do {
    r = poll(&pfd, 1, timeoutMs);
  } while(r < 0 && errno == EINTR);
  int flags = MSG_CMSG_CLOEXEC;
  if(r == 0) {
    /* idle too long: refuse further hand-overs (the scheduler's sendmsg now
     * fails with EPIPE), then take one that got in before, if any */
    shutdown(sockFd, SHUT_RD);
    flags |= MSG_DONTWAIT;
  }
  char cByte;
  struct iovec iov = {&cByte, 1};
  union {
    struct cmsghdr h;
    char a[CMSG_SPACE(2 * sizeof(int))];
  } u;
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.a;
  msg.msg_controllen = sizeof(u.a);
  ssize_t n;
  do {
    n = recvmsg(sockFd, &msg, flags);
  } while(n < 0 && errno == EINTR);
  close(sockFd);
  if(n != 1) return -1; /* end of file (the scheduler is gone or let us go), or timeout */
  int aFd[2] = {-1, -1}, nFd = 0;
  for(struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if(c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for(int i = 0; i < k; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if(nFd < 2) aFd[nFd++] = fd;
      else close(fd);
    }
  }
  if(nFd != 2 || (msg.msg_flags & MSG_CTRUNC)) {
    for(int i = 0; i < nFd; i++) close(aFd[i]);
    return -1;
  }
  *pReqFd = aFd[0];
  *pLockFd = aFd[1];
  return 0;
}
