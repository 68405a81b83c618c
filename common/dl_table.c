/* dl_table.c: see dl_table.h. */
#include "common/dl_table.h"
#include <dlfcn.h>
#include <stdio.h>

int dl_table_load(const char *zSoname, const char *zWhat, const char *const *azName, void **apSlot[], size_t n,
                  char *zErr, size_t nErr) {
  void *h = dlopen(zSoname, RTLD_NOW | RTLD_LOCAL);
  if(!h) {
    snprintf(zErr, nErr, "cannot load %s: %s", zWhat, dlerror());
    return -1;
  }
  for(size_t i = 0; i < n; i++) {
    *apSlot[i] = dlsym(h, azName[i]);
    if(!*apSlot[i]) {
      snprintf(zErr, nErr, "cannot load %s: %s has no %s", zWhat, zSoname, azName[i]);
      return -1;
    }
  }
  return 0;
}
