/* backend: the queue manager's backend over the matcher, for stratad.
 *
 * The queue policies' questions map onto match ops at *at = now (as in
 * strata-sim's backend; see the report on why the two are not shared yet):
 * fits_now WITHOUT_ALLOCATING, alloc_now ALLOCATE_WITH_SATISFIABILITY,
 * reserve ALLOCATE_ORELSE_RESERVE (with a satisfiability check when it
 * fails, so that an impossible request is rejected instead of waiting
 * forever), estimate WITHOUT_ALLOCATING_FUTURE, cancel match_cancel.
 * Unlike the simulator, the daemon needs each allocation's R: every
 * allocation is rendered as rv1 and kept until the start callback takes it.
 */
#include <errno.h>
#include <stdlib.h>

#include "daemon/stratad.h"
#include "resource/writer.h"

struct backend {
    matcher_t *m;
    writer_t *w;
    int64_t last_id;
    char *last_R;
};

static int run_op(struct backend *b, enum match_op op, const struct queue_job *job, int64_t *at,
                  bool keep)
{
    if (!job->js) {
        errno = EINVAL;
        return -1;
    }
    if (keep)
        writer_reset(b->w);
    int rc = match_run(b->m, op, job->js, job->id, at, keep ? b->w : NULL, NULL, NULL);
    if (rc == 0 && keep) {
        free(b->last_R);
        b->last_R = writer_render(b->w);
        b->last_id = job->id;
    }
    return rc;
}

static int be_fits_now(void *ctx, const struct queue_job *job, int64_t now)
{
    int64_t at = now;
    return run_op(ctx, MATCH_WITHOUT_ALLOCATING, job, &at, false);
}

static int be_alloc_now(void *ctx, const struct queue_job *job, int64_t now)
{
    int64_t at = now;
    return run_op(ctx, MATCH_ALLOCATE_WITH_SATISFIABILITY, job, &at, true);
}

static int be_reserve(void *ctx, const struct queue_job *job, int64_t now, int64_t *at)
{
    *at = now;
    if (run_op(ctx, MATCH_ALLOCATE_ORELSE_RESERVE, job, at, true) == 0)
        return 0;
    if (errno != EBUSY)
        return -1;
    int64_t t = now;
    if (run_op(ctx, MATCH_SATISFIABILITY, job, &t, false) < 0 && errno != EBUSY)
        return -1;
    errno = EBUSY;
    return -1;
}

static int be_estimate(void *ctx, const struct queue_job *job, int64_t now, int64_t *at)
{
    *at = now;
    return run_op(ctx, MATCH_WITHOUT_ALLOCATING_FUTURE, job, at, false);
}

static int be_cancel(void *ctx, int64_t jobid)
{
    struct backend *b = ctx;
    return match_cancel(b->m, jobid, NULL);
}

static const struct queue_backend_ops daemon_backend_ops = {
    .name = "stratad-match",
    .fits_now = be_fits_now,
    .alloc_now = be_alloc_now,
    .reserve = be_reserve,
    .cancel = be_cancel,
    .estimate = be_estimate,
};

int backend_create(graph_t *g, matcher_t *m, struct queue_backend *be)
{
    if (!g || !m || !be) {
        errno = EINVAL;
        return -1;
    }
    struct backend *b = calloc(1, sizeof *b);
    if (!b)
        return -1;
    b->m = m;
    b->w = writer_create(WRITER_RV1, g);
    if (!b->w) {
        free(b);
        return -1;
    }
    b->last_id = -1;
    be->ops = &daemon_backend_ops;
    be->ctx = b;
    return 0;
}

void backend_destroy(struct queue_backend *be)
{
    if (!be || be->ops != &daemon_backend_ops)
        return;
    struct backend *b = be->ctx;
    writer_destroy(b->w);
    free(b->last_R);
    free(b);
    be->ctx = NULL;
}

char *backend_take_R(struct queue_backend *be, int64_t jobid)
{
    if (!be || be->ops != &daemon_backend_ops)
        return NULL;
    struct backend *b = be->ctx;
    if (b->last_id != jobid)
        return NULL;
    char *r = b->last_R;
    b->last_R = NULL;
    b->last_id = -1;
    return r;
}
