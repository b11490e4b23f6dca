/* elastic: growing (attach) and shrinking (remove) the graph under a
 * matcher.
 *
 * Both change subtree totals, which the pruning filters track.  Only the
 * changed subtree and its ancestors are re-done: the new vertices get their
 * totals from below, the ancestors are summed again from their children
 * (descendants first), and an ancestor's filter planner gets its new totals
 * in place (planner_multi_update keeps the spans).  A removal also re-does
 * the jobs that held something in the removed subtree: their filter spans
 * are rebuilt from what they still hold exclusively.  Jobs elsewhere keep
 * their spans: what they hold below each ancestor did not change.  One
 * thing stays O(V) when jobs exist: the first policy's child weights go
 * back to their static totals, as the former full re-prime did
 * (reset_weights).
 *
 * graph_full_rebuild(g) selects the former way (kept for comparison): every
 * filter is primed again from the root and every job's filter spans
 * rebuilt, O(V) per change.
 *
 * A change of the root's totals while jobs exist also leaves the points of
 * the root filter with stale search keys, as in the reference (match_stale_*
 * below; reservations after an attach, t3028 009).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_private.h"
#include "resource/idset.h"
#include "resource/reader.h"

static vtx_t first_parent(const matcher_t *m, vtx_t v)
{
    int n = 0;
    const vtx_t *p = graph_parents(m->g, m->dom, v, &n);
    return n > 0 ? p[0] : VTX_NONE;
}

/* A growable list of vertices. */
struct vlist {
    vtx_t *v;
    size_t n, cap;
};

static int vlist_push(struct vlist *l, vtx_t v)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        vtx_t *p = realloc(l->v, cap * sizeof(*p));
        if (!p)
            return -1;
        l->v = p;
        l->cap = cap;
    }
    l->v[l->n++] = v;
    return 0;
}

/* ---- filter totals -------------------------------------------------------------------- */

/* Sum the filter-type sizes strictly below v from its children's totals and
 * set what the vertex tracks, as match_prime_filters() does at each vertex
 * (its children must be up to date). */
static void refresh_vertex(matcher_t *m, vtx_t v)
{
    size_t st = (size_t) m->fstride;
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    int64_t *tot = &m->ftot[(size_t) v * st];
    memset(tot, 0, st * sizeof(*tot));
    for (int i = 0; i < n; i++) {
        const int64_t *ct = &m->ftot[(size_t) ch[i] * st];
        atom_t t = graph_type(m->g, ch[i]);
        for (size_t k = 0; k < st; k++)
            tot[k] += ct[k] + (t == m->ftypes[k] ? graph_size(m->g, ch[i]) : 0);
    }
    match_set_filter_state(m, v);
}

/* Refresh the subtree of v, children first. */
static void refresh_subtree(matcher_t *m, vtx_t v)
{
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    for (int i = 0; i < n; i++)
        refresh_subtree(m, ch[i]);
    refresh_vertex(m, v);
}

/* Append v's ancestors not yet marked (sseq == mark) to out and mark
 * them, every ancestor after its own ancestors: out read backwards is
 * children first.  Vertices marked `stop` (a subtree being removed) are
 * neither collected nor walked through. */
static int collect_ancestors(matcher_t *m, vtx_t v, int32_t mark, int32_t stop,
                             struct vlist *out)
{
    int n = 0;
    const vtx_t *p = graph_parents(m->g, m->dom, v, &n);
    for (int i = 0; i < n; i++) {
        if (m->sseq[p[i]] == mark || m->sseq[p[i]] == stop)
            continue;
        m->sseq[p[i]] = mark;
        if (collect_ancestors(m, p[i], mark, stop, out) < 0 || vlist_push(out, p[i]) < 0)
            return -1;
    }
    return 0;
}

/* Refresh the ancestors in anc (children first) and give their filter
 * planners the new totals.  -1 if a planner refused them (EBUSY: spans use
 * more than the new total, which a consistent state never has). */
