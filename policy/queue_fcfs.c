/* queue_fcfs: first come, first served without backfilling.
 *
 * Jobs are allocated strictly in queue order; the first job that does not
 * fit now stops the pass (head-of-line blocking, as Fluxion's fcfs).  A job
 * that can never run is rejected and the walk goes on, so an unsatisfiable
 * request does not stall the queue.
 */
#include <errno.h>

#include "policy/queue_private.h"

/* A request the backend can never satisfy (or cannot read at all). */
static bool never_fits(int errnum)
{
    return errnum == ENODEV || errnum == ENOENT || errnum == EINVAL;
}

static int fcfs_pass(struct queue_mgr *m, int qi, int64_t now)
{
    int n = queue_pass_pending(m, qi);
    int depth = queue_pass_queue_depth(m, qi);
    int started = 0;
    for (int i = 0; i < n && i < depth; i++) {
        struct queue_entry *e = queue_pass_at(m, qi, i);
        if (queue_pass_alloc_now(m, e, now) == 0) {
            queue_pass_started(m, e, now, false);
            started++;
        } else if (never_fits(errno)) {
            queue_pass_rejected(m, e, errno);
        } else if (errno == EBUSY) {
            break;
        } else {
            return -1;
        }
    }
    return started;
}

const struct queue_policy_ops queue_fcfs_ops = {
    .name = "fcfs",
    .default_reservation_depth = 0,
    .pass = fcfs_pass,
};
