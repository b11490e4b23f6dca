/* queue: the queue manager and the queue policies (fcfs, easy, hybrid,
 * conservative), shared by stratad and strata-sim.
 *
 * A queue manager holds pending jobs in one or more named queues that share
 * one scheduling backend (one resource graph).  Each queue has its own
 * policy, queue-depth and reservation-depth; a job goes to the queue named by
 * its request (or its jobspec's attributes.system.queue), else to the first
 * queue.  queue_schedule() runs one scheduling pass at the clock's "now":
 * every queue, in the order they were added, walks its pending jobs in
 * order (higher priority first, then earlier submit time, then submission
 * order) and asks the backend to start them.  Backfilling policies give
 * reservations to the first `reservation-depth` jobs that cannot start now;
 * reservations are dropped at the end of the pass and recomputed by the
 * next one, so a pass is a pure function of the running jobs and the queue.
 *
 * The backend is an ops table, so that the policies can be tested on
 * hand-made scenarios with a counting backend (a pool of N interchangeable
 * units, queue_backend_count_create()) and run for real against the matcher
 * (strata-sim's and the daemon's backend wraps match_run()).
 *
 * The manager never waits: the caller owns time.  The same code runs
 * against a simulated clock (strata-sim moves it from event to event), the
 * wall clock (the daemon) or a fixed clock (tests).
 *
 * Errors: -1 or NULL with errno set; functions that take a struct st_error
 * also fill it.  A failed call changes nothing.
 */
#ifndef STRATA_POLICY_QUEUE_H
#define STRATA_POLICY_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jobspec/jobspec.h"
#include "resource/st_error.h"

typedef struct queue_mgr queue_mgr_t;
typedef struct queue_clock queue_clock_t;

/* Defaults and limits of the queue parameters (Fluxion's qmanager ones). */
enum {
    QUEUE_DEFAULT_QUEUE_DEPTH = 32,
    QUEUE_MAX_QUEUE_DEPTH = 1000000,
    QUEUE_HYBRID_RESERVATION_DEPTH = 64,
    QUEUE_MAX_RESERVATION_DEPTH = 100000,
};

/* ---- clock ---------------------------------------------------------------- */

enum queue_clock_kind {
    QUEUE_CLOCK_SIMULATED, /* moved by queue_clock_set() only */
    QUEUE_CLOCK_WALL,      /* seconds since the epoch, read on each call */
    QUEUE_CLOCK_FIXED,     /* always `start` */
};

/* Create a clock.  start is the initial time of a simulated or fixed clock
 * (ignored by the wall clock).  NULL with EINVAL for an unknown kind or a
 * negative start, ENOMEM. */
queue_clock_t *queue_clock_create(enum queue_clock_kind kind, int64_t start);

/* NULL is a no-op; errno preserved. */
void queue_clock_destroy(queue_clock_t *c);

/* The current time in seconds; -1 with EINVAL if c is NULL. */
int64_t queue_clock_now(const queue_clock_t *c);

/* Move a simulated clock to t.  -1 with EINVAL if c is NULL or t is before
 * the clock's time, EPERM if the clock is not simulated. */
int queue_clock_set(queue_clock_t *c, int64_t t);

/* ---- jobs --------------------------------------------------------------- */

/* A job as the caller submits it and as backends see it.  The manager keeps
 * a copy; the jobspec and data are borrowed and must outlive the job. */
struct queue_job {
    int64_t id;          /* unique, >= 0; the matcher's job id */
    int64_t priority;    /* higher runs first; 0 by default */
    int64_t submit;      /* submit time, seconds */
    int64_t duration;    /* requested time (length of the allocation), >= 1 */
    int64_t size;        /* units for a counting backend; -1 if unused */
    const char *queue;   /* queue name; NULL: js->queue, else the first queue */
    const jobspec_t *js; /* request for a matcher backend; may be NULL */
    /* Jobs with the same non-zero shape class ask for the same kind of
     * resources, more of them as size grows (e.g. "size cores anywhere").
     * Within a pass resources only get used up, so once such a job could
     * not start now, a job of its class at least as big and as long cannot
     * either, and the manager answers for the backend.  0: no such
     * knowledge, always ask the backend. */
    int64_t shape_class;
    void *data; /* caller's */
};

