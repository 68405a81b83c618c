/* wake.c: see wake.h. */
#include "common/wake.h"
#include "common/config.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Abstract name "\0airc-<fnv1a64 of $AIRC_HOME>". */
static socklen_t wake_addr(struct sockaddr_un *pAddr) {
  uint64_t h = 1469598103934665603ULL;
  for(const char *z = airc_home(); *z; z++) {
    h ^= (unsigned char)*z;
    h *= 1099511628211ULL;
  }
  memset(pAddr, 0, sizeof(*pAddr));
  pAddr->sun_family = AF_UNIX;
  int n = snprintf(pAddr->sun_path + 1, sizeof(pAddr->sun_path) - 1, "airc-%016llx", (unsigned long long)h);
  return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

int wake_listen(airc_err *pErr) {
  struct sockaddr_un addr;
  socklen_t len = wake_addr(&addr);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if(fd < 0) {
    airc_err_set(pErr, AIRC_ERR_IO, "socket: %s", strerror(errno));
    return -1;
  }
  if(bind(fd, (struct sockaddr *)&addr, len) < 0) {
    int e = errno;
    close(fd);
    airc_err_set(pErr, e == EADDRINUSE ? AIRC_ERR_BUSY : AIRC_ERR_IO, "bind scheduler doorbell: %s", strerror(e));
    return -1;
  }
  return fd;
}

void wake_send(const char *zMsg) {
  struct sockaddr_un addr;
  socklen_t len = wake_addr(&addr);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if(fd < 0) return;
  ssize_t n = sendto(fd, zMsg, strlen(zMsg), MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&addr, len);
  (void)n;
  close(fd);
}

void wake_drain(int fd) {
  char aBuf[256];
  while(recv(fd, aBuf, sizeof(aBuf), MSG_DONTWAIT) > 0) {
  }
}
