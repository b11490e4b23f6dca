/* commit: emit a selection to a writer and commit (or release) its spans.
 *
 * After a successful selection pass every selected vertex carries the
 * current sequence number.  A second depth-first pass follows only those
 * vertices from the root, children in edge insertion order, and handles each
 * vertex in post-order (children first): it is emitted to the writer; an
 * exclusive vertex gets a span of `needs` units on its own planner; every
 * vertex gets a one-job span on its x_checker (it is "touched"); a vertex
 * with pruning filters gets a span of the filter-type amounts consumed
 * exclusively below it.  Vertices selected exclusively whose type is to be
 * taken whole (node under a node-exclusive policy, types requested with
 * exclusive: true) bring their whole subtree along at full size.
 *
 * Such a subtree is held once: its root gets its exclusive span plus a
 * MATCH_HOLD span on its x_checker, and the vertices below get neither
 * records nor spans (match_job_foreach lists them).  The root's own planner
 * prunes the subtree for every other match during the window; what reaches
 * a vertex without passing its root (find, auxiliary edges, a replayed R,
 * the first policy's weights) asks match_vertex_held().  On Sierra's
 * whole-node jobs this saves a planner per vertex (~11 KB per job).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "match/match_private.h"

int64_t match_plan_avail(const matcher_t *m, vtx_t v, int64_t at, int64_t dur)
{
    const planner_t *p = m->plans[v];
    if (!p)
        return graph_size(m->g, v);
    return planner_avail_during(p, at, dur);
}

/* A vertex held whole (exclusive span of its full size) gets no x_checker
 * span (see commit_vertex), so its own planner answers for it too. */
bool match_xchk_free(const matcher_t *m, vtx_t v, int64_t at, int64_t dur)
{
    const planner_t *p = m->xchk[v];
    const planner_t *q = m->plans[v];
    return (!p || planner_avail_during(p, at, dur) == MATCH_XCHK_TOTAL) &&
           (!q || planner_avail_during(q, at, dur) == graph_size(m->g, v));
}

int64_t match_filter_avail(const matcher_t *m, vtx_t v, int k, int64_t at, int64_t dur)
{
    const planner_multi_t *p = m->filt[v];
    /* an anchor type is tracked at the root alone: below it, nothing of it
     * is there to ask for (its planner dimension only carries spans) */
    if (!p || (k >= m->fstride && v != graph_root(m->g, m->dom)))
        return match_ftot(m, v, k);
    return planner_multi_avail_during(p, (size_t) k, at, dur);
}

/* ---- filter planner shape ----
 * The root's filter has one dimension per filter type.  Below the root
 * (when the anchor types are root-only, fstride < nf) a filter has the
 * per-vertex types and one dimension more, the sum of the anchor types: no
 * one asks it for an anchor type, but a job's span there must stay while
 * it holds anything tracked below (jobid-span, partial cancel), as with a
 * dimension per anchor type, at the cost of one. */

static const char anchor_dim[] = "(anchor types)";

size_t match_filter_dims(const matcher_t *m, vtx_t v)
{
    if (!m || m->fstride == m->nf || v == graph_root(m->g, m->dom))
        return m ? (size_t) m->nf : 0;
    return (size_t) m->fstride + 1;
}

size_t match_filter_vec(const matcher_t *m, vtx_t v, const int64_t *full, int64_t *out)
{
    if (!m || !full || !out)
        return 0;
    size_t n = match_filter_dims(m, v);
    if (n == (size_t) m->nf) {
        memcpy(out, full, n * sizeof(*out));
        return n;
    }
    memcpy(out, full, (size_t) m->fstride * sizeof(*out));
    out[m->fstride] = 0;
    for (int k = m->fstride; k < m->nf; k++)
        out[m->fstride] += full[k];
    return n;
}

size_t match_filter_names(const matcher_t *m, vtx_t v, const char **names)
{
    size_t n = m && names ? match_filter_dims(m, v) : 0;
    for (size_t k = 0; k < n; k++)
        names[k] = k < (size_t) m->nf && (k < (size_t) m->fstride || n == (size_t) m->nf)
                       ? m->fnames[k]
                       : anchor_dim;
    return n;
}

