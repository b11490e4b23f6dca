/* queue: the queue manager.  See policy/queue.h.
 *
 * Jobs live in an open-addressing table keyed by id (never shrunk: a
 * finished job keeps its status for queries).  Each queue keeps its pending
 * jobs as an array sorted by (priority desc, submit, sequence): submissions
 * mostly arrive in time order and land at the end, and a pass removes the
 * jobs it started in one compaction sweep.
 */
#include "policy/queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/queue_private.h"
#include "resource/st_array.h"

struct queue_entry {
    struct queue_job job;
    struct queue_job_status st;
    int qi;
    uint64_t seq;
    bool had_reservation; /* held a reservation in some pass */
    bool reserved_now;    /* holds one until the end of this pass */
    bool done_in_pass;    /* left the pending list during this pass */
};

struct queue {
    char *name;
    const struct queue_policy_ops *ops;
    int queue_depth;
    int reservation_depth;
    bool floating;
    struct queue_entry **pending;
    size_t npending;
    size_t cap;
};

struct queue_mgr {
    struct queue_backend be;
    queue_clock_t *clock;
    struct queue *queues;
    int nqueues;
    struct queue_entry **slots; /* hash table by id, nslots a power of 2 */
    size_t nslots;
    size_t njobs;
    uint64_t seq;
    size_t nrunning;
    struct queue_entry **resv; /* reservations held during the current pass */
    size_t nresv;
    size_t resvcap;
    queue_event_f cb;
    void *cb_arg;
    struct queue_pass_stats stats;
    struct failure *fails; /* jobs that could not start in this pass */
    size_t nfails;
    size_t failcap;
};

/* A job of a shape class that could not start now during the current pass. */
struct failure {
    int64_t shape_class;
    int64_t size;
    int64_t duration;
};

/* The registry of queue policies: adding one is one line here. */
static const struct queue_policy_ops *const policies[] = {
    &queue_fcfs_ops,
    &queue_easy_ops,
    &queue_hybrid_ops,
    &queue_conservative_ops,
};

#define QUEUE_NAME_(e, s) s,
static const char *const state_names[] = {QUEUE_JOB_STATES(QUEUE_NAME_)};
static const char *const start_names[] = {QUEUE_STARTS(QUEUE_NAME_)};
#undef QUEUE_NAME_
_Static_assert(sizeof state_names / sizeof state_names[0] == QUEUE_JOB_STATE_COUNT,
               "one name per job state");
_Static_assert(sizeof start_names / sizeof start_names[0] == QUEUE_START_COUNT,
               "one name per start kind");

const char *queue_job_state_name(enum queue_job_state s)
{
    if ((int) s < 0 || s >= QUEUE_JOB_STATE_COUNT)
        return "?";
    return state_names[s];
}

const char *queue_start_name(enum queue_start s)
{
    if ((int) s < 0 || s >= QUEUE_START_COUNT)
        return "?";
    return start_names[s];
}

static const struct queue_policy_ops *policy_find(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++) {
        if (strcmp(policies[i]->name, name) == 0)
            return policies[i];
    }
    return NULL;
}

bool queue_policy_exists(const char *name)
{
    return policy_find(name) != NULL;
}

/* ---- manager lifetime ------------------------------------------------------ */

queue_mgr_t *queue_mgr_create(const struct queue_backend *be, queue_clock_t *clock)
{
    if (!be || !be->ops || !clock || !be->ops->fits_now || !be->ops->alloc_now ||
        !be->ops->reserve || !be->ops->cancel) {
        errno = EINVAL;
        return NULL;
    }
    queue_mgr_t *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->be = *be;
    m->clock = clock;
    return m;
}

