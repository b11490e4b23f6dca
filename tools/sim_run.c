/* sim_run: the event-driven simulated clock of strata-sim.
 *
 * Events are job submissions (from the workload, in order) and job ends
 * (a min-heap keyed by end time, then start time, then start order).  The
 * clock jumps from one event instant to the next; what happens at an
 * instant depends on the semantics:
 *
 *   fluxion  every submission and every end of the instant is applied,
 *            then one scheduling pass (what stratad does with a burst of
 *            events);
 *   pyss     submissions first, each followed by a pass only if that job
 *            fits now; then the ends, in start order, each followed by a
 *            pass (the pyss simulator's order of events).
 *
 * Allocations last for the requested time, so a job whose run ends at its
 * requested time is already free for submissions at that instant, while a
 * job that ends early holds its resources until its end event.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "resource/st_array.h"
#include "resource/st_time.h"
#include "tools/sim.h"

struct ending {
    int64_t end;
    int64_t start;
    uint64_t seq;
    size_t idx;
};

struct run {
    const struct sim_config *cfg;
    struct sim_workload *w;
    struct sim_result *r;
    struct queue_backend be;
    queue_clock_t *clock;
    queue_mgr_t *m;
    struct ending *heap;
    size_t nheap;
    size_t heapcap;
    uint64_t seq;
    int64_t busy;
    bool oom;
    double last_progress;
};

/* ---- the heap of running jobs --------------------------------------------------- */

static bool ending_before(const struct ending *a, const struct ending *b)
{
    if (a->end != b->end)
        return a->end < b->end;
    if (a->start != b->start)
        return a->start < b->start;
    return a->seq < b->seq;
}

static int heap_push(struct run *rs, struct ending e)
{
    if (st_grow(&rs->heap, &rs->heapcap, rs->nheap + 1, sizeof *rs->heap, 256) < 0)
        return -1;
    size_t i = rs->nheap++;
    while (i > 0 && ending_before(&e, &rs->heap[(i - 1) / 2])) {
        rs->heap[i] = rs->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    rs->heap[i] = e;
    return 0;
}

static struct ending heap_pop(struct run *rs)
{
    struct ending top = rs->heap[0];
    struct ending last = rs->heap[--rs->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= rs->nheap)
            break;
        if (c + 1 < rs->nheap && ending_before(&rs->heap[c + 1], &rs->heap[c]))
            c++;
        if (!ending_before(&rs->heap[c], &last))
            break;
        rs->heap[i] = rs->heap[c];
        i = c;
    }
    if (rs->nheap)
        rs->heap[i] = last;
    return top;
}

/* ---- queue events ------------------------------------------------------------------ */

static void on_queue_event(void *arg, const struct queue_job *qj,
                           const struct queue_job_status *st)
{
    struct run *rs = arg;
    struct sim_job *j = qj->data;
    if (st->state == QUEUE_JOB_REJECTED) {
        j->reject_errno = st->reject_errno;
        rs->r->rejected++;
        return;
    }
    j->start = st->start;
    j->end = st->start + j->run;
    j->how = st->how;
    /* Utilization counts what the matcher really allocated (a whole
     * exclusive node brings all of its cores). */
    j->cores = j->size;
    if (rs->cfg->backend == SIM_BACKEND_MATCH)
        j->alloc = sim_match_backend_last_alloc(&rs->be, rs->cfg->graph, qj->id, &j->cores);
    else if (asprintf(&j->alloc, "%lld core", (long long) j->size) < 0)
        j->alloc = NULL;
    rs->busy += j->cores;
    rs->r->started++;
    struct ending e = {
        .end = j->end, .start = j->start, .seq = rs->seq++, .idx = (size_t) (j - rs->w->jobs)};
    if (heap_push(rs, e) < 0)
        rs->oom = true;
}

/* ---- setup ---------------------------------------------------------------------------- */

