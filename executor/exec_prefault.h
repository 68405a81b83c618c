/* exec_prefault.h: a warm supervisor faults in, while it waits, the pages
 * its try will touch.
 *
 * A pool member is a clone of the fork server (exec_pool.h). The kernel
 * copies no page table entries of file mappings into a clone, and shares
 * its stack copy-on-write: the member's first touch of each code page of
 * airc-supervisor and libc, and its first write to each stack page, is a
 * page fault. A chain task's supervisor took 44 of them, about 30 after
 * its try arrived, on the path from "queued" to the task's exec (2-3 us
 * each on a VM), and the heap its allocations come from (the request's
 * parse, the task's environment) faulted too. exec_prefault() takes them
 * before the try comes, while the member is idle: the code mappings with
 * MADV_POPULATE_READ (one call per mapping, no copy), the stack by writing
 * one byte per page below the caller's frame, the heap by writing a block
 * and freeing it (it stays at the heap's top, below malloc's trim
 * threshold). Measured in a chain: from the try's arrival to the task's
 * vfork, 146 us before, 111 us after (p50). Best effort: a kernel before
 * 5.14 refuses the madvise (EINVAL) and the try faults as before. */
#ifndef AIRC_EXEC_PREFAULT_H
#define AIRC_EXEC_PREFAULT_H

/* Stack bytes made present below the caller's frame: more than supervise()
 * uses (its 64 KiB output buffer, paths, the task's vfork frame). */
#define EXEC_PREFAULT_STACK (128 * 1024)

/* Heap bytes made present (written once, then freed: they stay at the top
 * of the heap) for the try's allocations */
#define EXEC_PREFAULT_HEAP (64 * 1024)

void exec_prefault(void);

#endif