void queue_mgr_destroy(queue_mgr_t *m)
{
    if (!m)
        return;
    int saved = errno;
    for (int i = 0; i < m->nqueues; i++) {
        free(m->queues[i].name);
        free(m->queues[i].pending);
    }
    free(m->queues);
    for (size_t i = 0; i < m->nslots; i++)
        free(m->slots[i]);
    free(m->slots);
    free(m->resv);
    free(m->fails);
    free(m);
    errno = saved;
}

/* ---- job table ------------------------------------------------------------- */

static size_t hash_id(int64_t id)
{
    uint64_t x = (uint64_t) id;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return (size_t) x;
}

static struct queue_entry *job_find(const queue_mgr_t *m, int64_t id)
{
    if (m->nslots == 0)
        return NULL;
    size_t mask = m->nslots - 1;
    for (size_t i = hash_id(id) & mask;; i = (i + 1) & mask) {
        if (!m->slots[i])
            return NULL;
        if (m->slots[i]->job.id == id)
            return m->slots[i];
    }
}

static void slot_put(struct queue_entry **slots, size_t nslots, struct queue_entry *e)
{
    size_t mask = nslots - 1;
    size_t i = hash_id(e->job.id) & mask;
    while (slots[i])
        i = (i + 1) & mask;
    slots[i] = e;
}

