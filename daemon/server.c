/* server: the nng side of stratad.
 *
 * A REP socket serves requests through a pool of contexts; each context
 * (a worker) receives, handles the request under the instance lock, and
 * sends its reply, then receives again.  A "wait" request parks its worker
 * until the job ends (server_complete()); when parked workers leave fewer
 * than the configured number free, the pool grows (up to SERVER_MAX_WORKERS),
 * so that waits, even abandoned ones, never starve other requests.  A PUB
 * socket carries events.  nng errors become errno here and nowhere else.
 *
 * The ipc:// endpoints are watched (a thread probes each one every
 * SERVER_PROBE_MS): nng 1.5.2, the version Debian 12 ships, stops accepting
 * on a listener for good once a client hangs up before the server has
 * written its half of the SP handshake (the EPIPE of that write reaches the
 * listener as "closed"; nng issue #1518, fixed in 1.6.0).  The connections
 * already accepted then wait forever, and its epoll thread spins on their
 * hang-ups (1.5.2 drops EPOLLHUP from the events it hands on), at 100% CPU.
 * A stratad that was stopped (SIGSTOP, or a debugger) while clients gave
 * up on it always hits this when it is continued.  The probe connects like
 * a client, does the handshake and waits for its connection to reach the
 * socket (nng's pipe-added notification): the handshake alone does not
 * tell, as the transport under a stuck listener still does it.  When the
 * connection does not arrive within SERVER_PROBE_WAIT_MS, the listener is
 * closed (which also closes the stuck connections) and opened again on
 * the same path.  (nng keeps some 12 KB of such a listener until exit,
 * which LeakSanitizer reports inside libnng.)
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/supplemental/tls/tls.h>

#include "daemon/stratad.h"
#include "resource/st_array.h"
#include "resource/st_time.h"

enum worker_state { W_RECV, W_SEND, W_PARKED };
enum { SERVER_MAX_WORKERS = 65536 };
/* The endpoint watch: a probe a second, a listener that has not started a
 * handshake within 2 s is restarted (generous: a loaded 2-core machine). */
enum { SERVER_PROBE_MS = 1000, SERVER_PROBE_WAIT_MS = 2000 };
/* SP protocol numbers of the probe's side of each endpoint (nng's req0
 * and sub0), which the server checks at the handshake. */
enum { SP_PROTO_REQ0 = 0x30, SP_PROTO_SUB0 = 0x21 };

/* One watched ipc:// listener. */
struct watched {
    nng_socket sock;
    nng_listener l;
    const char *uri;
    uint16_t peer_proto;
    atomic_llong added; /* connections that reached the socket */
    int parked_fd;      /* a probe still waiting for the server's half, or -1 */
    int parked_rounds;  /* watch rounds it has waited */
};

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
    struct watched watch[2]; /* rpc and events */
    atomic_llong restarts;   /* listeners restarted by the watch (stats) */
    pthread_t watcher;
    bool watching; /* the watcher thread runs */
    bool stop;     /* under wlock: the watcher must return */
    pthread_mutex_t wlock;
    pthread_cond_t wake;
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

static void on_pipe_added(nng_pipe p, nng_pipe_ev ev, void *arg)
{
    (void)p, (void)ev;
    atomic_fetch_add(&((struct watched *)arg)->added, 1);
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
    const char *uris[2] = {inst->uri, inst->event_uri};
    const nng_socket socks[2] = {s->rep, s->pub};
    const uint16_t peers[2] = {SP_PROTO_REQ0, SP_PROTO_SUB0};
    for (int i = 0; i < 2; i++) {
        struct watched *w = &s->watch[i];
        w->parked_fd = -1;
        w->sock = socks[i];
        w->uri = uris[i];
        w->peer_proto = peers[i];
        if ((rv = nng_pipe_notify(w->sock, NNG_PIPE_EV_ADD_POST, on_pipe_added, w)) != 0 ||
            (rv = nng_listen(w->sock, w->uri, &w->l, 0)) != 0)
            return st_errorf(err, nng_errno(rv), "%s: %s", w->uri, nng_strerror(rv));
    }
    return inst->opts.tls_uri ? listen_tls(inst, s, err) : 0;
}

/* ---- the endpoint watch (see the top of the file) ---------------------------------- */

/* The probe waits in slices of SERVER_PROBE_SLICE_MS and counts them
 * rather than reading a clock: a stratad that is stopped in the middle of
 * a probe (the case the watch is for) must not find, once continued, that
 * its wait is over before the listener had a chance. */
enum { SERVER_PROBE_SLICE_MS = 5 };

/* Read n bytes within slices waits.  0; 1 when the time ran out first;
 * -1 on an error or an end of file. */
static int read_within(int fd, unsigned char *buf, size_t n, int slices)
{
    size_t got = 0;
    while (got < n && slices > 0) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int rc = poll(&p, 1, SERVER_PROBE_SLICE_MS);
        if (rc < 0 && errno != EINTR)
            return -1;
        if (rc <= 0) {
            slices--;
            continue;
        }
        ssize_t k = read(fd, buf + got, n - got);
        if (k <= 0)
            return -1;
        got += (size_t)k;
    }
    return got == n ? 0 : 1;
}

/* Wait, at most slices times, for a connection to reach w's socket after
 * the count was seen at seen.  true if one did. */