static int refresh_ancestors(matcher_t *m, const struct vlist *anc)
{
    int rc = 0;
    for (size_t i = anc->n; i-- > 0;) {
        vtx_t a = anc->v[i];
        refresh_vertex(m, a);
        if (!m->filt[a])
            continue;
        int64_t tot[MATCH_MAX_FILTERS], vec[MATCH_MAX_FILTERS + 1];
        const char *names[MATCH_MAX_FILTERS + 1];
        match_plan_totals(m, a, tot);
        size_t nd = match_filter_vec(m, a, tot, vec);
        match_filter_names(m, a, names);
        if (planner_multi_update(m->filt[a], vec, names, nd) < 0)
            rc = -1;
    }
    return rc;
}

/* Filter atoms and well-known types: the graph may know new ones now. */
static void refresh_atoms(matcher_t *m)
{
    m->a_node = graph_atom_find(m->g, "node");
    m->a_storage_node = graph_atom_find(m->g, "storage_node");
    for (int k = 0; k < m->nf; k++)
        m->ftypes[k] = graph_atom_find(m->g, m->fnames[k]);
}

/* ---- job filter spans ----------------------------------------------------------------- */

/* Re-add one job's filter spans: each vertex of the job gets the amounts of
 * filter types the job holds exclusively below it.  acc: nv * nf zeroes,
 * left zeroed. */
static int refilter_job(matcher_t *m, struct mjob *j, int64_t *acc)
{
    size_t nf = (size_t) m->nf;
    for (size_t i = 0; i < j->nspans; i++) {
        const struct mspan *sp = &j->spans[i];
        atom_t t = graph_type(m->g, sp->v);
        for (int k = 0; k < m->nf; k++) {
            if (!sp->excl || m->ftypes[k] != t)
                continue;
            for (vtx_t a = first_parent(m, sp->v); a != VTX_NONE; a = first_parent(m, a))
                acc[(size_t) a * nf + (size_t) k] += sp->needs;
        }
    }
    int rc = 0;
    for (size_t i = 0; i < j->nspans; i++) {
        struct mspan *sp = &j->spans[i];
        int64_t *amt = &acc[(size_t) sp->v * nf];
        bool any = false;
        for (int k = 0; k < m->nf; k++)
            any = any || amt[k] > 0;
        sp->filter_span = 0;
        if (any && m->fmask[sp->v] && rc == 0) {
            int64_t vec[MATCH_MAX_FILTERS + 1];
            size_t nd = match_filter_vec(m, sp->v, amt, vec);
            if (!m->filt[sp->v]) {
                int64_t tot[MATCH_MAX_FILTERS], tvec[MATCH_MAX_FILTERS + 1];
                const char *names[MATCH_MAX_FILTERS + 1];
                match_plan_totals(m, sp->v, tot);
                match_filter_vec(m, sp->v, tot, tvec);
                match_filter_names(m, sp->v, names);
                m->filt[sp->v] = planner_multi_create(
                    m->graph_start, m->graph_end - m->graph_start, tvec, names, nd);
            }
            if (!m->filt[sp->v] || (sp->filter_span = planner_multi_add_span(
                                        m->filt[sp->v], j->at, j->duration, vec, nd)) < 0) {
                sp->filter_span = 0;
                rc = -1;
            }
        }
        memset(amt, 0, nf * sizeof(*amt));
    }
    /* ancestors outside the job may have been touched too: clear them */
    for (size_t i = 0; i < j->nspans; i++)
        for (vtx_t a = first_parent(m, j->spans[i].v); a != VTX_NONE; a = first_parent(m, a))
            memset(&acc[(size_t) a * nf], 0, nf * sizeof(*acc));
    return rc;
}

/* Rebuild the filter spans of jobs js[0..n) (their old ones are gone).  The
 * scratch is calloc'ed: the kernel hands out zero pages, so only the pages
 * of the jobs' vertices are ever touched. */
static int refilter_jobs(matcher_t *m, struct mjob *const *js, size_t n)
{
    if (m->nf == 0 || n == 0)
        return 0;
    int64_t *acc = calloc((size_t) m->nv * (size_t) m->nf, sizeof(*acc));
    if (!acc)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        if (refilter_job(m, js[i], acc) < 0)
            rc = -1;
    free(acc);
    return rc;
}

