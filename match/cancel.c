/* cancel: partial release of an allocation described by an R.
 *
 * An rv1exec R names broker ranks: every vertex of the job on those ranks
 * (or below a vertex on them) is released.  A JGF R names vertices by path
 * (each with the rank the graph gives it): those of the job are released.
 * A released vertex loses the job's record (its tag) and all of its spans.
 *
 * The job's other vertices are updated the way the reference does it (its
 * t3008 052, 027, 029 outputs), through the pruning filters:
 *
 *  - an ancestor's filter span shrinks by the filter-type amounts released
 *    in its own subtree (not by the job-wide total: a rack keeps what the
 *    job still holds below it);
 *  - when that span drops to nothing, the ancestor's tag goes with it (and
 *    its other spans): rack1 of a job left with nodes in rack0 only;
 *  - an ancestor without a filter span for the job (nothing of a tracked
 *    type was consumed below it, e.g. leaf-only filters and a node-only
 *    job) keeps its tag even when nothing of the job remains below it; it
 *    keeps no span (nothing is held there any more), so the vertex is free
 *    for others, while `find jobid-tag` and `cancel stats` still see it;
 *  - the job is over (*full) when the root lost its tag, or nothing is
 *    left; everything that remains is then released too.
 *
 * Everything is checked (R parsed, its vertices resolved) before the first
 * planner changes: a failed partial cancel changes nothing.
 *
 * A partial cancel that leaves the job running keys the stale root search
 * points in its window afresh (match_stale_touch, elastic.c), as a commit
 * or a full cancel does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_private.h"
#include "resource/idset.h"
#include "resource/reader.h"

/* Per-record state of one partial cancel. */
enum pstate { P_KEEP, P_RELEASED, P_DROPPED };

/* What a partial cancel releases: a rank set (rv1exec) or the vertices
 * marked with `named` in sseq (JGF). */
struct selector {
    struct reader_rv1 *rv1;
    int32_t named;
};

static vtx_t first_parent(const matcher_t *m, vtx_t v)
{
    int n = 0;
    const vtx_t *p = graph_parents(m->g, m->dom, v, &n);
    return n > 0 ? p[0] : VTX_NONE;
}

/* The rank a vertex runs on: its own, else its nearest ranked ancestor's. */
static int32_t effective_rank(const matcher_t *m, vtx_t v)
{
    for (; v != VTX_NONE; v = first_parent(m, v)) {
        int32_t r = graph_rank(m->g, v);
        if (r >= 0)
            return r;
    }
    return -1;
}

/* A vertex of the R must be the graph's vertex: same broker rank (the
 * reference rejects an R whose node has rank -1 where the graph's has 0,
 * t3008 050, and leaves the allocation as it was). */
static int jgf_check_ranks(const matcher_t *m, const struct reader_jgf_doc *doc,
                           const vtx_t *map, struct st_error *err)
{
    for (size_t i = 0; i < doc->nvertices; i++) {
        if (map[i] != VTX_NONE && doc->vertices[i].rank != graph_rank(m->g, map[i]))
            return st_errorf(err, EINVAL, "R: %s has rank %d, the graph's has %d",
                             graph_name(m->g, map[i]), (int) doc->vertices[i].rank,
                             (int) graph_rank(m->g, map[i]));
    }
    return 0;
}

/* Parse a JGF R and mark the graph vertices it names (sseq == sel->named). */
static int select_jgf(matcher_t *m, const char *text, struct selector *sel,
                      struct st_error *err)
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
    int rc = jgf_check_ranks(m, doc, map, err);
    if (rc == 0) {
        sel->named = ++m->seq;
        for (size_t i = 0; i < doc->nvertices; i++)
            if (map[i] != VTX_NONE)
                m->sseq[map[i]] = sel->named;
    }
    free(map);
    reader_jgf_doc_destroy(doc);
    return rc;
}

static bool selected(const matcher_t *m, const struct selector *sel, vtx_t v)
{
    if (sel->rv1) {
        int32_t rank = effective_rank(m, v);
        return rank >= 0 && idset_test(sel->rv1->all_ranks, rank);
    }
    return m->sseq[v] == sel->named;
}

/* Reduce the filter spans of the kept records above the released vertex
 * sp->v by what it held itself (its exclusive amount of a tracked type).
 * A span that drops to nothing is gone (filter_span = 0). */
static void shrink_ancestors(matcher_t *m, struct mjob *j, const struct mspan *sp,
                             const int32_t *index, const uint8_t *state)
{
    atom_t t = graph_type(m->g, sp->v);
    int k = -1;
    for (int i = 0; i < m->nf; i++)
        if (m->ftypes[i] == t)
            k = i;
    if (k < 0 || !sp->excl || sp->needs <= 0)
        return;
    int64_t amounts[MATCH_MAX_FILTERS] = {0};
    amounts[k] = sp->needs;
    for (vtx_t a = first_parent(m, sp->v); a != VTX_NONE; a = first_parent(m, a)) {
        int32_t ji = index[a];
        if (ji < 0 || state[ji] != P_KEEP || j->spans[ji].filter_span <= 0)
            continue;
        bool removed = false;
        if (match_filter_reduce(m, a, j->spans[ji].filter_span, amounts, &removed) == 0 &&
            removed)
            j->spans[ji].filter_span = 0;
    }
}

static void release_span(matcher_t *m, struct mspan *sp)
{
    match_span_release(m, sp);
    sp->plan_span = sp->xchk_span = sp->filter_span = 0;
    sp->hold = false;
}

/* Scratch of one release: per vertex, the job's record index (or -1);
 * per record, its state and what it had before. */
