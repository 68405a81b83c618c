/* bench-floor: the machine's floor for running tasks, measured the way
 * airc would pay for it: N fork+exec of /bin/true in series (each waited
 * for), and N commits of one small write through airc's own store (the
 * scheduler's heartbeat row: the same driver, pragmas and statement cache
 * as the scheduler, so the floor moves with the store). Prints JSON.
 * Not a test: `make bench` runs it beside the scheduler benchmark. */
#include <errno.h>
#include "store/store.h"
#include "store/store_sched.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000;
  const char *zDb = argc > 2 ? argv[2] : "/tmp/airc-bench-floor.db";
  if(n <= 0) {
    fprintf(stderr, "usage: bench-floor [N] [DB]\n");
    return 2;
  }
  int64_t t0 = now_us();
  for(int i = 0; i < n; i++) {
    pid_t p = fork();
    if(p < 0) return 1;
    if(p == 0) {
      execl("/bin/true", "true", (char *)NULL);
      _exit(127);
    }
    int st;
    while(waitpid(p, &st, 0) < 0 && errno == EINTR) {
    }
  }
  int64_t tFork = now_us() - t0;
  unlink(zDb);
  store *db = NULL;
  airc_err err = {0};
  if(store_open(zDb, &db, &err)) {
    fprintf(stderr, "bench-floor: %s\n", err.zMsg);
    return 1;
  }
  t0 = now_us();
  for(int i = 0; i < n; i++) {
    airc_rc rc = store_begin(db, &err);
    if(!rc) rc = store_sched_heartbeat(db, now_us(), (int)getpid(), 0, &err);
    if(!rc) rc = store_commit(db, &err);
    if(rc) {
      fprintf(stderr, "bench-floor: %s\n", err.zMsg);
      return 1;
    }
  }
  int64_t tCommit = now_us() - t0;
  store_close(db);
  unlink(zDb);
  char z[4200];
  snprintf(z, sizeof(z), "%s-wal", zDb);
  unlink(z);
  snprintf(z, sizeof(z), "%s-shm", zDb);
  unlink(z);
  printf("{\"n\": %d, \"fork_exec_total_ms\": %.3f, \"fork_exec_each_us\": %.1f, "
         "\"commit_total_ms\": %.3f, \"commit_each_us\": %.1f, \"floor_total_ms\": %.3f}\n",
         n, tFork / 1000.0, (double)tFork / n, tCommit / 1000.0, (double)tCommit / n, (tFork + tCommit) / 1000.0);
  return 0;
}
