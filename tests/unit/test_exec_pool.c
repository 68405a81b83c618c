/* test_exec_pool.c: the fork server of executor/exec_pool.c, in-process.
 * The test plays the scheduler: it forks a server running
 * exec_pool_serve_forks() on a control socket, sends it members' sockets
 * and checks that each member is the TEST's child (CLONE_PARENT: the
 * scheduler reaps members with waitpid whatever becomes of the server), in
 * its own session, holding only its socket of the two the server had, and
 * that the server exits on end of file and when idle (after serving a
 * request that got in before). Also exec_pool_wait_request's refusals, and
 * a worker's hand-over: the lease descriptor lands on EXEC_LEASE_FD even
 * when the request's descriptor arrived there; and a member that comes
 * back (exec_pool.h) takes its next try on the same socket, the
 * extensions of its chain between its tries' links, never a hand-over as
 * one, and drops those that come after its chain ended. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "executor/exec_pool.h"
#include "executor/exec_spawn.h"

/* What a member reports on its socket before it exits 42: its session
 * (== its pid when it has its own) and whether the control socket is
 * still open in it. */
typedef struct member_report {
  int32_t sid, pid;
  int32_t bCtrlOpen;
} member_report;

static int g_ctrlServerFd = -1;

/* Forks a fork server on a new control socket; *pCtrl is the test's end. */
static pid_t server_start(int idleSec, int *pCtrl) {
  int a[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, a), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if(pid == 0) {
    close(a[0]);
    g_ctrlServerFd = a[1];
    int fd = exec_pool_serve_forks(a[1], idleSec); /* returns only in a member */
    member_report r = {(int32_t)getsid(0), (int32_t)getpid(), fcntl(g_ctrlServerFd, F_GETFD) >= 0};
    (void)!send(fd, &r, sizeof(r), MSG_NOSIGNAL);
    _exit(42);
  }
  close(a[1]);
  *pCtrl = a[0];
  return pid;
}

/* Sends byte c and the nFd (at most 3) descriptors aFd over fd, as the
 * scheduler does. */
static void send_fds(int fd, char c, const int *aFd, int nFd) {
  struct iovec iov = {&c, 1};
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
  struct cmsghdr *h = CMSG_FIRSTHDR(&msg);
  h->cmsg_level = SOL_SOCKET;
  h->cmsg_type = SCM_RIGHTS;
  h->cmsg_len = CMSG_LEN((size_t)nFd * sizeof(int));
  memcpy(CMSG_DATA(h), aFd, (size_t)nFd * sizeof(int));
  assert_int_equal(sendmsg(fd, &msg, MSG_NOSIGNAL), 1);
}

/* Asks the server for a member; returns the test's end of its socket. */
static int member_ask(int ctrl) {
  int a[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, a), 0);
  send_fds(ctrl, 'F', &a[1], 1);
  close(a[1]);
  return a[0];
}

/* Reads the server's pid report then the member's own report. */
static void member_check(int fd) {
  struct pollfd pfd = {fd, POLLIN, 0};
  assert_int_equal(poll(&pfd, 1, 5000), 1);
  int32_t pid = 0;
  assert_int_equal(recv(fd, &pid, sizeof(pid), 0), (ssize_t)sizeof(pid));
  assert_true(pid > 0);
  member_report r;
  assert_int_equal(poll(&pfd, 1, 5000), 1);
  assert_int_equal(recv(fd, &r, sizeof(r), 0), (ssize_t)sizeof(r));
  assert_int_equal(r.pid, pid);
  assert_int_equal(r.sid, pid);    /* own session */
  assert_int_equal(r.bCtrlOpen, 0); /* the server's control socket is not inherited */
  int status = 0;
  /* the member is our child although the server forked it */
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 42);
  close(fd);
}

static void test_members_are_the_callers_children(void **state) {
  (void)state;
  int ctrl;
  pid_t server = server_start(30, &ctrl);
  for(int i = 0; i < 3; i++) member_check(member_ask(ctrl));
  /* end of file on its control socket: the server exits */
  close(ctrl);
  int status = 0;
  assert_int_equal(waitpid(server, &status, 0), server);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_idle_server_serves_what_came_in_then_exits(void **state) {
  (void)state;
  int ctrl;
  pid_t server = server_start(1, &ctrl);
  int fd = member_ask(ctrl); /* served at once */
  member_check(fd);
  int status = 0;
  /* idle for 1 s: it exits, and a request after that fails (EPIPE) */
  assert_int_equal(waitpid(server, &status, 0), server);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  char c = 'F';
  assert_true(send(ctrl, &c, 1, MSG_NOSIGNAL) < 0);
  close(ctrl);
}

static void test_server_killed_closes_pending_member_sockets(void **state) {
  (void)state;
  int ctrl;
  pid_t server = server_start(30, &ctrl);
  kill(server, SIGSTOP); /* the request waits in its queue... */
  int fd = member_ask(ctrl);
  kill(server, SIGKILL); /* ...and dies with it */
  int status = 0;
  assert_int_equal(waitpid(server, &status, 0), server);
  /* no member: the socket reads end of file where its pid would be */
  struct pollfd pfd = {fd, POLLIN, 0};
  assert_int_equal(poll(&pfd, 1, 5000), 1);
  int32_t pid = 0;
  assert_int_equal(recv(fd, &pid, sizeof(pid), 0), 0);
  close(fd);
  close(ctrl);
}

static void test_wait_request_refuses_end_of_file_and_bad_messages(void **state) {
  (void)state;
  int a[2], reqFd = -1, lockFd = -1, bLease = 0;
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, a), 0);
  close(a[0]);
  assert_int_equal(exec_pool_wait_request(a[1], 5, &reqFd, &lockFd, &bLease), -1); /* end of file */
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, a), 0);
  char c = 'R';
  assert_int_equal(send(a[0], &c, 1, 0), 1); /* a byte but no descriptors */
  assert_int_equal(exec_pool_wait_request(a[1], 5, &reqFd, &lockFd, &bLease), -1);
  close(a[0]);
  assert_int_equal(reqFd, -1);
  assert_int_equal(lockFd, -1);
}

