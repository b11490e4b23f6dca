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
    if (!p)
        return m->ftot[(size_t) v * (size_t) m->nf + (size_t) k];
    return planner_multi_avail_during(p, (size_t) k, at, dur);
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
        int64_t tot[MATCH_MAX_FILTERS];
        for (int k = 0; k < m->nf; k++)
            tot[k] = m->ftot[(size_t) v * (size_t) m->nf + (size_t) k];
        m->filt[v] = planner_multi_create(m->graph_start, m->graph_end - m->graph_start, tot,
                                          (const char *const *) m->fnames, (size_t) m->nf);
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

static void do_vertex(struct cpass *c, vtx_t v, vtx_t parent, int depth, int64_t needs,
                      bool excl, bool inwhole, int64_t *consumed);

/* Visit v's children: selected ones, or all of them when `whole`. */
static void do_children(struct cpass *c, vtx_t v, int depth, bool whole, int64_t *consumed)
{
    matcher_t *m = c->s->m;
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    for (int i = 0; i < n && !c->error; i++) {
        vtx_t x = ch[i];
        int64_t sub[MATCH_MAX_FILTERS] = {0};
        if (whole)
            do_vertex(c, x, v, depth + 1, graph_size(m->g, x), true, true, sub);
        else if (m->sseq[x] == m->seq && m->sparent[x] == v)
            do_vertex(c, x, v, depth + 1, m->sneeds[x], m->sexcl[x], false, sub);
        else
            continue;
        for (int k = 0; k < m->nf; k++)
            consumed[k] += sub[k];
    }
}

static void commit_vertex(struct cpass *c, vtx_t v, int64_t needs, bool excl,
                          const int64_t *below)
{
    struct msel *s = c->s;
    matcher_t *m = s->m;
    struct mspan sp = {.v = v, .needs = needs, .excl = excl};
    if (excl) {
        planner_t *p = plans_get(m, v);
        if (!p || (sp.plan_span = planner_add_span(p, s->at, s->dur, needs)) < 0)
            goto error;
    }
    /* A vertex held whole is "touched" already by its own span, which
     * match_xchk_free reads: no x_checker span (most vertices of a
     * whole-node job; that halves their planner memory). */
    bool whole_held = excl && needs > 0 && needs == graph_size(m->g, v);
    planner_t *x = whole_held ? NULL : xchk_get(m, v);
    if (!whole_held && (!x || (sp.xchk_span = planner_add_span(x, s->at, s->dur, 1)) < 0))
        goto error;
    if (m->fmask[v]) {
        bool any = false;
        for (int k = 0; k < m->nf; k++)
            any = any || below[k] > 0;
        if (any) {
            planner_multi_t *f = filt_get(m, v);
            if (!f || (sp.filter_span =
                           planner_multi_add_span(f, s->at, s->dur, below, (size_t) m->nf)) < 0)
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
                      bool excl, bool inwhole, int64_t *consumed)
{
    struct msel *s = c->s;
    matcher_t *m = s->m;
    bool whole = inwhole || (excl && whole_type(s, graph_type(m->g, v)));
    int64_t below[MATCH_MAX_FILTERS] = {0};
    do_children(c, v, depth, whole, below);
    if (c->error)
        return;
    if (c->job)
        commit_vertex(c, v, needs, excl, below);
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
    do_vertex(&c, root, VTX_NONE, 1, m->sneeds[root], m->sexcl[root], false, consumed);
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
}

void match_release_job(matcher_t *m, struct mjob *job)
{
    for (size_t i = 0; i < job->nspans; i++)
        match_span_release(m, &job->spans[i]);
    job->nspans = 0;
}

/* The first policy orders children by the availability of their last
 * tracked filter type at `now`; refresh it for the children of every vertex
 * a job touched. */
void match_update_weights_job(matcher_t *m, const struct mjob *job, int64_t now)
{
    for (size_t i = 0; i < job->nspans; i++) {
        int n = 0;
        const vtx_t *ch = graph_children(m->g, m->dom, job->spans[i].v, &n);
        for (int j = 0; j < n; j++) {
            vtx_t c = ch[j];
            uint32_t mask = m->fmask[c];
            if (!mask)
                continue;
            int k = 31 - __builtin_clz(mask);
            m->weight[c] = match_filter_avail(m, c, k, now, 1);
        }
    }
}
