/* cmd_webserver.c: `airc webserver [--port 8080] [--host 127.0.0.1]`.
 *
 * Creates/migrates the store, creates the first `admin` user (printing its
 * random password once, on stdout) when authentication is on and there is
 * no user yet, starts the server (server.h) and waits for SIGTERM/SIGINT,
 * then stops it cleanly: MHD closes connections and joins its threads,
 * whose store connections close with them. Settings: [webserver]
 * web_server_port, web_server_host, workers (see docs/web.md).
 * Exit codes: 0 after a signal, 1 when it cannot start, 2 on usage. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "common/config.h"
#include "common/log.h"
#include "webui/auth.h"
#include "webui/oidc.h"
#include "webui/server.h"
#include "webui/static_files.h"
#include "webui/tls.h"
#include "webui/users.h"
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_port(const char *z, int *pOut) {
  char *zEnd;
  long v = strtol(z, &zEnd, 10);
  if(!*z || *zEnd || v < 0 || v > 65535) return -1;
  *pOut = (int)v;
  return 0;
}

int cmd_webserver(int argc, char **argv) {
  static const struct option aOpt[] = {{"port", required_argument, 0, 'p'}, {"host", required_argument, 0, 'H'},
                                       {"workers", required_argument, 0, 'w'}, {"verbose", no_argument, 0, 'v'},
                                       {0, 0, 0, 0}};
  web_server_opts o;
  memset(&o, 0, sizeof(o));
  /* [webserver] host/port, or Airflow's names web_server_host/web_server_port */
  o.zHost = airc_config_get("webserver", "host", airc_config_get("webserver", "web_server_host", "127.0.0.1"));
  o.port = (int)airc_config_get_int("webserver", "port", airc_config_get_int("webserver", "web_server_port", 8080));
  long nCpu = sysconf(_SC_NPROCESSORS_ONLN);
  o.nThreads = (int)airc_config_get_int("webserver", "workers", nCpu > 1 ? nCpu : 2);
  o.zAllowedHosts = airc_config_get("webserver", "allowed_hosts", NULL);
  o.zAllowedOrigins = airc_config_get("webserver", "allowed_origins", NULL);
  o.nPerIpLimit = (int)airc_config_get_int("webserver", "per_ip_connection_limit", 64);
  o.requestTimeoutSec = (int)airc_config_get_int("webserver", "request_timeout", 30);
  int c;
  optind = 0;
  while((c = getopt_long(argc, argv, "p:H:w:v", aOpt, NULL)) != -1) {
    if(c == 'p') {
      if(parse_port(optarg, &o.port)) return cli_usage_error("webserver", "--port must be 0..65535, not '%s'", optarg);
    } else if(c == 'H') o.zHost = optarg;
    else if(c == 'w') {
      o.nThreads = atoi(optarg);
      if(o.nThreads < 1 || o.nThreads > 256) return cli_usage_error("webserver", "--workers must be 1..256");
    } else if(c == 'v') airc_log_set_level(AIRC_LOG_DEBUG);
    else return cli_usage_error("webserver", "unknown option");
  }
  if(optind != argc) return cli_usage_error("webserver", "unexpected argument '%s'", argv[optind]);
  if(o.nThreads < 1) o.nThreads = 2;

  /* HTTPS: both files or neither, read and checked before anything starts */
  const char *zCertPath = airc_config_get("webserver", "ssl_cert", NULL);
  const char *zKeyPath = airc_config_get("webserver", "ssl_key", NULL);
  if(zCertPath && !*zCertPath) zCertPath = NULL;
  if(zKeyPath && !*zKeyPath) zKeyPath = NULL;
  if(!zCertPath != !zKeyPath)
    return cli_error("[webserver] ssl_cert and ssl_key go together: %s is set, %s is not", zCertPath ? "ssl_cert" : "ssl_key",
                     zCertPath ? "ssl_key" : "ssl_cert");
  char *zCertPem = NULL, *zKeyPem = NULL;
  if(zCertPath) {
    airc_err tlsErr = {0};
    if(tls_pem_load(zCertPath, zKeyPath, &zCertPem, &zKeyPem, &tlsErr)) return cli_fail_err(&tlsErr);
    o.zTlsCert = zCertPem;
    o.zTlsKey = zKeyPem;
    o.hstsMaxAgeSec = airc_config_get_int("webserver", "hsts_max_age", 31536000);
  }

  store *s = cli_open_store();
  if(!s) {
    tls_pem_free(zCertPem);
    tls_pem_free(zKeyPem);
    return CLI_FAIL;
  }
  airc_err authErr = {0};
  if(auth_init(&authErr) || oidc_init(&authErr)) {
    store_close(s);
    tls_pem_free(zCertPem);
    tls_pem_free(zKeyPem);
    return cli_fail_err(&authErr);
  }
  if(auth_enabled()) {
    char zPw[64];
    int bCreated = 0;
    airc_err err = {0};
    airc_rc rc = users_create_first_admin(s, &bCreated, zPw, sizeof(zPw), &err);
    if(rc) {
      store_close(s);
      tls_pem_free(zCertPem);
      tls_pem_free(zKeyPem);
      return cli_fail_err(&err);
    }
    if(bCreated) {
      printf("airc: created the web user 'admin' (role admin); its password, shown only this once:\n"
             "admin password: %s\n", zPw);
      fflush(stdout);
      sodium_memzero(zPw, sizeof(zPw));
    }
  }
  store_close(s);
  static_files_init();

  /* block the signals before MHD starts its threads, so they inherit it */
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  pthread_sigmask(SIG_BLOCK, &mask, NULL);
  signal(SIGPIPE, SIG_IGN);
  web_server *pServer = NULL;
  airc_err err = {0};
  airc_rc rcStart = web_server_start(&o, &pServer, &err);
  tls_pem_free(zCertPem);
  tls_pem_free(zKeyPem);
  if(rcStart) return cli_fail_err(&err);
  LOG_INFO("webserver: listening on %s://%s%s%s:%d (workers %d, static %s, authenticate %s)",
           zCertPath ? "https" : "http", strchr(o.zHost, ':') ? "[" : "", o.zHost, strchr(o.zHost, ':') ? "]" : "",
           web_server_port(pServer),
           o.nThreads, static_files_root()[0] ? static_files_root() : "(none)", auth_enabled() ? "on" : "off");
  int sig = 0;
  sigwait(&mask, &sig);
  LOG_INFO("webserver: %s received, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  web_server_stop(pServer);
  return CLI_OK;
}
