/* sim_match: the queue backend over the real matcher.
 *
 * The queue policies' three questions map onto match ops at *at = now:
 *   fits_now   WITHOUT_ALLOCATING (nothing is committed);
 *   alloc_now  ALLOCATE_WITH_SATISFIABILITY (EBUSY: later; ENODEV: never);
 *   reserve    ALLOCATE_ORELSE_RESERVE, with a satisfiability check when
 *              it fails so that a request that can never run is rejected
 *              instead of waiting forever;
 *   estimate   WITHOUT_ALLOCATING_FUTURE;
 *   cancel     match_cancel.
 * Each allocation is emitted to a "simple" writer, from which the summary
 * of the allocated resources ("4 core on node[0-1]") is made on demand.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resource/hostlist.h"
#include "resource/writer.h"
#include "tools/sim.h"

struct sim_match {
    graph_t *g;
    matcher_t *m;
    writer_t *w;
    atom_t node_type;
    atom_t core_type;
    bool have_alloc; /* the writer holds the last allocation */
};

static int run_op(struct sim_match *sm, enum match_op op, const struct queue_job *job,
                  int64_t *at, bool keep)
{
    if (!job->js) {
        errno = EINVAL;
        return -1;
    }
    writer_reset(sm->w);
    sm->have_alloc = false;
    int rc = match_run(sm->m, op, job->js, job->id, at, keep ? sm->w : NULL, NULL, NULL);
    if (rc == 0 && keep)
        sm->have_alloc = true;
    return rc;
}

static int sm_fits_now(void *ctx, const struct queue_job *job, int64_t now)
{
    int64_t at = now;
    return run_op(ctx, MATCH_WITHOUT_ALLOCATING, job, &at, false);
}

static int sm_alloc_now(void *ctx, const struct queue_job *job, int64_t now)
{
    int64_t at = now;
    return run_op(ctx, MATCH_ALLOCATE_WITH_SATISFIABILITY, job, &at, true);
}

static int sm_reserve(void *ctx, const struct queue_job *job, int64_t now, int64_t *at)
{
    struct sim_match *sm = ctx;
    *at = now;
    if (run_op(sm, MATCH_ALLOCATE_ORELSE_RESERVE, job, at, true) == 0) {
        sm->have_alloc = *at <= now;
        return 0;
    }
    if (errno != EBUSY)
        return -1;
    int64_t t = now;
    if (run_op(sm, MATCH_SATISFIABILITY, job, &t, false) < 0 && errno != EBUSY)
        return -1;
    errno = EBUSY;
    return -1;
}

static int sm_estimate(void *ctx, const struct queue_job *job, int64_t now, int64_t *at)
{
    *at = now;
    return run_op(ctx, MATCH_WITHOUT_ALLOCATING_FUTURE, job, at, false);
}

static int sm_cancel(void *ctx, int64_t jobid)
{
    struct sim_match *sm = ctx;
    return match_cancel(sm->m, jobid, NULL);
}

static const struct queue_backend_ops match_backend_ops = {
    .name = "match",
    .fits_now = sm_fits_now,
    .alloc_now = sm_alloc_now,
    .reserve = sm_reserve,
    .cancel = sm_cancel,
    .estimate = sm_estimate,
};

int sim_match_backend_create(graph_t *g, const char *match_policy, struct queue_backend *be,
                             struct st_error *err)
{
    if (!g || !be)
        return st_errorf(err, EINVAL, "match backend: invalid argument");
    struct sim_match *sm = calloc(1, sizeof *sm);
    if (!sm)
        return st_errorf(err, ENOMEM, "out of memory");
    struct match_params p = {.policy = match_policy ? match_policy : "first",
                             .subsystems = "CA",
                             .prune_filters = "ALL:core,ALL:node",
                             .traverser = MATCH_TRAVERSER_SIMPLE,
                             .graph_start = 0,
                             .graph_duration = 3153600000LL};
    sm->g = g;
    sm->m = match_create(g, &p, err);
    sm->w = sm->m ? writer_create(WRITER_SIMPLE, g) : NULL;
    if (!sm->w) {
        match_destroy(sm->m);
        free(sm);
        return -1;
    }
    sm->node_type = graph_atom_find(g, "node");
    sm->core_type = graph_atom_find(g, "core");
    be->ops = &match_backend_ops;
    be->ctx = sm;
    return 0;
}

void sim_match_backend_destroy(struct queue_backend *be)
{
    if (!be || be->ops != &match_backend_ops)
        return;
    struct sim_match *sm = be->ctx;
    writer_destroy(sm->w);
    match_destroy(sm->m);
    free(sm);
    be->ctx = NULL;
}

/* The name in a "simple" line: "      ---core3[1:x]" -> "core3". */
static bool line_name(const char *line, size_t len, char *name, size_t namesz)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '-'))
        i++;
    size_t k = 0;
    while (i < len && line[i] != '[' && k + 1 < namesz)
        name[k++] = line[i++];
    name[k] = '\0';
    return k > 0;
}

/* Count cores and collect node names from the rendered selection. */
static char *summarize(struct sim_match *sm, const char *text, int64_t *ncores)
{
    hostlist_t *hl = hostlist_create();
    int64_t cores = 0;
    for (const char *p = text; hl && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t) (nl - p) : strlen(p);
        char name[256];
        int n = 0;
        const vtx_t *v =
            line_name(p, len, name, sizeof name) ? graph_by_name(sm->g, name, &n) : NULL;
        if (n > 0 && graph_type(sm->g, v[0]) == sm->core_type)
            cores++;
        else if (n > 0 && graph_type(sm->g, v[0]) == sm->node_type)
            hostlist_append(hl, name);
        p += len + (nl ? 1 : 0);
    }
    char *hosts = hl && hostlist_count(hl) ? hostlist_encode(hl) : NULL;
    char *out = NULL;
    if (hl && asprintf(&out, "%lld core%s%s", (long long) cores, hosts ? " on " : "",
                       hosts ? hosts : "") < 0)
        out = NULL;
    free(hosts);
    hostlist_destroy(hl);
    *ncores = cores;
    return out;
}

char *sim_match_backend_last_alloc(struct queue_backend *be, int64_t *cores)
{
    if (!be || be->ops != &match_backend_ops)
        return NULL;
    struct sim_match *sm = be->ctx;
    if (!sm->have_alloc)
        return NULL;
    char *text = writer_render(sm->w);
    char *out = text ? summarize(sm, text, cores) : NULL;
    free(text);
    return out;
}
