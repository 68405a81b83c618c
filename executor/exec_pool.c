/* exec_pool.c: see exec_pool.h. The scheduler's side (new, fill, hand
 * over, reaped, free), the fork server (serve_forks) and the waiting
 * member's side (wait_request). */
#include "executor/exec_pool.h"
#include "executor/exec_spawn.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef struct pool_member {
  pid_t pid; /* 0 until the fork server's report of it was read */
  int fd;    /* the scheduler's end of the member's socket pair */
} pool_member;

struct exec_pool {
  int nSize;
  int idleSec;
  int bReuse; /* members come back after their try (exec_pool_try_done) */
  int n;
  pid_t serverPid;      /* the fork server, 0 when none */
  int serverFd;         /* our end of its control socket, -1 when none */
  int64_t serverRetryUs; /* no new server before this (one failed to start) */
  pool_member a[EXEC_POOL_MAX]; /* oldest first */
  int nBusy;
  pool_member aBusy[EXEC_POOL_BUSY_MAX]; /* out on a try, to come back (bReuse) */
};

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* An idle timeout in seconds as poll()'s milliseconds, within 1 s to a day. */
static int idle_ms(int idleSec) { return idleSec < 1 ? 1000 : idleSec > 86400 ? 86400 * 1000 : idleSec * 1000; }

exec_pool *exec_pool_new(int nSize, int idleSec, int bReuse) {
  exec_pool *p = calloc(1, sizeof(*p));
  if(!p) return NULL;
  p->bReuse = bReuse;
  p->nSize = nSize < 0 ? 0 : nSize > EXEC_POOL_MAX ? EXEC_POOL_MAX : nSize;
  p->idleSec = idleSec < 1 ? 1 : idleSec;
  p->serverFd = -1;
  return p;
}

int exec_pool_count(const exec_pool *p) { return p ? p->n : 0; }

pid_t exec_pool_server_pid(const exec_pool *p) { return p && p->serverFd >= 0 ? p->serverPid : 0; }

/* Removes member i from the waiting list, keeping its socket open */
static pool_member member_take(exec_pool *p, int i) {
  pool_member m = p->a[i];
  memmove(&p->a[i], &p->a[i + 1], sizeof(pool_member) * (size_t)(p->n - i - 1));
  p->n--;
  return m;
}

static void member_drop(exec_pool *p, int i) {
  close(member_take(p, i).fd);
}

/* The one byte each message to a member carries (exec_pool.h) */
#define MSG_HAND_OVER 'R' /* a try: request, lock (and lease) */
#define MSG_EXTEND 'E'    /* more links of the member's chain: a request */

/* Sends nFd (at most 3) descriptors and the byte cByte over sockFd as
 * SCM_RIGHTS, without blocking. Returns 1 when sent. */
