/* rq_jobs: resource-query's job table and match-time statistics.
 *
 * The table is an array kept sorted by job id, so `list` prints in id order
 * (as Fluxion's std::map does) and lookups are binary searches.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools/rq.h"
#include "resource/st_array.h"
#include "resource/st_time.h"

static const char *const state_names[] = {
    [RQ_INIT] = "INIT",         [RQ_ALLOCATED] = "ALLOCATED", [RQ_RESERVED] = "RESERVED",
    [RQ_CANCELED] = "CANCELED", [RQ_ERROR] = "ERROR",
};

double rq_now(void)
{
    return st_mono_seconds();
}

/* Index of id, or of where it would be inserted. */
static size_t lower_bound(const struct rq *rq, int64_t id)
{
    size_t lo = 0, hi = rq->njobs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rq->jobs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

struct rq_job *rq_job_find(struct rq *rq, int64_t id)
{
    size_t i = lower_bound(rq, id);
    return i < rq->njobs && rq->jobs[i].id == id ? &rq->jobs[i] : NULL;
}

/* The stored copy of name: the last one stored if equal (a session
 * repeats one file), else a new copy.  NULL on ENOMEM. */
static const char *fname_store(struct rq *rq, const char *name)
{
    if (rq->nfnames > 0 && strcmp(rq->fnames[rq->nfnames - 1], name) == 0)
        return rq->fnames[rq->nfnames - 1];
    if (st_grow(&rq->fnames, &rq->fnames_cap, rq->nfnames + 1, sizeof(*rq->fnames), 8) < 0)
        return NULL;
    char *copy = strdup(name);
    if (!copy)
        return NULL;
    rq->fnames[rq->nfnames++] = copy;
    return copy;
}

int rq_job_add(struct rq *rq, int64_t id, enum rq_job_state st, int64_t at,
               const char *jobspec_fn, double overhead)
{
    size_t i = lower_bound(rq, id);
    bool replace = i < rq->njobs && rq->jobs[i].id == id;
    if (!replace && st_grow(&rq->jobs, &rq->jobs_cap, rq->njobs + 1, sizeof(*rq->jobs), 64) < 0)
        return -1;
    const char *fn = fname_store(rq, jobspec_fn ? jobspec_fn : "");
    if (!fn)
        return -1;
    if (!replace) {
        memmove(&rq->jobs[i + 1], &rq->jobs[i], (rq->njobs - i) * sizeof(*rq->jobs));
        rq->njobs++;
    }
    rq->jobs[i] = (struct rq_job){
        .id = id,
        .state = st,
        .live = st == RQ_ALLOCATED || st == RQ_RESERVED,
        .at = at,
        .jobspec_fn = fn,
        .overhead = overhead,
    };
    return 0;
}

void rq_job_print(const struct rq_job *job)
{
    printf("INFO: %" PRId64 ", %s, %" PRId64 ", %s, %g\n", job->id, state_names[job->state],
           job->at, job->jobspec_fn, job->overhead);
}

void rq_perf_add(struct rq *rq, double elapsed)
{
    struct rq_perf *p = &rq->perf;
    if (p->njobs == 0 || elapsed < p->min)
        p->min = elapsed;
    if (p->njobs == 0 || elapsed > p->max)
        p->max = elapsed;
    p->accum += elapsed;
    p->njobs++;
}

void rq_jobs_free(struct rq *rq)
{
    for (size_t i = 0; i < rq->nfnames; i++)
        free(rq->fnames[i]);
    free(rq->fnames);
    rq->fnames = NULL;
    rq->nfnames = rq->fnames_cap = 0;
    free(rq->jobs);
    rq->jobs = NULL;
    rq->njobs = rq->jobs_cap = 0;
}
