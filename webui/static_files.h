/* static_files.h: serving the dashboard's files from one folder.
 *
 * The folder is `[webserver] static_folder`, else <dir of the airc
 * binary>/../static, else ./static, made absolute with realpath() once at
 * start. A URL maps to a file under it only if every check passes: no
 * "." or ".." segment (the URL arrives percent-decoded, so %2e%2e is ".."
 * here), no empty segment (so no absolute path), no backslash or control
 * byte; and realpath() of the result must still lie under the folder
 * (symlinks cannot lead out). Anything else is a 404. "/" is index.html;
 * "/static/x" and "/x" are both x. These files carry no data (the API
 * does), so they are served without login. */
#ifndef AIRC_STATIC_FILES_H
#define AIRC_STATIC_FILES_H
#include <stddef.h>
#include "webui/web_req.h"

/* Resolves the folder; call once before serving. */
void static_files_init(void);
/* The resolved folder, "" if none exists. */
const char *static_files_root(void);
int static_files_serve(web_req *r);

/* Pure (unit-tested): the relative file path for a URL path, into zOut;
 * 0 on success, -1 if the path must be refused. */
int static_path_clean(const char *zUrlPath, char *zOut, size_t nOut);
/* Content-Type for a file name by extension. */
const char *static_content_type(const char *zName);

#endif
