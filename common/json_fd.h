/* json_fd.h: a JSON document read from a file descriptor in a few reads.
 *
 * jansson's json_loadfd() reads one byte per read() system call: a chain
 * task's 545-byte request cost 545 of them, on the path from "queued" to
 * the task's start. These read the whole text into
 * memory first (a buffer capped at nMax), then parse it with json_loadb(). */
#ifndef AIRC_JSON_FD_H
#define AIRC_JSON_FD_H
#include <stddef.h>
#include <jansson.h>

/* Reads fd from its current offset to end of file and parses the text as
 * one JSON document (jansson flags in flags). Returns a new reference, or
 * NULL with pErr->text saying why: the read's errno, "larger than N bytes"
 * (more than nMax bytes), or jansson's parse error. The fd stays open. */
json_t *json_fd_load(int fd, size_t nMax, size_t flags, json_error_t *pErr);

#endif
