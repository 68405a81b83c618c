/* version.h: airc's version string, shared by `airc --version` and the
 * REST API's GET /api/v1/version. */
#ifndef AIRC_VERSION_H
#define AIRC_VERSION_H
#define AIRC_VERSION "0.1.0"
#endif