static int backend_create(struct run *rs, struct st_error *err)
{
    const struct sim_config *cfg = rs->cfg;
    if (cfg->backend == SIM_BACKEND_COUNT) {
        if (queue_backend_count_create(cfg->machine_cores, &rs->be) < 0)
            return st_errorf(err, errno, "count backend: machine has no cores");
        return 0;
    }
    return sim_match_backend_create(cfg->graph, cfg->match_policy, &rs->be, err);
}

static void backend_destroy(struct run *rs)
{
    if (!rs->be.ops)
        return;
    if (rs->cfg->backend == SIM_BACKEND_COUNT)
        queue_backend_count_destroy(&rs->be);
    else
        sim_match_backend_destroy(&rs->be);
}

static int queues_create(struct run *rs, struct st_error *err)
{
    const struct sim_config *cfg = rs->cfg;
    int depth = cfg->queue_depth;
    if (depth == 0 && cfg->semantics == SIM_SEM_PYSS)
        depth = QUEUE_MAX_QUEUE_DEPTH; /* pyss scans the whole queue */
    for (int i = 0; i < cfg->nqueues; i++) {
        struct queue_params p = {.name = cfg->queues[i].name,
                                 .policy = cfg->queues[i].policy,
                                 .queue_depth = depth,
                                 .reservation_depth = cfg->reservation_depth,
                                 .floating = cfg->floating < 0 ? cfg->semantics == SIM_SEM_PYSS
                                                               : cfg->floating > 0};
        if (queue_mgr_add_queue(rs->m, &p, err) < 0)
            return -1;
    }
    return queue_mgr_set_callback(rs->m, on_queue_event, rs);
}

static int setup(struct run *rs, struct st_error *err)
{
    if (backend_create(rs, err) < 0)
        return -1;
    int64_t t0 = rs->w->n ? rs->w->jobs[0].submit : 0;
    rs->clock = queue_clock_create(QUEUE_CLOCK_SIMULATED, t0 > 0 ? t0 : 0);
    rs->m = rs->clock ? queue_mgr_create(&rs->be, rs->clock) : NULL;
    if (!rs->m)
        return st_errorf(err, ENOMEM, "out of memory");
    return queues_create(rs, err);
}

/* ---- the loop -------------------------------------------------------------------------- */

static void progress(struct run *rs, size_t submitted, int64_t t, bool last)
{
    if (!rs->cfg->progress)
        return;
    double now = st_mono_seconds();
    if (!last && now - rs->last_progress < 0.5)
        return;
    rs->last_progress = now;
    fprintf(stderr,
            "\rstrata-sim: %zu/%zu jobs submitted, t=%lld, %zu pending, %zu running   %s",
            submitted, rs->w->n, (long long) t, queue_pending_count(rs->m),
            queue_running_count(rs->m), last ? "\n" : "");
    fflush(stderr);
}

static int submit(struct run *rs, size_t i, struct st_error *err)
{
    struct sim_job *j = &rs->w->jobs[i];
    struct queue_job qj = {.id = (int64_t) i,
                           .priority = j->priority,
                           .submit = j->submit,
                           .duration = j->req,
                           .size = j->size,
                           .queue = j->queue,
                           .js = j->js,
                           .shape_class = j->shape_class,
                           .data = j};
    struct st_error e2;
    if (queue_submit(rs->m, &qj, &e2) == 0)
        return 0;
    if (errno == ENOMEM)
        return st_errorf(err, ENOMEM, "%s", e2.text);
    /* A job the queues cannot take (unknown queue) is rejected, as the
     * daemon would refuse it at submission. */
    j->reject_errno = errno;
    rs->r->rejected++;
    return 1;
}

static int schedule(struct run *rs, struct st_error *err)
{
    if (queue_schedule(rs->m) < 0)
        return st_errorf(err, errno, "scheduling pass failed: %s", strerror(errno));
    if (rs->oom)
        return st_errorf(err, ENOMEM, "out of memory");
    return 0;
}

