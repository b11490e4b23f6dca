/* client: the C API for talking to a running stratad (libstrata client).
 *
 * A strata_client_t is one REQ connection to an instance.  Every call is a
 * synchronous request/reply in the protocol of docs/protocol.md; the
 * convenience functions below build the params for the common methods, and
 * strata_client_call() reaches any method.  Events (job state changes) come
 * through a separate connection that long-polls "events.poll":
 * strata_events_open().
 *
 * Errors: -1 or NULL with errno set (the daemon's errno for refused
 * requests: EPERM, ENOENT, EINVAL...; ECONNREFUSED/ENOENT when no instance
 * listens; ETIMEDOUT) and, where an err is taken, a message in it.
 * A client is not thread-safe: use one per thread.
 */
#ifndef STRATA_DAEMON_CLIENT_H
#define STRATA_DAEMON_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "resource/st_error.h"

typedef struct strata_client strata_client_t;
typedef struct strata_events strata_events_t;

/* The instance URI: uri if not NULL, else $STRATA_URI.  NULL with ENOENT
 * (err says to start stratad or set STRATA_URI) when neither is set. */
const char *strata_uri_resolve(const char *uri, struct st_error *err);

/* Connect to the instance at uri (see strata_uri_resolve()).  For a
 * tls+tcp://HOST:PORT uri, the server certificate is verified against
 * $STRATA_TLS_CA and HOST, and every request carries the secret read from
 * $STRATA_SECRET_FILE (EINVAL, with err saying what to set, if unset).  The
 * connection (ETIMEDOUT) and calls time out after timeout_ms (0: no limit;
 * "wait" calls never time out); a read-only call whose connection was lost
 * is sent again within that time if the instance still answers a ping.
 * Free with strata_client_close().  NULL with errno and err filled. */
strata_client_t *strata_client_open(const char *uri, int timeout_ms, struct st_error *err);

/* NULL is a no-op; errno preserved. */
void strata_client_close(strata_client_t *c);

/* Call method with params (stolen; NULL means {}).  0 and *result (a new
 * reference the caller json_decref()s) or -1 with errno/err. */
int strata_client_call(strata_client_t *c, const char *method, json_t *params, json_t **result,
                       struct st_error *err);

/* Send raw bytes as a request and return the raw reply (caller frees).
 * For tests of malformed requests.  NULL with errno. */
char *strata_client_call_raw(strata_client_t *c, const void *buf, size_t len,
                             struct st_error *err);

/* Submit count copies of a jobspec (JSON or YAML text).  ids receives count
 * ids (caller's array).  0 or -1 with errno/err (nothing submitted). */
int strata_submit(strata_client_t *c, const char *jobspec, int count, int64_t *ids,
                  struct st_error *err);

/* Wait until job id is inactive; *info receives its summary (may be NULL). */
int strata_wait(strata_client_t *c, int64_t id, json_t **info, struct st_error *err);

/* Cancel job id.  EPERM if the caller may not, ENOENT, EINVAL if inactive. */
int strata_cancel(strata_client_t *c, int64_t id, struct st_error *err);

/* Job details including R; caller json_decref()s *info. */
int strata_job_info(strata_client_t *c, int64_t id, json_t **info, struct st_error *err);

/* Subscribe to the instance's events, from the events after now, through
 * the "events.poll" method on a connection of its own (over tls+tcp:// with
 * the shared secret, as every request there): none is missed while the
 * daemon's store keeps it (a reader more than 8,192 events behind sees a gap
 * in the sequence numbers), and a poll lost with its connection is asked
 * again.  The PUB socket beside the rpc one ("events") stays for other
 * subscribers.  NULL with errno/err (EACCES: a wrong secret). */
strata_events_t *strata_events_open(const char *uri, struct st_error *err);
void strata_events_close(strata_events_t *e);

/* Next event (caller json_decref()s), waiting up to timeout_ms (-1 forever).
 * NULL with ETIMEDOUT, or another errno. */
json_t *strata_events_next(strata_events_t *e, int timeout_ms);

#endif
