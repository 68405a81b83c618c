/* bench-fetch-users: throughput of the fetch-users loop (HTTP GET + JSON
 * parse + record transform + JSONL write) in records per second. A
 * benchmark, not a test: it prints figures and always exits 0 unless the
 * fetch itself fails.
 *
 *   bench-fetch-users [--count N] [--results N] [--url URL] [--repeat N]
 *
 * Without --url it starts the randomuser test server in-process on a free
 * 127.0.0.1 port, so the figure includes generating the users (the server
 * shares the machine's cores with the client). Output goes to a temporary
 * file, deleted at exit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "common/timeutil.h"
#include "providers/fetch_users/fetch_users.h"
#include "tools/randomuser/randomuser_server.h"

int main(int argc, char **argv) {
  long nCount = 10000, nResults = 1000, nRepeat = 3;
  const char *zUrl = NULL;
  for(int i = 1; i < argc; i++) {
    const char *zVal = i + 1 < argc ? argv[i + 1] : NULL;
    if(!strcmp(argv[i], "--count") && zVal) nCount = atol(argv[++i]);
    else if(!strcmp(argv[i], "--results") && zVal) nResults = atol(argv[++i]);
    else if(!strcmp(argv[i], "--repeat") && zVal) nRepeat = atol(argv[++i]);
    else if(!strcmp(argv[i], "--url") && zVal) zUrl = argv[++i];
    else {
      fprintf(stderr, "usage: bench-fetch-users [--count N] [--results N] [--url URL] [--repeat N]\n");
      return strcmp(argv[i], "--help") ? 2 : 0;
    }
  }
  if(nCount < 1 || nResults < 1 || nResults > 5000 || nRepeat < 1) {
    fprintf(stderr, "bench-fetch-users: bad numbers\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  randomuser_server *pSrv = NULL;
  airc_err err = {0};
  char zLocal[128];
  if(!zUrl) {
    randomuser_server_opts so = {"127.0.0.1", 0, 0};
    if(randomuser_server_start(&so, &pSrv, &err)) {
      fprintf(stderr, "bench-fetch-users: %s\n", airc_err_msg(&err));
      return 1;
    }
    snprintf(zLocal, sizeof(zLocal), "http://127.0.0.1:%d/api/", randomuser_server_port(pSrv));
    zUrl = zLocal;
  }
  char zCount[32], zResults[32];
  snprintf(zCount, sizeof(zCount), "%ld", nCount);
  snprintf(zResults, sizeof(zResults), "%ld", nResults);
  json_t *pOpts = json_pack("{s:s,s:s,s:s,s:s}", "url", zUrl, "count", zCount, "results",
                            zResults, "seed", "bench");
  fetch_users_opts o;
  if(fetch_users_opts_resolve(pOpts, "bench", "bench", &o, &err)) {
    fprintf(stderr, "bench-fetch-users: %s\n", airc_err_msg(&err));
    return 2;
  }
  json_decref(pOpts);
  printf("fetch+transform: %ld users, %ld per request, from %s%s\n", nCount, nResults, zUrl,
         pSrv ? " (in-process server)" : "");
  double best = 0;
  int rc = 0;
  for(long r = 0; r < nRepeat && !rc; r++) {
    FILE *pOut = tmpfile();
    fetch_users_stats st;
    int64_t t0 = airc_now_us();
    if(fetch_users_run(&o, pOut, NULL, &st, &err)) {
      fprintf(stderr, "bench-fetch-users: %s\n", airc_err_msg(&err));
      rc = 1;
    } else {
      fflush(pOut);
      double sec = (double)(airc_now_us() - t0) / 1e6;
      long nBytes = ftell(pOut);
      double rate = (double)st.nRecords / sec;
      if(rate > best) best = rate;
      printf("  run %ld: %lld records in %.3f s = %.0f records/s (%.1f MB of JSONL, %lld requests)\n",
             r + 1, (long long)st.nRecords, sec, rate, (double)nBytes / 1e6,
             (long long)st.nRequests);
    }
    fclose(pOut);
  }
  if(!rc) printf("best: %.0f records/s\n", best);
  randomuser_server_stop(pSrv);
  curl_global_cleanup();
  return rc;
}