int match_filter_reduce(matcher_t *m, vtx_t v, int64_t span, const int64_t *amounts,
                        bool *removed)
{
    if (!m || v < 0 || v >= m->nv || !m->filt[v] || !amounts) {
        errno = EINVAL;
        return -1;
    }
    int64_t vec[MATCH_MAX_FILTERS + 1];
    size_t n = match_filter_vec(m, v, amounts, vec);
    return planner_multi_reduce_span(m->filt[v], span, vec, n, removed);
}

static planner_t *plans_get(matcher_t *m, vtx_t v)
{
    if (!m->plans[v])
        m->plans[v] =
            planner_create(m->graph_start, m->graph_end - m->graph_start, graph_size(m->g, v));
    return m->plans[v];
}

static planner_t *xchk_get(matcher_t *m, vtx_t v)
{
    if (!m->xchk[v])
        m->xchk[v] =
            planner_create(m->graph_start, m->graph_end - m->graph_start, MATCH_XCHK_TOTAL);
    return m->xchk[v];
}

static planner_multi_t *filt_get(matcher_t *m, vtx_t v)
{
    if (!m->filt[v]) {
        int64_t tot[MATCH_MAX_FILTERS], vec[MATCH_MAX_FILTERS + 1];
        const char *names[MATCH_MAX_FILTERS + 1];
        match_plan_totals(m, v, tot);
        size_t n = match_filter_vec(m, v, tot, vec);
        match_filter_names(m, v, names);
        m->filt[v] =
            planner_multi_create(m->graph_start, m->graph_end - m->graph_start, vec, names, n);
    }
    return m->filt[v];
}

static int job_push(struct mjob *job, const struct mspan *sp)
{
    if (job->nspans == job->cap) {
        size_t cap = job->cap ? job->cap * 2 : 16;
        struct mspan *p = realloc(job->spans, cap * sizeof(*p));
        if (!p)
            return -1;
        job->spans = p;
        job->cap = cap;
    }
    job->spans[job->nspans++] = *sp;
    return 0;
}

/* State of the emit/commit pass. */
struct cpass {
    struct msel *s;
    struct mjob *job; /* NULL: emit only */
    writer_t *w;
    int error;
};

static bool whole_type(const struct msel *s, atom_t t)
{
    if (s->shadow_node && t == s->m->a_node)
        return true;
    for (int i = 0; i < s->nxtypes; i++)
        if (s->xtypes[i] == t)
            return true;
    return false;
}

/* How a vertex is reached by the commit pass: selected by the match, or
 * below a vertex taken whole (then exclusive at full size), either with
 * spans of its own (W_WHOLE) or covered by its root's hold (W_HOLD). */
enum wmode { W_SELECTED, W_WHOLE, W_HOLD };

static void do_vertex(struct cpass *c, vtx_t v, vtx_t parent, int depth, int64_t needs,
                      bool excl, enum wmode mode, int64_t *consumed);

/* Visit v's children: selected ones, or all of them below a whole vertex. */
static void do_children(struct cpass *c, vtx_t v, int depth, enum wmode mode, int64_t *consumed)
{
    matcher_t *m = c->s->m;
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    for (int i = 0; i < n && !c->error; i++) {
        vtx_t x = ch[i];
        int64_t sub[MATCH_MAX_FILTERS] = {0};
        if (mode != W_SELECTED)
            do_vertex(c, x, v, depth + 1, graph_size(m->g, x), true, mode, sub);
        else if (m->sseq[x] == m->seq && m->sparent[x] == v)
            do_vertex(c, x, v, depth + 1, m->sneeds[x], m->sexcl[x], W_SELECTED, sub);
        else
            continue;
        for (int k = 0; k < m->nf; k++)
            consumed[k] += sub[k];
    }
}

static vtx_t first_parent(const matcher_t *m, vtx_t v)
{
    int n = 0;
    const vtx_t *p = graph_parents(m->g, m->dom, v, &n);
    return n > 0 ? p[0] : VTX_NONE;
}

/* v is the root of some job's hold overlapping [at, at + dur). */
static bool hold_at(const matcher_t *m, vtx_t v, int64_t at, int64_t dur)
{
    const planner_t *x = m->xchk[v];
    if (!x)
        return false;
    int64_t a = planner_avail_during(x, at, dur);
    return a >= 0 && a <= MATCH_XCHK_TOTAL - MATCH_HOLD;
}

