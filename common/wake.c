/* wake.c: see wake.h. */
#include "common/wake.h"
#include "common/config.h"
#include "common/fsafe.h"
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define WAKE_TOKEN_LEN 32 /* hex digits: 128 random bits */

static void wake_token_random(char *zOut) {
  unsigned char a[WAKE_TOKEN_LEN / 2];
  size_t n = 0;
  while(n < sizeof(a)) {
    ssize_t r = getrandom(a + n, sizeof(a) - n, 0);
    if(r < 0 && errno == EINTR) continue;
    if(r <= 0) break;
    n += (size_t)r;
  }
  if(n < sizeof(a)) { /* no entropy source: an empty token makes wake_listen fail */
    zOut[0] = 0;
    return;
  }
  for(size_t i = 0; i < sizeof(a); i++) snprintf(zOut + 2 * i, 3, "%02x", a[i]);
}

static void (*g_xToken)(char *zOut) = wake_token_random;

void wake_set_token_source(void (*xToken)(char *zOut)) { g_xToken = xToken ? xToken : wake_token_random; }

static void wake_doorbell_path(char *zOut, size_t nOut) { snprintf(zOut, nOut, "%s/doorbell", airc_path_run()); }

/* The abstract address "\0airc-<token>". */
static socklen_t wake_addr(const char *zToken, struct sockaddr_un *pAddr) {
  memset(pAddr, 0, sizeof(*pAddr));
  pAddr->sun_family = AF_UNIX;
  int n = snprintf(pAddr->sun_path + 1, sizeof(pAddr->sun_path) - 1, "airc-%s", zToken);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

static int wake_token_ok(const char *z) {
  if(strlen(z) != WAKE_TOKEN_LEN) return 0;
  for(; *z; z++)
    if(!isxdigit((unsigned char)*z)) return 0;
  return 1;
}

int wake_listen(airc_err *pErr) {
  if(fsafe_run_folder(pErr)) return -1;
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if(fd < 0) {
    airc_err_set(pErr, AIRC_ERR_IO, "socket: %s", strerror(errno));
    return -1;
  }
  char zToken[WAKE_TOKEN_LEN + 1];
  int bBound = 0;
  for(int i = 0; i < WAKE_BIND_TRIES && !bBound; i++) {
    zToken[0] = 0;
    g_xToken(zToken);
    if(!wake_token_ok(zToken)) {
      close(fd);
      airc_err_set(pErr, AIRC_ERR_IO, "scheduler doorbell: cannot draw a random name (getrandom failed)");
      return -1;
    }
    struct sockaddr_un addr;
    socklen_t len = wake_addr(zToken, &addr);
    if(!bind(fd, (struct sockaddr *)&addr, len)) bBound = 1;
    else if(errno != EADDRINUSE) {
      int e = errno;
      close(fd);
      airc_err_set(pErr, AIRC_ERR_IO, "bind scheduler doorbell: %s", strerror(e));
      return -1;
    }
    /* EADDRINUSE: someone holds that name; draw another */
  }
  if(!bBound) {
    close(fd);
    airc_err_set(pErr, AIRC_ERR_BUSY, "scheduler doorbell: %d random names in a row were already in use", WAKE_BIND_TRIES);
    return -1;
  }
  int one = 1;
  char zPath[4300];
  wake_doorbell_path(zPath, sizeof(zPath));
  if(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one))) {
    int e = errno;
    close(fd);
    airc_err_set(pErr, AIRC_ERR_IO, "scheduler doorbell: SO_PASSCRED: %s", strerror(e));
    return -1;
  }
  if(fsafe_write_atomic(zPath, zToken, strlen(zToken), pErr)) {
    close(fd);
    return -1;
  }
  return fd;
}

/* A fresh datagram socket and the doorbell's current address (read from
 * the run folder). The socket, or -1 when no scheduler has run here or the
 * folder is not private. */
static int wake_socket_for(struct sockaddr_un *pAddr, socklen_t *pLen) {
  /* a name read from a folder someone else controls could point anywhere */
  if(!fsafe_dir_is_private(airc_path_run())) return -1;
  char zPath[4300], zToken[WAKE_TOKEN_LEN + 2];
  wake_doorbell_path(zPath, sizeof(zPath));
  int fdFile = fsafe_open(zPath, O_RDONLY);
  if(fdFile < 0) return -1; /* no scheduler has run here */
  ssize_t n = read(fdFile, zToken, sizeof(zToken) - 1);
  close(fdFile);
  if(n <= 0) return -1;
  zToken[n] = 0;
  if(!wake_token_ok(zToken)) return -1;
  *pLen = wake_addr(zToken, pAddr);
  return socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

void wake_send(const char *zMsg) {
  struct sockaddr_un addr;
  socklen_t len = 0;
  int fd = wake_socket_for(&addr, &len);
  if(fd < 0) return;
  ssize_t w = sendto(fd, zMsg, strlen(zMsg), MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&addr, len);
  (void)w;
  close(fd);
}

int wake_connect(void) {
  struct sockaddr_un addr;
  socklen_t len = 0;
  int fd = wake_socket_for(&addr, &len);
  if(fd >= 0 && connect(fd, (struct sockaddr *)&addr, len)) {
    close(fd);
    fd = -1;
  }
  return fd;
}

int wake_send_on(int fd, const char *zMsg) {
  if(fd < 0) return -1;
  ssize_t w = send(fd, zMsg, strlen(zMsg), MSG_DONTWAIT | MSG_NOSIGNAL);
  /* a full queue (EAGAIN) means rings the scheduler has not read yet: it
   * is awake already, as wake_send's best effort */
  return w >= 0 || errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
}

ssize_t wake_recv(int fd, char *zBuf, size_t nBuf) {
  for(;;) {
    union {
      struct cmsghdr h;
      char a[CMSG_SPACE(sizeof(struct ucred))];
    } ctl;
    struct iovec iov = {zBuf, nBuf > 0 ? nBuf - 1 : 0};
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl.a;
    msg.msg_controllen = sizeof(ctl.a);
    ssize_t n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if(n < 0 && errno == EINTR) continue;
    if(n < 0) return -1;
    int bOurs = 0;
    for(struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if(c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
         c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
        struct ucred cred;
        memcpy(&cred, CMSG_DATA(c), sizeof(cred));
        bOurs = cred.uid == getuid();
      }
    }
    if(!bOurs) continue; /* another user's datagram (or one without credentials): dropped */
    if(nBuf > 0) zBuf[n] = 0;
    return n;
  }
}

void wake_drain(int fd) {
  char aBuf[256];
  while(wake_recv(fd, aBuf, sizeof(aBuf)) >= 0) {
  }
}
