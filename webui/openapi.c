/* openapi.c: GET /api/v1/openapi.json (public).
 *
 * The document is webui/openapi.json in the repository, built into the
 * binary with the assembler's .incbin so the server needs no file at run
 * time and the served text is the reviewed one. make's -MMD does not see
 * .incbin, so the Makefile names the dependency (tests/web also checks
 * that the served document equals the file, so a stale build is caught). */
#include "webui/api.h"
#include <stdlib.h>
#include <string.h>

__asm__(".section .rodata\n"
        ".global airc_openapi_json\n"
        ".type airc_openapi_json, @object\n"
        "airc_openapi_json:\n"
        ".incbin \"webui/openapi.json\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char airc_openapi_json[];

int api_openapi(web_req *r) {
  size_t n = strlen(airc_openapi_json);
  char *z = malloc(n + 1);
  if(!z) return http_reply_error(r, 500, NULL, "out of memory");
  memcpy(z, airc_openapi_json, n + 1);
  http_header aH[] = {{"Cache-Control", "no-cache"}, {NULL, NULL}};
  return http_reply_body(r, 200, "application/json", z, n, aH);
}
