/* pq_lazy.h: libpq, loaded with dlopen() on the first connect instead of
 * linked, for every file that talks to PostgreSQL (store/postgres/, the
 * sql sensor's store_probe.c, providers/postgres/): include this header
 * instead of <libpq-fe.h> and call PQ* as usual.
 *
 * Why: libpq brings OpenSSL's libcrypto, Kerberos, LDAP and, through
 * libldap, GnuTLS and p11-kit: about 3 MB resident in every process that
 * links it, also in a scheduler on SQLite (the default) that never opens a
 * PostgreSQL connection. The idle scheduler's goal is < 8 MB
 * (docs/benchmarks.md). Loaded lazily, those pages exist only in processes
 * that connect.
 *
 * How: each PQ* name below is a macro calling through a table that
 * pq_lazy.c fills once (pthread_once) with dlsym(). Every libpq object
 * starts from PQconnectdbParams(), which loads the library first; the calls
 * that accept NULL before that (PQfinish, PQclear, PQstatus,
 * PQerrorMessage) are NULL-safe without loading it. When libpq cannot be
 * loaded, PQconnectdbParams() returns NULL and PQerrorMessage(NULL) says
 * why ("cannot load libpq: libpq.so.5: ...").
 *
 * Not for: PQ* calls outside this list (add them to PQ_LAZY_CALLS; a
 * missing one fails the link, since nothing links -lpq), or taking a PQ*
 * function's address. */
#ifndef AIRC_PQ_LAZY_H
#define AIRC_PQ_LAZY_H
#include <libpq-fe.h>

/* Every libpq call airc makes. */
#define PQ_LAZY_CALLS(X)                                                                                      \
  X(PQcmdTuples) X(PQcmdStatus) X(PQconsumeInput) X(PQdb) X(PQescapeIdentifier) X(PQexec) X(PQexecParams)    \
  X(PQexecPrepared) X(PQfreemem) X(PQgetisnull) X(PQgetlength) X(PQgetvalue) X(PQhost) X(PQnfields)         \
  X(PQnotifies) X(PQntuples) X(PQport) X(PQprepare) X(PQreset) X(PQresultErrorField)                          \
  X(PQresultErrorMessage) X(PQresultStatus) X(PQsetClientEncoding) X(PQsetNoticeProcessor) X(PQsocket)     \
  X(PQenterPipelineMode) X(PQexitPipelineMode) X(PQpipelineSync) X(PQsendQueryParams) X(PQsendPrepare)     \
  X(PQsendQueryPrepared) X(PQgetResult)                                                                      \
  X(PQconnectdbParams) X(PQstatus) X(PQerrorMessage) X(PQfinish) X(PQclear)

typedef struct pq_lazy_api {
#define PQ_LAZY_SLOT(f) __typeof__(f) *f;
  PQ_LAZY_CALLS(PQ_LAZY_SLOT)
#undef PQ_LAZY_SLOT
} pq_lazy_api;

/* Filled by the first PQconnectdbParams(); read-only after that. */
extern pq_lazy_api g_pq_lazy;

/* Loads libpq (once, thread-safe). 0 when usable, else -1 (reason:
 * pq_lazy_error()). */
int pq_lazy_load(void);
/* Why libpq could not be loaded, or "out of memory" when it was. */
const char *pq_lazy_error(void);

PGconn *pq_lazy_connectdb_params(const char *const *azKey, const char *const *azVal, int bExpand);
ConnStatusType pq_lazy_status(const PGconn *c);
char *pq_lazy_error_message(const PGconn *c);
void pq_lazy_finish(PGconn *c);
void pq_lazy_clear(PGresult *r);

#ifndef PQ_LAZY_IMPL
#define PQconnectdbParams(k, v, e) pq_lazy_connectdb_params(k, v, e)
#define PQstatus(c) pq_lazy_status(c)
#define PQerrorMessage(c) pq_lazy_error_message(c)
#define PQfinish(c) pq_lazy_finish(c)
#define PQclear(r) pq_lazy_clear(r)
#define PQcmdTuples(...) g_pq_lazy.PQcmdTuples(__VA_ARGS__)
#define PQcmdStatus(...) g_pq_lazy.PQcmdStatus(__VA_ARGS__)
#define PQconsumeInput(...) g_pq_lazy.PQconsumeInput(__VA_ARGS__)
#define PQdb(...) g_pq_lazy.PQdb(__VA_ARGS__)
#define PQescapeIdentifier(...) g_pq_lazy.PQescapeIdentifier(__VA_ARGS__)
#define PQexec(...) g_pq_lazy.PQexec(__VA_ARGS__)
#define PQexecParams(...) g_pq_lazy.PQexecParams(__VA_ARGS__)
#define PQexecPrepared(...) g_pq_lazy.PQexecPrepared(__VA_ARGS__)
#define PQfreemem(...) g_pq_lazy.PQfreemem(__VA_ARGS__)
#define PQgetisnull(...) g_pq_lazy.PQgetisnull(__VA_ARGS__)
#define PQgetlength(...) g_pq_lazy.PQgetlength(__VA_ARGS__)
#define PQgetvalue(...) g_pq_lazy.PQgetvalue(__VA_ARGS__)
#define PQhost(...) g_pq_lazy.PQhost(__VA_ARGS__)
#define PQnfields(...) g_pq_lazy.PQnfields(__VA_ARGS__)
#define PQnotifies(...) g_pq_lazy.PQnotifies(__VA_ARGS__)
#define PQntuples(...) g_pq_lazy.PQntuples(__VA_ARGS__)
#define PQport(...) g_pq_lazy.PQport(__VA_ARGS__)
#define PQprepare(...) g_pq_lazy.PQprepare(__VA_ARGS__)
#define PQreset(...) g_pq_lazy.PQreset(__VA_ARGS__)
#define PQresultErrorField(...) g_pq_lazy.PQresultErrorField(__VA_ARGS__)
#define PQresultErrorMessage(...) g_pq_lazy.PQresultErrorMessage(__VA_ARGS__)
#define PQresultStatus(...) g_pq_lazy.PQresultStatus(__VA_ARGS__)
#define PQsetClientEncoding(...) g_pq_lazy.PQsetClientEncoding(__VA_ARGS__)
#define PQsetNoticeProcessor(...) g_pq_lazy.PQsetNoticeProcessor(__VA_ARGS__)
#define PQsocket(...) g_pq_lazy.PQsocket(__VA_ARGS__)
#define PQenterPipelineMode(...) g_pq_lazy.PQenterPipelineMode(__VA_ARGS__)
#define PQexitPipelineMode(...) g_pq_lazy.PQexitPipelineMode(__VA_ARGS__)
#define PQpipelineSync(...) g_pq_lazy.PQpipelineSync(__VA_ARGS__)
#define PQsendQueryParams(...) g_pq_lazy.PQsendQueryParams(__VA_ARGS__)
#define PQsendPrepare(...) g_pq_lazy.PQsendPrepare(__VA_ARGS__)
#define PQsendQueryPrepared(...) g_pq_lazy.PQsendQueryPrepared(__VA_ARGS__)
#define PQgetResult(...) g_pq_lazy.PQgetResult(__VA_ARGS__)
#endif

#endif
