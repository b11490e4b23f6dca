/* client: REQ/SUB connections to stratad over nng. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <nng/supplemental/util/platform.h>
#include <nng/supplemental/tls/tls.h>

#include "daemon/client.h"
#include "daemon/proto.h"
#include "resource/st_time.h"

struct strata_client {
    nng_socket req;
    int timeout_ms;
    char *secret; /* sent with every request on a tls+tcp:// endpoint */
    char *uri;    /* for messages */
};

/* Events come from the SUB socket beside an ipc:// endpoint, or, over
 * tls+tcp:// (where the daemon has no PUB socket: a subscriber could not
 * prove it holds the secret), by polling "events.poll" on a client. */
struct strata_events {
    strata_client_t *poll;
    json_t *batch; /* events of the last poll not yet returned */
    size_t next;
    int64_t after; /* last seq returned */
};

/* A poll waits at most POLL_SLICE_MS at the daemon; its reply is awaited
 * POLL_GRACE_MS longer.  A poll lost with its connection (the daemon's
 * endpoint watch reopened the listener, docs/stratad.md) is asked again
 * from the same sequence number, so nothing is missed. */
enum { POLL_SLICE_MS = 2000, POLL_GRACE_MS = 3000, POLL_RETRY_MS = 100 };
/* A read-only request whose connection was lost is sent again at most
 * CLIENT_READ_RETRIES times, CLIENT_RETRY_MS apart, each time once a ping
 * was answered within CLIENT_PROBE_MS (a dead instance is not waited on). */
enum { CLIENT_READ_RETRIES = 3, CLIENT_RETRY_MS = 50, CLIENT_PROBE_MS = 5000 };

static int nng_to_errno(int rv)
{
    switch (rv) {
    case NNG_ENOMEM: return ENOMEM;
    case NNG_ETIMEDOUT: return ETIMEDOUT;
    case NNG_ECONNREFUSED: return ECONNREFUSED;
    case NNG_ENOENT: return ENOENT;
    case NNG_EADDRINVAL:
    case NNG_ENOTSUP: /* an unknown URI scheme */
    case NNG_EINVAL: return EINVAL;
    case NNG_EPERM: return EPERM;
    case NNG_ECLOSED: return EPIPE;
    default: return EIO;
    }
}

const char *strata_uri_resolve(const char *uri, struct st_error *err)
{
    if (uri && *uri)
        return uri;
    const char *env = getenv("STRATA_URI");
    if (env && *env)
        return env;
    return st_errorf_null(err, ENOENT, "no instance: set STRATA_URI (printed by stratad at "
                                       "start, and in its rundir's uri file) or pass --uri");
}

/* The secret: $STRATA_SECRET_FILE's first line. */
static char *read_secret(struct st_error *err)
{
    const char *path = getenv("STRATA_SECRET_FILE");
    if (!path || !*path)
        return st_errorf_null(err, EINVAL, "a tls+tcp:// instance needs STRATA_SECRET_FILE "
                                           "(the instance's shared secret) and STRATA_TLS_CA");
    FILE *f = fopen(path, "r");
    char buf[1024] = "";
    bool ok = f && fgets(buf, sizeof buf, f);
    if (f)
        fclose(f);
    if (!ok)
        return st_errorf_null(err, errno ? errno : EINVAL, "%s: cannot read the secret", path);
    buf[strcspn(buf, "\r\n")] = '\0';
    char *s = strdup(buf);
    return s ? s : st_errorf_null(err, ENOMEM, "out of memory");
}

/* A dialer started in a thread of its own, so that the caller waits at
 * most timeout_ms (0: no limit): nng's own dial waits up to 10 s for the
 * peer's half of the handshake (a stopped or stuck stratad), whatever the
 * client's --timeout says.  Past the limit the dialer is closed, which
 * ends the dial, and NNG_ETIMEDOUT is returned. */
struct dial_wait {
    nng_dialer d;
    int rv;
    bool done;
    pthread_mutex_t lock;
    pthread_cond_t cv;
};