#define QUEUE_JOB_STATES(X)                                                                    \
    X(QUEUE_JOB_PENDING, "pending")                                                            \
    X(QUEUE_JOB_RUNNING, "running")                                                            \
    X(QUEUE_JOB_DONE, "done")                                                                  \
    X(QUEUE_JOB_REJECTED, "rejected")                                                          \
    X(QUEUE_JOB_CANCELED, "canceled")

#define QUEUE_ENUM_(e, s) e,
enum queue_job_state { QUEUE_JOB_STATES(QUEUE_ENUM_) QUEUE_JOB_STATE_COUNT };

/* How a job started:
 *   immediate    in queue order, never held a reservation;
 *   backfill     ahead of an earlier job of its queue that could not start;
 *   reservation  after holding a reservation in an earlier pass. */
#define QUEUE_STARTS(X)                                                                        \
    X(QUEUE_START_NONE, "none")                                                                \
    X(QUEUE_START_IMMEDIATE, "immediate")                                                      \
    X(QUEUE_START_BACKFILL, "backfill")                                                        \
    X(QUEUE_START_RESERVATION, "reservation")

enum queue_start { QUEUE_STARTS(QUEUE_ENUM_) QUEUE_START_COUNT };
#undef QUEUE_ENUM_

/* Names of states and start kinds ("pending", "backfill"...); "?" if out of
 * range. */
const char *queue_job_state_name(enum queue_job_state s);
const char *queue_start_name(enum queue_start s);

/* What the manager knows about a job. */
struct queue_job_status {
    enum queue_job_state state;
    enum queue_start how;
    int64_t start;      /* start time, -1 until it starts */
    int64_t t_estimate; /* reservation time from the last pass, -1 if none;
                           the start time once started */
    int reject_errno;   /* why it was rejected (ENODEV unsatisfiable...) */
    const char *queue;  /* its queue's name (valid for the manager's life) */
};

/* ---- backends ------------------------------------------------------------ */

/* What a queue policy asks of the resources.  Each op returns 0 or -1 with
 * errno EBUSY (not now / not in the graph's window), ENODEV (never: the
 * request cannot be satisfied by this machine) or another errno (EINVAL: a
 * request the backend cannot read).  A failed op changes nothing. */
struct queue_backend_ops {
    const char *name;
    /* Would the job fit at `now`, without allocating? */
    int (*fits_now)(void *ctx, const struct queue_job *job, int64_t now);
    /* Allocate for [now, now + duration) or fail. */
    int (*alloc_now)(void *ctx, const struct queue_job *job, int64_t now);
    /* Allocate now, else reserve the earliest time; *at receives the time
     * (== now for an allocation). */
    int (*reserve)(void *ctx, const struct queue_job *job, int64_t now, int64_t *at);
    /* Release everything the job holds (allocation or reservation). */
    int (*cancel)(void *ctx, int64_t jobid);
    /* Optional: the earliest time the job could start (*at >= now),
     * committing nothing.  When NULL, the manager reserves and cancels. */
    int (*estimate)(void *ctx, const struct queue_job *job, int64_t now, int64_t *at);
};

struct queue_backend {
    const struct queue_backend_ops *ops;
    void *ctx;
};

/* A counting backend: `total` interchangeable units (job->size of them per
 * job) tracked over time.  For tests and as a cross-check of the matcher on
 * a flat machine.  NULL with EINVAL if total < 1, ENOMEM.  The returned
 * backend's ctx is owned: free with queue_backend_count_destroy(). */
int queue_backend_count_create(int64_t total, struct queue_backend *be);
void queue_backend_count_destroy(struct queue_backend *be);

/* Units of a counting backend in use at time t (allocations and
 * reservations); -1 with EINVAL if be is not a counting backend. */
int64_t queue_backend_count_used(const struct queue_backend *be, int64_t t);

/* ---- queues ------------------------------------------------------------- */

/* Parameters of one named queue.  Zero fields take the defaults: policy
 * "fcfs", queue_depth QUEUE_DEFAULT_QUEUE_DEPTH, reservation_depth the
 * policy's (easy 1, hybrid 64, conservative QUEUE_MAX_RESERVATION_DEPTH;
 * always capped at queue_depth).  fcfs ignores reservation_depth. */
struct queue_params {
    const char *name;      /* required, unique */
    const char *policy;    /* "fcfs", "easy", "hybrid", "conservative" */
    int queue_depth;       /* jobs considered per pass, 1..QUEUE_MAX_QUEUE_DEPTH */
    int reservation_depth; /* 1..QUEUE_MAX_RESERVATION_DEPTH */
    /* With a reservation depth of 1, a floating reservation is a promised
     * start time rather than resources held: a later job may start now if
     * the blocked job can still start by that time once it runs.  A pinned
     * reservation (the default, as Fluxion's qmanager) holds the resources
     * the matcher picked, so a job that would fit elsewhere can be refused.
     * The two agree on a machine of interchangeable units.  Ignored for
     * depths above 1 (their reservations are always pinned). */
    bool floating;
};

