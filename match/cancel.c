/* cancel: partial release of an allocation described by an R.
 *
 * An rv1exec R names broker ranks: every vertex of the job on those ranks
 * (or below a vertex on them) is released.  A JGF R names vertices by path:
 * those of the job are released.  A released vertex loses all of the job's
 * spans; the job's ancestors of it keep their x_checker spans but their
 * filter spans shrink by what was released below them.  When what remains
 * of the job is only shared ancestors of released vertices, the job is gone
 * (*full is set) and everything is released.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_private.h"
#include "resource/idset.h"
#include "resource/reader.h"

/* The rank a vertex runs on: its own, else its nearest ranked ancestor's. */
static int32_t effective_rank(const matcher_t *m, vtx_t v)
{
    while (v != VTX_NONE) {
        int32_t r = graph_rank(m->g, v);
        if (r >= 0)
            return r;
        int n = 0;
        const vtx_t *p = graph_parents(m->g, m->dom, v, &n);
        v = n > 0 ? p[0] : VTX_NONE;
    }
    return -1;
}

/* Mark (sseq == seq) the job's vertices the R names. */
static int mark_rv1(matcher_t *m, const struct mjob *j, const char *text, struct st_error *err)
{
    struct reader_rv1 *r = reader_rv1_parse(text, "R", err);
    if (!r)
        return -1;
    for (size_t i = 0; i < j->nspans; i++) {
        int32_t rank = effective_rank(m, j->spans[i].v);
        if (rank >= 0 && idset_test(r->all_ranks, rank))
            m->sseq[j->spans[i].v] = m->seq;
    }
    reader_rv1_destroy(r);
    return 0;
}

static int mark_jgf(matcher_t *m, const struct mjob *j, const char *text, struct st_error *err)
{
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(text, "R", err);
    if (!doc)
        return -1;
    vtx_t *map = calloc(doc->nvertices + 1, sizeof(*map));
    if (!map) {
        reader_jgf_doc_destroy(doc);
        return st_errorf(err, ENOMEM, "out of memory");
    }
    reader_jgf_doc_resolve(doc, m->g, map);
    /* Mark the named vertices first, then keep only the job's. */
    int32_t named = ++m->seq;
    for (size_t i = 0; i < doc->nvertices; i++)
        if (map[i] != VTX_NONE)
            m->sseq[map[i]] = named;
    int32_t mine = ++m->seq;
    for (size_t i = 0; i < j->nspans; i++)
        if (m->sseq[j->spans[i].v] == named)
            m->sseq[j->spans[i].v] = mine;
    free(map);
    reader_jgf_doc_destroy(doc);
    return 0;
}

/* Shrink the filter spans of the job's remaining vertices by what the
 * released vertex v held below (and at) them. */
static void shrink_ancestors(matcher_t *m, const struct mjob *j, const struct mspan *sp,
                             const int32_t *index)
{
    atom_t t = graph_type(m->g, sp->v);
    int k = -1;
    for (int i = 0; i < m->nf; i++)
        if (m->ftypes[i] == t)
            k = i;
    if (k < 0 || !sp->excl)
        return;
    int64_t amounts[MATCH_MAX_FILTERS] = {0};
    amounts[k] = sp->needs;
    int n = 0;
    const vtx_t *p = graph_parents(m->g, m->dom, sp->v, &n);
    for (vtx_t a = n > 0 ? p[0] : VTX_NONE; a != VTX_NONE;) {
        int32_t ji = index[a];
        if (ji >= 0 && m->sseq[a] != m->seq && j->spans[ji].filter_span > 0) {
            bool removed = false;
            if (planner_multi_reduce_span(m->filt[a], j->spans[ji].filter_span, amounts,
                                          (size_t) m->nf, &removed) == 0 &&
                removed)
                j->spans[ji].filter_span = 0;
        }
        p = graph_parents(m->g, m->dom, a, &n);
        a = n > 0 ? p[0] : VTX_NONE;
    }
}

