/* randomuser-server: a randomuser.me-compatible API on 127.0.0.1, so the
 * pipeline can be tested and benchmarked offline. The server itself is
 * tools/randomuser/randomuser_server.c; this file is only its command line.
 *
 *   randomuser-server [--host ADDR] [--port N] [--throttle-every N]
 *
 * Prints one line "listening on http://HOST:PORT/api/" once ready (with
 * --port 0 that is how a caller learns the port), then serves until SIGINT
 * or SIGTERM. Exit status: 0 after a signal, 1 if it cannot listen, 2 on a
 * usage error. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/err.h"
#include "tools/randomuser/randomuser_server.h"

static void server_usage(FILE *f) {
  fprintf(f,
          "usage: randomuser-server [--host ADDR] [--port N] [--throttle-every N]\n"
          "\n"
          "Serves randomuser.me 1.4-compatible fake users at /api/ and /api/1.4/.\n"
          "  --host ADDR         numeric address to listen on (default 127.0.0.1)\n"
          "  --port N            TCP port, 0 for any free one (default 8000)\n"
          "  --throttle-every N  answer every Nth request with 429 and Retry-After: 1\n"
          "  --help              this text\n"
          "Query parameters: results (1..5000, larger values clamped), seed, page,\n"
          "nat (us,gb,ca,fr,de,no,tr,ir,ua), inc, exc, gender, format=json, noinfo.\n");
}

/* Parses a whole decimal in [lo, hi]; 0 on success. */
static int server_parse_int(const char *z, long lo, long hi, int *pOut) {
  if(!z || !*z) return -1;
  char *zEnd;
  errno = 0;
  long v = strtol(z, &zEnd, 10);
  if(errno || *zEnd || v < lo || v > hi) return -1;
  *pOut = (int)v;
  return 0;
}

int main(int argc, char **argv) {
  randomuser_server_opts opts = {"127.0.0.1", 8000, 0};
  for(int i = 1; i < argc; i++) {
    const char *zArg = argv[i];
    const char *zVal = i + 1 < argc ? argv[i + 1] : NULL;
    if(!strcmp(zArg, "--help") || !strcmp(zArg, "-h")) {
      server_usage(stdout);
      return 0;
    } else if(!strcmp(zArg, "--host") && zVal) {
      opts.zHost = zVal;
      i++;
    } else if(!strcmp(zArg, "--port") && zVal) {
      if(server_parse_int(zVal, 0, 65535, &opts.port)) {
        fprintf(stderr, "randomuser-server: --port: '%s' is not a port number (0..65535)\n", zVal);
        return 2;
      }
      i++;
    } else if(!strcmp(zArg, "--throttle-every") && zVal) {
      if(server_parse_int(zVal, 0, 1000000000, &opts.throttleEvery)) {
        fprintf(stderr, "randomuser-server: --throttle-every: '%s' is not a whole number >= 0\n",
                zVal);
        return 2;
      }
      i++;
    } else {
      int bKnown = !strcmp(zArg, "--host") || !strcmp(zArg, "--port") ||
                   !strcmp(zArg, "--throttle-every");
      fprintf(stderr, "randomuser-server: %s '%s' (see --help)\n",
              bKnown ? "missing value for" : "unknown argument", zArg);
      return 2;
    }
  }

  /* block the signals before MHD starts its threads so only sigwait sees them */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);

  airc_err err = {0};
  randomuser_server *pSrv = NULL;
  if(randomuser_server_start(&opts, &pSrv, &err)) {
    fprintf(stderr, "randomuser-server: %s\n", airc_err_msg(&err));
    return 1;
  }
  int bV6 = strchr(opts.zHost, ':') != NULL;
  printf("listening on http://%s%s%s:%d/api/\n", bV6 ? "[" : "", opts.zHost, bV6 ? "]" : "",
         randomuser_server_port(pSrv));
  fflush(stdout);
  int sig = 0;
  while(sigwait(&set, &sig) != 0) {
  }
  randomuser_server_stop(pSrv);
  return 0;
}