static void test_wait_request_keeps_the_socket_for_the_next_try(void **state) {
  (void)state;
  int a[2], aReq[2], aLock[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, a), 0);
  for(int k = 0; k < 2; k++) {
    assert_int_equal(pipe2(aReq, O_CLOEXEC), 0);
    assert_int_equal(pipe2(aLock, O_CLOEXEC), 0);
    int aFd[2] = {aReq[0], aLock[0]};
    send_fds(a[0], 'R', aFd, 2);
    close(aReq[0]);
    close(aLock[0]);
    char c = (char)('0' + k);
    assert_int_equal(write(aReq[1], &c, 1), 1);
    int reqFd = -1, lockFd = -1, bLease = 1;
    assert_int_equal(exec_pool_wait_request(a[1], 5, &reqFd, &lockFd, &bLease), 0);
    assert_int_equal(bLease, 0);
    char got = 0;
    assert_int_equal(read(reqFd, &got, 1), 1);
    assert_int_equal(got, c); /* this try's request, not the last one's */
    assert_true(fcntl(a[1], F_GETFD) >= 0); /* the socket stays: the member comes back to it */
    close(reqFd);
    close(lockFd);
    close(aReq[1]);
    close(aLock[1]);
  }
  close(a[0]); /* the scheduler lets the member go */
  int reqFd = -1, lockFd = -1, bLease = 0;
  assert_int_equal(exec_pool_wait_request(a[1], 5, &reqFd, &lockFd, &bLease), -1);
  errno = 0;
  assert_int_equal(fcntl(a[1], F_GETFD), -1); /* closed on end of file */
  assert_int_equal(errno, EBADF);
}

static void test_wait_request_installs_the_lease_descriptor(void **state) {
  (void)state;
  int a[2], aReq[2], aLock[2], aLease[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, a), 0);
  assert_int_equal(pipe2(aReq, O_CLOEXEC), 0);
  assert_int_equal(pipe2(aLock, O_CLOEXEC), 0);
  assert_int_equal(pipe2(aLease, O_CLOEXEC), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if(pid == 0) {
    /* the member: its socket on 3, 4 taken, so the request's descriptor
     * arrives on EXEC_LEASE_FD and must move away */
    int sock = a[1];
    if(dup2(sock, 3) != 3 || dup2(aLock[1], 4) != 4) _exit(10);
    for(int fd = 5; fd < 64; fd++) close(fd);
    int reqFd = -1, lockFd = -1, bLease = 0;
    if(exec_pool_wait_request(3, 5, &reqFd, &lockFd, &bLease)) _exit(11);
    if(!bLease || reqFd == EXEC_LEASE_FD || lockFd == EXEC_LEASE_FD) _exit(12);
    if(!(fcntl(EXEC_LEASE_FD, F_GETFD) & FD_CLOEXEC)) _exit(13);
    char c = 0;
    if(read(reqFd, &c, 1) != 1 || c != 'Q') _exit(14); /* the request's pipe, moved */
    int64_t until = 0;
    if(read(EXEC_LEASE_FD, &until, sizeof(until)) != (ssize_t)sizeof(until) || until != 4242) _exit(15);
    _exit(42);
  }
  int aFd[3] = {aReq[0], aLock[0], aLease[0]};
  send_fds(a[0], 'R', aFd, 3); /* a worker's hand-over: request, lock, lease */
  assert_int_equal(write(aReq[1], "Q", 1), 1);
  int64_t until = 4242;
  assert_int_equal(write(aLease[1], &until, sizeof(until)), (ssize_t)sizeof(until));
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 42);
  int aClose[] = {a[0], a[1], aReq[0], aReq[1], aLock[0], aLock[1], aLease[0], aLease[1]};
  for(size_t i = 0; i < sizeof(aClose) / sizeof(aClose[0]); i++) close(aClose[i]);
}