bool match_vertex_held(const matcher_t *m, vtx_t v, int64_t at, int64_t dur)
{
    if (!m || v < 0 || v >= m->nv || m->nholds == 0)
        return false;
    for (vtx_t a = first_parent(m, v); a != VTX_NONE; a = first_parent(m, a))
        if (hold_at(m, a, at, dur))
            return true;
    return false;
}

/* A whole vertex is held once at its root when the root's own span takes
 * all of it (so that its planner prunes it for everyone else) and it has
 * something below to cover. */
static bool can_hold(const matcher_t *m, vtx_t v, int64_t needs)
{
    int n = 0;
    graph_children(m->g, m->dom, v, &n);
    return n > 0 && needs > 0 && needs == graph_size(m->g, v);
}

/* No other job holds anything below v exclusively during the window (what
 * full-size spans on every descendant would have checked). */
static bool below_free(const matcher_t *m, vtx_t v, int64_t at, int64_t dur)
{
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    for (int i = 0; i < n; i++) {
        if (match_plan_avail(m, ch[i], at, dur) != graph_size(m->g, ch[i]) ||
            !below_free(m, ch[i], at, dur))
            return false;
    }
    return true;
}

static void commit_vertex(struct cpass *c, vtx_t v, int64_t needs, bool excl, enum wmode mode,
                          bool hold, const int64_t *below)
{
    struct msel *s = c->s;
    matcher_t *m = s->m;
    struct mspan sp = {.v = v, .needs = needs, .excl = excl};
    if (mode == W_HOLD)
        return; /* covered by the root's hold (match_job_foreach lists it) */
    if (excl) {
        planner_t *p = plans_get(m, v);
        if (!p || (sp.plan_span = planner_add_span(p, s->at, s->dur, needs)) < 0)
            goto error;
    }
    /* A vertex held whole is "touched" already by its own span, which
     * match_xchk_free reads: no x_checker span (most vertices of a
     * whole-node job; that halves their planner memory).  A hold root's
     * x_checker says that its subtree is held. */
    bool whole_held = excl && needs > 0 && needs == graph_size(m->g, v);
    sp.hold = hold;
    if (hold || !whole_held) {
        planner_t *x = xchk_get(m, v);
        if (!x || (sp.xchk_span = planner_add_span(x, s->at, s->dur, hold ? MATCH_HOLD : 1)) < 0)
            goto error;
        if (hold)
            m->nholds++;
    }
    if (m->fmask[v]) {
        bool any = false;
        for (int k = 0; k < m->nf; k++)
            any = any || below[k] > 0;
        if (any) {
            planner_multi_t *f = filt_get(m, v);
            int64_t vec[MATCH_MAX_FILTERS + 1];
            size_t n = match_filter_vec(m, v, below, vec);
            if (!f || (sp.filter_span = planner_multi_add_span(f, s->at, s->dur, vec, n)) < 0)
                goto error;
        }
    }
    if (job_push(c->job, &sp) < 0)
        goto error;
    return;
error:
    /* Spans already added for v are released with the job's by the caller
     * through the recorded ones; undo the partial ones here. */
    if (sp.plan_span > 0)
        planner_rem_span(m->plans[v], sp.plan_span);
    if (sp.xchk_span > 0)
        planner_rem_span(m->xchk[v], sp.xchk_span);
    if (sp.xchk_span > 0 && hold)
        m->nholds--;
    if (sp.filter_span > 0)
        planner_multi_rem_span(m->filt[v], sp.filter_span);
    c->error = errno ? errno : ENOMEM;
}

/* {"label": L} for the writers' "ephemeral" field; NULL without a label. */
static char *label_json(const char *label)
{
    if (!label)
        return NULL;
    json_t *o = json_pack("{s:s}", "label", label);
    char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return s;
}