static void drop_filter_spans(matcher_t *m, struct mjob *j)
{
    for (size_t i = 0; i < j->nspans; i++) {
        struct mspan *sp = &j->spans[i];
        if (sp->filter_span > 0)
            planner_multi_rem_span(m->filt[sp->v], sp->filter_span);
        sp->filter_span = 0;
    }
}

/* Prime every filter again and rebuild every job's filter spans: O(V). */
int match_refilter(matcher_t *m)
{
    if (match_grow_state(m) < 0)
        return -1;
    refresh_atoms(m);
    match_prime_filters(m);
    if (m->nf == 0 || m->njobs == 0)
        return 0;
    /* refilter_job reads the records: none below a hold's root */
    for (size_t i = 0; i < m->njobs; i++)
        if (match_job_unhold(m, &m->jobs[i]) < 0)
            return -1;
    int64_t *acc = calloc((size_t) m->nv * (size_t) m->nf, sizeof(*acc));
    if (!acc)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < m->njobs; i++)
        if (refilter_job(m, &m->jobs[i], acc) < 0)
            rc = -1;
    free(acc);
    return rc;
}

/* ---- stale root search keys ------------------------------------------------------------- */

/* The reference finds a reservation's candidate times on the root filter's
 * first type through an index of its points keyed by their free amount.
 * Re-sizing a filter (attach, remove) changes the points' free amounts but
 * not that index: a point keeps its former key until a span over it is
 * added or removed.  t3028 009: node3 is attached while job 1 holds node0
 * over [0, 3600) and job 2 has it reserved over [3600, 7200); job 4 takes
 * node3 over [0, 3600), job 1 is cancelled, job 5 takes node0 over
 * [0, 3600).  The point at 3600 (where jobs 4 and 5 end, job 2 starts) is
 * never inside a span added or removed since the attach: its key is still
 * 0 free cores of the former 36 (36 of 72 in truth), so job 7 skips 3600
 * on node3 and gets node0 at 7200 (key 36), as the reference's
 * expected output shows. */

