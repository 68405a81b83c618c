/* dl_table.h: a shared library loaded with dlopen() and a table of its
 * functions resolved with dlsym(), for libraries airc loads on first use
 * instead of linking (store/pq_lazy.c: libpq; executor/sensor_poke.c:
 * libcurl), so that a process that never uses one never maps it. */
#ifndef AIRC_DL_TABLE_H
#define AIRC_DL_TABLE_H
#include <stddef.h>

/* Opens zSoname (RTLD_NOW | RTLD_LOCAL; the handle is never closed) and
 * stores the address of each of the n functions azName[i] in *apSlot[i].
 * Returns 0, or -1 with one line in zErr: "cannot load WHAT: <dlerror>"
 * or "cannot load WHAT: SONAME has no NAME" (slots then partly filled:
 * do not use them). */
int dl_table_load(const char *zSoname, const char *zWhat, const char *const *azName, void **apSlot[], size_t n,
                  char *zErr, size_t nErr);

#endif