static int send_fds(int sockFd, char cByte, const int *aFd, int nFd) {
  struct iovec iov = {&cByte, 1};
  union {
    struct cmsghdr h;
    char a[CMSG_SPACE(3 * sizeof(int))];
  } u;
  memset(&u, 0, sizeof(u));
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.a;
  msg.msg_controllen = CMSG_SPACE((size_t)nFd * sizeof(int));
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN((size_t)nFd * sizeof(int));
  memcpy(CMSG_DATA(c), aFd, (size_t)nFd * sizeof(int));
  ssize_t w;
  do {
    w = sendmsg(sockFd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while(w < 0 && errno == EINTR);
  return w == 1;
}

/* Receives one byte and up to nMax descriptors (close-on-exec) from
 * sockFd (the byte in *pcByte); extra descriptors are closed. Returns the bytes read (0: end of
 * file, -1: error or nothing waiting with MSG_DONTWAIT) and the
 * descriptors in aFd / *pnFd (none when the control data was cut). */
static ssize_t recv_fds(int sockFd, int flags, char *pcByte /* OUT */, int *aFd /* OUT */, int nMax,
                        int *pnFd /* OUT */) {
  struct iovec iov = {pcByte, 1};
  union {
    struct cmsghdr h;
    char a[CMSG_SPACE(3 * sizeof(int))];
  } u;
  struct msghdr msg = {0};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = u.a;
  msg.msg_controllen = sizeof(u.a);
  ssize_t n;
  do {
    n = recvmsg(sockFd, &msg, flags | MSG_CMSG_CLOEXEC);
  } while(n < 0 && errno == EINTR);
  *pnFd = 0;
  if(n <= 0) return n;
  for(struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if(c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for(int i = 0; i < k; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
      if(*pnFd < nMax) aFd[(*pnFd)++] = fd;
      else close(fd);
    }
  }
  if(msg.msg_flags & MSG_CTRUNC) {
    for(int i = 0; i < *pnFd; i++) close(aFd[i]);
    *pnFd = 0;
  }
  return n;
}

static void server_forget(exec_pool *p) {
  if(p->serverFd >= 0) close(p->serverFd); /* it sees end of file and exits */
  p->serverFd = -1;
  p->serverPid = 0;
}

/* Execs `airc __supervise MODE IDLE` (MODE "pool": a member; "forkserver":
 * the fork server) on childFd, which is always closed here. */
static airc_rc spawn_mode(const exec_pool *p, const char *zMode, int childFd, pid_t *pPid, airc_err *pErr) {
  char zIdle[24];
  snprintf(zIdle, sizeof(zIdle), "%d", p->idleSec);
  char *azArgv[] = {"airc", "__supervise", (char *)zMode, zIdle, NULL};
  airc_rc rc = exec_spawn_supervisor(childFd, -1, -1, azArgv, pPid, pErr);
  close(childFd);
  return rc;
}

/* Starts the fork server. */
static airc_rc server_start(exec_pool *p, airc_err *pErr) {
  int aSock[2];
  if(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, aSock))
    return airc_err_set(pErr, AIRC_ERR_IO, "supervisor pool: socketpair: %s", strerror(errno));
  pid_t pid;
  airc_rc rc = spawn_mode(p, "forkserver", aSock[1], &pid, pErr);
  if(rc) {
    close(aSock[0]);
    return rc;
  }
  p->serverPid = pid;
  p->serverFd = aSock[0];
  return AIRC_OK;
}

/* Asks the fork server (started or restarted here when there is none) for
 * a member on memberFd. Returns 1 when the request is queued. A server
 * that is gone (EPIPE, ECONNRESET) is forgotten and restarted once; a
 * server that cannot be started is not tried again for a second. */
static int server_ask(exec_pool *p, int memberFd) {
  for(int attempt = 0; attempt < 2; attempt++) {
    if(p->serverFd < 0) {
      if(now_us() < p->serverRetryUs) return 0;
      airc_err err = {0}; /* the spawn that follows reports the same fault */
      if(server_start(p, &err)) {
        p->serverRetryUs = now_us() + 1000000;
        return 0;
      }
    }
    if(send_fds(p->serverFd, MSG_HAND_OVER, &memberFd, 1)) return 1;
    if(errno == EAGAIN || errno == EWOULDBLOCK) return 0; /* busy server: spawn this one */
    server_forget(p); /* it died or timed out: its reaping is the scheduler's */
  }
  return 0;
}

airc_rc exec_pool_fill(exec_pool *p, airc_err *pErr) {
  /* members out on a try count: they come back when it ends */
  while(p && p->n + p->nBusy < p->nSize) {
    int aSock[2];
    if(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, aSock))
      return airc_err_set(pErr, AIRC_ERR_IO, "supervisor pool: socketpair: %s", strerror(errno));
    if(server_ask(p, aSock[1])) {
      close(aSock[1]); /* the server holds it now */
      p->a[p->n++] = (pool_member){0, aSock[0]};
      continue;
    }
    /* no fork server: exec one member as before */
    pid_t pid;
    airc_rc rc = spawn_mode(p, "pool", aSock[1], &pid, pErr);
    if(rc) {
      close(aSock[0]);
      return rc;
    }
    p->a[p->n++] = (pool_member){pid, aSock[0]};
  }
  return AIRC_OK;
}

/* The pid of member i: read from its socket (the fork server's report)
 * when not known yet, waiting at most timeoutMs. Returns it, 0 when not
 * reported yet, -1 when it never will be (the server closed the socket
 * without forking: it died). */
static pid_t member_pid(exec_pool *p, int i, int timeoutMs) {
  if(p->a[i].pid > 0) return p->a[i].pid;
  struct pollfd pfd = {p->a[i].fd, POLLIN, 0};
  int r;
  do {
    r = poll(&pfd, 1, timeoutMs);
  } while(r < 0 && errno == EINTR);
  if(r <= 0) return r < 0 ? -1 : 0;
  int32_t pid = 0;
  ssize_t n;
  do {
    n = recv(p->a[i].fd, &pid, sizeof(pid), MSG_DONTWAIT);
  } while(n < 0 && errno == EINTR);
  if(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
  if(n != (ssize_t)sizeof(pid) || pid <= 0) return -1;
  p->a[i].pid = pid;
  return pid;
}

int exec_pool_hand_over(exec_pool *p, int reqFd, int lockFd, int leaseFd, pid_t *pPid) {
  while(p && p->n > 0) {
    /* a member forked by the server is reported within microseconds of
     * the refill; one not reported after 50 ms is given up (if it comes
     * later, it sees end of file and exits), and so is its server */
    pid_t pid = member_pid(p, 0, 50);
    if(pid == 0) server_forget(p); /* a server that hangs is let go: the next fill starts another */
    int aFd[3] = {reqFd, lockFd, leaseFd};
    int bSent = pid > 0 && send_fds(p->a[0].fd, MSG_HAND_OVER, aFd, leaseFd >= 0 ? 3 : 2);
    /* taken or gone (EPIPE: it timed out, or retired, and shut its
     * socket; it is reaped later like any child): either way no longer
     * waiting. A member that took it is kept aside to come back after its
     * try (exec_pool_try_done); else our end is closed, which leaves the
     * message queued before the end of file the member sees after it. */
    if(bSent && p->bReuse && p->nBusy < EXEC_POOL_BUSY_MAX) p->aBusy[p->nBusy++] = member_take(p, 0);
    else member_drop(p, 0);
    if(bSent) {
      *pPid = pid;
      return 1;
    }
  }
  return 0;
}

int exec_pool_try_done(exec_pool *p, pid_t pid) {
  for(int i = 0; p && pid > 0 && i < p->nBusy; i++) {
    if(p->aBusy[i].pid != pid) continue;
    pool_member m = p->aBusy[i];
    p->aBusy[i] = p->aBusy[--p->nBusy];
    if(p->n < EXEC_POOL_MAX) p->a[p->n++] = m; /* the newest waiting member */
    else close(m.fd);                          /* enough wait: it exits */
    return 1;
  }
  return 0;
}

int exec_pool_reaped(exec_pool *p, pid_t pid) {
  if(!p) return 0;
  for(int i = 0; i < p->nBusy; i++) {
    if(p->aBusy[i].pid != pid) continue;
    /* it died on its try: that try is the caller's to settle */
    close(p->aBusy[i].fd);
    p->aBusy[i] = p->aBusy[--p->nBusy];
    return 0;
  }
  if(p->serverPid == pid) {
    server_forget(p);
    return 1;
  }
  for(int i = 0; i < p->n; i++) {
    /* its report comes before its socket's end of file */
    if(p->a[i].pid == 0 && member_pid(p, i, 0) < 0) {
      member_drop(p, i--);
      continue;
    }
    if(p->a[i].pid != pid) continue;
    member_drop(p, i);
    return 1;
  }
  return 0;
}

void exec_pool_free(exec_pool *p) {
  while(p && p->n > 0) member_drop(p, p->n - 1);
  while(p && p->nBusy > 0) close(p->aBusy[--p->nBusy].fd); /* each exits after its try */
  if(p) server_forget(p);
  free(p);
}

/* Moves the lease descriptor leaseFd to EXEC_LEASE_FD, where a spawned
 * supervisor has it; reqFd / lockFd move away first if one of them is
 * there. 0, or -1 (all closed) when a dup failed. */
static int lease_install(int *pReqFd, int *pLockFd, int leaseFd) {
  int *apFd[2] = {pReqFd, pLockFd};
  for(int i = 0; i < 2; i++) {
    if(*apFd[i] != EXEC_LEASE_FD) continue;
    int fd = fcntl(*apFd[i], F_DUPFD_CLOEXEC, EXEC_LEASE_FD + 1);
    if(fd < 0) goto fail;
    close(*apFd[i]);
    *apFd[i] = fd;
  }
  if(leaseFd != EXEC_LEASE_FD) {
    if(dup3(leaseFd, EXEC_LEASE_FD, O_CLOEXEC) < 0) goto fail;
    close(leaseFd);
  }
  return 0;
fail:
  close(*pReqFd);
  close(*pLockFd);
  if(leaseFd != EXEC_LEASE_FD) close(leaseFd);
  return -1;
}

int exec_pool_wait_request(int sockFd, int idleSec, int *pReqFd, int *pLockFd, int *pbLease) {
  const int64_t untilUs = now_us() + (int64_t)idle_ms(idleSec) * 1000;
  int flags = 0;
  int aFd[3] = {-1, -1, -1}, nFd = 0;
  char cByte = 0;
  ssize_t n;
  for(;;) {
    struct pollfd pfd = {sockFd, POLLIN, 0};
    int64_t leftUs = untilUs - now_us();
    int r = leftUs > 0 ? poll(&pfd, 1, (int)((leftUs + 999) / 1000)) : 0;
    if(r < 0 && errno == EINTR) continue;
    if(r == 0) {
      /* idle too long: refuse further hand-overs (the scheduler's sendmsg
       * now fails with EPIPE), then take one that got in before, if any */
      shutdown(sockFd, SHUT_RD);
      flags |= MSG_DONTWAIT;
    }
    n = recv_fds(sockFd, flags, &cByte, aFd, 3, &nFd);
    if(n != 1 || cByte != MSG_EXTEND) break;
    /* links for a chain this member no longer runs (it ended before they
     * came): dropped (exec_spawn.c's chain_continue takes them only while
     * the chain they follow runs) */
    for(int i = 0; i < nFd; i++) close(aFd[i]);
    nFd = 0;
  }
  if(n != 1 || cByte != MSG_HAND_OVER || nFd < 2) {
    close(sockFd);
    /* end of file (the scheduler is gone or let us go), timeout, or a
     * malformed message */
    for(int i = 0; i < nFd; i++) close(aFd[i]);
    return -1;
  }
  *pReqFd = aFd[0];
  *pLockFd = aFd[1];
  *pbLease = nFd == 3;
  if(nFd == 3 && lease_install(pReqFd, pLockFd, aFd[2])) return -1;
  return 0;
}

int exec_pool_extend(exec_pool *p, pid_t pid, int reqFd) {
  for(int i = 0; p && pid > 0 && i < p->nBusy; i++)
    if(p->aBusy[i].pid == pid) return send_fds(p->aBusy[i].fd, MSG_EXTEND, &reqFd, 1);
  return 0;
}

int exec_pool_take_extension(int sockFd) {
  for(;;) {
    char cByte = 0;
    ssize_t n;
    do {
      n = recv(sockFd, &cByte, 1, MSG_PEEK | MSG_DONTWAIT); /* no control buffer: no descriptor taken */
    } while(n < 0 && errno == EINTR);
    if(n != 1 || cByte != MSG_EXTEND) return -1; /* nothing, end of file, or not ours to take here */
    int fd = -1, nFd = 0;
    n = recv_fds(sockFd, MSG_DONTWAIT, &cByte, &fd, 1, &nFd);
    if(n == 1 && cByte == MSG_EXTEND && nFd == 1) return fd;
    if(nFd == 1) close(fd); /* malformed: dropped, the next one looked at */
    if(n != 1) return -1;
  }
}

/* One request to the fork server: a byte and the member's socket. Forks
 * the member with CLONE_PARENT (the raw system call: glibc's fork() has no
 * such flag; the server is single-threaded and holds no lock here, and
 * glibc reads the pid and, for raise(), the tid from the kernel, so the
 * child's libc is consistent) and reports its pid on that socket. Returns
 * the socket in the child, -1 in the server. */
static int serve_one(int ctrlFd, int memberFd) {
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL, NULL, NULL);
  if(pid == 0) {
    close(ctrlFd);
    setsid(); /* own session, as every supervisor */
    return memberFd;
  }
  if(pid > 0) {
    int32_t pid32 = (int32_t)pid;
    ssize_t w;
    do {
      w = send(memberFd, &pid32, sizeof(pid32), MSG_NOSIGNAL | MSG_DONTWAIT);
    } while(w < 0 && errno == EINTR);
  }
  /* on a failed clone, closing the socket tells the scheduler (end of
   * file where the pid would be) */
  close(memberFd);
  return -1;
}

int exec_pool_serve_forks(int ctrlFd, int idleSec) {
  int timeoutMs = idle_ms(idleSec);
  int flags = 0;
  for(;;) {
    if(!flags) {
      struct pollfd pfd = {ctrlFd, POLLIN, 0};
      int r = poll(&pfd, 1, timeoutMs);
      if(r < 0 && errno == EINTR) continue;
      if(r == 0) {
        /* idle: refuse further requests (the scheduler's sendmsg fails
         * with EPIPE and it starts another server), serve those in */
        shutdown(ctrlFd, SHUT_RD);
        flags = MSG_DONTWAIT;
      }
    }
    int fd = -1, nFd = 0;
    char cByte;
    ssize_t n = recv_fds(ctrlFd, flags, &cByte, &fd, 1, &nFd);
    if(n <= 0) _exit(0); /* end of file (the scheduler is gone or let us go), drained, or broken */
    if(nFd != 1) continue;
    int memberFd = serve_one(ctrlFd, fd);
    if(memberFd >= 0) return memberFd;
  }
}
