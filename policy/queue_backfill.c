/* queue_backfill: the pass shared by the backfilling policies.
 *
 * Walk up to queue-depth pending jobs in order.  While fewer than
 * reservation-depth jobs hold a reservation, each job is allocated now or
 * else reserved at its earliest start; after that, jobs are only allocated
 * now, which succeeds exactly when they do not delay any reservation
 * (backfilling).  Every reservation is dropped at the end of the pass by the
 * manager, so the next pass recomputes them from the jobs then running.
 */
#include <errno.h>

#include "policy/queue_private.h"

static bool never_fits(int errnum)
{
    return errnum == ENODEV || errnum == ENOENT || errnum == EINVAL;
}

/* Try one job; returns 1 if it started, 0 if it waits or was rejected, -1
 * on a backend failure.  *nresv and *blocked are updated. */
static int backfill_one(struct queue_mgr *m, struct queue_entry *e, int64_t now, int rdepth,
                        int *nresv, bool *blocked)
{
    int64_t at = now;
    int rc =
        *nresv < rdepth ? queue_pass_reserve(m, e, now, &at) : queue_pass_alloc_now(m, e, now);
    if (rc == 0 && at <= now) {
        queue_pass_started(m, e, now, *blocked);
        return 1;
    }
    if (rc == 0) {
        queue_pass_reserved(m, e, at);
        (*nresv)++;
        *blocked = true;
        return 0;
    }
    if (never_fits(errno)) {
        queue_pass_rejected(m, e, errno);
        return 0;
    }
    if (errno == EBUSY) {
        /* Not now, and (in reserve mode) not within the graph's window
         * either: the job waits without holding anyone up. */
        *blocked = true;
        return 0;
    }
    return -1;
}

/* Floating EASY: the first job that cannot start now is promised its
 * earliest start S and holds nothing; a later job that fits now is kept
 * only if the promised job can still start by S with it running.  Returns
 * 1 if e started, 0 if not, -1 on a backend failure. */
static int floating_one(struct queue_mgr *m, struct queue_entry *e, int64_t now,
                        struct queue_entry **head, int64_t *shadow, bool *blocked)
{
    int64_t at = now;
    int rc = *head ? queue_pass_alloc_now(m, e, now) : queue_pass_reserve(m, e, now, &at);
    if (rc < 0) {
        if (never_fits(errno)) {
            queue_pass_rejected(m, e, errno);
            return 0;
        }
        *blocked = *blocked || errno == EBUSY;
        return errno == EBUSY ? 0 : -1;
    }
    if (!*head && at > now) {
        *head = e;
        *shadow = at;
        *blocked = true;
        queue_pass_promised(m, e, at);
        return queue_pass_cancel(m, e) < 0 ? -1 : 0;
    }
    /* A job that ends by S leaves everything free from S on, so only the
     * longer ones need the promised job's start checked again. */
    if (*head && now + queue_pass_job(e)->duration > *shadow) {
        int64_t t = now;
        if (queue_pass_estimate(m, *head, now, &t) < 0 || t > *shadow) {
            /* It would delay the promised job (and so would any bigger,
             * longer job of its class): roll it back. */
            queue_pass_failed(m, e);
            return queue_pass_cancel(m, e) < 0 ? -1 : 0;
        }
    }
    queue_pass_started(m, e, now, *blocked);
    return 1;
}

static int floating_pass(struct queue_mgr *m, int qi, int64_t now)
{
    int n = queue_pass_pending(m, qi);
    int depth = queue_pass_queue_depth(m, qi);
    struct queue_entry *head = NULL;
    int64_t shadow = 0;
    bool blocked = false;
    int started = 0;
    for (int i = 0; i < n && i < depth; i++) {
        int rc = floating_one(m, queue_pass_at(m, qi, i), now, &head, &shadow, &blocked);
        if (rc < 0)
            return -1;
        started += rc;
    }
    return started;
}

int queue_backfill_pass(struct queue_mgr *m, int qi, int64_t now)
{
    if (queue_pass_floating(m, qi))
        return floating_pass(m, qi, now);

    int n = queue_pass_pending(m, qi);
    int depth = queue_pass_queue_depth(m, qi);
    int rdepth = queue_pass_reservation_depth(m, qi);
    int nresv = 0;
    bool blocked = false;
    int started = 0;
    for (int i = 0; i < n && i < depth; i++) {
        int rc = backfill_one(m, queue_pass_at(m, qi, i), now, rdepth, &nresv, &blocked);
        if (rc < 0)
            return -1;
        started += rc;
    }
    return started;
}