/* true if name is a known queue policy. */
bool queue_policy_exists(const char *name);

/* Create a manager over a backend (copied; its ctx is borrowed) driven by
 * clock (borrowed).  NULL with EINVAL if an argument is NULL or the ops
 * table is incomplete. */
queue_mgr_t *queue_mgr_create(const struct queue_backend *be, queue_clock_t *clock);

/* Free the manager.  Jobs still holding resources are not released (the
 * backend is the caller's).  NULL is a no-op; errno preserved. */
void queue_mgr_destroy(queue_mgr_t *m);

/* Add a named queue.  -1 with err filled: EINVAL (NULL, no name, unknown
 * policy, depth out of range), EEXIST (name taken). */
int queue_mgr_add_queue(queue_mgr_t *m, const struct queue_params *p, struct st_error *err);

/* Number of queues, and the name of the i-th (NULL if out of range). */
int queue_mgr_queue_count(const queue_mgr_t *m);
const char *queue_mgr_queue_name(const queue_mgr_t *m, int i);

/* What a queue is: its name and policy (valid for the manager's life), its
 * depths as resolved (never 0) and its pending jobs. */
struct queue_info {
    const char *name;
    const char *policy;
    int queue_depth;
    int reservation_depth; /* 0 for fcfs, which never reserves */
    size_t pending;
};

/* Fill *info for the i-th queue.  -1 with EINVAL (NULL arguments), ENOENT
 * (i out of range). */
int queue_mgr_queue_info(const queue_mgr_t *m, int i, struct queue_info *info);

/* Called when a job starts or is rejected, during queue_schedule(). */
typedef void (*queue_event_f)(void *arg, const struct queue_job *job,
                              const struct queue_job_status *st);

/* Set the callback (NULL to remove).  -1 with EINVAL if m is NULL. */
int queue_mgr_set_callback(queue_mgr_t *m, queue_event_f cb, void *arg);

/* Submit a job: it becomes pending in its queue.  -1 with err filled:
 * EINVAL (NULL, id < 0, duration < 1, no queue exists), ENOENT (unknown
 * queue name), EEXIST (id already used). */
int queue_submit(queue_mgr_t *m, const struct queue_job *job, struct st_error *err);

/* Whether a pending job would fit now (backend fits_now): 1 yes, 0 no, -1
 * with errno (EINVAL NULL, ENOENT unknown id, EINVAL not pending). */
int queue_job_fits_now(queue_mgr_t *m, int64_t id);

/* Run one scheduling pass at the clock's time over every queue.  Jobs that
 * start are reported through the callback (in start order), as are jobs
 * rejected as unsatisfiable.  Returns the number of jobs started, or -1
 * with errno (EINVAL m NULL; a backend error other than EBUSY/ENODEV, in
 * which case jobs started so far stay started). */
int queue_schedule(queue_mgr_t *m);

/* A running job ended: release its resources.  -1 with errno EINVAL (m
 * NULL or not running), ENOENT (unknown id). */
int queue_finish(queue_mgr_t *m, int64_t id);

/* Cancel a pending or running job (running: its resources are released).
 * -1 with EINVAL (m NULL, job already finished), ENOENT (unknown id). */
int queue_cancel(queue_mgr_t *m, int64_t id);

/* Copy a job's status into *st.  -1 with EINVAL (NULL), ENOENT. */
int queue_job_get(const queue_mgr_t *m, int64_t id, struct queue_job_status *st);

/* Counts over all queues. */
size_t queue_pending_count(const queue_mgr_t *m);
size_t queue_running_count(const queue_mgr_t *m);

/* Time spent in queue_schedule(): number of passes, total and longest pass
 * in nanoseconds (monotonic clock).  -1 with EINVAL if NULL. */
struct queue_pass_stats {
    int64_t passes;
    int64_t total_ns;
    int64_t max_ns;
    int64_t backend_calls;
    int64_t skipped_calls; /* answered by the shape-class rule instead */
};
int queue_mgr_pass_stats(const queue_mgr_t *m, struct queue_pass_stats *st);

#endif
