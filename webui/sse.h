/* sse.h: live updates pushed to the dashboard as Server-Sent Events.
 *
 * GET /api/v1/events/stream (viewer) answers text/event-stream and stays
 * open: first `event: ready` with the current sequence number, then
 * `event: change` (data {"seq": N}) whenever the store changed (its change
 * counter, store_change_counter(), the same key the response cache uses:
 * any commit by any process, the scheduler's included), and a comment line
 * `: heartbeat` after [webserver] sse_heartbeat seconds (SSE_HEARTBEAT_SEC)
 * without a write, which
 * also lets the server notice a client that went away. A client refetches
 * what it shows when a change arrives, instead of polling.
 *
 * One hub thread with its own store connection reads the counter every
 * SSE_CHECK_MS milliseconds. Each stream is a libmicrohttpd response read
 * from a callback; a stream with nothing to send is suspended
 * (MHD_suspend_connection), so it costs no worker thread and no polling,
 * and the hub resumes it when there is a change or a heartbeat is due.
 * At most [webserver] sse_max_streams streams are open at once (default
 * 256); one more is answered 503 with a reason and Retry-After, and the
 * dashboard polls instead. Streams are exempt from the request deadline
 * ([webserver] request_timeout) while they stream. The role is checked
 * when a stream opens; a stream ends after [webserver] sse_max_age seconds
 * (600), and EventSource reconnects by itself through a fresh check, so a
 * logged-out or deleted user's stream lasts at most that long (it carries
 * only sequence numbers meanwhile). */
#ifndef AIRC_SSE_H
#define AIRC_SSE_H
#include "common/err.h"
#include "webui/web_req.h"

#define SSE_HEARTBEAT_SEC 15
#define SSE_CHECK_MS 250
#define SSE_MAX_STREAMS_DEFAULT 256
#define SSE_MAX_AGE_SEC 600

/* Starts the hub thread (opens its store connection lazily); at most
 * nMaxStreams streams, a heartbeat after heartbeatSec quiet seconds, each
 * stream ended after maxAgeSec (<= 0: the defaults). */
AIRC_WUR airc_rc sse_start(int nMaxStreams, int heartbeatSec, int maxAgeSec, airc_err *pErr);
/* Ends every stream (their readers answer end of stream once resumed) and
 * joins the hub thread. Call before MHD_stop_daemon. */
void sse_stop(void);
/* Open streams now (for tests and metrics). */
int sse_stream_count(void);

/* GET /api/v1/events/stream */
int api_events_stream(web_req *r);

#endif
