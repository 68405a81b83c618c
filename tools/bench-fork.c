/* bench-fork: what a fork() costs the forking process, by its size. A
 * process touches N MB of heap, then forks 500 children (each exits at
 * once) while writing 64 pages between forks, as a busy parent does; prints
 * microseconds per fork. Why the scheduler starts supervisors with
 * posix_spawn (vfork semantics) rather than fork: on a VM this cost grows
 * with the parent's size. Not a test: `make bench` prints it.
 * usage: bench-fork [MB ...]   (default: 1 16 64) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int bench(size_t mb) {
  size_t n = mb << 20, chunk = 64 * 4096;
  if(n < chunk) n = chunk;
  char *p = malloc(n);
  if(!p) return 1;
  memset(p, 1, n);
  double t0 = now_s();
  for(int i = 0; i < 500; i++) {
    pid_t c = fork();
    if(c < 0) return 1;
    if(c == 0) _exit(0);
    memset(p + ((size_t)i * chunk) % (n - chunk + 1), 2, chunk);
  }
  double t1 = now_s();
  while(wait(NULL) > 0) {
  }
  printf("  fork of a %3zu MB process: %7.1f us each\n", mb, (t1 - t0) / 500 * 1e6);
  free(p);
  return 0;
}

int main(int argc, char **argv) {
  static const size_t aDefault[] = {1, 16, 64};
  if(argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
    printf("usage: bench-fork [MB ...]\n");
    return 0;
  }
  if(argc == 1) {
    for(size_t i = 0; i < 3; i++)
      if(bench(aDefault[i])) return 1;
    return 0;
  }
  for(int i = 1; i < argc; i++) {
    long v = atol(argv[i]);
    if(v <= 0 || v > 4096) {
      fprintf(stderr, "bench-fork: '%s' is not a size in MB (1..4096)\n", argv[i]);
      return 2;
    }
    if(bench((size_t)v)) return 1;
  }
  return 0;
}
