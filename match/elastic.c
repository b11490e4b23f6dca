/* elastic: growing (attach) and shrinking (remove) the graph under a
 * matcher.  Both change subtree totals, so the pruning filters are primed
 * again and the jobs' filter spans rebuilt from their exclusive vertices.
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

/* Re-add one job's filter spans: each vertex of the job gets the amounts of
 * filter types the job holds exclusively below it. */
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
            if (!m->filt[sp->v]) {
                int64_t tot[MATCH_MAX_FILTERS];
                for (int k = 0; k < m->nf; k++)
                    tot[k] = m->ftot[(size_t) sp->v * nf + (size_t) k];
                m->filt[sp->v] =
                    planner_multi_create(m->graph_start, m->graph_end - m->graph_start, tot,
                                         (const char *const *) m->fnames, nf);
            }
            if (!m->filt[sp->v] || (sp->filter_span = planner_multi_add_span(
                                        m->filt[sp->v], j->at, j->duration, amt, nf)) < 0) {
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

int match_refilter(matcher_t *m)
{
    if (match_grow_state(m) < 0)
        return -1;
    /* The graph may now know types it did not know at creation. */
    m->a_node = graph_atom_find(m->g, "node");
    m->a_storage_node = graph_atom_find(m->g, "storage_node");
    for (int k = 0; k < m->nf; k++)
        m->ftypes[k] = graph_atom_find(m->g, m->fnames[k]);
    match_prime_filters(m);
    if (m->nf == 0 || m->njobs == 0)
        return 0;
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

int match_attach(matcher_t *m, const char *jgf_text, struct st_error *err)
{
    if (!m || !jgf_text)
        return st_errorf(err, EINVAL, "invalid argument");
    if (m->njobs > 0)
        return st_errorf(err, EBUSY, "attach isn't supported while jobs exist");
    if (reader_jgf_attach(m->g, jgf_text, "JGF", err) < 0)
        return -1;
    if (match_refilter(m) < 0)
        return st_errorf(err, ENOMEM, "out of memory");
    return 0;
}

/* Drop every job's hold on the vertices marked with the current sequence
 * (about to be removed); jobs left with nothing but shared ancestors of
 * removed vertices (anc[v] set) are gone. */
static void release_marked(matcher_t *m, const uint8_t *anc)
{
    for (size_t i = 0; i < m->njobs;) {
        struct mjob *j = &m->jobs[i];
        size_t k = 0;
        for (size_t s = 0; s < j->nspans; s++) {
            struct mspan *sp = &j->spans[s];
            if (m->sseq[sp->v] == m->seq) {
                match_span_release(m, sp);
                continue;
            }
            j->spans[k++] = *sp;
        }
        bool left = false;
        for (size_t x = 0; x < k && !left; x++)
            left = j->spans[x].excl || !anc[j->spans[x].v];
        j->nspans = k;
        if (!left) {
            match_release_job(m, j);
            match_job_drop(m, j);
            continue;
        }
        i++;
    }
}

static void mark_subtree(matcher_t *m, vtx_t v)
{
    m->sseq[v] = m->seq;
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    for (int i = 0; i < n; i++)
        mark_subtree(m, ch[i]);
}

static int remove_marked_roots(matcher_t *m, const vtx_t *roots, int n, struct st_error *err)
{
    uint8_t *anc = calloc((size_t) m->nv + 1, 1);
    if (!anc)
        return st_errorf(err, ENOMEM, "out of memory");
    m->seq++;
    for (int i = 0; i < n; i++) {
        mark_subtree(m, roots[i]);
        for (vtx_t a = first_parent(m, roots[i]); a != VTX_NONE; a = first_parent(m, a))
            anc[a] = 1;
    }
    release_marked(m, anc);
    free(anc);
    for (int i = 0; i < n; i++)
        if (graph_vertex_live(m->g, roots[i]) &&
            graph_remove_subtree(m->g, roots[i], m->dom) < 0)
            return st_errorf(err, errno, "can't remove %s", graph_name(m->g, roots[i]));
    for (int32_t v = 0; v < m->nv; v++) {
        if (m->sseq[v] != m->seq)
            continue;
        planner_destroy(m->plans[v]);
        planner_destroy(m->xchk[v]);
        m->plans[v] = NULL;
        m->xchk[v] = NULL;
    }
    if (match_refilter(m) < 0)
        return st_errorf(err, ENOMEM, "out of memory");
    return 0;
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
    return remove_marked_roots(m, &v, 1, err);
}

int match_remove_ranks(matcher_t *m, const char *ranks, struct st_error *err)
{
    if (!m || !ranks)
        return st_errorf(err, EINVAL, "invalid argument");
    idset_t *ids = idset_decode(ranks, err);
    if (!ids)
        return -1;
    if (match_grow_state(m) < 0) {
        idset_destroy(ids);
        return st_errorf(err, ENOMEM, "out of memory");
    }
    /* The topmost vertex of each rank: one whose parent has another rank. */
    vtx_t *roots = malloc(((size_t) m->nv + 1) * sizeof(*roots));
    int n = 0;
    for (int64_t r = idset_first(ids); roots && r >= 0; r = idset_next(ids, r)) {
        int nr = 0;
        const vtx_t *vs = graph_by_rank(m->g, (int32_t) r, &nr);
        for (int i = 0; i < nr; i++) {
            vtx_t p = first_parent(m, vs[i]);
            if (p != VTX_NONE && graph_rank(m->g, p) != (int32_t) r)
                roots[n++] = vs[i];
        }
    }
    idset_destroy(ids);
    if (!roots)
        return st_errorf(err, ENOMEM, "out of memory");
    int rc = remove_marked_roots(m, roots, n, err);
    free(roots);
    return rc;
}