static void *dial_main(void *arg)
{
    struct dial_wait *w = arg;
    int rv = nng_dialer_start(w->d, 0);
    pthread_mutex_lock(&w->lock);
    w->rv = rv;
    w->done = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static int dial_within(nng_dialer d, int timeout_ms)
{
    if (timeout_ms <= 0)
        return nng_dialer_start(d, 0);
    struct dial_wait w = {.d = d};
    pthread_t t;
    pthread_mutex_init(&w.lock, NULL);
    st_mono_cond_init(&w.cv);
    if (pthread_create(&t, NULL, dial_main, &w) != 0) {
        pthread_cond_destroy(&w.cv);
        pthread_mutex_destroy(&w.lock);
        return nng_dialer_start(d, 0);
    }
    struct timespec until = st_mono_deadline(timeout_ms);
    pthread_mutex_lock(&w.lock);
    while (!w.done && pthread_cond_timedwait(&w.cv, &w.lock, &until) == 0)
        ;
    bool late = !w.done;
    pthread_mutex_unlock(&w.lock);
    if (late)
        nng_dialer_close(d);
    pthread_join(t, NULL);
    pthread_cond_destroy(&w.cv);
    pthread_mutex_destroy(&w.lock);
    return late ? NNG_ETIMEDOUT : w.rv;
}

/* TLS for tls+tcp://HOST:PORT: the server certificate must verify against
 * $STRATA_TLS_CA and name HOST. */
static int dial_tls(strata_client_t *c, const char *uri, struct st_error *err)
{
    const char *ca = getenv("STRATA_TLS_CA");
    if (!ca || !*ca)
        return st_errorf(err, EINVAL, "%s: set STRATA_TLS_CA to the CA (or the instance's "
                                      "certificate) that signs its endpoint", uri);
    if (!(c->secret = read_secret(err)))
        return -1;
    char host[256] = "";
    const char *h = uri + strlen("tls+tcp://");
    size_t n = strcspn(h, ":/");
    snprintf(host, sizeof host, "%.*s", (int)n, h);
    nng_dialer d;
    nng_tls_config *cfg = NULL;
    int rv = nng_dialer_create(&d, c->req, uri);
    if (rv == 0)
        rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_CLIENT);
    if (rv == 0)
        rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED);
    if (rv == 0)
        rv = nng_tls_config_ca_file(cfg, ca);
    if (rv == 0)
        rv = nng_tls_config_server_name(cfg, host);
    if (rv == 0)
        rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg);
    if (rv == 0)
        rv = dial_within(d, c->timeout_ms);
    if (cfg)
        nng_tls_config_free(cfg);
    if (rv != 0)
        return st_errorf(err, nng_to_errno(rv), "%s: %s", uri, nng_strerror(rv));
    return 0;
}

strata_client_t *strata_client_open(const char *uri, int timeout_ms, struct st_error *err)
{
    uri = strata_uri_resolve(uri, err);
    if (!uri)
        return NULL;
    strata_client_t *c = calloc(1, sizeof *c);
    if (c && !(c->uri = strdup(uri))) {
        free(c);
        c = NULL;
    }
    if (!c)
        return st_errorf_null(err, ENOMEM, "out of memory");
    c->timeout_ms = timeout_ms;
    int rv = nng_req0_open(&c->req);
    if (rv == 0 && strncmp(uri, "tls+tcp://", 10) == 0) {
        if (dial_tls(c, uri, err) < 0) {
            int e = errno;
            nng_close(c->req);
            free(c->secret);
            free(c->uri);
            free(c);
            errno = e;
            return NULL;
        }
    } else if (rv == 0) {
        nng_dialer d;
        rv = nng_dialer_create(&d, c->req, uri);
        if (rv == 0)
            rv = dial_within(d, timeout_ms);
    }
    if (rv != 0) {
        int e = nng_to_errno(rv);
        if (c->req.id)
            nng_close(c->req);
        free(c->uri);
        free(c);
        if (rv == NNG_EINVAL || rv == NNG_EADDRINVAL || rv == NNG_ENOTSUP)
            return st_errorf_null(
                err, EINVAL, "%s: not a stratad URI (ipc://PATH or tls+tcp://HOST:PORT)", uri);
        return st_errorf_null(err, e, "%s: %s (is stratad running?)", uri, nng_strerror(rv));
    }
    /* No resend: a request the daemon acted on must not be applied twice. */
    nng_socket_set_ms(c->req, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
    nng_socket_set_size(c->req, NNG_OPT_RECVMAXSZ, 0);
    return c;
}

void strata_client_close(strata_client_t *c)
{
    if (!c)
        return;
    int e = errno;
    nng_close(c->req);
    free(c->secret);
    free(c->uri);
    free(c);
    errno = e;
}

/* Requests that change nothing at the daemon: safe to send again. */
static bool read_only(const char *method)
{
    static const char *const names[] = {"ping", "jobs", "info", "wait", "resource.list",
                                        "resource.status", "stats"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(method, names[i]) == 0)
            return true;
    return false;
}

static char *roundtrip(strata_client_t *c, const void *buf, size_t len, int timeout_ms,
                       size_t *outlen, struct st_error *err)
{
    nng_duration limit = timeout_ms > 0 ? timeout_ms : NNG_DURATION_INFINITE;
    nng_socket_set_ms(c->req, NNG_OPT_RECVTIMEO, limit);
    /* the send too: with the connection lost it waits for a new one (a
     * request asked again after a lost connection, below) */
    nng_socket_set_ms(c->req, NNG_OPT_SENDTIMEO, limit);
    int rv = nng_send(c->req, (void *)buf, len, 0);
    char *reply = NULL;
    size_t n = 0;
    if (rv == 0)
        rv = nng_recv(c->req, &reply, &n, NNG_FLAG_ALLOC);
    /* "request: Connection reset" did not say that the instance is gone. */
    if (rv == NNG_ECONNRESET || rv == NNG_ECONNSHUT || rv == NNG_ECONNREFUSED)
        return st_errorf_null(err, ECONNRESET,
                              "lost the connection to %s (the instance stopped or restarted)",
                              c->uri);
    if (rv != 0)
        return st_errorf_null(err, nng_to_errno(rv), "request: %s", nng_strerror(rv));
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, reply, n);
        out[n] = '\0';
    }
    nng_free(reply, n);
    *outlen = n;
    return out ? out : st_errorf_null(err, ENOMEM, "out of memory");
}

