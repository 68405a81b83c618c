/* airc_type_http.c: `airc-type-http`, the `http` task type as a plugin
 * (docs/authoring.md, "Task types as plugins"). A program on its own:
 * it knows airc only through the plugin contract (executor/task_plugin.h),
 * and links libcurl and jansson, nothing of airc.
 *
 *   airc-type-http --describe   prints its options as JSON
 *   airc-type-http              reads the options (JSON) on stdin, sends
 *                               one request, writes {"status_code": N,
 *                               "headers": {...}, "body": JSON or text}
 *                               to $AIRC_XCOM_OUT; exit 0 when the status
 *                               is expected, 1 otherwise (one line why).
 *
 * The response body is read up to max_response_bytes (default 1 MiB);
 * past 48 KiB the XCom keeps the first 48 KiB as text and says so
 * ("truncated": true), since an XCom value is at most 64 KiB. */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define XCOM_BODY_MAX (48 * 1024)

static const char zDescribe[] =
    "{\"name\": \"http\", \"description\": \"Sends one HTTP request; the response goes to XCom.\",\n"
    " \"options\": [\n"
    "  {\"name\": \"url\", \"type\": \"string\", \"required\": true, \"description\": \"http:// or https:// URL\"},\n"
    "  {\"name\": \"method\", \"type\": \"string\", \"default\": \"GET\", \"description\": \"GET, POST, PUT, PATCH, DELETE, HEAD\"},\n"
    "  {\"name\": \"headers\", \"type\": \"json\", \"default\": {}, \"description\": \"object of header name -> value\"},\n"
    "  {\"name\": \"body\", \"type\": \"string\", \"description\": \"request body\"},\n"
    "  {\"name\": \"expected_status\", \"type\": \"json\", \"description\": \"a status or a list of them (default: any 2xx)\"},\n"
    "  {\"name\": \"auth_token\", \"type\": \"string\", \"secret\": true, \"description\": \"sent as Authorization: Bearer TOKEN\"},\n"
    "  {\"name\": \"timeout\", \"type\": \"integer\", \"default\": 30, \"description\": \"seconds for the whole request\"},\n"
    "  {\"name\": \"max_response_bytes\", \"type\": \"integer\", \"default\": 1048576, \"description\": \"larger bodies fail the task\"}\n"
    " ]}\n";

typedef struct buf {
  char *z;
  size_t n, nMax;
  int bOver;
} buf;

static size_t buf_write(char *p, size_t size, size_t nmemb, void *pCtx) {
  buf *b = pCtx;
  size_t n = size * nmemb;
  if(b->n + n > b->nMax) {
    b->bOver = 1;
    return 0; /* curl stops with CURLE_WRITE_ERROR */
  }
  char *z = realloc(b->z, b->n + n + 1);
  if(!z) return 0;
  memcpy(z + b->n, p, n);
  b->z = z;
  b->n += n;
  b->z[b->n] = 0;
  return n;
}

