/* update: replay an existing allocation or reservation given as R.
 *
 * The R names vertices (JGF: by path, with the amount used and whether it
 * was exclusive; jgf_shorthand additionally implies the whole subtree of an
 * exclusive vertex; rv1exec: ranks and, per rank, core/gpu/... local ids,
 * each of which must exist; a node whose resources it names entirely is
 * held exclusively).
 * They are marked as a selection, their ancestors as shared, and committed
 * by the same pass as a match (commit.c), which fails without changing
 * anything when an exclusive vertex is not free.  A JGF R may carry a
 * top-level "free_ranks" idset: ranks a partial release already gave back,
 * so their vertices are not replayed (the job is rebuilt as it stands).
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

/* Mark v, and its ancestors up to the root as shared where unmarked. */
static void mark_up(matcher_t *m, vtx_t v, int64_t needs, bool excl)
{
    m->sseq[v] = m->seq;
    m->sneeds[v] = needs;
    m->sexcl[v] = excl;
    m->sparent[v] = first_parent(m, v);
    for (vtx_t w = m->sparent[v]; w != VTX_NONE; w = m->sparent[w]) {
        if (m->sseq[w] == m->seq)
            break;
        m->sseq[w] = m->seq;
        m->sneeds[w] = 1;
        m->sexcl[w] = false;
        m->sparent[w] = first_parent(m, w);
    }
}

/* true if rank was released before the R was written (free_ranks). */
static bool rank_freed(const idset_t *freed, int32_t rank)
{
    return freed && rank >= 0 && idset_test(freed, rank);
}

static int mark_jgf(matcher_t *m, const char *text, bool shorthand, bool *has_root,
                    struct st_error *err)
{
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(text, "R", err);
    if (!doc)
        return -1;
    int rc = -1;
    vtx_t *map = calloc(doc->nvertices + 1, sizeof(*map));
    vtx_t *extra = NULL;
    size_t nextra = 0;
    idset_t *freed = NULL;
    if (!map) {
        st_errorf(err, ENOMEM, "out of memory");
        goto done;
    }
    if (doc->free_ranks) {
        struct st_error ierr = {0};
        freed = idset_decode(doc->free_ranks, &ierr);
        if (!freed) {
            st_errorf(err, EINVAL, "R: free_ranks \"%s\": %s", doc->free_ranks, ierr.text);
            goto done;
        }
    }
    reader_jgf_doc_resolve(doc, m->g, map);
    for (size_t i = 0; i < doc->nvertices; i++) {
        /* a freed rank's vertices may be gone (removed after the release) */
        if (map[i] == VTX_NONE && !rank_freed(freed, doc->vertices[i].rank)) {
            st_errorf(err, ENOENT, "vertex %s not found in the resource graph",
                      doc->vertices[i].name ? doc->vertices[i].name : doc->vertices[i].key);
            goto done;
        }
    }
    /* Parents before children does not matter: ancestors are only marked
     * shared where nothing marked them yet, and an explicit mark wins. */
    vtx_t root = graph_root(m->g, m->dom);
    for (size_t i = 0; i < doc->nvertices; i++) {
        if (rank_freed(freed, doc->vertices[i].rank))
            continue;
        mark_up(m, map[i], 1, false);
        *has_root = *has_root || map[i] == root;
    }
    for (size_t i = 0; i < doc->nvertices; i++) {
        const struct reader_jgf_vertex *dv = &doc->vertices[i];
        if (rank_freed(freed, dv->rank))
            continue;
        m->sneeds[map[i]] = dv->size > 0 ? dv->size : 1;
        m->sexcl[map[i]] = dv->exclusive;
    }
    if (shorthand || doc->shorthand) {
        if (reader_jgf_shorthand_expand(doc, m->g, &extra, &nextra) < 0) {
            st_errorf(err, errno, "can't expand jgf_shorthand");
            goto done;
        }
        for (size_t i = 0; i < nextra; i++) {
            if (!rank_freed(freed, graph_rank(m->g, extra[i])))
                mark_up(m, extra[i], graph_size(m->g, extra[i]), true);
        }
    }
    rc = 0;
done:
    idset_destroy(freed);
    free(extra);
    free(map);
    reader_jgf_doc_destroy(doc);
    return rc;
}

/* Mark the descendants of v of type t whose local id is in ids; returns
 * how many were marked. */
static size_t mark_children(matcher_t *m, vtx_t v, atom_t t, const idset_t *ids)
{
    int n = 0;
    size_t found = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    for (int i = 0; i < n; i++) {
        vtx_t c = ch[i];
        if (graph_type(m->g, c) == t) {
            if (idset_test(ids, graph_id(m->g, c))) {
                mark_up(m, c, graph_size(m->g, c), true);
                found++;
            }
        } else {
            found += mark_children(m, c, t, ids);
        }
    }
    return found;
}

/* true if every child of v is marked by this update, each exclusively or
 * itself wholly claimed below: an R that names all of a node's resources
 * holds the node exclusively (the reference's rv1exec replays emit such a
 * node as node[1:x], and find no longer lists it as free). */