char *strata_client_call_raw(strata_client_t *c, const void *buf, size_t len,
                             struct st_error *err)
{
    if (!c || !buf)
        return st_errorf_null(err, EINVAL, "invalid argument");
    size_t n;
    return roundtrip(c, buf, len, c->timeout_ms, &n, err);
}

/* The request text of method (params taken, may be NULL), with the
 * client's secret if it has one; NULL on failure (errno set). */
static char *encode(const strata_client_t *c, const char *method, json_t *params)
{
    if (!c->secret)
        return proto_request_encode(method, params);
    json_t *o = json_pack("{s:i, s:s, s:o, s:s}", "version", PROTO_VERSION, "method", method,
                          "params", params ? params : json_object(), "secret", c->secret);
    char *req = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!req)
        errno = ENOMEM;
    return req;
}

/* true if the instance answers a ping within ms. */
static bool answers(strata_client_t *c, int ms)
{
    struct st_error perr = {{0}};
    size_t n;
    char *req = encode(c, "ping", NULL);
    char *reply = req ? roundtrip(c, req, strlen(req), ms, &n, &perr) : NULL;
    bool ok = reply != NULL;
    free(req);
    free(reply);
    return ok;
}

int strata_client_call(strata_client_t *c, const char *method, json_t *params, json_t **result,
                       struct st_error *err)
{
    if (!c || !method || !result) {
        json_decref(params);
        return st_errorf(err, EINVAL, "invalid argument");
    }
    char *req = encode(c, method, params);
    if (!req)
        return st_errorf(err, errno, "%s: cannot encode the request", method);
    size_t n;
    int timeout = strcmp(method, "wait") == 0 ? 0 : c->timeout_ms;
    nng_time start = nng_clock();
    char *reply = roundtrip(c, req, strlen(req), timeout, &n, err);
    /* A request that only reads is asked again when its connection was
     * lost (the daemon's endpoint watch may close a listener's connections
     * to reopen it, docs/stratad.md), within what is left of the timeout.
     * Anything else is not: the daemon may have acted on it. */
    for (int again = 0; !reply && again < CLIENT_READ_RETRIES && errno == ECONNRESET &&
                        read_only(method);
         again++) {
        int left = timeout ? timeout - (int)(nng_clock() - start) : 0;
        if (timeout && left <= 0)
            break;
        nng_msleep(CLIENT_RETRY_MS);
        /* Sent again to an instance that is gone, the request would wait
         * for it until the timeout, for ever with none (wait): only an
         * instance that still answers is asked again. */
        if (!answers(c, timeout && left < CLIENT_PROBE_MS ? left : CLIENT_PROBE_MS)) {
            errno = ECONNRESET; /* err still says the connection was lost */
            break;
        }
        left = timeout ? timeout - (int)(nng_clock() - start) : 0;
        if (timeout && left <= 0)
            break;
        reply = roundtrip(c, req, strlen(req), left, &n, err);
    }
    free(req);
    if (!reply)
        return -1;
    int rc = proto_reply_parse(reply, n, result, err);
    free(reply);
    return rc;
}