static void do_vertex(struct cpass *c, vtx_t v, vtx_t parent, int depth, int64_t needs,
                      bool excl, enum wmode mode, int64_t *consumed)
{
    struct msel *s = c->s;
    matcher_t *m = s->m;
    enum wmode below_mode = mode;
    bool hold = false;
    if (mode == W_SELECTED && excl && whole_type(s, graph_type(m->g, v))) {
        hold = can_hold(m, v, needs);
        below_mode = hold ? W_HOLD : W_WHOLE;
    }
    if (c->job && ((hold && !below_free(m, v, s->at, s->dur)) ||
                   (!s->traversed && mode == W_SELECTED && excl &&
                    match_vertex_held(m, v, s->at, s->dur)))) {
        /* what a full-size span below would have failed with */
        c->error = EINVAL;
        return;
    }
    int64_t below[MATCH_MAX_FILTERS] = {0};
    do_children(c, v, depth, below_mode, below);
    if (c->error)
        return;
    if (c->job)
        commit_vertex(c, v, needs, excl, mode, hold, below);
    if (c->error)
        return;
    if (c->w) {
        /* Only what this selection marked was visited by this match (a
         * whole vertex's subtree is emitted without a visit). */
        bool mine = m->labels && m->sseq[v] == m->seq;
        char *eph = mine ? label_json(m->slabel[v]) : NULL;
        int rc = writer_emit_vertex(c->w, v, depth, needs, excl, eph, NULL);
        free(eph);
        if (rc < 0)
            c->error = errno ? errno : ENOMEM;
        else if (parent != VTX_NONE)
            writer_emit_edge(c->w, parent, v, m->dom);
    }
    atom_t t = graph_type(m->g, v);
    for (int k = 0; k < m->nf; k++) {
        consumed[k] = below[k];
        if (excl && t == m->ftypes[k])
            consumed[k] += needs;
    }
}

static int run_pass(struct msel *s, struct mjob *job, writer_t *w)
{
    matcher_t *m = s->m;
    vtx_t root = graph_root(m->g, m->dom);
    struct cpass c = {.s = s, .job = job, .w = w};
    int64_t consumed[MATCH_MAX_FILTERS] = {0};
    do_vertex(&c, root, VTX_NONE, 1, m->sneeds[root], m->sexcl[root], W_SELECTED, consumed);
    if (c.error) {
        if (job)
            match_release_job(m, job);
        errno = c.error;
        return -1;
    }
    if (job && job->cap > job->nspans && job->nspans > 0) {
        /* The span list doubled while growing; a live job keeps it for its
         * whole life, so give the slack back (without memory, keep it). */
        struct mspan *sp = realloc(job->spans, job->nspans * sizeof(*sp));
        if (sp) {
            job->spans = sp;
            job->cap = job->nspans;
        }
    }
    if (w)
        writer_emit_time(w, s->at, s->at + s->dur);
    return 0;
}

int match_commit(struct msel *s, struct mjob *job, writer_t *w)
{
    return run_pass(s, job, w);
}

int match_emit_only(struct msel *s, writer_t *w)
{
    return run_pass(s, NULL, w);
}

void match_span_release(matcher_t *m, const struct mspan *sp)
{
    if (sp->plan_span > 0)
        planner_rem_span(m->plans[sp->v], sp->plan_span);
    if (sp->xchk_span > 0)
        planner_rem_span(m->xchk[sp->v], sp->xchk_span);
    if (sp->filter_span > 0)
        planner_multi_rem_span(m->filt[sp->v], sp->filter_span);
    if (sp->hold && sp->xchk_span > 0)
        m->nholds--;
}

void match_release_job(matcher_t *m, struct mjob *job)
{
    for (size_t i = 0; i < job->nspans; i++)
        match_span_release(m, &job->spans[i]);
    job->nspans = 0;
}

/* Post-order below v (children first, in edge order), as the commit pass
 * went: the records a held subtree would have had. */
static void foreach_below(const matcher_t *m, vtx_t v, match_vertex_fn fn, void *arg)
{
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    for (int i = 0; i < n; i++) {
        vtx_t x = ch[i];
        foreach_below(m, x, fn, arg);
        struct mspan sp = {.v = x, .excl = true, .inhold = true, .needs = graph_size(m->g, x)};
        fn(&sp, arg);
    }
}

void match_job_foreach(const matcher_t *m, const struct mjob *j, match_vertex_fn fn, void *arg)
{
    if (!m || !j || !fn)
        return;
    for (size_t i = 0; i < j->nspans; i++) {
        if (j->spans[i].hold)
            foreach_below(m, j->spans[i].v, fn, arg);
        fn(&j->spans[i], arg);
    }
}

struct weights {
    matcher_t *m;
    int64_t now;
    bool covers; /* the job's window holds now */
};