static bool wholly_claimed(const matcher_t *m, vtx_t v)
{
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    if (n == 0)
        return false;
    for (int i = 0; i < n; i++) {
        vtx_t c = ch[i];
        if (m->sseq[c] != m->seq || !(m->sexcl[c] || wholly_claimed(m, c)))
            return false;
    }
    return true;
}

static vtx_t rank_node(const matcher_t *m, int64_t rank)
{
    int n = 0;
    const vtx_t *vs = graph_by_rank(m->g, (int32_t) rank, &n);
    for (int i = 0; i < n; i++)
        if (graph_type(m->g, vs[i]) == m->a_node)
            return vs[i];
    return VTX_NONE;
}

/* Mark what one R_lite entry names on one rank's node.  Every id must
 * exist: an R naming a resource the node lacks (an asic, core 16 of 16)
 * cannot be replayed, and nothing is committed. */
static int mark_rv1_rank(matcher_t *m, const struct reader_rv1_entry *en, int64_t rank,
                         struct st_error *err)
{
    vtx_t node = rank_node(m, rank);
    if (node == VTX_NONE)
        return st_errorf(err, ENOENT, "rank %jd not found in the resource graph",
                         (intmax_t) rank);
    mark_up(m, node, 1, false);
    for (int c = 0; c < en->nchildren; c++) {
        atom_t t = graph_atom_find(m->g, en->child_types[c]);
        size_t want = idset_count(en->child_ids[c]);
        size_t got = t == ATOM_NONE ? 0 : mark_children(m, node, t, en->child_ids[c]);
        if (got < want)
            return st_errorf(err, ENOENT, "rank %jd: %s %s not found in the resource graph",
                             (intmax_t) rank, en->child_types[c],
                             got == 0 ? "ids" : "some ids");
    }
    return 0;
}

static int mark_rv1(matcher_t *m, const char *text, struct st_error *err)
{
    struct reader_rv1 *r = reader_rv1_parse(text, "R", err);
    if (!r)
        return -1;
    int rc = 0;
    for (int e = 0; e < r->nentries && rc == 0; e++) {
        const struct reader_rv1_entry *en = &r->entries[e];
        for (int64_t rank = idset_first(en->ranks); rank >= 0 && rc == 0;
             rank = idset_next(en->ranks, rank))
            rc = mark_rv1_rank(m, en, rank, err);
    }
    /* After all entries: a rank may be spread over several of them. */
    for (int64_t rank = idset_first(r->all_ranks); rank >= 0 && rc == 0;
         rank = idset_next(r->all_ranks, rank)) {
        vtx_t node = rank_node(m, rank);
        if (wholly_claimed(m, node)) {
            m->sexcl[node] = true;
            m->sneeds[node] = graph_size(m->g, node);
        }
    }
    reader_rv1_destroy(r);
    return rc;
}

int match_update(matcher_t *m, bool reserve, const char *reader, const char *r_text,
                 int64_t jobid, int64_t at, int64_t duration, writer_t *w, struct st_error *err)
{
    if (!m || !reader || !r_text || at < m->graph_start || at >= m->graph_end || duration <= 0)
        return st_errorf(err, EINVAL, "invalid argument");
    if (match_job_find(m, jobid))
        return st_errorf(err, EEXIST, "existing jobid %jd", (intmax_t) jobid);
    bool jgf = strcmp(reader, "jgf") == 0, sh = strcmp(reader, "jgf_shorthand") == 0;
    if (!jgf && !sh && strcmp(reader, "rv1exec") != 0)
        return st_errorf(err, EINVAL, "unsupported reader %s", reader);
    if (match_grow_state(m) < 0)
        return st_errorf(err, ENOMEM, "out of memory");
    vtx_t root = graph_root(m->g, m->dom);
    if (root == VTX_NONE)
        return st_errorf(err, ENODEV, "no root");
    m->seq++;
    m->labels = false; /* a replayed R carries no jobspec labels */
    /* A JGF R that does not name the dominant root (an R of the
     * containment tree replayed with -S PA) is committed but emits
     * nothing, as in the reference: its vertices hang off no path of the
     * dominant tree that the R describes. */
    bool has_root = !(jgf || sh);
    int rc = (jgf || sh) ? mark_jgf(m, r_text, sh, &has_root, err) : mark_rv1(m, r_text, err);
    if (rc < 0)
        return -1;
    if (m->sseq[root] != m->seq)
        return st_errorf(err, EINVAL, "R names no vertex of the graph");
    struct msel s = {.m = m, .err = err};
    s.at = at;
    /* clipped to the graph's end; written so that a huge duration cannot
     * overflow at + duration (at < graph_end was checked above) */
    s.dur = duration > m->graph_end - at ? m->graph_end - at : duration;
    (void) reserve; /* the time decides: at > now is a reservation */
    if (match_commit_job(&s, jobid, at > m->graph_start, has_root ? w : NULL) < 0)
        return st_errorf(err, errno, "resources are not free for job %jd", (intmax_t) jobid);
    return 0;
}