/* Response headers into an object (lower-case names; a repeated one keeps the last). */
static size_t header_write(char *p, size_t size, size_t nmemb, void *pCtx) {
  json_t *pHdr = pCtx;
  size_t n = size * nmemb;
  const char *zColon = memchr(p, ':', n);
  if(zColon && n < 8192) {
    char zName[256];
    size_t nName = (size_t)(zColon - p);
    if(nName && nName < sizeof(zName)) {
      for(size_t i = 0; i < nName; i++) zName[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
      zName[nName] = 0;
      const char *v = zColon + 1, *e = p + n;
      while(v < e && (*v == ' ' || *v == '\t')) v++;
      while(e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ')) e--;
      json_object_set_new(pHdr, zName, json_stringn(v, (size_t)(e - v)));
    }
  }
  return n;
}

static int status_expected(json_t *pExp, long status) {
  if(!pExp || json_is_null(pExp)) return status >= 200 && status < 300;
  if(json_is_integer(pExp)) return json_integer_value(pExp) == status;
  size_t i;
  json_t *x;
  json_array_foreach(pExp, i, x) if(json_is_integer(x) && json_integer_value(x) == status) return 1;
  return 0;
}

static int fail(const char *zMsg) {
  fprintf(stderr, "http: %s\n", zMsg);
  return 1;
}

/* One request as the options say; returns the exit code. Frees what it
 * allocates on every path (the sanitizer build checks it). */
static int http_run(json_t *pOpt) {
  const char *zUrl = json_string_value(json_object_get(pOpt, "url"));
  const char *zMethod = json_string_value(json_object_get(pOpt, "method"));
  json_t *pHeaders = json_object_get(pOpt, "headers");
  const char *zBody = json_string_value(json_object_get(pOpt, "body"));
  json_t *pExp = json_object_get(pOpt, "expected_status");
  const char *zToken = json_string_value(json_object_get(pOpt, "auth_token"));
  long timeout = json_is_integer(json_object_get(pOpt, "timeout")) ? (long)json_integer_value(json_object_get(pOpt, "timeout")) : 30;
  json_t *pMax = json_object_get(pOpt, "max_response_bytes");
  size_t nMax = json_is_integer(pMax) && json_integer_value(pMax) > 0 ? (size_t)json_integer_value(pMax) : 1048576;
  if(!zMethod) zMethod = "GET";
  if(!zUrl || (strncmp(zUrl, "http://", 7) && strncmp(zUrl, "https://", 8)))
    return fail("option 'url' must be an http:// or https:// URL");
  static const char *const azMethod[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", NULL};
  int bMethodOk = 0;
  for(int i = 0; azMethod[i]; i++) bMethodOk |= !strcasecmp(zMethod, azMethod[i]);
  if(!bMethodOk) return fail("option 'method' must be GET, POST, PUT, PATCH, DELETE or HEAD");
  if(pHeaders && !json_is_object(pHeaders)) return fail("option 'headers' must be a JSON object");
  if(pExp && !json_is_null(pExp) && !json_is_integer(pExp) && !json_is_array(pExp))
    return fail("option 'expected_status' must be a status or a list of them");
  if(timeout < 1 || timeout > 86400) return fail("option 'timeout' must be 1..86400 seconds");
  const char *zKey;
  json_t *v;
  json_object_foreach(pHeaders, zKey, v) {
    if(!json_is_string(v)) return fail("option 'headers': every value must be a string");
    if(strpbrk(zKey, "\r\n:") || strpbrk(json_string_value(v), "\r\n"))
      return fail("option 'headers': no line breaks or ':' in names, no line breaks in values");
  }

  CURL *h = curl_easy_init();
  if(!h) return fail("cannot start libcurl");
  struct curl_slist *pList = NULL;
  json_object_foreach(pHeaders, zKey, v) {
    size_t n = strlen(zKey) + strlen(json_string_value(v)) + 3;
    char *z = malloc(n);
    if(!z) continue;
    snprintf(z, n, "%s: %s", zKey, json_string_value(v));
    pList = curl_slist_append(pList, z);
    free(z);
  }
  if(zToken && *zToken) {
    size_t n = strlen(zToken) + 32;
    char *z = malloc(n);
    if(z) {
      snprintf(z, n, "Authorization: Bearer %s", zToken);
      pList = curl_slist_append(pList, z);
      free(z);
    }
  }
  buf resp = {NULL, 0, nMax, 0};
  json_t *pRespHdr = json_object();
  char zCurlErr[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_URL, zUrl);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, zMethod);
  if(!strcasecmp(zMethod, "HEAD")) curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  if(zBody) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, zBody);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(zBody));
  }
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, pList);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, buf_write);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, header_write);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, pRespHdr);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, zCurlErr);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "airc-type-http/1");
  printf("%s %s\n", zMethod, zUrl);
  fflush(stdout);
  CURLcode cc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(pList);
  curl_easy_cleanup(h);
  int code = 0;
  json_t *pX = NULL;
  if(resp.bOver) {
    fprintf(stderr, "http: the response body is larger than max_response_bytes (%zu)\n", nMax);
    code = 1;
  } else if(cc != CURLE_OK) {
    fprintf(stderr, "http: %s %s failed: %s\n", zMethod, zUrl, zCurlErr[0] ? zCurlErr : curl_easy_strerror(cc));
    code = 1;
  }
  if(!code) {
    printf("answered %ld (%zu bytes)\n", status, resp.n);
    /* the XCom: the body as JSON when it is JSON, else as text */
    pX = json_object();
    json_object_set_new(pX, "status_code", json_integer(status));
    json_object_set(pX, "headers", pRespHdr);
    json_t *pBody = resp.n && resp.n <= XCOM_BODY_MAX ? json_loadb(resp.z, resp.n, JSON_DECODE_ANY, NULL) : NULL;
    if(!pBody) pBody = json_stringn_nocheck(resp.z ? resp.z : "", resp.n > XCOM_BODY_MAX ? XCOM_BODY_MAX : resp.n);
    if(!pBody) pBody = json_string("");
    if(resp.n > XCOM_BODY_MAX) json_object_set_new(pX, "truncated", json_true());
    json_object_set_new(pX, "body", pBody);
    const char *zOut = getenv("AIRC_XCOM_OUT");
    if(zOut && *zOut) {
      FILE *f = fopen(zOut, "w");
      int bBad = !f || json_dumpf(pX, f, JSON_COMPACT);
      if(f && fclose(f)) bBad = 1;
      if(bBad) code = fail("cannot write the XCom file");
    }
  }
  if(!code && !status_expected(pExp, status)) {
    char *zExp = pExp && !json_is_null(pExp) ? json_dumps(pExp, JSON_ENCODE_ANY | JSON_COMPACT) : strdup("2xx");
    /* the first line of the body says why, usually */
    char zFirst[200] = "";
    size_t k = 0;
    while(resp.z && k < resp.n && k < sizeof(zFirst) - 1 && resp.z[k] != '\n' && resp.z[k] != '\r') {
      zFirst[k] = resp.z[k];
      k++;
    }
    zFirst[k] = 0;
    fprintf(stderr, "http: %s %s answered %ld (expected %s)%s%s\n", zMethod, zUrl, status, zExp ? zExp : "?",
            zFirst[0] ? ": " : "", zFirst);
    free(zExp);
    code = 1;
  }
  json_decref(pX);
  json_decref(pRespHdr);
  free(resp.z);
  return code;
}

int main(int argc, char **argv) {
  if(argc > 1 && !strcmp(argv[1], "--describe")) {
    fputs(zDescribe, stdout);
    return 0;
  }
  if(argc > 1) return fail("usage: airc-type-http [--describe] (options as JSON on stdin)");
  json_error_t je;
  json_t *pOpt = json_loadf(stdin, 0, &je);
  if(!json_is_object(pOpt)) {
    fprintf(stderr, "http: options on stdin are not a JSON object: %s\n", je.text);
    json_decref(pOpt);
    return 1;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int code = http_run(pOpt);
  curl_global_cleanup();
  json_decref(pOpt);
  return code;
}
