/* queue_private: what the queue manager (queue.c) shares with the queue
 * policies (queue_fcfs.c, queue_easy.c, ...).
 *
 * A policy is a const ops table.  fcfs has its own pass; the backfilling
 * policies (easy, hybrid, conservative) share queue_backfill_pass() and
 * differ only in their default reservation depth, so that adding a policy
 * is one file and one registry line in queue.c.
 */
#ifndef STRATA_POLICY_QUEUE_PRIVATE_H
#define STRATA_POLICY_QUEUE_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/queue.h"

struct queue_policy_ops {
    const char *name;
    int default_reservation_depth; /* 0: the policy never reserves */
    /* One pass of queue q at time now.  Returns the number of jobs started
     * or -1 with errno on a backend failure other than EBUSY/ENODEV. */
    int (*pass)(struct queue_mgr *m, int qi, int64_t now);
};

extern const struct queue_policy_ops queue_fcfs_ops;
extern const struct queue_policy_ops queue_easy_ops;
extern const struct queue_policy_ops queue_hybrid_ops;
extern const struct queue_policy_ops queue_conservative_ops;

/* Policy-side view of a pending job during a pass. */
struct queue_entry;

/* Number of pending jobs of queue qi and the i-th in queue order.  Valid
 * until queue_pass_commit(). */
int queue_pass_pending(const struct queue_mgr *m, int qi);
struct queue_entry *queue_pass_at(struct queue_mgr *m, int qi, int i);

/* The job of an entry (valid while the entry is). */
const struct queue_job *queue_pass_job(const struct queue_entry *e);

/* The queue's parameters as resolved (depths never 0). */
int queue_pass_queue_depth(const struct queue_mgr *m, int qi);
int queue_pass_reservation_depth(const struct queue_mgr *m, int qi);

/* Backend calls on an entry, counted in the pass statistics.  Return 0 or
 * -1 with errno (EBUSY, ENODEV, ...). */
int queue_pass_alloc_now(struct queue_mgr *m, struct queue_entry *e, int64_t now);
int queue_pass_reserve(struct queue_mgr *m, struct queue_entry *e, int64_t now, int64_t *at);

/* Release what the entry holds in the backend (a rolled-back allocation
 * or a reservation that is not kept). */
int queue_pass_cancel(struct queue_mgr *m, struct queue_entry *e);

/* Earliest start of the entry, committing nothing. */
int queue_pass_estimate(struct queue_mgr *m, struct queue_entry *e, int64_t now, int64_t *at);

/* Whether the queue's reservations float (see queue_params.floating). */
bool queue_pass_floating(const struct queue_mgr *m, int qi);

/* A floating reservation: the entry is promised `at` but holds nothing. */
void queue_pass_promised(struct queue_mgr *m, struct queue_entry *e, int64_t at);

/* A job of the entry's shape class that could not start in this pass, for
 * a reason that also holds for bigger, longer jobs. */
void queue_pass_failed(struct queue_mgr *m, struct queue_entry *e);

/* Outcomes of a pass for an entry.  started: the backend allocated it now;
 * blocked_ahead tells whether an earlier job of the queue was left waiting
 * in this pass.  reserved: it holds a reservation at `at` until the end of
 * the pass.  rejected: unsatisfiable (errnum). */
void queue_pass_started(struct queue_mgr *m, struct queue_entry *e, int64_t now,
                        bool blocked_ahead);
void queue_pass_reserved(struct queue_mgr *m, struct queue_entry *e, int64_t at);
void queue_pass_rejected(struct queue_mgr *m, struct queue_entry *e, int errnum);

/* The shared backfilling pass: walk up to queue-depth pending jobs; while
 * fewer than reservation-depth jobs hold a reservation, allocate-or-reserve,
 * then allocate only.  A job that cannot even be reserved (EBUSY) is left
 * pending without stalling the rest; ENODEV rejects it. */
int queue_backfill_pass(struct queue_mgr *m, int qi, int64_t now);

#endif