/* The weight of the edge into one of the job's vertices: what the
 * reference's update sets on each edge it passes through. */
static void weight_of_vertex(const struct mspan *sp, void *arg)
{
    struct weights *w = arg;
    matcher_t *m = w->m;
    vtx_t v = sp->v;
    uint32_t mask = m->fmask[v];
    if (!mask)
        return;
    bool held = m->nholds > 0 &&
                ((sp->inhold && w->covers) || match_vertex_held(m, v, w->now, 1));
    int k = 31 - __builtin_clz(mask);
    m->weight[v] = held ? 0 : match_filter_avail(m, v, k, w->now, 1);
}

/* The first policy orders children by weight (match_weight_static until a
 * job's update reaches them).  A job sets the weight of each of its own
 * vertices, not their siblings', to the availability of the vertex's last
 * tracked filter type at `now`.  A vertex below a hold covering now has
 * nothing available (what its filter would say if the hold had spans at
 * every vertex). */
void match_update_weights_job(matcher_t *m, const struct mjob *job, int64_t now)
{
    if (!m->weight)
        return;
    struct weights w = {m, now, job->at <= now && now < job->at + job->duration};
    match_job_foreach(m, job, weight_of_vertex, &w);
}

/* The spans commit_vertex gives a vertex below a whole one: its full size
 * on its own planner, and everything below it on its filter.  0 or -1. */
static int unhold_vertex(matcher_t *m, const struct mjob *job, struct mspan *sp)
{
    vtx_t v = sp->v;
    planner_t *p = plans_get(m, v);
    if (!p || (sp->plan_span = planner_add_span(p, job->at, job->duration, sp->needs)) < 0) {
        sp->plan_span = 0;
        return -1;
    }
    int64_t tot[MATCH_MAX_FILTERS] = {0};
    if (m->fmask[v])
        match_subtree_totals(m, v, tot);
    bool any = false;
    for (int k = 0; k < m->nf; k++)
        any = any || tot[k] > 0;
    if (m->fmask[v] && any) {
        planner_multi_t *f = filt_get(m, v);
        int64_t vec[MATCH_MAX_FILTERS + 1];
        size_t n = match_filter_vec(m, v, tot, vec);
        if (!f ||
            (sp->filter_span = planner_multi_add_span(f, job->at, job->duration, vec, n)) < 0) {
            sp->filter_span = 0;
            return -1;
        }
    }
    return 0;
}

struct expand {
    struct mspan *out;
    size_t n;
};

static void count_one(const struct mspan *sp, void *arg)
{
    (void) sp;
    ((struct expand *) arg)->n++;
}

static void copy_one(const struct mspan *sp, void *arg)
{
    struct expand *e = arg;
    e->out[e->n++] = *sp;
}

int match_job_unhold(matcher_t *m, struct mjob *job)
{
    if (!m || !job) {
        errno = EINVAL;
        return -1;
    }
    bool any = false;
    for (size_t i = 0; i < job->nspans && !any; i++)
        any = job->spans[i].hold;
    if (!any)
        return 0;
    /* The job's records as they would be without holds, in the same order. */
    struct expand e = {NULL, 0};
    match_job_foreach(m, job, count_one, &e);
    struct mspan *out = malloc(e.n * sizeof(*out));
    if (!out)
        return -1;
    e = (struct expand){out, 0};
    match_job_foreach(m, job, copy_one, &e);
    for (size_t i = 0; i < e.n; i++) {
        if (out[i].inhold && unhold_vertex(m, job, &out[i]) < 0) {
            for (size_t k = 0; k <= i; k++)
                if (out[k].inhold)
                    match_span_release(m, &out[k]);
            free(out);
            errno = ENOMEM;
            return -1;
        }
    }
    for (size_t i = 0; i < e.n; i++) {
        struct mspan *sp = &out[i];
        if (sp->hold && sp->xchk_span > 0) {
            /* a whole root has no x_checker span of its own (commit_vertex) */
            planner_rem_span(m->xchk[sp->v], sp->xchk_span);
            sp->xchk_span = 0;
            m->nholds--;
        }
        sp->hold = sp->inhold = false;
    }
    free(job->spans);
    job->spans = out;
    job->nspans = job->cap = e.n;
    return 0;
}
