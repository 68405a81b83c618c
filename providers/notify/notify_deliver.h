/* notify_deliver.h: the notification delivery process (airc-task
 * --deliver-notifications, also `airc notifications deliver`): claims due
 * rows of the store's outbox (store/store_notify.h) and sends them with
 * libcurl. Linked into bin/airc-task only (libcurl). */
#ifndef AIRC_NOTIFY_DELIVER_H
#define AIRC_NOTIFY_DELIVER_H
#include <stddef.h>

/* argv: [--parent PID] [--once]. Runs until SIGTERM/SIGINT, until the
 * parent PID is gone, or (--once) until nothing is due. Returns an exit
 * code: 0, or 1 with one line on stderr when the store cannot be opened. */
int notify_deliver_main(int argc, char **argv);

/* One delivery, for tests and the loop: sends zPayload (the outbox row's
 * JSON) to zTarget (http(s)://, smtp(s)://HOST[:PORT]/RCPT, conn:NAME;
 * pConn: the connection for conn:NAME, borrowed, may be NULL otherwise).
 * 0 on success; else nonzero with one line in zErr. */
int notify_deliver_one(const char *zTarget, const char *zPayload, const void *pConn, char *zErr, size_t nErr);

#endif