struct pcstate {
    size_t n;
    int32_t *index;
    uint8_t *state;
    uint8_t *had_filter; /* a filter span before the release */
    uint8_t *had_child;  /* a record of the job below it before */
    uint8_t *has_child;  /* a record below it still holding something */
};

static void pc_free(struct pcstate *pc)
{
    free(pc->index);
    free(pc->state);
    free(pc->had_filter);
    free(pc->had_child);
    free(pc->has_child);
}

/* Fill the scratch: record indexes, what is selected, what each record
 * had.  0, or -1 with ENOMEM (nothing allocated is left). */
static int pc_init(struct pcstate *pc, const matcher_t *m, const struct mjob *j,
                   const struct selector *sel)
{
    size_t n = j->nspans;
    *pc = (struct pcstate){.n = n};
    pc->index = malloc((size_t) m->nv * sizeof(*pc->index));
    pc->state = calloc(n + 1, 1);
    pc->had_filter = calloc(n + 1, 1);
    pc->had_child = calloc(n + 1, 1);
    pc->has_child = calloc(n + 1, 1);
    if (!pc->index || !pc->state || !pc->had_filter || !pc->had_child || !pc->has_child) {
        pc_free(pc);
        errno = ENOMEM;
        return -1;
    }
    for (int32_t v = 0; v < m->nv; v++)
        pc->index[v] = -1;
    for (size_t i = 0; i < n; i++) {
        pc->index[j->spans[i].v] = (int32_t) i;
        pc->had_filter[i] = j->spans[i].filter_span > 0;
        if (selected(m, sel, j->spans[i].v))
            pc->state[i] = P_RELEASED;
    }
    for (size_t i = 0; i < n; i++) {
        vtx_t p = first_parent(m, j->spans[i].v);
        if (p != VTX_NONE && pc->index[p] >= 0)
            pc->had_child[pc->index[p]] = 1;
    }
    return 0;
}

/* Release the selected records, shrinking the kept ancestors' filters;
 * then drop the kept records whose filter span went to nothing (their
 * tag goes with it). */
static void pc_release(matcher_t *m, struct mjob *j, struct pcstate *pc)
{
    for (size_t i = 0; i < pc->n; i++) {
        if (pc->state[i] == P_RELEASED) {
            shrink_ancestors(m, j, &j->spans[i], pc->index, pc->state);
            release_span(m, &j->spans[i]);
        }
    }
    for (size_t i = 0; i < pc->n; i++) {
        if (pc->state[i] == P_KEEP && pc->had_filter[i] && j->spans[i].filter_span == 0) {
            release_span(m, &j->spans[i]);
            pc->state[i] = P_DROPPED;
        }
    }
}

/* A kept ancestor with nothing of the job left below holds nothing: only
 * its tag stays.  Records are in post-order (children first), so a parent
 * sees whether any child still holds something. */
static void pc_strip_bare(matcher_t *m, struct mjob *j, struct pcstate *pc)
{
    for (size_t i = 0; i < pc->n; i++) {
        if (pc->state[i] != P_KEEP)
            continue;
        if (pc->had_child[i] && !pc->has_child[i]) {
            release_span(m, &j->spans[i]);
            continue;
        }
        vtx_t p = first_parent(m, j->spans[i].v);
        if (p != VTX_NONE && pc->index[p] >= 0)
            pc->has_child[pc->index[p]] = 1;
    }
}

/* Keep the kept records; true if the job is over (the root lost its tag,
 * or nothing is left). */
static bool pc_compact(const matcher_t *m, struct mjob *j, const struct pcstate *pc)
{
    vtx_t root = graph_root(m->g, m->dom);
    bool full = root == VTX_NONE || pc->index[root] < 0 || pc->state[pc->index[root]] != P_KEEP;
    size_t k = 0;
    for (size_t i = 0; i < pc->n; i++)
        if (pc->state[i] == P_KEEP)
            j->spans[k++] = j->spans[i];
    j->nspans = k;
    return full || k == 0;
}

/* The release itself, once the job has a record per vertex (no holds) and
 * the selector is known.  Returns 0 or -1 (ENOMEM, nothing changed). */
static int release(matcher_t *m, struct mjob *j, const struct selector *sel, bool *full)
{
    struct pcstate pc;
    if (pc_init(&pc, m, j, sel) < 0)
        return -1;
    pc_release(m, j, &pc);
    pc_strip_bare(m, j, &pc);
    *full = pc_compact(m, j, &pc);
    pc_free(&pc);
    return 0;
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
    /* Validate first: parse and resolve the R before anything changes. */
    struct selector sel = {NULL, 0};
    if (rv1) {
        sel.rv1 = reader_rv1_parse(r_text, "R", err);
        if (!sel.rv1)
            return -1;
    } else if (select_jgf(m, r_text, &sel, err) < 0) {
        return -1;
    }
    /* Released vertices may be part of a held subtree: give every vertex
     * its own record and spans (the job's state without holds) first. */
    int rc = 0;
    if (match_job_unhold(m, j) < 0 || release(m, j, &sel, full) < 0)
        rc = st_errorf(err, ENOMEM, "out of memory");
    reader_rv1_destroy(sel.rv1);
    if (rc < 0)
        return -1;
    /* The release walks the job's record, not the graph: no visits. */
    if (stats)
        stats->preorder = stats->postorder = 0;
    if (*full) {
        match_release_job(m, j);
        match_job_drop(m, j);
    } else {
        /* Spans over the job's window shrank: as with a commit or a full
         * cancel, the stale root search points there are keyed afresh
         * (the reference's span reduction re-keys them). */
        match_stale_touch(m, j->at, j->duration);
    }
    return 0;
}