static int cmp_time(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

static int cmp_stale_t(const void *key, const void *elt)
{
    int64_t t = *(const int64_t *) key, u = ((const struct mstale *) elt)->t;
    return (t > u) - (t < u);
}

static struct mstale *stale_find(const matcher_t *m, int64_t t)
{
    if (m->nstale == 0)
        return NULL;
    return bsearch(&t, m->stale, m->nstale, sizeof(*m->stale), cmp_stale_t);
}

/* The root's filter totals, to compare before and after a change. */
static void root_totals(const matcher_t *m, int64_t *tot)
{
    vtx_t root = graph_root(m->g, m->dom);
    for (int k = 0; k < m->nf; k++)
        tot[k] = root == VTX_NONE ? 0 : match_ftot(m, root, k);
}

/* The distinct start and end times of the jobs after the graph start (the
 * points of the root filter; the start point is never a candidate), sorted.
 * NULL with *n = 0 when there are none (or out of memory: -1 in *n). */
static int64_t *job_points(const matcher_t *m, size_t *n)
{
    *n = 0;
    int64_t *t = malloc(2 * m->njobs * sizeof(*t));
    if (!t) {
        *n = (size_t) -1;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < m->njobs; i++) {
        int64_t s = m->jobs[i].at, e = s + m->jobs[i].duration;
        if (s > m->graph_start)
            t[k++] = s;
        if (e > m->graph_start)
            t[k++] = e;
    }
    qsort(t, k, sizeof(*t), cmp_time);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (u == 0 || t[i] != t[u - 1])
            t[u++] = t[i];
    *n = u;
    return t;
}

static bool delta_zero(const int64_t *d, int nf)
{
    for (int k = 0; k < nf; k++)
        if (d[k] != 0)
            return false;
    return true;
}

/* The root's totals went from before[] to what they are now: every point
 * the jobs make keeps its key, i.e. its stale delta grows by the change.
 * 0, or -1 (ENOMEM) with the stale points unchanged. */
static int stale_record(matcher_t *m, const int64_t *before)
{
    int64_t d[MATCH_MAX_FILTERS];
    root_totals(m, d);
    for (int k = 0; k < m->nf; k++)
        d[k] -= before[k];
    if (!m->stale_keys || m->njobs == 0 || m->nf == 0 || delta_zero(d, m->nf))
        return 0;
    size_t np;
    int64_t *pts = job_points(m, &np);
    if (np == (size_t) -1)
        return -1;
    struct mstale *out = malloc((m->nstale + np + 1) * sizeof(*out));
    if (!out) {
        free(pts);
        return -1;
    }
    /* merge the old points and the jobs' (both sorted), adding d to the
     * jobs'; a point back at zero delta is keyed right again */
    size_t i = 0, j = 0, n = 0;
    while (i < m->nstale || j < np) {
        struct mstale e;
        if (j == np || (i < m->nstale && m->stale[i].t < pts[j])) {
            e = m->stale[i++];
        } else {
            if (i < m->nstale && m->stale[i].t == pts[j])
                e = m->stale[i++];
            else
                memset(&e, 0, sizeof(e));
            e.t = pts[j++];
            for (int k = 0; k < m->nf; k++)
                e.delta[k] += d[k];
        }
        if (!delta_zero(e.delta, m->nf))
            out[n++] = e;
    }
    free(pts);
    free(m->stale);
    m->stale = out;
    m->nstale = n;
    return 0;
}

/* Index of the first stale point at or after t. */
static size_t stale_lower(const matcher_t *m, int64_t t)
{
    size_t lo = 0, hi = m->nstale;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->stale[mid].t < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Drop the stale points in [from, to) (binary search: a commit costs
 * O(log n) plus what it drops). */
static void stale_drop(matcher_t *m, int64_t from, int64_t to)
{
    size_t i = stale_lower(m, from), j = stale_lower(m, to);
    if (j <= i)
        return;
    memmove(&m->stale[i], &m->stale[j], (m->nstale - j) * sizeof(*m->stale));
    m->nstale -= j - i;
}

void match_stale_touch(matcher_t *m, int64_t at, int64_t duration)
{
    if (!m || m->nstale == 0 || duration < 1)
        return;
    stale_drop(m, at, at + duration);
}

/* true if a job other than j starts or ends at t. */
static bool other_point(const matcher_t *m, const struct mjob *j, int64_t t)
{
    for (size_t i = 0; i < m->njobs; i++) {
        const struct mjob *o = &m->jobs[i];
        if (o != j && (o->at == t || o->at + o->duration == t))
            return true;
    }
    return false;
}

void match_stale_gone(matcher_t *m, const struct mjob *j)
{
    if (!m || !j || m->nstale == 0)
        return;
    int64_t end = j->at + j->duration;
    bool goes = stale_find(m, end) && !other_point(m, j, end);
    stale_drop(m, j->at, end);
    if (goes)
        stale_drop(m, end, end + 1);
}

bool match_stale_admits(const matcher_t *m, int64_t t, const int64_t *tot)
{
    if (!m || !tot)
        return true;
    const struct mstale *e = stale_find(m, t);
    vtx_t root = graph_root(m->g, m->dom);
    if (!e || root == VTX_NONE || !m->fmask[root])
        return true;
    int k = 0;
    while (!(m->fmask[root] & (1u << k)))
        k++;
    int64_t key = match_filter_avail(m, root, k, t, 1) - e->delta[k];
    return tot[k] <= key;
}

/* ---- attach ----------------------------------------------------------------------------- */

/* Whether v hangs below the root (its first parents lead there). */
static bool below_root(const matcher_t *m, vtx_t v)
{
    vtx_t root = graph_root(m->g, m->dom), a = v;
    for (vtx_t p = first_parent(m, a); p != VTX_NONE; p = first_parent(m, p))
        a = p;
    return a == root && v != root;
}

/* acc[k] += sign * the sizes of v's subtree's (v included) vertices of
 * each anchor type: what the subtree adds to the root's anchor totals. */
static void add_anchors(const matcher_t *m, vtx_t v, int64_t *acc, int sign)
{
    int64_t sum[MATCH_MAX_FILTERS] = {0};
    atom_t t = graph_type(m->g, v);
    for (int k = m->fstride; k < m->nf; k++)
        if (t == m->ftypes[k])
            sum[k] += graph_size(m->g, v);
    if (m->fstride < m->nf)
        match_anchors_below(m, v, sum);
    for (int k = m->fstride; k < m->nf; k++)
        acc[k] += sign * sum[k];
}

/* Prime what an attach added: vertices [from, nv) hanging below older ones
 * (a new vertex with no older parent is either below another new one or
 * unreachable from the root, which priming from the root never visits
 * either), then the older ancestors. */
static int prime_growth(matcher_t *m, vtx_t from)
{
    struct vlist anc = {0};
    int32_t mark = ++m->seq;
    int rc = 0;
    for (vtx_t v = from; v < m->nv && rc == 0; v++) {
        vtx_t p = first_parent(m, v);
        if (!graph_vertex_live(m->g, v) || p == VTX_NONE || p >= from)
            continue;
        refresh_subtree(m, v);
        rc = collect_ancestors(m, v, mark, mark, &anc);
        if (below_root(m, v))
            add_anchors(m, v, m->atot, 1);
    }
    if (rc == 0 && refresh_ancestors(m, &anc) < 0)
        rc = match_refilter(m);
    free(anc.v);
    return rc;
}

static void reset_weights(matcher_t *m);

int match_prime_attached(matcher_t *m, vtx_t from)
{
    if (!m || from < 0 || from > graph_vertex_count(m->g)) {
        errno = EINVAL;
        return -1;
    }
    int64_t before[MATCH_MAX_FILTERS];
    root_totals(m, before);
    int rc;
    if (graph_full_rebuild(m->g)) {
        rc = match_refilter(m);
    } else {
        if (match_grow_state(m) < 0)
            return -1;
        refresh_atoms(m);
        if (m->fstride < m->nf && match_root_type_below(m, from, m->nv)) {
            /* the anchor entries now name a vertex below the root */
            int64_t *wide = calloc((size_t) m->nv * (size_t) m->nf, sizeof(*wide));
            if (!wide)
                return -1;
            free(m->ftot);
            m->ftot = wide;
            m->fstride = m->nf;
            rc = match_refilter(m);
        } else {
            rc = m->nf > 0 ? prime_growth(m, from) : 0;
        }
        reset_weights(m);
    }
    if (rc == 0 && stale_record(m, before) < 0) {
        errno = ENOMEM;
        rc = -1;
    }
    return rc;
}

int match_attach(matcher_t *m, const char *jgf_text, struct st_error *err)
{
    if (!m || !jgf_text)
        return st_errorf(err, EINVAL, "invalid argument");
    if (m->njobs > 0)
        return st_errorf(err, EBUSY, "attach isn't supported while jobs exist");
    vtx_t from = graph_vertex_count(m->g);
    if (reader_jgf_attach(m->g, jgf_text, "JGF", err) < 0)
        return -1;
    if (match_prime_attached(m, from) < 0)
        return st_errorf(err, ENOMEM, "out of memory");
    return 0;
}

/* ---- remove ----------------------------------------------------------------------------- */

/* What one removal touches: the subtree (sseq == sub), the ancestors of its
 * roots (sseq == anc, not in the subtree), the jobs that held something in
 * the subtree. */
struct removal {
    int32_t sub, anc;
    struct vlist gone;      /* the subtree, roots first */
    struct vlist ancestors; /* every ancestor after its own ancestors */
    struct mjob **jobs;
    size_t njobs;
};

static void removal_free(struct removal *r)
{
    free(r->gone.v);
    free(r->ancestors.v);
    free(r->jobs);
}

static int mark_subtree(matcher_t *m, vtx_t v, struct removal *r)
{
    if (m->sseq[v] == r->sub)
        return 0;
    m->sseq[v] = r->sub;
    if (vlist_push(&r->gone, v) < 0)
        return -1;
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    for (int i = 0; i < n; i++)
        if (mark_subtree(m, ch[i], r) < 0)
            return -1;
    return 0;
}

/* Mark the subtrees of roots[], then their ancestors. */
static int mark_removal(matcher_t *m, const vtx_t *roots, int n, struct removal *r)
{
    r->sub = ++m->seq;
    for (int i = 0; i < n; i++)
        if (mark_subtree(m, roots[i], r) < 0)
            return -1;
    r->anc = ++m->seq;
    for (int i = 0; i < n; i++)
        if (collect_ancestors(m, roots[i], r->anc, r->sub, &r->ancestors) < 0)
            return -1;
    return 0;
}

static bool job_touched(const matcher_t *m, const struct mjob *j, int32_t sub)
{
    for (size_t s = 0; s < j->nspans; s++)
        if (m->sseq[j->spans[s].v] == sub)
            return true;
    return false;
}

/* Drop a touched job's hold on the subtree.  Its filter spans go too (they
 * are rebuilt once the totals are right); a job left with nothing but
 * shared ancestors of removed vertices is gone.  Returns true if the job
 * remains. */
static bool release_subtree(matcher_t *m, struct mjob *j, const struct removal *r)
{
    drop_filter_spans(m, j);
    size_t k = 0;
    for (size_t s = 0; s < j->nspans; s++) {
        struct mspan *sp = &j->spans[s];
        if (m->sseq[sp->v] == r->sub) {
            match_span_release(m, sp);
            continue;
        }
        j->spans[k++] = *sp;
    }
    bool left = false;
    for (size_t x = 0; x < k && !left; x++)
        left = j->spans[x].excl || m->sseq[j->spans[x].v] != r->anc;
    j->nspans = k;
    if (!left)
        match_release_job(m, j);
    return left;
}

/* Release the jobs holding something in the subtree; r->jobs gets the ones
 * that remain.  Job ids are collected first: dropping a job moves the
 * table. */
static int release_jobs(matcher_t *m, struct removal *r)
{
    size_t n = 0;
    for (size_t i = 0; i < m->njobs; i++)
        n += job_touched(m, &m->jobs[i], r->sub);
    if (n == 0)
        return 0;
    int64_t *ids = malloc(n * sizeof(*ids));
    r->jobs = malloc(n * sizeof(*r->jobs));
    if (!ids || !r->jobs) {
        free(ids);
        return -1;
    }
    n = 0;
    for (size_t i = 0; i < m->njobs; i++)
        if (job_touched(m, &m->jobs[i], r->sub))
            ids[n++] = m->jobs[i].id;
    for (size_t i = 0; i < n; i++) {
        struct mjob *j = match_job_find(m, ids[i]);
        if (!release_subtree(m, j, r))
            match_job_drop(m, j);
    }
    /* pointers only now: the drops above moved the table */
    for (size_t i = 0; i < n; i++) {
        struct mjob *j = match_job_find(m, ids[i]);
        if (j)
            r->jobs[r->njobs++] = j;
    }
    free(ids);
    return 0;
}

/* The subtree's planners go with it; its vertices stop tracking filters. */
static void drop_subtree_state(matcher_t *m, const struct removal *r)
{
    for (size_t i = 0; i < r->gone.n; i++) {
        vtx_t v = r->gone.v[i];
        planner_destroy(m->plans[v]);
        planner_destroy(m->xchk[v]);
        planner_multi_destroy(m->filt[v]);
        m->plans[v] = NULL;
        m->xchk[v] = NULL;
        m->filt[v] = NULL;
        m->fmask[v] = 0;
        m->fspec[v] = 0;
    }
}

/* What the removed subtrees held of each anchor type (gone[k], k >=
 * fstride), if they hang below the root (its totals lose it). */
static void gone_anchors(const matcher_t *m, const struct removal *r, int64_t *gone)
{
    memset(gone, 0, MATCH_MAX_FILTERS * sizeof(*gone));
    vtx_t root = graph_root(m->g, m->dom);
    if (root == VTX_NONE || m->sseq[root] != r->anc)
        return;
    for (size_t i = 0; i < r->gone.n; i++) {
        atom_t t = graph_type(m->g, r->gone.v[i]);
        for (int k = m->fstride; k < m->nf; k++)
            if (t == m->ftypes[k])
                gone[k] += graph_size(m->g, r->gone.v[i]);
    }
}

/* The first policy's child weights back to the static totals, as priming
 * every filter did: the former remove re-primed the whole graph, and output
 * order under `first` depends on these weights, so the outputs stay those
 * of that full re-prime.  (Without jobs every weight is its total already:
 * nothing to do, so a removal on an idle graph stays O(subtree).)  One pass
 * over two arrays, no allocation. */
static void reset_weights(matcher_t *m)
{
    if (m->njobs == 0 || m->nf == 0 || !m->weight)
        return;
    for (vtx_t v = 0; v < m->nv; v++)
        m->weight[v] = match_weight_static(m, v);
}

/* Remove the subtrees of roots[0..n) (live vertices of the dominant
 * subsystem, none the root). */
static int remove_roots(matcher_t *m, const vtx_t *roots, int n, struct st_error *err)
{
    struct removal r;
    memset(&r, 0, sizeof(r));
    int rc = -1;
    int64_t before[MATCH_MAX_FILTERS];
    root_totals(m, before);
    /* what follows reads the jobs' records: held subtrees have none below
     * their root (match_private.h, struct mspan) */
    for (size_t i = 0; i < m->njobs; i++) {
        if (match_job_unhold(m, &m->jobs[i]) < 0) {
            st_errorf(err, ENOMEM, "out of memory");
            goto done;
        }
    }
    if (mark_removal(m, roots, n, &r) < 0 || release_jobs(m, &r) < 0) {
        st_errorf(err, ENOMEM, "out of memory");
        goto done;
    }
    int64_t gone[MATCH_MAX_FILTERS];
    gone_anchors(m, &r, gone);
    if (graph_remove_subtrees(m->g, roots, n, m->dom) < 0) {
        st_errorf(err, errno, "can't remove %s", graph_name(m->g, roots[0]));
        goto done;
    }
    for (int k = m->fstride; k < m->nf; k++)
        m->atot[k] -= gone[k];
    drop_subtree_state(m, &r);
    if (graph_full_rebuild(m->g))
        rc = match_refilter(m);
    else if (m->nf == 0)
        rc = 0;
    else if (refresh_ancestors(m, &r.ancestors) < 0)
        rc = match_refilter(m);
    else
        rc = refilter_jobs(m, r.jobs, r.njobs);
    reset_weights(m);
    if (rc == 0)
        rc = stale_record(m, before);
    if (rc < 0)
        st_errorf(err, ENOMEM, "out of memory");
done:
    removal_free(&r);
    return rc;
}

int match_remove_path(matcher_t *m, const char *path, struct st_error *err)
{
    if (!m || !path)
        return st_errorf(err, EINVAL, "invalid argument");
    vtx_t v = graph_find_path(m->g, path);
    if (v == VTX_NONE || !graph_vertex_live(m->g, v))
        return st_errorf(err, ENOENT, "path %s not found in the resource graph", path);
    if (v == graph_root(m->g, m->dom))
        return st_errorf(err, EINVAL, "can't remove the root %s", path);
    if (match_grow_state(m) < 0)
        return st_errorf(err, ENOMEM, "out of memory");
    return remove_roots(m, &v, 1, err);
}

/* The topmost vertices of the ranks of ids: those whose parent has another
 * rank. */
static int rank_roots(matcher_t *m, const idset_t *ids, struct vlist *roots)
{
    for (int64_t r = idset_first(ids); r >= 0; r = idset_next(ids, r)) {
        int nr = 0;
        const vtx_t *vs = graph_by_rank(m->g, (int32_t) r, &nr);
        for (int i = 0; i < nr; i++) {
            vtx_t p = first_parent(m, vs[i]);
            if (p != VTX_NONE && graph_rank(m->g, p) != (int32_t) r && vlist_push(roots, vs[i]) < 0)
                return -1;
        }
    }
    return 0;
}

int match_remove_ranks(matcher_t *m, const char *ranks, struct st_error *err)
{
    if (!m || !ranks)
        return st_errorf(err, EINVAL, "invalid argument");
    idset_t *ids = idset_decode(ranks, err);
    if (!ids)
        return -1;
    struct vlist roots = {0};
    int rc = -1;
    if (match_grow_state(m) < 0 || rank_roots(m, ids, &roots) < 0) {
        st_errorf(err, ENOMEM, "out of memory");
    } else if (roots.n == 0) {
        reset_weights(m); /* the former remove re-primed even then */
        rc = 0;
    } else {
        rc = remove_roots(m, roots.v, (int) roots.n, err);
    }
    idset_destroy(ids);
    free(roots.v);
    return rc;
}
