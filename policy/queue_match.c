/* queue_match: the queue manager's backend over the real matcher.  See
 * queue_match.h for the mapping of questions onto match ops. */
#include <errno.h>
#include <stdlib.h>

#include "policy/queue_match.h"

struct queue_match {
    matcher_t *m;
    writer_t *w;
    bool own_matcher;
    int64_t last_id; /* job whose allocation-now the writer holds, or -1 */
};

static int run_op(struct queue_match *qm, enum match_op op, const struct queue_job *job,
                  int64_t *at, bool keep)
{
    if (!job->js) {
        errno = EINVAL;
        return -1;
    }
    if (keep) {
        writer_reset(qm->w);
        qm->last_id = -1;
    }
    int64_t now = *at;
    int rc = match_run(qm->m, op, job->js, job->id, at, keep ? qm->w : NULL, NULL, NULL);
    if (rc == 0 && keep && *at <= now)
        qm->last_id = job->id;
    return rc;
}

static int qm_fits_now(void *ctx, const struct queue_job *job, int64_t now)
{
    int64_t at = now;
    return run_op(ctx, MATCH_WITHOUT_ALLOCATING, job, &at, false);
}

static int qm_alloc_now(void *ctx, const struct queue_job *job, int64_t now)
{
    int64_t at = now;
    return run_op(ctx, MATCH_ALLOCATE_WITH_SATISFIABILITY, job, &at, true);
}

static int qm_reserve(void *ctx, const struct queue_job *job, int64_t now, int64_t *at)
{
    *at = now;
    if (run_op(ctx, MATCH_ALLOCATE_ORELSE_RESERVE, job, at, true) == 0)
        return 0;
    if (errno != EBUSY)
        return -1;
    /* Busy until the horizon: tell "never" (ENODEV) from "not in time". */
    int64_t t = now;
    if (run_op(ctx, MATCH_SATISFIABILITY, job, &t, false) < 0 && errno != EBUSY)
        return -1;
    errno = EBUSY;
    return -1;
}

static int qm_estimate(void *ctx, const struct queue_job *job, int64_t now, int64_t *at)
{
    *at = now;
    return run_op(ctx, MATCH_WITHOUT_ALLOCATING_FUTURE, job, at, false);
}

static int qm_cancel(void *ctx, int64_t jobid)
{
    struct queue_match *qm = ctx;
    if (qm->last_id == jobid)
        qm->last_id = -1;
    return match_cancel(qm->m, jobid, NULL);
}

static const struct queue_backend_ops queue_match_ops = {
    .name = "match",
    .fits_now = qm_fits_now,
    .alloc_now = qm_alloc_now,
    .reserve = qm_reserve,
    .cancel = qm_cancel,
    .estimate = qm_estimate,
};

int queue_match_backend_create(matcher_t *m, bool own_matcher, writer_t *w,
                               struct queue_backend *be)
{
    struct queue_match *qm = NULL;
    if (!m || !w || !be || !(qm = calloc(1, sizeof *qm))) {
        int saved = (!m || !w || !be) ? EINVAL : ENOMEM;
        writer_destroy(w);
        if (own_matcher)
            match_destroy(m);
        errno = saved;
        return -1;
    }
    qm->m = m;
    qm->w = w;
    qm->own_matcher = own_matcher;
    qm->last_id = -1;
    be->ops = &queue_match_ops;
    be->ctx = qm;
    return 0;
}

void queue_match_backend_destroy(struct queue_backend *be)
{
    if (!be || be->ops != &queue_match_ops)
        return;
    int saved = errno;
    struct queue_match *qm = be->ctx;
    writer_destroy(qm->w);
    if (qm->own_matcher)
        match_destroy(qm->m);
    free(qm);
    be->ctx = NULL;
    be->ops = NULL;
    errno = saved;
}

writer_t *queue_match_backend_last(struct queue_backend *be, int64_t jobid)
{
    if (!be || be->ops != &queue_match_ops)
        return NULL;
    struct queue_match *qm = be->ctx;
    return qm->last_id == jobid && jobid >= 0 ? qm->w : NULL;
}