static int finish(struct run *rs, struct st_error *err)
{
    struct ending e = heap_pop(rs);
    struct sim_job *j = &rs->w->jobs[e.idx];
    rs->busy -= j->cores;
    if (queue_finish(rs->m, (int64_t) e.idx) < 0)
        return st_errorf(err, errno, "job %lld: release failed: %s", (long long) j->id,
                         strerror(errno));
    return 0;
}

static int sample(struct run *rs, int64_t t)
{
    struct sim_result *r = rs->r;
    int64_t pending = (int64_t) queue_pending_count(rs->m);
    if (r->nsamples && r->samples[r->nsamples - 1].busy == rs->busy &&
        r->samples[r->nsamples - 1].pending == pending)
        return 0;
    if (st_grow(&r->samples, &r->samplecap, r->nsamples + 1, sizeof *r->samples, 4096) < 0)
        return -1;
    r->samples[r->nsamples++] = (struct sim_sample){t, rs->busy, pending};
    return 0;
}

/* One instant under pyss semantics. */
static int instant_pyss(struct run *rs, size_t *next, int64_t t, struct st_error *err)
{
    struct sim_workload *w = rs->w;
    for (; *next < w->n && w->jobs[*next].submit == t; (*next)++) {
        int rc = submit(rs, *next, err);
        if (rc < 0)
            return -1;
        if (rc == 0 && queue_job_fits_now(rs->m, (int64_t) *next) == 1 && schedule(rs, err) < 0)
            return -1;
    }
    while (rs->nheap && rs->heap[0].end == t) {
        if (finish(rs, err) < 0 || schedule(rs, err) < 0)
            return -1;
    }
    return 0;
}

/* One instant under fluxion semantics: all events, then one pass. */
static int instant_fluxion(struct run *rs, size_t *next, int64_t t, struct st_error *err)
{
    struct sim_workload *w = rs->w;
    for (; *next < w->n && w->jobs[*next].submit == t; (*next)++) {
        if (submit(rs, *next, err) < 0)
            return -1;
    }
    while (rs->nheap && rs->heap[0].end == t) {
        if (finish(rs, err) < 0)
            return -1;
    }
    return schedule(rs, err);
}

static int loop(struct run *rs, struct st_error *err)
{
    struct sim_workload *w = rs->w;
    size_t next = 0;
    int64_t t = 0;
    while (next < w->n || rs->nheap) {
        t = next < w->n ? w->jobs[next].submit : INT64_MAX;
        if (rs->nheap && rs->heap[0].end < t)
            t = rs->heap[0].end;
        if (queue_clock_set(rs->clock, t) < 0)
            return st_errorf(err, EINVAL, "clock: time went backwards at %lld", (long long) t);
        int rc = rs->cfg->semantics == SIM_SEM_PYSS ? instant_pyss(rs, &next, t, err)
                                                    : instant_fluxion(rs, &next, t, err);
        if (rc < 0)
            return -1;
        if (sample(rs, t) < 0)
            return st_errorf(err, ENOMEM, "out of memory");
        progress(rs, next, t, false);
    }
    progress(rs, next, t, true);
    return 0;
}

int sim_run(const struct sim_config *cfg, struct sim_workload *w, struct sim_result *r,
            struct st_error *err)
{
    if (!cfg || !w || !r || cfg->nqueues < 1)
        return st_errorf(err, EINVAL, "sim: invalid argument");
    memset(r, 0, sizeof *r);
    sim_workload_reset(w);
    struct run rs = {.cfg = cfg, .w = w, .r = r};
    double t0 = st_mono_seconds();
    int rc = setup(&rs, err);
    if (rc == 0)
        rc = loop(&rs, err);
    r->wall_seconds = st_mono_seconds() - t0;
    if (rs.m)
        queue_mgr_pass_stats(rs.m, &r->passes);
    queue_mgr_destroy(rs.m);
    queue_clock_destroy(rs.clock);
    backend_destroy(&rs);
    free(rs.heap);
    return rc;
}

void sim_result_fini(struct sim_result *r)
{
    if (!r)
        return;
    free(r->samples);
    memset(r, 0, sizeof *r);
}