/* Make room for one more job (keeps the load factor at most 1/2). */
static int table_reserve(queue_mgr_t *m)
{
    if ((m->njobs + 1) * 2 <= m->nslots)
        return 0;
    size_t n = m->nslots ? m->nslots * 2 : 64;
    struct queue_entry **slots = calloc(n, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < m->nslots; i++) {
        if (m->slots[i])
            slot_put(slots, n, m->slots[i]);
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = n;
    return 0;
}

/* ---- queues ---------------------------------------------------------------- */

static int queue_find(const queue_mgr_t *m, const char *name)
{
    for (int i = 0; i < m->nqueues; i++) {
        if (strcmp(m->queues[i].name, name) == 0)
            return i;
    }
    return -1;
}

static int check_params(const queue_mgr_t *m, const struct queue_params *p,
                        struct st_error *err)
{
    if (!p->name || !*p->name)
        return st_errorf(err, EINVAL, "queue: a queue needs a name");
    if (queue_find(m, p->name) >= 0)
        return st_errorf(err, EEXIST, "queue %s: defined twice", p->name);
    if (p->policy && !policy_find(p->policy))
        return st_errorf(err, EINVAL, "queue %s: unknown queue policy '%s'", p->name,
                         p->policy);
    if (p->queue_depth < 0 || p->queue_depth > QUEUE_MAX_QUEUE_DEPTH)
        return st_errorf(err, EINVAL, "queue %s: queue-depth must be 1..%d", p->name,
                         QUEUE_MAX_QUEUE_DEPTH);
    if (p->reservation_depth < 0 || p->reservation_depth > QUEUE_MAX_RESERVATION_DEPTH)
        return st_errorf(err, EINVAL, "queue %s: reservation-depth must be 1..%d", p->name,
                         QUEUE_MAX_RESERVATION_DEPTH);
    return 0;
}

int queue_mgr_add_queue(queue_mgr_t *m, const struct queue_params *p, struct st_error *err)
{
    if (!m || !p)
        return st_errorf(err, EINVAL, "queue: invalid argument");
    if (check_params(m, p, err) < 0)
        return -1;
    const struct queue_policy_ops *ops = policy_find(p->policy ? p->policy : "fcfs");
    char *name = strdup(p->name);
    struct queue *qs = name ? realloc(m->queues, (size_t) (m->nqueues + 1) * sizeof *qs) : NULL;
    if (!qs) {
        free(name);
        return st_errorf(err, ENOMEM, "queue %s: out of memory", p->name);
    }
    m->queues = qs;
    struct queue *q = &qs[m->nqueues++];
    memset(q, 0, sizeof *q);
    q->name = name;
    q->ops = ops;
    q->queue_depth = p->queue_depth ? p->queue_depth : QUEUE_DEFAULT_QUEUE_DEPTH;
    int rd = p->reservation_depth ? p->reservation_depth : ops->default_reservation_depth;
    q->reservation_depth = rd < q->queue_depth ? rd : q->queue_depth;
    q->floating = p->floating;
    return 0;
}

int queue_mgr_queue_count(const queue_mgr_t *m)
{
    return m ? m->nqueues : 0;
}

const char *queue_mgr_queue_name(const queue_mgr_t *m, int i)
{
    if (!m || i < 0 || i >= m->nqueues)
        return NULL;
    return m->queues[i].name;
}

int queue_mgr_queue_info(const queue_mgr_t *m, int i, struct queue_info *info)
{
    if (!m || !info) {
        errno = EINVAL;
        return -1;
    }
    if (i < 0 || i >= m->nqueues) {
        errno = ENOENT;
        return -1;
    }
    const struct queue *q = &m->queues[i];
    info->name = q->name;
    info->policy = q->ops->name;
    info->queue_depth = q->queue_depth;
    info->reservation_depth = q->ops->default_reservation_depth ? q->reservation_depth : 0;
    info->pending = q->npending;
    return 0;
}

int queue_mgr_set_callback(queue_mgr_t *m, queue_event_f cb, void *arg)
{
    if (!m) {
        errno = EINVAL;
        return -1;
    }
    m->cb = cb;
    m->cb_arg = arg;
    return 0;
}

/* ---- pending order --------------------------------------------------------- */

/* Queue order: higher priority, then earlier submit, then submission order. */
static int entry_cmp(const struct queue_entry *a, const struct queue_entry *b)
{
    if (a->job.priority != b->job.priority)
        return a->job.priority > b->job.priority ? -1 : 1;
    if (a->job.submit != b->job.submit)
        return a->job.submit < b->job.submit ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Index where e goes (after every entry that orders before it). */
static size_t pending_pos(const struct queue *q, const struct queue_entry *e)
{
    size_t lo = 0, hi = q->npending;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry_cmp(q->pending[mid], e) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int pending_reserve(struct queue *q)
{
    return st_grow(&q->pending, &q->cap, q->npending + 1, sizeof *q->pending, 64);
}

static void pending_insert(struct queue *q, struct queue_entry *e)
{
    size_t pos = pending_pos(q, e);
    memmove(&q->pending[pos + 1], &q->pending[pos], (q->npending - pos) * sizeof *q->pending);
    q->pending[pos] = e;
    q->npending++;
}

static void pending_remove(struct queue *q, const struct queue_entry *e)
{
    size_t pos = pending_pos(q, e);
    if (pos < q->npending && q->pending[pos] == e) {
        memmove(&q->pending[pos], &q->pending[pos + 1],
                (q->npending - pos - 1) * sizeof *q->pending);
        q->npending--;
    }
}

/* ---- submit / finish / cancel ---------------------------------------------- */

static int route(const queue_mgr_t *m, const struct queue_job *job, struct st_error *err)
{
    const char *name = job->queue ? job->queue : job->js ? job->js->queue : NULL;
    if (!name)
        return 0;
    int qi = queue_find(m, name);
    if (qi < 0)
        return st_errorf(err, ENOENT, "job %lld: unknown queue '%s'", (long long) job->id,
                         name);
    return qi;
}

int queue_submit(queue_mgr_t *m, const struct queue_job *job, struct st_error *err)
{
    if (!m || !job)
        return st_errorf(err, EINVAL, "queue: invalid argument");
    if (job->id < 0 || job->duration < 1)
        return st_errorf(err, EINVAL, "job %lld: id must be >= 0 and duration >= 1",
                         (long long) job->id);
    if (m->nqueues == 0)
        return st_errorf(err, EINVAL, "job %lld: no queue is defined", (long long) job->id);
    int qi = route(m, job, err);
    if (qi < 0)
        return -1;
    if (job_find(m, job->id))
        return st_errorf(err, EEXIST, "job %lld: id already used", (long long) job->id);
    struct queue *q = &m->queues[qi];
    struct queue_entry *e = calloc(1, sizeof *e);
    if (!e || table_reserve(m) < 0 || pending_reserve(q) < 0) {
        free(e);
        return st_errorf(err, ENOMEM, "job %lld: out of memory", (long long) job->id);
    }
    e->job = *job;
    e->job.queue = q->name;
    e->qi = qi;
    e->seq = m->seq++;
    e->st = (struct queue_job_status){.state = QUEUE_JOB_PENDING,
                                      .how = QUEUE_START_NONE,
                                      .start = -1,
                                      .t_estimate = -1,
                                      .queue = q->name};
    slot_put(m->slots, m->nslots, e);
    m->njobs++;
    pending_insert(q, e);
    return 0;
}

/* The entry of job id, or NULL with errno EINVAL (m NULL) or ENOENT. */
static struct queue_entry *entry_lookup(const queue_mgr_t *m, int64_t id)
{
    struct queue_entry *e = m ? job_find(m, id) : NULL;
    if (!e)
        errno = m ? ENOENT : EINVAL;
    return e;
}

int queue_job_fits_now(queue_mgr_t *m, int64_t id)
{
    struct queue_entry *e = entry_lookup(m, id);
    if (!e)
        return -1;
    if (e->st.state != QUEUE_JOB_PENDING) {
        errno = EINVAL;
        return -1;
    }
    m->stats.backend_calls++;
    return m->be.ops->fits_now(m->be.ctx, &e->job, queue_clock_now(m->clock)) == 0;
}

int queue_finish(queue_mgr_t *m, int64_t id)
{
    struct queue_entry *e = entry_lookup(m, id);
    if (!e)
        return -1;
    if (e->st.state != QUEUE_JOB_RUNNING) {
        errno = EINVAL;
        return -1;
    }
    if (m->be.ops->cancel(m->be.ctx, id) < 0)
        return -1;
    e->st.state = QUEUE_JOB_DONE;
    m->nrunning--;
    return 0;
}

int queue_cancel(queue_mgr_t *m, int64_t id)
{
    struct queue_entry *e = entry_lookup(m, id);
    if (!e)
        return -1;
    if (e->st.state == QUEUE_JOB_RUNNING) {
        if (m->be.ops->cancel(m->be.ctx, id) < 0)
            return -1;
        m->nrunning--;
    } else if (e->st.state == QUEUE_JOB_PENDING) {
        pending_remove(&m->queues[e->qi], e);
    } else {
        errno = EINVAL;
        return -1;
    }
    e->st.state = QUEUE_JOB_CANCELED;
    return 0;
}

int queue_job_get(const queue_mgr_t *m, int64_t id, struct queue_job_status *st)
{
    if (!st) {
        errno = EINVAL;
        return -1;
    }
    const struct queue_entry *e = entry_lookup(m, id);
    if (!e)
        return -1;
    *st = e->st;
    return 0;
}

size_t queue_pending_count(const queue_mgr_t *m)
{
    size_t n = 0;
    for (int i = 0; m && i < m->nqueues; i++)
        n += m->queues[i].npending;
    return n;
}

size_t queue_running_count(const queue_mgr_t *m)
{
    return m ? m->nrunning : 0;
}

int queue_mgr_pass_stats(const queue_mgr_t *m, struct queue_pass_stats *st)
{
    if (!m || !st) {
        errno = EINVAL;
        return -1;
    }
    *st = m->stats;
    return 0;
}

/* ---- the pass ---------------------------------------------------------------- */

int queue_pass_pending(const struct queue_mgr *m, int qi)
{
    return (int) m->queues[qi].npending;
}

struct queue_entry *queue_pass_at(struct queue_mgr *m, int qi, int i)
{
    return m->queues[qi].pending[i];
}

const struct queue_job *queue_pass_job(const struct queue_entry *e)
{
    return &e->job;
}

int queue_pass_queue_depth(const struct queue_mgr *m, int qi)
{
    return m->queues[qi].queue_depth;
}

int queue_pass_reservation_depth(const struct queue_mgr *m, int qi)
{
    return m->queues[qi].reservation_depth;
}

/* true if a job of the same class, no bigger and no longer, already could
 * not start in this pass (see queue_job.shape_class). */
static bool must_fail(const struct queue_mgr *m, const struct queue_job *j)
{
    if (j->shape_class == 0 || j->size < 0)
        return false;
    for (size_t i = 0; i < m->nfails; i++) {
        const struct failure *f = &m->fails[i];
        if (f->shape_class == j->shape_class && f->size <= j->size &&
            f->duration <= j->duration)
            return true;
    }
    return false;
}

/* Remember that j could not start now; only the smallest, shortest
 * failures are kept.  Forgetting one on ENOMEM only costs a backend call. */
static void record_failure(struct queue_mgr *m, const struct queue_job *j)
{
    if (j->shape_class == 0 || j->size < 0 || must_fail(m, j))
        return;
    size_t k = 0;
    for (size_t i = 0; i < m->nfails; i++) {
        const struct failure *f = &m->fails[i];
        if (!(f->shape_class == j->shape_class && f->size >= j->size &&
              f->duration >= j->duration))
            m->fails[k++] = *f;
    }
    m->nfails = k;
    if (st_grow(&m->fails, &m->failcap, m->nfails + 1, sizeof *m->fails, 16) < 0)
        return;
    m->fails[m->nfails++] = (struct failure){j->shape_class, j->size, j->duration};
}

int queue_pass_alloc_now(struct queue_mgr *m, struct queue_entry *e, int64_t now)
{
    if (must_fail(m, &e->job)) {
        m->stats.skipped_calls++;
        errno = EBUSY;
        return -1;
    }
    m->stats.backend_calls++;
    int rc = m->be.ops->alloc_now(m->be.ctx, &e->job, now);
    if (rc < 0 && errno == EBUSY) {
        /* With no reservation held, every span in the backend started by
         * now, so use only decreases over time: a job that does not fit
         * now does not fit for any duration. */
        struct queue_job j = e->job;
        if (m->nresv == 0)
            j.duration = 1;
        record_failure(m, &j);
        errno = EBUSY;
    }
    return rc;
}

int queue_pass_reserve(struct queue_mgr *m, struct queue_entry *e, int64_t now, int64_t *at)
{
    m->stats.backend_calls++;
    /* The search always starts at now, even when an earlier, smaller job of
     * the class shows it cannot start before some later time: the
     * matcher's choice of resources may depend on the time it is asked
     * at, and the simulator must choose as the daemon would. */
    int rc = m->be.ops->reserve(m->be.ctx, &e->job, now, at);
    if ((rc == 0 && *at > now) || (rc < 0 && errno == EBUSY)) {
        int saved = errno;
        record_failure(m, &e->job);
        errno = saved;
    }
    return rc;
}

static void notify(struct queue_mgr *m, const struct queue_entry *e)
{
    if (m->cb)
        m->cb(m->cb_arg, &e->job, &e->st);
}

void queue_pass_started(struct queue_mgr *m, struct queue_entry *e, int64_t now,
                        bool blocked_ahead)
{
    e->st.state = QUEUE_JOB_RUNNING;
    e->st.start = now;
    e->st.t_estimate = now;
    if (blocked_ahead)
        e->st.how = QUEUE_START_BACKFILL;
    else
        e->st.how = e->had_reservation ? QUEUE_START_RESERVATION : QUEUE_START_IMMEDIATE;
    e->done_in_pass = true;
    m->nrunning++;
    notify(m, e);
}

bool queue_pass_floating(const struct queue_mgr *m, int qi)
{
    return m->queues[qi].floating && m->queues[qi].reservation_depth == 1;
}

void queue_pass_failed(struct queue_mgr *m, struct queue_entry *e)
{
    int saved = errno;
    record_failure(m, &e->job);
    errno = saved;
}

int queue_pass_cancel(struct queue_mgr *m, struct queue_entry *e)
{
    m->stats.backend_calls++;
    return m->be.ops->cancel(m->be.ctx, e->job.id);
}

int queue_pass_estimate(struct queue_mgr *m, struct queue_entry *e, int64_t now, int64_t *at)
{
    m->stats.backend_calls++;
    if (m->be.ops->estimate)
        return m->be.ops->estimate(m->be.ctx, &e->job, now, at);
    if (m->be.ops->reserve(m->be.ctx, &e->job, now, at) < 0)
        return -1;
    m->stats.backend_calls++;
    return m->be.ops->cancel(m->be.ctx, e->job.id);
}

void queue_pass_promised(struct queue_mgr *m, struct queue_entry *e, int64_t at)
{
    (void) m;
    e->reserved_now = true; /* keeps its estimate through the compaction */
    e->had_reservation = true;
    e->st.t_estimate = at;
}

void queue_pass_reserved(struct queue_mgr *m, struct queue_entry *e, int64_t at)
{
    /* The list grows only when a pass reserves more jobs than any pass
     * before; on ENOMEM the reservation is dropped at once so that the
     * backend never keeps a span we could not find again. */
    if (st_grow(&m->resv, &m->resvcap, m->nresv + 1, sizeof *m->resv, 16) < 0) {
        m->be.ops->cancel(m->be.ctx, e->job.id);
        return;
    }
    m->resv[m->nresv++] = e;
    e->reserved_now = true;
    e->had_reservation = true;
    e->st.t_estimate = at;
}

void queue_pass_rejected(struct queue_mgr *m, struct queue_entry *e, int errnum)
{
    e->st.state = QUEUE_JOB_REJECTED;
    e->st.reject_errno = errnum;
    e->st.t_estimate = -1;
    e->done_in_pass = true;
    notify(m, e);
}

/* Drop the jobs that left the queue during the pass, and the estimates of
 * those that did not get a reservation this time. */
static void queue_compact(struct queue *q)
{
    size_t k = 0;
    for (size_t i = 0; i < q->npending; i++) {
        struct queue_entry *e = q->pending[i];
        if (e->done_in_pass)
            continue;
        if (!e->reserved_now)
            e->st.t_estimate = -1;
        e->reserved_now = false;
        q->pending[k++] = e;
    }
    q->npending = k;
}

/* Reservations only shape the pass that made them. */
static void drop_reservations(struct queue_mgr *m)
{
    for (size_t i = 0; i < m->nresv; i++) {
        m->be.ops->cancel(m->be.ctx, m->resv[i]->job.id);
        m->resv[i]->reserved_now = false;
    }
    m->nresv = 0;
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int queue_schedule(queue_mgr_t *m)
{
    if (!m) {
        errno = EINVAL;
        return -1;
    }
    int64_t t0 = mono_ns();
    int64_t now = queue_clock_now(m->clock);
    int started = 0;
    int rc = 0;
    m->nfails = 0;
    for (int qi = 0; qi < m->nqueues; qi++) {
        struct queue *q = &m->queues[qi];
        int n = q->npending ? q->ops->pass(m, qi, now) : 0;
        queue_compact(q);
        if (n < 0) {
            rc = -1;
            break;
        }
        started += n;
    }
    int saved = errno;
    drop_reservations(m);
    int64_t dt = mono_ns() - t0;
    m->stats.passes++;
    m->stats.total_ns += dt;
    if (dt > m->stats.max_ns)
        m->stats.max_ns = dt;
    errno = saved;
    return rc < 0 ? -1 : started;
}
