/* exec_prefault.c: see exec_prefault.h. */
#include "executor/exec_prefault.h"
#include <link.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; older glibc headers lack it */
#endif

/* dl_iterate_phdr callback: the executable segments of one loaded object */
static int populate_code(struct dl_phdr_info *pInfo, size_t nInfo, void *pArg) {
  (void)nInfo;
  uintptr_t page = (uintptr_t)*(long *)pArg;
  for(int i = 0; i < pInfo->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &pInfo->dlpi_phdr[i];
    if(ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || ph->p_memsz == 0) continue;
    uintptr_t start = (pInfo->dlpi_addr + ph->p_vaddr) & ~(page - 1);
    uintptr_t end = (pInfo->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
    (void)madvise((void *)start, end - start, MADV_POPULATE_READ); /* best effort */
  }
  return 0;
}

/* noinline: its frame lies below the caller's, where the try's will be */
static __attribute__((noinline)) void touch_stack(long page) {
  volatile char aStack[EXEC_PREFAULT_STACK];
  for(size_t i = 0; i < sizeof(aStack); i += (size_t)page) aStack[i] = 0;
  aStack[sizeof(aStack) - 1] = 0;
}

/* The heap the try's allocations come from (its request, the task's
 * environment under vfork): a block below malloc's mmap and trim
 * thresholds (128 KiB), written and freed, stays at the top of the heap,
 * present */
static void touch_heap(long page) {
  volatile char *z = malloc(EXEC_PREFAULT_HEAP);
  if(!z) return;
  for(size_t i = 0; i < EXEC_PREFAULT_HEAP; i += (size_t)page) z[i] = 0;
  free((void *)z);
}

void exec_prefault(void) {
  long page = sysconf(_SC_PAGESIZE);
  if(page <= 0) page = 4096;
  dl_iterate_phdr(populate_code, &page);
  touch_stack(page);
  touch_heap(page);
}
