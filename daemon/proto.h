/* proto: the stratad wire protocol (docs/protocol.md), version 1.
 *
 * Every message is one JSON object.  A request is
 *   {"version": 1, "method": "submit", "params": {...}}
 * and its reply is either
 *   {"version": 1, "ok": true, "result": {...}}  or
 *   {"version": 1, "ok": false, "errno": 22, "error": "what went wrong"}.
 * Events on the PUB socket are {"version": 1, "seq": N, "event": "job.state", ...}.
 *
 * This module only parses and builds messages; it knows nothing about nng or
 * the scheduler, so that both the daemon and the client library share it and
 * it can be tested (and fuzzed) on its own.
 */
#ifndef STRATA_DAEMON_PROTO_H
#define STRATA_DAEMON_PROTO_H

#include <stddef.h>

#include <jansson.h>

#include "resource/st_error.h"

enum {
    PROTO_VERSION = 1,
    /* Requests above this many bytes get an E2BIG reply unread. */
    PROTO_DEFAULT_MAX_REQUEST = 64 * 1024 * 1024,
};

/* A parsed request.  method points into root; params is borrowed from root
 * (an empty object when the request had none).  Free with proto_request_fini(). */
struct proto_request {
    json_t *root;
    const char *method;
    json_t *params;
};

/* Parse len bytes of buf (need not be NUL-terminated) as a request.
 * 0 on success; -1 with err filled and errno EINVAL (not JSON, not an object,
 * no method, params not an object), EPROTO (unsupported version), E2BIG (len
 * above max_len; max_len 0 means PROTO_DEFAULT_MAX_REQUEST) or ENOMEM.
 * On failure *req is left empty (nothing to free). */
int proto_request_parse(const char *buf, size_t len, size_t max_len, struct proto_request *req,
                        struct st_error *err);

/* Release a parsed request; NULL or an empty request is a no-op. */
void proto_request_fini(struct proto_request *req);

/* Build a request; params is stolen (NULL means {}).  The caller frees the
 * returned string with free().  NULL with EINVAL if method is NULL or empty,
 * ENOMEM. */
char *proto_request_encode(const char *method, json_t *params);

/* Build a success reply; result is stolen (NULL means {}).  Caller frees. */
char *proto_reply_ok(json_t *result);

/* Build an error reply with errnum and a message.  Caller frees.  NULL
 * message: strerror(errnum). */
char *proto_reply_error(int errnum, const char *message);

/* Parse a reply.  On an ok reply, 0 and *result receives a new reference to
 * the result object (caller json_decref()s).  On an error reply, -1 with errno
 * set to the reply's errno and err filled with its message.  On a malformed
 * reply, -1 with EPROTO.  NULL arguments: -1 with EINVAL. */
int proto_reply_parse(const char *buf, size_t len, json_t **result, struct st_error *err);

#endif
