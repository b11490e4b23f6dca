/* server: the nng side of stratad.
 *
 * A REP socket serves requests through a pool of contexts; each context
 * (a worker) receives, handles the request under the instance lock, and
 * sends its reply, then receives again.  A "wait" request parks its worker
 * until the job ends (server_complete()); when parked workers leave fewer
 * than the configured number free, the pool grows (up to SERVER_MAX_WORKERS),
 * so that waits, even abandoned ones, never starve other requests.  A PUB
 * socket carries events.  nng errors become errno here and nowhere else.
 */
#include <errno.h>
#include <stdatomic.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>

#include "daemon/stratad.h"
#include "resource/st_array.h"

enum worker_state { W_RECV, W_SEND, W_PARKED };
enum { SERVER_MAX_WORKERS = 65536 };

struct worker {
    struct instance *inst;
    nng_aio *aio;
    nng_ctx ctx;
    enum worker_state state;
};

struct server {
    nng_socket rep;
    nng_socket pub;
    struct worker **workers; /* each allocated on its own: callbacks keep pointers */
    int nworkers;
    size_t cap;
    int nparked;
    int min_free;
    nng_listener tls; /* id 0 when there is no TLS endpoint */
    atomic_int busy;  /* requests between receipt and their reply's send */
};

static int add_worker(struct instance *inst, struct server *s);

static int nng_errno(int rv)
{
    switch (rv) {
    case NNG_ENOMEM:
        return ENOMEM;
    case NNG_EINVAL:
    case NNG_EADDRINVAL:
        return EINVAL;
    case NNG_EADDRINUSE:
        return EADDRINUSE;
    case NNG_EPERM:
        return EPERM;
    case NNG_ECONNREFUSED:
        return ECONNREFUSED;
    case NNG_ETIMEDOUT:
        return ETIMEDOUT;
    default:
        return EIO;
    }
}

static uint32_t peer_uid(nng_msg *msg)
{
    nng_pipe p = nng_msg_get_pipe(msg);
    uint64_t uid = UINT32_MAX;
    if (nng_pipe_get_uint64(p, NNG_OPT_IPC_PEER_UID, &uid) != 0)
        return UINT32_MAX; /* unknown peer: treated as nobody in particular */
    return (uint32_t)uid;
}

static void send_reply(struct worker *w, char *reply)
{
    nng_msg *msg;
    if (!reply || nng_msg_alloc(&msg, 0) != 0 || nng_msg_append(msg, reply, strlen(reply)) != 0) {
        free(reply);
        w->state = W_RECV;
        atomic_fetch_sub(&((struct server *)w->inst->server)->busy, 1);
        nng_ctx_recv(w->ctx, w->aio);
        return;
    }
    free(reply);
    w->state = W_SEND;
    nng_aio_set_msg(w->aio, msg);
    nng_ctx_send(w->ctx, w->aio);
}

static void on_recv(struct worker *w)
{
    nng_msg *msg = nng_aio_get_msg(w->aio);
    atomic_fetch_add(&((struct server *)w->inst->server)->busy, 1);
    uint32_t uid = peer_uid(msg);
    struct server *s = w->inst->server;
    nng_listener l = nng_pipe_listener(nng_msg_get_pipe(msg));
    bool remote = s && s->tls.id != 0 && l.id == s->tls.id;
    char *reply = NULL;
    pthread_mutex_lock(&w->inst->lock);
    int rc = methods_dispatch(w->inst, nng_msg_body(msg), nng_msg_len(msg), uid, remote, w,
                              &reply);
    if (rc == 1) {
        w->state = W_PARKED;
        if (s && ++s->nparked > s->nworkers - s->min_free && s->nworkers < SERVER_MAX_WORKERS &&
            add_worker(w->inst, s) == 0)
            nng_ctx_recv(s->workers[s->nworkers - 1]->ctx, s->workers[s->nworkers - 1]->aio);
    }
    pthread_mutex_unlock(&w->inst->lock);
    nng_msg_free(msg);
    if (rc != 1)
        send_reply(w, reply);
    else
        atomic_fetch_sub(&((struct server *)w->inst->server)->busy, 1);
}

static void worker_cb(void *arg)
{
    struct worker *w = arg;
    int rv = nng_aio_result(w->aio);
    if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
        return;
    if (w->state == W_SEND) {
        if (rv != 0)
            nng_msg_free(nng_aio_get_msg(w->aio));
        atomic_fetch_sub(&((struct server *)w->inst->server)->busy, 1);
        w->state = W_RECV;
        nng_ctx_recv(w->ctx, w->aio);
        return;
    }
    if (rv != 0) {
        nng_ctx_recv(w->ctx, w->aio);
        return;
    }
    on_recv(w);
}

void server_complete(void *worker, char *reply)
{
    struct worker *w = worker;
    if (!w || w->state != W_PARKED) {
        free(reply);
        return;
    }
    struct server *s = w->inst->server;
    if (s) {
        s->nparked--;
        atomic_fetch_add(&s->busy, 1);
    }
    send_reply(w, reply);
}