int strata_submit(strata_client_t *c, const char *jobspec, int count, int64_t *ids,
                  struct st_error *err)
{
    if (!c || !jobspec || count < 1 || !ids)
        return st_errorf(err, EINVAL, "invalid argument");
    json_t *res;
    if (strata_client_call(c, "submit",
                           json_pack("{s:s, s:i}", "jobspec", jobspec, "count", count), &res,
                           err) < 0)
        return -1;
    json_t *arr = json_object_get(res, "ids");
    if (json_array_size(arr) != (size_t)count) {
        json_decref(res);
        return st_errorf(err, EPROTO, "submit: reply has %zu ids for %d jobs",
                         json_array_size(arr), count);
    }
    for (int i = 0; i < count; i++)
        ids[i] = json_integer_value(json_array_get(arr, (size_t)i));
    json_decref(res);
    return 0;
}

static int id_call(strata_client_t *c, const char *method, int64_t id, json_t **info,
                   struct st_error *err)
{
    if (!c || id < 1)
        return st_errorf(err, EINVAL, "invalid argument");
    json_t *res;
    if (strata_client_call(c, method, json_pack("{s:I}", "id", (json_int_t)id), &res, err) < 0)
        return -1;
    if (info)
        *info = res;
    else
        json_decref(res);
    return 0;
}

int strata_wait(strata_client_t *c, int64_t id, json_t **info, struct st_error *err)
{
    return id_call(c, "wait", id, info, err);
}

int strata_cancel(strata_client_t *c, int64_t id, struct st_error *err)
{
    return id_call(c, "cancel", id, NULL, err);
}

int strata_job_info(strata_client_t *c, int64_t id, json_t **info, struct st_error *err)
{
    if (!info)
        return st_errorf(err, EINVAL, "invalid argument");
    return id_call(c, "info", id, info, err);
}

/* A client (over TLS it carries the secret) and the current last seq.
 * Events come through the "events.poll" method, not the PUB socket: a SUB
 * connection receives only what is published once the daemon has taken its
 * pipe in, so the events of a job submitted just after subscribing could be
 * lost; a poll asks from a sequence number and misses nothing the daemon's
 * store still keeps. */
static strata_events_t *events_open_poll(const char *uri, struct st_error *err)
{
    strata_events_t *e = calloc(1, sizeof *e);
    if (!e)
        return st_errorf_null(err, ENOMEM, "out of memory");
    json_t *res = NULL;
    e->poll = strata_client_open(uri, POLL_SLICE_MS + POLL_GRACE_MS, err);
    if (!e->poll || strata_client_call(e->poll, "events.poll",
                                       json_pack("{s:i, s:i}", "after", -1, "timeout", 0), &res,
                                       err) < 0) {
        strata_events_close(e);
        return NULL;
    }
    e->after = json_integer_value(json_object_get(res, "last"));
    json_decref(res);
    return e;
}

strata_events_t *strata_events_open(const char *uri, struct st_error *err)
{
    uri = strata_uri_resolve(uri, err);
    if (!uri)
        return NULL;
    return events_open_poll(uri, err);
}

void strata_events_close(strata_events_t *e)
{
    if (!e)
        return;
    int er = errno;
    strata_client_close(e->poll);
    json_decref(e->batch);
    free(e);
    errno = er;
}

/* The next event of a polling subscription, polling in slices of at most
 * POLL_SLICE_MS until timeout_ms (-1: forever). */
static json_t *events_next_poll(strata_events_t *e, int timeout_ms)
{
    for (int left = timeout_ms;;) {
        if (e->batch && e->next < json_array_size(e->batch)) {
            json_t *ev = json_incref(json_array_get(e->batch, e->next++));
            e->after = json_integer_value(json_object_get(ev, "seq"));
            return ev;
        }
        int slice = left < 0 || left > POLL_SLICE_MS ? POLL_SLICE_MS : left;
        json_t *res = NULL;
        if (strata_client_call(e->poll, "events.poll",
                               json_pack("{s:I, s:i}", "after", (json_int_t)e->after,
                                         "timeout", slice), &res, NULL) < 0) {
            /* A refusal (a wrong secret, a bad request) ends the stream;
             * a lost or unanswered poll is asked again from the same seq. */
            if (errno == EACCES || errno == EPERM || errno == EINVAL || errno == EPROTO ||
                (left >= 0 && (left -= slice) <= 0))
                return NULL;
            nng_msleep(POLL_RETRY_MS);
            continue;
        }
        json_decref(e->batch);
        e->batch = json_incref(json_object_get(res, "events"));
        e->next = 0;
        json_decref(res);
        if (json_array_size(e->batch) == 0 && left >= 0 && (left -= slice) <= 0) {
            errno = ETIMEDOUT;
            return NULL;
        }
    }
}

json_t *strata_events_next(strata_events_t *e, int timeout_ms)
{
    if (!e) {
        errno = EINVAL;
        return NULL;
    }
    return events_next_poll(e, timeout_ms);
}
