/* registry_view.h: what a Confluent-compatible schema registry holds, for
 * the dashboard: subjects, their versions, the latest schema id and the
 * compatibility level (the subject's own, or the global one it inherits).
 *
 * Works against any server speaking the Confluent Schema Registry REST API
 * (Confluent's own, or Apicurio Registry under /apis/ccompat/v7). The HTTP
 * side is a callback, so this file is pure and the unit tests feed it canned
 * answers; webui/api_pipeline.c passes one built on libcurl.
 *
 * Not for: registering or evolving schemas (the Avro producer's job). */
#ifndef AIRC_REGISTRY_VIEW_H
#define AIRC_REGISTRY_VIEW_H
#include <jansson.h>
#include "common/err.h"

#define REGISTRY_VIEW_MAX_SUBJECTS 200

/* GETs zPath (e.g. "/subjects", already percent-encoded) below the
 * registry's base URL. On AIRC_OK *pStatus is the HTTP status and *ppBody
 * the parsed JSON body (new reference; NULL when the body is not JSON).
 * Any other result means no answer (pErr says why, one line). */
typedef airc_rc (*registry_get_fn)(void *pCtx, const char *zPath, long *pStatus /* OUT */,
                                   json_t **ppBody /* OUT */, airc_err *pErr);

/* Reads the registry at zUrl through xGet and returns (new reference)
 *   {"status": "up"|"down", "error": null|"...", "url": zUrl,
 *    "compatibility": "BACKWARD"|null,
 *    "subjects": [{"subject", "versions": [1, 2], "latest_version", "latest_id",
 *                  "schema_type", "compatibility", "compatibility_inherited": bool,
 *                  "error"}]}
 * "down" when the subject list cannot be read (no answer, a status other
 * than 200, or not an array of strings); a subject whose own calls fail
 * keeps its name and carries "error". At most REGISTRY_VIEW_MAX_SUBJECTS
 * subjects ("truncated": true when there were more). NULL only when out of
 * memory. */
json_t *registry_view_read(const char *zUrl, registry_get_fn xGet, void *pCtx);

/* Percent-encodes z (every byte but A-Z a-z 0-9 - . _ ~) into zOut;
 * returns 0, or -1 when nOut is too small. */
int registry_view_escape(const char *z, char *zOut, size_t nOut);

#endif