int server_publish(struct instance *inst, const char *text)
{
    struct server *s = inst->server;
    int rv = nng_send(s->pub, (void *)text, strlen(text), NNG_FLAG_NONBLOCK);
    if (rv != 0) {
        errno = nng_errno(rv);
        return -1;
    }
    return 0;
}

/* The optional tls+tcp:// endpoint: server certificate from one PEM file
 * (certificate and key).  Clients must also send the shared secret. */
static int listen_tls(struct instance *inst, struct server *s, struct st_error *err)
{
    nng_tls_config *cfg = NULL;
    int rv = nng_listener_create(&s->tls, s->rep, inst->opts.tls_uri);
    if (rv == 0)
        rv = nng_tls_config_alloc(&cfg, NNG_TLS_MODE_SERVER);
    if (rv == 0)
        rv = nng_tls_config_cert_key_file(cfg, inst->opts.tls_cert, NULL);
    if (rv == 0)
        rv = nng_listener_set_ptr(s->tls, NNG_OPT_TLS_CONFIG, cfg);
    if (rv == 0)
        rv = nng_listener_start(s->tls, 0);
    if (cfg)
        nng_tls_config_free(cfg); /* the listener holds its own reference */
    if (rv != 0) {
        s->tls.id = 0;
        return st_errorf(err, nng_errno(rv), "%s: %s", inst->opts.tls_uri, nng_strerror(rv));
    }
    return 0;
}

static int open_sockets(struct instance *inst, struct server *s, struct st_error *err)
{
    int rv;
    if ((rv = nng_rep0_open(&s->rep)) != 0 || (rv = nng_pub0_open(&s->pub)) != 0)
        return st_errorf(err, nng_errno(rv), "nng: %s", nng_strerror(rv));
    /* nng drops the connection of a peer sending more than recv-size-max;
     * allow a margin above our own limit so that such requests get a reply. */
    size_t max = inst->opts.max_request ? inst->opts.max_request : PROTO_DEFAULT_MAX_REQUEST;
    nng_socket_set_size(s->rep, NNG_OPT_RECVMAXSZ, max * 2 + 4096);
    if ((rv = nng_listen(s->rep, inst->uri, NULL, 0)) != 0)
        return st_errorf(err, nng_errno(rv), "%s: %s", inst->uri, nng_strerror(rv));
    if ((rv = nng_listen(s->pub, inst->event_uri, NULL, 0)) != 0)
        return st_errorf(err, nng_errno(rv), "%s: %s", inst->event_uri, nng_strerror(rv));
    return inst->opts.tls_uri ? listen_tls(inst, s, err) : 0;
}

static int add_worker(struct instance *inst, struct server *s)
{
    if (st_grow(&s->workers, &s->cap, (size_t)s->nworkers + 1, sizeof *s->workers, 16) < 0)
        return -1;
    struct worker *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->inst = inst;
    int rv;
    if ((rv = nng_aio_alloc(&w->aio, worker_cb, w)) != 0 ||
        (rv = nng_ctx_open(&w->ctx, s->rep)) != 0) {
        nng_aio_free(w->aio);
        free(w);
        errno = nng_errno(rv);
        return -1;
    }
    w->state = W_RECV;
    s->workers[s->nworkers++] = w;
    return 0;
}

int server_start(struct instance *inst, struct st_error *err)
{
    struct server *s = calloc(1, sizeof *s);
    int n = inst->opts.contexts > 0 ? inst->opts.contexts : 16;
    if (!s)
        return st_errorf(err, ENOMEM, "out of memory");
    s->min_free = n;
    inst->server = s;
    if (open_sockets(inst, s, err) < 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (add_worker(inst, s) < 0)
            return st_errorf(err, errno, "nng contexts: %s", strerror(errno));
    for (int i = 0; i < n; i++)
        nng_ctx_recv(s->workers[i]->ctx, s->workers[i]->aio);
    return 0;
}

void server_stop(struct instance *inst)
{
    struct server *s = inst->server;
    if (!s)
        return;
    /* Let replies in flight (the shutdown request's own) reach their
     * clients: wait, bounded, for them, then a moment for nng to write. */
    struct timespec ts = {0, 10 * 1000 * 1000};
    for (int i = 0; i < 100 && atomic_load(&s->busy) > 0; i++)
        nanosleep(&ts, NULL);
    nanosleep(&ts, NULL);
    /* The pool only grows under the instance lock, which is not held here;
     * stop the sockets first so that no callback adds a worker meanwhile. */
    nng_close(s->rep);
    nng_close(s->pub);
    pthread_mutex_lock(&inst->lock);
    int n = s->nworkers;
    pthread_mutex_unlock(&inst->lock);
    for (int i = 0; i < n; i++)
        nng_aio_stop(s->workers[i]->aio);
    for (int i = 0; i < n; i++) {
        nng_ctx_close(s->workers[i]->ctx);
        nng_aio_free(s->workers[i]->aio);
        free(s->workers[i]);
    }
    free(s->workers);
    free(s);
    inst->server = NULL;
}