static void release_span(matcher_t *m, struct mspan *sp)
{
    match_span_release(m, sp);
    sp->plan_span = sp->xchk_span = sp->filter_span = 0;
}

/* true if something of the job remains that is not a mere ancestor of a
 * released vertex. */
static bool job_remains(matcher_t *m, const struct mjob *j, int32_t anc)
{
    for (size_t i = 0; i < j->nspans; i++) {
        vtx_t v = j->spans[i].v;
        if (m->sseq[v] == m->seq)
            continue;
        if (m->sparent[v] != anc)
            return true;
    }
    return false;
}

int match_partial_cancel(matcher_t *m, int64_t jobid, const char *reader, const char *r_text,
                         bool *full, struct match_stats *stats, struct st_error *err)
{
    if (!m || !reader || !r_text || !full)
        return st_errorf(err, EINVAL, "invalid argument");
    struct mjob *j = match_job_find(m, jobid);
    if (!j)
        return st_errorf(err, ENOENT, "nonexistent job %jd", (intmax_t) jobid);
    if (j->reserved)
        return st_errorf(err, EINVAL, "reservations not currently supported by partial cancel");
    bool rv1 = strcmp(reader, "rv1exec") == 0;
    if (!rv1 && strcmp(reader, "jgf") != 0)
        return st_errorf(err, EINVAL, "unsupported reader %s", reader);
    if (match_grow_state(m) < 0)
        return st_errorf(err, ENOMEM, "out of memory");
    /* The release walks the job's record, not the graph: no visits. */
    if (stats)
        stats->preorder = stats->postorder = 0;
    /* Released vertices may be part of a held subtree: give every vertex
     * its own record and spans (the job's state without holds) first. */
    if (match_job_unhold(m, j) < 0)
        return st_errorf(err, ENOMEM, "out of memory");
    m->seq++;
    if ((rv1 ? mark_rv1(m, j, r_text, err) : mark_jgf(m, j, r_text, err)) < 0)
        return -1;
    int32_t *index = malloc((size_t) m->nv * sizeof(*index));
    if (!index)
        return st_errorf(err, ENOMEM, "out of memory");

    for (int32_t v = 0; v < m->nv; v++)
        index[v] = -1;
    for (size_t i = 0; i < j->nspans; i++)
        index[j->spans[i].v] = (int32_t) i;
    /* Ancestors of released vertices are marked through sparent with a
     * sentinel so that job_remains() can tell them apart. */
    int32_t released = m->seq;
    vtx_t anc = -2;
    for (size_t i = 0; i < j->nspans; i++) {
        struct mspan *sp = &j->spans[i];
        if (m->sseq[sp->v] != released)
            continue;
        shrink_ancestors(m, j, sp, index);
        release_span(m, sp);
        int n = 0;
        const vtx_t *p = graph_parents(m->g, m->dom, sp->v, &n);
        for (vtx_t a = n > 0 ? p[0] : VTX_NONE; a != VTX_NONE;) {
            if (index[a] >= 0 && m->sseq[a] != released)
                m->sparent[a] = anc;
            p = graph_parents(m->g, m->dom, a, &n);
            a = n > 0 ? p[0] : VTX_NONE;
        }
    }
    for (size_t i = 0; i < j->nspans; i++) {
        vtx_t v = j->spans[i].v;
        if (m->sseq[v] != released && m->sparent[v] != anc)
            m->sparent[v] = VTX_NONE;
    }
    *full = !job_remains(m, j, anc);
    /* Keep only what is still held. */
    size_t k = 0;
    for (size_t i = 0; i < j->nspans; i++)
        if (m->sseq[j->spans[i].v] != released)
            j->spans[k++] = j->spans[i];
    j->nspans = k;
    free(index);
    if (*full) {
        match_release_job(m, j);
        match_job_drop(m, j);
    }
    return 0;
}