/* The byte written on the pipe whose read end fd is, read back: 1 when
 * fd is that pipe's read end and open. */
static int pipe_carries(int fd, int wfd, char c) {
  char got = 0;
  return write(wfd, &c, 1) == 1 && read(fd, &got, 1) == 1 && got == c;
}

static void test_take_extension_takes_extensions_only(void **state) {
  (void)state;
  int a[2], aExt[2], aReq[2], aLock[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, a), 0);
  assert_int_equal(exec_pool_take_extension(a[1]), -1); /* nothing waits: no blocking */
  for(int k = 0; k < 2; k++) { /* two extensions, taken in order */
    assert_int_equal(pipe2(aExt, O_CLOEXEC), 0);
    send_fds(a[0], 'E', &aExt[0], 1);
    close(aExt[0]);
    int fd = exec_pool_take_extension(a[1]);
    assert_true(fd >= 0);
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    assert_true(pipe_carries(fd, aExt[1], (char)('a' + k)));
    close(fd);
    close(aExt[1]);
  }
  /* a hand-over is not an extension: left for exec_pool_wait_request */
  assert_int_equal(pipe2(aReq, O_CLOEXEC), 0);
  assert_int_equal(pipe2(aLock, O_CLOEXEC), 0);
  int aFd[2] = {aReq[0], aLock[0]};
  send_fds(a[0], 'R', aFd, 2);
  assert_int_equal(exec_pool_take_extension(a[1]), -1);
  int reqFd = -1, lockFd = -1, bLease = 0;
  assert_int_equal(exec_pool_wait_request(a[1], 5, &reqFd, &lockFd, &bLease), 0);
  assert_true(pipe_carries(reqFd, aReq[1], 'r'));
  /* nor is an end of file: member_scheduler_gone's to see */
  close(a[0]);
  assert_int_equal(exec_pool_take_extension(a[1]), -1);
  int aClose[] = {a[1], reqFd, lockFd, aReq[0], aReq[1], aLock[0], aLock[1]};
  for(size_t i = 0; i < sizeof(aClose) / sizeof(aClose[0]); i++) close(aClose[i]);
}

static void test_wait_request_drops_extensions_that_came_too_late(void **state) {
  (void)state;
  int a[2], aExt[2], aReq[2], aLock[2];
  assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, a), 0);
  assert_int_equal(pipe2(aExt, O_CLOEXEC), 0);
  assert_int_equal(pipe2(aReq, O_CLOEXEC), 0);
  assert_int_equal(pipe2(aLock, O_CLOEXEC), 0);
  /* links for a chain that ended before they came, then the next try */
  send_fds(a[0], 'E', &aExt[0], 1);
  close(aExt[0]);
  int aFd[2] = {aReq[0], aLock[0]};
  send_fds(a[0], 'R', aFd, 2);
  int reqFd = -1, lockFd = -1, bLease = 0;
  assert_int_equal(exec_pool_wait_request(a[1], 5, &reqFd, &lockFd, &bLease), 0);
  assert_true(pipe_carries(reqFd, aReq[1], 'q')); /* the try, not the extension */
  /* the extension's descriptor was closed: its pipe has no reader left */
  signal(SIGPIPE, SIG_IGN);
  char c = 'x';
  errno = 0;
  assert_int_equal(write(aExt[1], &c, 1), -1);
  assert_int_equal(errno, EPIPE);
  int aClose[] = {a[0], a[1], reqFd, lockFd, aExt[1], aReq[0], aReq[1], aLock[0], aLock[1]};
  for(size_t i = 0; i < sizeof(aClose) / sizeof(aClose[0]); i++) close(aClose[i]);
}

static void test_extend_reaches_only_members_out_on_a_try(void **state) {
  (void)state;
  exec_pool *p = exec_pool_new(0, 5, 1);
  assert_non_null(p);
  int aExt[2];
  assert_int_equal(pipe2(aExt, O_CLOEXEC), 0);
  assert_int_equal(exec_pool_extend(p, getpid(), aExt[0]), 0); /* no such member */
  assert_int_equal(exec_pool_extend(NULL, getpid(), aExt[0]), 0);
  exec_pool_free(p);
  close(aExt[0]);
  close(aExt[1]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_members_are_the_callers_children),
      cmocka_unit_test(test_idle_server_serves_what_came_in_then_exits),
      cmocka_unit_test(test_server_killed_closes_pending_member_sockets),
      cmocka_unit_test(test_wait_request_refuses_end_of_file_and_bad_messages),
      cmocka_unit_test(test_wait_request_keeps_the_socket_for_the_next_try),
      cmocka_unit_test(test_wait_request_installs_the_lease_descriptor),
      cmocka_unit_test(test_take_extension_takes_extensions_only),
      cmocka_unit_test(test_wait_request_drops_extensions_that_came_too_late),
      cmocka_unit_test(test_extend_reaches_only_members_out_on_a_try),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