static bool added_since(struct watched *w, long long seen, int slices)
{
    struct timespec step = {0, SERVER_PROBE_SLICE_MS * 1000L * 1000L};
    for (; atomic_load(&w->added) == seen && slices > 0; slices--)
        nanosleep(&step, NULL);
    return atomic_load(&w->added) != seen;
}

/* A probe connection must not hang up before the server has written its
 * half of the handshake: that is the very trigger of the bug.  One whose
 * half did not come within the probe's wait (a loaded machine) is parked
 * and closed by a later round once the half has arrived (or after
 * SERVER_PARK_ROUNDS rounds, when nothing is listening any more); while
 * one is parked, the endpoint is not probed again. */
enum { SERVER_PARK_ROUNDS = 60 };

/* true when w has no parked probe connection (any is closed once safe) */
static bool unpark(struct watched *w)
{
    if (w->parked_fd < 0)
        return true;
    struct pollfd p = {.fd = w->parked_fd, .events = POLLIN};
    if (poll(&p, 1, 0) == 0 && ++w->parked_rounds < SERVER_PARK_ROUNDS)
        return false;
    close(w->parked_fd);
    w->parked_fd = -1;
    return true;
}

/* Does the listener w still hand connections to its socket?  Connect as a
 * client (SP protocol w->peer_proto), read the server's 8-byte handshake,
 * send ours, and wait for a connection to reach the socket.  1 alive, 0
 * not, -1 cannot tell: the probe itself failed (no socket, a path too
 * long), a parked probe connection is still waiting, or the server's half
 * did not come in time (the transport of a stuck listener still does its
 * handshake: a slow one is load, not the bug). */
static int probe_ipc(struct watched *w, int ms)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *path = strncmp(w->uri, "ipc://", 6) == 0 ? w->uri + 6 : NULL;
    if (!path || strlen(path) >= sizeof sa.sun_path || !unpark(w))
        return -1;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int slices = ms / SERVER_PROBE_SLICE_MS;
    long long seen = atomic_load(&w->added);
    unsigned char head[8];
    const unsigned char mine[8] = {0, 'S', 'P', 0, (unsigned char)(w->peer_proto >> 8),
                                   (unsigned char)(w->peer_proto & 0xff), 0, 0};
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return 0; /* the endpoint is gone (its file removed?): listen again */
    }
    int rc = read_within(fd, head, sizeof head, slices);
    if (rc == 1) {
        w->parked_fd = fd;
        w->parked_rounds = 0;
        return -1;
    }
    int alive = rc == 0 && head[0] == 0 && head[1] == 'S' && head[2] == 'P' && head[3] == 0 &&
                send(fd, mine, sizeof mine, MSG_NOSIGNAL) == (ssize_t)sizeof mine &&
                added_since(w, seen, slices);
    close(fd);
    return alive;
}

/* Close a listener that no longer starts handshakes and listen again. */
static void relisten(struct server *s, struct watched *w)
{
    nng_listener_close(w->l);
    int rv = nng_listen(w->sock, w->uri, &w->l, 0);
    atomic_fetch_add(&s->restarts, 1);
    fprintf(stderr, "stratad: %s stopped accepting (nng 1.5 drops a listener when a client "
                    "leaves during the handshake); %s\n",
            w->uri, rv == 0 ? "listening again" : nng_strerror(rv));
}

static void *watch_main(void *arg)
{
    struct server *s = arg;
    pthread_mutex_lock(&s->wlock);
    while (!s->stop) {
        struct timespec until = st_mono_deadline(SERVER_PROBE_MS);
        pthread_cond_timedwait(&s->wake, &s->wlock, &until);
        for (int i = 0; i < 2 && !s->stop; i++) {
            pthread_mutex_unlock(&s->wlock); /* a probe may wait twice SERVER_PROBE_WAIT_MS */
            int alive = probe_ipc(&s->watch[i], SERVER_PROBE_WAIT_MS);
            pthread_mutex_lock(&s->wlock);
            if (alive == 0 && !s->stop)
                relisten(s, &s->watch[i]);
        }
    }
    pthread_mutex_unlock(&s->wlock);
    return NULL;
}

static int watch_start(struct server *s, struct st_error *err)
{
    pthread_mutex_init(&s->wlock, NULL);
    st_mono_cond_init(&s->wake);
    int rc = pthread_create(&s->watcher, NULL, watch_main, s);
    if (rc != 0)
        return st_errorf(err, rc, "endpoint watch thread: %s", strerror(rc));
    s->watching = true;
    return 0;
}

static void watch_stop(struct server *s)
{
    if (!s->watching)
        return;
    pthread_mutex_lock(&s->wlock);
    s->stop = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->wlock);
    pthread_join(s->watcher, NULL);
    s->watching = false;
    for (int i = 0; i < 2; i++)
        if (s->watch[i].parked_fd >= 0)
            close(s->watch[i].parked_fd);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->wlock);
}

int64_t server_listener_restarts(const struct instance *inst)
{
    struct server *s = inst ? inst->server : NULL;
    return s ? (int64_t)atomic_load(&s->restarts) : 0;
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
    return watch_start(s, err);
}

void server_stop(struct instance *inst)
{
    struct server *s = inst->server;
    if (!s)
        return;
    watch_stop(s); /* it may restart a listener: not while the sockets close */
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
