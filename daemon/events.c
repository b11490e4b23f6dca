/* events: the instance's recent events, for subscribers that cannot use
 * the PUB socket.
 *
 * Every event goes out on the PUB socket (server.c) and is also kept here,
 * the last EVENTS_KEEP of them by sequence number.  The "events.poll"
 * method hands them out: the events after a given sequence number, at once
 * if there are any, else when the next one comes (the request is parked,
 * as a "wait" is) or when its timeout passes.  Being a request, it goes
 * through the same checks as every other: on the TLS endpoint it needs the
 * shared secret, so events reach no unauthenticated TCP peer, which a PUB
 * socket on TCP could not promise (a subscriber sends nothing to check).
 * A poller that falls more than EVENTS_KEEP events behind sees a gap in the
 * sequence numbers, as a slow PUB subscriber does.
 */
#include <errno.h>
#include <stdlib.h>

#include "daemon/stratad.h"

enum {
    EVENTS_KEEP = 8192,
    EVENTS_MAX_TIMEOUT_MS = 60000,
    EVENTS_DEFAULT_TIMEOUT_MS = 10000,
    EVENTS_MAX_BATCH = 10000,
};

struct ev_waiter {
    struct ev_waiter *next;
    void *worker;
    int64_t after;
    int max;
    double deadline;
};

struct events {
    json_t *ring[EVENTS_KEEP]; /* event seq s at s % EVENTS_KEEP */
    struct ev_waiter *waiters;
};

int events_init(struct instance *inst)
{
    inst->events = calloc(1, sizeof *inst->events);
    return inst->events ? 0 : -1;
}

void events_fini(struct instance *inst)
{
    struct events *ev = inst->events;
    if (!ev)
        return;
    for (size_t i = 0; i < EVENTS_KEEP; i++)
        json_decref(ev->ring[i]);
    while (ev->waiters) {
        struct ev_waiter *w = ev->waiters;
        ev->waiters = w->next;
        free(w);
    }
    free(ev);
    inst->events = NULL;
}

static int64_t oldest_seq(const struct instance *inst)
{
    int64_t o = inst->event_seq - EVENTS_KEEP + 1;
    return o < 1 ? 1 : o;
}

/* {"events": [...after, at most max], "last", "oldest"} */
static json_t *batch(struct instance *inst, int64_t after, int max)
{
    json_t *list = json_array();
    int64_t from = after + 1 > oldest_seq(inst) ? after + 1 : oldest_seq(inst);
    for (int64_t s = from; list && s <= inst->event_seq && max-- > 0; s++) {
        json_t *e = inst->events->ring[s % EVENTS_KEEP];
        if (e)
            json_array_append(list, e);
    }
    return json_pack("{s:o, s:I, s:I}", "events", list, "last", (json_int_t)inst->event_seq,
                     "oldest", (json_int_t)oldest_seq(inst));
}

static void answer(struct instance *inst, struct ev_waiter *w)
{
    char *reply = proto_reply_ok(batch(inst, w->after, w->max));
    server_complete(w->worker, reply ? reply : proto_reply_error(ENOMEM, NULL));
    free(w);
}

void events_record(struct instance *inst, json_t *event)
{
    struct events *ev = inst->events;
    if (!ev)
        return;
    size_t slot = (size_t)(inst->event_seq % EVENTS_KEEP);
    json_decref(ev->ring[slot]);
    ev->ring[slot] = json_incref(event);
    while (ev->waiters) {
        struct ev_waiter *w = ev->waiters;
        ev->waiters = w->next;
        answer(inst, w);
    }
}

double events_tick(struct instance *inst, double now)
{
    double next = 3600;
    struct events *ev = inst->events;
    for (struct ev_waiter **p = ev ? &ev->waiters : NULL; p && *p;) {
        struct ev_waiter *w = *p;
        if (w->deadline <= now) {
            *p = w->next;
            answer(inst, w);
            continue;
        }
        if (w->deadline - now < next)
            next = w->deadline - now;
        p = &w->next;
    }
    return next;
}

int events_method_poll(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                       json_t **result, struct st_error *err)
{
    (void)uid;
    json_t *a = json_object_get(params, "after"), *t = json_object_get(params, "timeout");
    json_t *m = json_object_get(params, "max");
    if ((a && !json_is_integer(a)) || (t && !json_is_integer(t)) || (m && !json_is_integer(m)))
        return st_errorf(err, EINVAL, "events.poll: \"after\", \"timeout\" and \"max\" are "
                                      "integers");
    int64_t after = a ? json_integer_value(a) : -1;
    int64_t timeout = t ? json_integer_value(t) : EVENTS_DEFAULT_TIMEOUT_MS;
    int64_t max = m ? json_integer_value(m) : 1000;
    if (after < -1 || timeout < 0 || timeout > EVENTS_MAX_TIMEOUT_MS || max < 1 ||
        max > EVENTS_MAX_BATCH)
        return st_errorf(err, EINVAL, "events.poll: after >= -1 (-1: from now), timeout "
                         "0..%d ms, max 1..%d", EVENTS_MAX_TIMEOUT_MS, EVENTS_MAX_BATCH);
    if (!inst->events)
        return st_errorf(err, ENOSYS, "events.poll: no event store");
    if (after == -1)
        after = inst->event_seq;
    else if (after > inst->event_seq)
        after = 0; /* a seq from before a restart: everything kept, at once */
    if (after < inst->event_seq || timeout == 0 || !worker) {
        *result = batch(inst, after, (int)max);
        return 0;
    }
    struct ev_waiter *w = calloc(1, sizeof *w);
    if (!w)
        return st_errorf(err, ENOMEM, "out of memory");
    *w = (struct ev_waiter){.next = inst->events->waiters, .worker = worker, .after = after,
                            .max = (int)max, .deadline = inst_now() + (double)timeout / 1000};
    inst->events->waiters = w;
    inst_kick(inst); /* the main loop's next wake-up must cover the deadline */
    return 1;
}
