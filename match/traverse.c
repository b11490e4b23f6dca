/* traverse: the request tree and one selection pass.
 *
 * A selection pass walks the dominant subsystem depth-first from the root
 * ("depth-first and up").  At each vertex the current level of requests is
 * tested: a request of the vertex's type matches (descend with its
 * children), a slot whose shape types are among the vertex's children
 * matches (explore the children for whole slots), or nothing matches, which
 * is fine while no request has matched yet (an omitted prefix: descend with
 * the same requests) and prunes the vertex otherwise.  On the way up each
 * vertex that matched a request chooses the best candidates for its child
 * requests (policy order) and marks them selected; vertices of an omitted
 * prefix pass their candidates up unchanged.  The root chooses for the
 * top-level requests.  Nothing is committed here (commit.c does that).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_private.h"
#include "resource/hostlist.h"
#include "resource/idset.h"

/* ---- request tree ---------------------------------------------------------- */

static int count_reqs(const struct js_resource *r, size_t n)
{
    int total = 0;
    for (size_t i = 0; i < n; i++)
        total += 1 + count_reqs(r[i].with, r[i].nwith);
    return total;
}

static bool type_known(const matcher_t *m, atom_t a)
{
    int n = 0;
    if (a == ATOM_NONE)
        return false;
    (void) graph_by_type(m->g, a, &n);
    return n > 0;
}

/* The minimum filter-type amounts that requests r[0..n) need, added to
 * tot[].  Sibling slots (and xor_slots) are alternatives, only one of which
 * is used, so they contribute their cheapest. */
void match_request_totals(const matcher_t *m, const struct mreq *r, int n, int64_t *tot)
{
    bool slot_seen = false, xor_seen = false;
    for (int i = 0; i < n; i++) {
        const struct mreq *c = &r[i];
        if ((c->slot && !c->xor && slot_seen) || (c->xor && xor_seen))
            continue;
        for (int k = 0; k < m->nf; k++) {
            int64_t self = (!c->slot && c->type == m->ftypes[k]) ? 1 : 0;
            int64_t amt = (int64_t) c->count.min * (c->sub[k] + self);
            const struct mreq *a = c->xor ? c->xalt : c->slot ? c->alt : NULL;
            for (; a; a = c->xor ? a->xalt : a->alt) {
                int64_t x = (int64_t) a->count.min * a->sub[k];
                if (x < amt)
                    amt = x;
            }
            tot[k] += amt;
        }
        slot_seen = slot_seen || (c->slot && !c->xor);
        xor_seen = xor_seen || c->xor;
    }
}

/* Fill out[0..n) from r[0..n); children go at *next. */
static int fill_reqs(matcher_t *m, struct mreq *out, const struct js_resource *r, size_t n,
                     int *next, bool in_xor, struct st_error *err)
{
    int nslot = 0;
    struct mreq *last_slot = NULL, *last_xor = NULL;
    for (size_t i = 0; i < n; i++) {
        struct mreq *q = &out[i];
        memset(q, 0, sizeof(*q));
        q->xor = strcmp(r[i].type, "xor_slot") == 0;
        q->slot = q->xor || strcmp(r[i].type, "slot") == 0;
        /* Sibling slots are alternatives (flexible traverser): each gets
         * its own pseudo type so that their candidates stay apart. */
        q->type = q->slot ? m->a_slot - nslot++ : graph_atom_find(m->g, r[i].type);
        /* Inside an xor_slot an unknown type only makes that variant
         * unsatisfiable: it matches no vertex. */
        if (!q->slot && !type_known(m, q->type)) {
            if (!in_xor)
                return st_errorf(err, EINVAL,
                                 "Value of \"type\" must be a resource type known to fluxion");
            q->type = MATCH_ATOM_NEVER;
        }
        q->count = r[i].count;
        q->excl = r[i].exclusive;
        q->label = r[i].label;
        q->nwith = (int) r[i].nwith;
        q->with = &m->reqs[*next];
        *next += q->nwith;
        if (fill_reqs(m, q->with, r[i].with, r[i].nwith, next, in_xor || q->xor, err) < 0)
            return -1;
        if (q->xor) {
            if (last_xor)
                last_xor->xalt = q;
            else
                q->xfirst = true;
            last_xor = q;
        } else if (q->slot) {
            if (last_slot)
                last_slot->alt = q;
            last_slot = q;
        }
        match_request_totals(m, q->with, q->nwith, q->sub);
    }
    return 0;
}

/* Labels of non-slot requests reach the writers (JGF "ephemeral"): keep a
 * per-vertex label slot only once some jobspec uses them. */
static int label_state(matcher_t *m, struct st_error *err)
{
    m->labels = false;
    for (int i = 0; i < m->nreqs; i++)
        if (!m->reqs[i].slot && m->reqs[i].label)
            m->labels = true;
    if (!m->labels || m->nslabel >= m->nv)
        return 0;
    const char **p = realloc(m->slabel, (size_t) m->nv * sizeof(*p));
    if (!p) {
        m->labels = false;
        return st_errorf(err, ENOMEM, "out of memory");
    }
    memset(p + m->nslabel, 0, (size_t) (m->nv - m->nslabel) * sizeof(*p));
    m->slabel = p;
    m->nslabel = m->nv;
    return 0;
}

int match_build_reqs(matcher_t *m, const jobspec_t *js, struct st_error *err)
{
    int total = count_reqs(js->resources, js->nresources);
    if (total > m->capreqs) {
        struct mreq *p = realloc(m->reqs, (size_t) total * sizeof(*p));
        if (!p)
            return st_errorf(err, ENOMEM, "out of memory");
        m->reqs = p;
        m->capreqs = total;
    }
    m->nreqs = total;
    int next = (int) js->nresources;
    if (fill_reqs(m, m->reqs, js->resources, js->nresources, &next, false, err) < 0)
        return -1;
    return label_state(m, err);
}

/* ---- counts ------------------------------------------------------------------ */

int64_t match_calc_count(const struct js_count *c, int64_t qc)
{
    int64_t min = (int64_t) c->min;
    if (qc < min)
        return 0;
    int64_t lim = c->max < (uint64_t) qc ? (int64_t) c->max : qc;
    int64_t op = (int64_t) c->operand;
    switch (c->op) {
    case '*': {
        int64_t v = min;
        while (op > 1 && v <= lim / op)
            v *= op;
        return v;
    }
    case '^': {
        int64_t v = min;
        for (;;) {
            int64_t p = 1;
            bool over = false;
            for (int64_t i = 0; i < op && !over; i++) {
                if (p > lim / v)
                    over = true;
                else
                    p *= v;
            }
            if (over || p <= v || p > lim)
                return v;
            v = p;
        }
    }
    default:
        if (op < 1)
            op = 1;
        return lim - (lim - min) % op;
    }
}

/* ---- constraints ------------------------------------------------------------- */

struct mconstraint {
    enum js_constraint_op op;
    char **props; /* PROPERTIES: borrowed strings */
    size_t nprops;
    hostlist_t **hls;
    idset_t **ids;
    size_t nvals;
    struct mconstraint *args;
    size_t nargs;
};

static void constraint_fini(struct mconstraint *c)
{
    for (size_t i = 0; i < c->nvals; i++) {
        if (c->hls)
            hostlist_destroy(c->hls[i]);
        if (c->ids)
            idset_destroy(c->ids[i]);
    }
    free(c->hls);
    free(c->ids);
    for (size_t i = 0; i < c->nargs; i++)
        constraint_fini(&c->args[i]);
    free(c->args);
}

static int constraint_fill(struct mconstraint *out, const struct js_constraint *c,
                           struct st_error *err)
{
    memset(out, 0, sizeof(*out));
    out->op = c->op;
    if (c->op == JS_C_PROPERTIES) {
        out->props = c->values;
        out->nprops = c->nvalues;
    } else if (c->op == JS_C_HOSTLIST || c->op == JS_C_RANKS) {
        out->nvals = c->nvalues;
        if (c->op == JS_C_HOSTLIST)
            out->hls = calloc(c->nvalues + 1, sizeof(*out->hls));
        else
            out->ids = calloc(c->nvalues + 1, sizeof(*out->ids));
        if (!out->hls && !out->ids)
            return st_errorf(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < c->nvalues; i++) {
            if (out->hls)
                out->hls[i] = hostlist_decode(c->values[i], err);
            else
                out->ids[i] = idset_decode(c->values[i], err);
            if ((out->hls && !out->hls[i]) || (out->ids && !out->ids[i]))
                return -1;
        }
    }
    if (c->nargs > 0) {
        out->args = calloc(c->nargs, sizeof(*out->args));
        if (!out->args)
            return st_errorf(err, ENOMEM, "out of memory");
        out->nargs = c->nargs;
        for (size_t i = 0; i < c->nargs; i++)
            if (constraint_fill(&out->args[i], &c->args[i], err) < 0)
                return -1;
    }
    return 0;
}

struct mconstraint *match_constraint_compile(const struct js_constraint *c,
                                             struct st_error *err)
{
    struct mconstraint *out = calloc(1, sizeof(*out));
    if (!out)
        return st_errorf_null(err, ENOMEM, "out of memory");
    if (constraint_fill(out, c, err) < 0) {
        int e = errno;
        match_constraint_destroy(out);
        errno = e;
        return NULL;
    }
    return out;
}

void match_constraint_destroy(struct mconstraint *c)
{
    if (!c)
        return;
    int e = errno;
    constraint_fini(c);
    free(c);
    errno = e;
}

static bool props_match(const struct mconstraint *c, const graph_t *g, vtx_t v)
{
    for (size_t i = 0; i < c->nprops; i++) {
        const char *p = c->props[i];
        bool neg = p[0] == '^';
        bool has = graph_property(g, v, neg ? p + 1 : p) != NULL;
        if (has == neg)
            return false;
    }
    return true;
}

bool match_constraint_eval(const struct mconstraint *c, const graph_t *g, vtx_t v)
{
    switch (c->op) {
    case JS_C_TRUE:
        return true;
    case JS_C_PROPERTIES:
        return props_match(c, g, v);
    case JS_C_HOSTLIST:
        for (size_t i = 0; i < c->nvals; i++)
            if (hostlist_find(c->hls[i], graph_name(g, v)) > 0)
                return true;
        return false;
    case JS_C_RANKS:
        for (size_t i = 0; i < c->nvals; i++)
            if (graph_rank(g, v) >= 0 && idset_test(c->ids[i], graph_rank(g, v)))
                return true;
        return false;
    case JS_C_AND:
        for (size_t i = 0; i < c->nargs; i++)
            if (!match_constraint_eval(&c->args[i], g, v))
                return false;
        return true;
    case JS_C_OR:
        for (size_t i = 0; i < c->nargs; i++)
            if (match_constraint_eval(&c->args[i], g, v))
                return true;
        return false;
    case JS_C_NOT:
        for (size_t i = 0; i < c->nargs; i++)
            if (!match_constraint_eval(&c->args[i], g, v))
                return true;
        return false;
    }
    return false;
}

/* ---- candidate groups ---------------------------------------------------------- */

static int32_t eg_new(matcher_t *m)
{
    if (m->neg == m->capeg) {
        int32_t cap = m->capeg ? m->capeg * 2 : 1024;
        struct meg *p = realloc(m->eg, (size_t) cap * sizeof(*p));
        if (!p)
            return -1;
        m->eg = p;
        m->capeg = cap;
    }
    struct meg *e = &m->eg[m->neg];
    memset(e, 0, sizeof(*e));
    e->v = VTX_NONE;
    e->next = -1;
    return m->neg++;
}

static void list_push(matcher_t *m, struct meglist *l, int32_t i)
{
    m->eg[i].next = -1;
    if (l->tail < 0)
        l->head = i;
    else
        m->eg[l->tail].next = i;
    l->tail = i;
}

static void list_cat(matcher_t *m, struct meglist *l, const struct meglist *o)
{
    if (o->head < 0)
        return;
    if (l->tail < 0)
        l->head = o->head;
    else
        m->eg[l->tail].next = o->head;
    l->tail = o->tail;
}

static int64_t qualified(const matcher_t *m, const struct meglist *l, atom_t type)
{
    int64_t q = 0;
    for (int32_t i = l->head; i >= 0; i = m->eg[i].next)
        if (m->eg[i].type == type)
            q += m->eg[i].count;
    return q;
}

static int tmp_reserve(matcher_t *m, int32_t n)
{
    if (n <= m->captmp)
        return 0;
    int32_t *p = realloc(m->tmp, (size_t) n * sizeof(*p));
    if (!p)
        return -1;
    m->tmp = p;
    m->captmp = n;
    return 0;
}

/* Group x goes strictly before group y in policy order. */
static bool group_before(const matcher_t *m, int32_t x, int32_t y)
{
    return m->pol->high ? m->eg[x].score > m->eg[y].score : m->eg[x].score < m->eg[y].score;
}

/* Stable insertion sort of a[0..n) by score in policy order. */
static void insertion_sort_groups(const matcher_t *m, int32_t *a, int32_t n)
{
    for (int32_t i = 1; i < n; i++) {
        int32_t x = a[i];
        int32_t j = i - 1;
        while (j >= 0 && group_before(m, x, a[j])) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = x;
    }
}

/* Merge the sorted runs src[lo..mid) and src[mid..hi) into dst, stably. */
static void merge_groups(const matcher_t *m, const int32_t *src, int32_t *dst, int32_t lo,
                         int32_t mid, int32_t hi)
{
    int32_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi)
        dst[k++] = group_before(m, src[j], src[i]) ? src[j++] : src[i++];
    while (i < mid)
        dst[k++] = src[i++];
    while (j < hi)
        dst[k++] = src[j++];
}

/* Stable sort of group indexes by score in policy order: insertion sort on
 * short runs, then bottom-up merges.  Insertion sort alone was quadratic:
 * a one-core request under `high` collects every core of the machine
 * (44,000 on bench1000), in the opposite of policy order, and took seconds.
 * Without memory for the merge buffer it falls back to insertion sort
 * (slower, same order). */
static void sort_groups(const matcher_t *m, int32_t *a, int32_t n)
{
    enum { RUN = 32 };
    if (n <= RUN) {
        insertion_sort_groups(m, a, n);
        return;
    }
    int32_t *b = malloc((size_t) n * sizeof(*b));
    if (!b) {
        insertion_sort_groups(m, a, n);
        return;
    }
    for (int32_t lo = 0; lo < n; lo += RUN)
        insertion_sort_groups(m, a + lo, n - lo < RUN ? n - lo : RUN);
    int32_t *src = a, *dst = b;
    for (int32_t w = RUN; w < n; w *= 2) {
        for (int32_t lo = 0; lo < n; lo += 2 * w) {
            int32_t mid = lo + w < n ? lo + w : n;
            int32_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            merge_groups(m, src, dst, lo, mid, hi);
        }
        int32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, (size_t) n * sizeof(*a));
    free(b);
}

/* Collect the groups of `type` in l into m->tmp[off..], sorted; returns
 * how many (or -1 on ENOMEM). */
static int32_t collect_sorted(matcher_t *m, const struct meglist *l, atom_t type, int32_t off)
{
    int32_t n = 0;
    for (int32_t i = l->head; i >= 0; i = m->eg[i].next)
        if (m->eg[i].type == type)
            n++;
    if (tmp_reserve(m, off + n) < 0)
        return -1;
    n = 0;
    for (int32_t i = l->head; i >= 0; i = m->eg[i].next)
        if (m->eg[i].type == type)
            m->tmp[off + n++] = i;
    sort_groups(m, m->tmp + off, n);
    return n;
}

/* Reverse each run of equal scores in the sorted a[0..n): ties go to the
 * later group in graph order. */
static void ties_to_later(const matcher_t *m, int32_t *a, int32_t n)
{
    for (int32_t i = 0; i < n;) {
        int32_t j = i;
        while (j + 1 < n && m->eg[a[j + 1]].score == m->eg[a[i]].score)
            j++;
        for (int32_t lo = i, hi = j; lo < hi; lo++, hi--) {
            int32_t t = a[lo];
            a[lo] = a[hi];
            a[hi] = t;
        }
        i = j + 1;
    }
}

/* Choose the best groups of `type` until `count` is reached; equal scores
 * in graph order, or the later first when ties_later.  With whole_excl (a
 * choice inside a slot) an exclusive group takes its whole available
 * amount: 1 of a 1562 GB disk under a slot's socket is the whole disk, as
 * the slot's own members are (reference 2.6; t3026 lassen/corona). */
static int choose_best_k(matcher_t *m, const struct meglist *l, atom_t type, int64_t count,
                         bool ties_later, bool whole_excl)
{
    int32_t n = collect_sorted(m, l, type, 0);
    if (n < 0)
        return -1;
    if (ties_later)
        ties_to_later(m, m->tmp, n);
    int64_t left = count;
    for (int32_t i = 0; i < n && left > 0; i++) {
        struct meg *e = &m->eg[m->tmp[i]];
        bool whole = whole_excl && e->excl;
        e->needs = whole || e->count < left ? e->count : left;
        left -= e->needs;
    }
    return 0;
}

/* ---- selection marks -------------------------------------------------------------- */

static void mark(struct msel *s, vtx_t v, int64_t needs, bool excl)
{
    matcher_t *m = s->m;
    m->sseq[v] = m->seq;
    m->sparent[v] = m->tparent[v];
    m->sneeds[v] = needs;
    m->sexcl[v] = excl;
}

/* Mark the traversal path from v (exclusive) up to top (exclusive) as
 * shared ancestors of a selection. */
static void mark_path(struct msel *s, vtx_t v, vtx_t top)
{
    matcher_t *m = s->m;
    for (vtx_t w = m->tparent[v]; w != top && w != VTX_NONE; w = m->tparent[w])
        if (m->sseq[w] != m->seq)
            mark(s, w, 1, m->xin[w]);
}

/* Mark the chosen groups of l (needs > 0) and their paths up to top. */
static void enforce(struct msel *s, const struct meglist *l, vtx_t top)
{
    matcher_t *m = s->m;
    for (int32_t i = l->head; i >= 0; i = m->eg[i].next) {
        const struct meg *e = &m->eg[i];
        if (e->needs <= 0)
            continue;
        if (e->v == VTX_NONE) {
            for (int32_t j = 0; j < e->mcount; j++) {
                const struct meg *me = &m->eg[m->mem[e->mfirst + j]];
                mark(s, me->v, me->count, true);
                mark_path(s, me->v, top);
            }
        } else {
            mark(s, e->v, e->needs, e->excl);
            mark_path(s, e->v, top);
        }
    }
}

/* ---- the traversal ------------------------------------------------------------------ */

struct visit_out {
    struct meglist up; /* candidates passed up (omitted prefix) */
    bool excl;
    int64_t score;
};

static int visit(struct msel *s, vtx_t u, const struct mreq *R, int nR, bool pristine,
                 bool excl_in, struct visit_out *out);

static bool enough(const matcher_t *m, const struct meglist *l, const struct mreq *R, int nR,
                   int64_t mult)
{
    for (int i = 0; i < nR; i++) {
        if (R[i].disabled)
            continue;
        /* enough means as many as the count can use (its effective max) */
        int64_t want = match_calc_count(&R[i].count, INT64_MAX / 4);
        if (qualified(m, l, R[i].type) < want * mult)
            return false;
    }
    return true;
}

/* enough() for slot members, which are consumed as whole vertices (a
 * 10-unit pool covers one slot's 2 units, not five slots): `mult` slots
 * of want units each surely pack once want * mult groups of the type are
 * at hand, whatever their sizes (each closes a slot after at most want
 * groups).  Counting units instead stops before enough vertices. */
static bool enough_whole(const matcher_t *m, const struct meglist *l, const struct mreq *R,
                         int nR, int64_t mult)
{
    for (int i = 0; i < nR; i++) {
        if (R[i].disabled)
            continue;
        int64_t want = match_calc_count(&R[i].count, INT64_MAX / 4);
        int64_t groups = 0;
        for (int32_t e = l->head; e >= 0 && groups < want * mult; e = m->eg[e].next)
            groups += m->eg[e].type == R[i].type && m->eg[e].count > 0;
        if (groups < want * mult)
            return false;
    }
    return true;
}

/* The first policy's stop for slot members: the groups at hand, taken
 * whole in list order, pack `mult` slots of want units each (greedy, as
 * dom_slot packs them).  Counting units would stop after one 616-unit pool
 * for two slots of 101, which dom_slot cannot split between them. */
static bool enough_packed(const matcher_t *m, const struct meglist *l, const struct mreq *R,
                          int nR, int64_t mult)
{
    for (int i = 0; i < nR; i++) {
        if (R[i].disabled)
            continue;
        int64_t want = match_calc_count(&R[i].count, INT64_MAX / 4);
        int64_t fit = 0, acc = 0;
        for (int32_t e = l->head; e >= 0 && fit < mult; e = m->eg[e].next) {
            if (m->eg[e].type != R[i].type || m->eg[e].count <= 0)
                continue;
            acc += m->eg[e].count;
            if (acc >= want) {
                fit++;
                acc = 0;
            }
        }
        if (fit < mult)
            return false;
    }
    return true;
}

/* Visit-order keys: k1 descending, then k2 descending (both as given),
 * then the child's position (a total order, as the stable sort it
 * replaces gave). */
struct okey {
    int64_t k1, k2;
    vtx_t v;
    int32_t idx;
};

static bool okey_before(const struct okey *x, const struct okey *y)
{
    if (x->k1 != y->k1)
        return x->k1 > y->k1;
    if (x->k2 != y->k2)
        return x->k2 > y->k2;
    return x->idx < y->idx;
}

/* Make room for n more entries on the order stack. */
static int order_reserve(matcher_t *m, int n)
{
    if (m->norder + n > m->caporder) {
        int32_t cap = (m->norder + n) * 2;
        struct okey *p = realloc(m->order, (size_t) cap * sizeof(*p));
        if (!p)
            return -1;
        m->order = p;
        m->caporder = cap;
    }
    return 0;
}

/* Restore the heap property below h[i] (first in visit order on top). */
static void heap_down(struct okey *h, int32_t n, int32_t i)
{
    struct okey x = h[i];
    for (;;) {
        int32_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && okey_before(&h[c + 1], &h[c]))
            c++;
        if (!okey_before(&h[c], &x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

/* Make the n keys just filled above the stack top a heap and push them.
 * A heap, not a sort: visits stop as soon as the requests are satisfied,
 * usually after a child or two, so ordering all n children (O(n log n) on
 * every match, the racks of a whole cluster) was most of a match's cost on
 * wide levels; heapify is O(n) and each visited child O(log n). */
static void order_push(matcher_t *m, int n)
{
    struct okey *h = m->order + m->norder;
    for (int32_t i = n / 2 - 1; i >= 0; i--)
        heap_down(h, n, i);
    m->norder += n;
}

/* Pop the next child in visit order from the heap of `size` keys at
 * `base` on the order stack (indexes: nested visits may move the stack). */
static vtx_t order_pop(matcher_t *m, int32_t base, int32_t size)
{
    struct okey *h = m->order + base;
    vtx_t v = h[0].v;
    h[0] = h[size - 1];
    heap_down(h, size - 1, 0);
    return v;
}

/* Order u's children for the first policy: most available first, ties by
 * higher uniq_id.  0, or -1 on ENOMEM. */
static int order_children(matcher_t *m, const vtx_t *ch, int n)
{
    if (order_reserve(m, n) < 0)
        return -1;
    struct okey *h = m->order + m->norder;
    for (int i = 0; i < n; i++)
        h[i] = (struct okey){
            .k1 = m->weight[ch[i]], .k2 = graph_uniq_id(m->g, ch[i]), .v = ch[i], .idx = i};
    order_push(m, n);
    return 0;
}

static int64_t vertex_score(const struct msel *s, vtx_t u);
/* A vertex of an omitted prefix is worth descending into only if its
 * subtree still holds, during the window, what one candidate of some
 * request needs of the filter types (a candidate's own filter is a part of
 * this one, so this never drops a candidate).  Types a filter entry covers
 * but the subtree lacks count as 0 available. */
static bool pristine_useful(const struct msel *s, vtx_t u, const struct mreq *R, int nR)
{
    const matcher_t *m = s->m;
    uint32_t spec = m->fspec[u];
    if (!spec)
        return true;
    int64_t avail[MATCH_MAX_FILTERS];
    for (int k = 0; k < m->nf; k++)
        avail[k] = !(spec & (1u << k))         ? INT64_MAX
                   : (m->fmask[u] & (1u << k)) ? match_filter_avail(m, u, k, s->at, s->dur)
                                               : 0;
    for (int i = 0; i < nR; i++) {
        const struct mreq *r = &R[i];
        if (r->disabled)
            continue;
        bool ok = true;
        for (int k = 0; k < m->nf && ok; k++) {
            int64_t need = r->sub[k] + ((!r->slot && r->type == m->ftypes[k]) ? 1 : 0);
            ok = avail[k] >= need;
        }
        if (ok)
            return true;
    }
    return false;
}

static int64_t node_factor(const graph_t *g, vtx_t u);

/* Whether every child of u is itself a candidate of a plain request of R.
 * Then visiting the children best score first (ties in graph order) and
 * stopping once every request has as many as it can use selects exactly
 * what exploring them all would, without walking the others' subtrees. */
static bool children_are_candidates(const matcher_t *m, const vtx_t *ch, int n,
                                    const struct mreq *R, int nR)
{
    for (int i = 0; i < nR; i++)
        if (!R[i].disabled && R[i].slot)
            return false;
    for (int j = 0; j < n; j++) {
        atom_t t = graph_type(m->g, ch[j]);
        bool found = false;
        for (int i = 0; i < nR && !found; i++)
            found = !R[i].disabled && R[i].type == t;
        if (!found)
            return false;
    }
    return true;
}

/* Push ch[] on the order stack by the score each child will get (policy
 * order; ties keep graph order).  0, or -1 on ENOMEM. */
static int order_by_score(struct msel *s, const vtx_t *ch, int n)
{
    matcher_t *m = s->m;
    if (order_reserve(m, n) < 0)
        return -1;
    struct okey *h = m->order + m->norder;
    bool high = m->pol->high;
    for (int i = 0; i < n; i++) {
        vtx_t x = ch[i];
        int64_t f = 0;
        if (m->pol->node_centric && graph_type(m->g, x) == m->a_node)
            f = node_factor(m->g, x);
        s->factor += f;
        int64_t sx = vertex_score(s, x);
        s->factor -= f;
        h[i] = (struct okey){.k1 = high ? sx : -sx, .k2 = -(int64_t) i, .v = x, .idx = i};
    }
    order_push(m, n);
    return 0;
}

/* Visit u's dominant children with requests R; successful children add
 * themselves (and what they pass up) to l.  Returns 0 if any matched. */
static int prune(struct msel *s, vtx_t u, const struct mreq *mr, bool x_in);

/* Auxiliary subsystems (-S C+PA...): u's children there that match a
 * request directly are candidates too (they are matched, not walked: an
 * auxiliary edge may lead back into the dominant tree).  As in the
 * reference, selections in auxiliary subsystems are neither emitted nor
 * committed. */
static int explore_aux(struct msel *s, vtx_t u, const struct mreq *R, int nR, bool excl,
                       struct meglist *l)
{
    matcher_t *m = s->m;
    int rc = -1;
    for (int a = 0; a < m->naux && !s->error; a++) {
        int n = 0;
        const vtx_t *ch = graph_children(m->g, m->aux[a], u, &n);
        for (int i = 0; i < n; i++) {
            vtx_t c = ch[i];
            atom_t t = graph_type(m->g, c);
            const struct mreq *mr = NULL;
            for (int j = 0; j < nR && !mr; j++)
                if (!R[j].disabled && !R[j].slot && R[j].type == t && R[j].nwith == 0)
                    mr = &R[j];
            if (!mr)
                continue;
            bool x = excl || mr->excl == JS_EXCL_TRUE;
            s->preorder++;
            /* an auxiliary edge may reach below a held root */
            if (prune(s, c, mr, x) < 0 || match_vertex_held(m, c, s->at, s->dur)) {
                if (s->error)
                    return -1;
                continue;
            }
            int32_t e = eg_new(m);
            if (e < 0) {
                s->error = ENOMEM;
                return -1;
            }
            m->tparent[c] = u;
            m->eg[e].type = t;
            m->eg[e].v = c;
            m->eg[e].excl = x;
            m->eg[e].score = vertex_score(s, c);
            m->eg[e].count = match_plan_avail(m, c, s->at, s->dur);
            list_push(m, l, e);
            s->postorder++;
            rc = 0;
        }
    }
    return rc;
}

static int explore(struct msel *s, vtx_t u, const struct mreq *R, int nR, bool pristine,
                   bool excl, struct meglist *l, int64_t mult, bool whole)
{
    matcher_t *m = s->m;
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, u, &n);
    bool stop = m->pol->stop_on_first;
    int32_t saved = m->norder;
    bool sorted = stop && n > 1;
    bool scored = false;
    bool best_first = false;
    /* The order stack may move while children are visited: index it. */
    if (sorted && order_children(m, ch, n) < 0) {
        s->error = ENOMEM;
        return -1;
    }
    /* Not under locality: its top-level order is not the score order, so
     * every candidate counts. */
    if (!stop && !m->pol->locality && n > 1 && children_are_candidates(m, ch, n, R, nR)) {
        if (order_by_score(s, ch, n) < 0) {
            s->error = ENOMEM;
            return -1;
        }
        sorted = stop = best_first = true;
        /* this stop must select what visiting all would: whole slot
         * members are counted as vertices */
        scored = whole;
    }
    /* A full walk (statistics) visits the children past a best-first stop
     * too, but only to count the visits: what they would add cannot be
     * selected, so their groups are dropped at once (kept, a walk of
     * bench1000 under high held 60,000 groups, 3.4 MB). */
    bool tally = false;
    int rc = -1;
    for (int i = 0; i < n; i++) {
        if (stop && !tally &&
            (scored  ? enough_whole(m, l, R, nR, mult)
             : whole ? enough_packed(m, l, R, nR, mult)
                     : enough(m, l, R, nR, mult))) {
            if (!best_first || !m->full_walk)
                break;
            tally = true;
        }
        vtx_t c = sorted ? order_pop(m, saved, n - i) : ch[i];
        struct visit_out vo;
        int32_t neg = m->neg, nmem = m->nmem;
        m->tparent[c] = u;
        if (visit(s, c, R, nR, pristine, excl, &vo) < 0) {
            if (s->error)
                break;
            continue;
        }
        if (tally) {
            m->neg = neg;
            m->nmem = nmem;
            continue;
        }
        list_cat(m, l, &vo.up);
        int32_t e = eg_new(m);
        if (e < 0) {
            s->error = ENOMEM;
            break;
        }
        m->eg[e].type = graph_type(m->g, c);
        m->eg[e].v = c;
        m->eg[e].excl = vo.excl;
        m->eg[e].score = vo.score;
        m->eg[e].count = match_plan_avail(m, c, s->at, s->dur);
        list_push(m, l, e);
        rc = 0;
    }
    m->norder = saved;
    if (!s->error && m->naux > 0 && explore_aux(s, u, R, nR, excl, l) == 0)
        rc = 0;
    return s->error ? -1 : rc;
}

/* Greedy whole-group packing: how many slots of `count` units fit in the
 * sorted groups tmp[off..off+n). */
static int64_t slots_fit(const matcher_t *m, int32_t off, int32_t n, int64_t count)
{
    int64_t fit = 0, acc = 0;
    for (int32_t i = 0; i < n; i++) {
        acc += m->eg[m->tmp[off + i]].count;
        if (acc >= count) {
            fit++;
            acc = 0;
        }
    }
    return fit;
}

static int mem_push(matcher_t *m, int32_t x)
{
    if (m->nmem == m->capmem) {
        int32_t cap = m->capmem ? m->capmem * 2 : 1024;
        int32_t *p = realloc(m->mem, (size_t) cap * sizeof(*p));
        if (!p)
            return -1;
        m->mem = p;
        m->capmem = cap;
    }
    m->mem[m->nmem++] = x;
    return 0;
}

/* Explore u's children for whole slots of `slot`'s shape and add one group
 * per slot to l. */
static int dom_slot(struct msel *s, vtx_t u, const struct mreq *slot, struct meglist *l)
{
    matcher_t *m = s->m;
    struct meglist sl = {-1, -1};
    int64_t mult = match_calc_count(&slot->count, INT64_MAX / 4);
    s->in_slot++;
    int rc = explore(s, u, slot->with, slot->nwith, false, true, &sl, mult, true);
    s->in_slot--;
    if (rc < 0)
        return s->error ? -1 : 0;
    enum { MAXSHAPE = 16 };
    int32_t off[MAXSHAPE], cnt[MAXSHAPE];
    int64_t need[MAXSHAPE];
    int nshape = slot->nwith < MAXSHAPE ? slot->nwith : MAXSHAPE;
    int64_t nslots = INT64_MAX;
    int32_t pos = 0;
    for (int i = 0; i < nshape; i++) {
        const struct mreq *e = &slot->with[i];
        off[i] = pos;
        cnt[i] = collect_sorted(m, &sl, e->type, pos);
        if (cnt[i] < 0) {
            s->error = ENOMEM;
            return -1;
        }
        pos += cnt[i];
        need[i] = match_calc_count(&e->count, qualified(m, &sl, e->type));
        int64_t fit = need[i] > 0 ? slots_fit(m, off[i], cnt[i], need[i]) : 0;
        if (fit < nslots)
            nslots = fit;
    }
    if (nshape == 0)
        nslots = 0;
    int32_t cur[MAXSHAPE] = {0};
    for (int64_t k = 0; k < nslots; k++) {
        int32_t e = eg_new(m);
        if (e < 0) {
            s->error = ENOMEM;
            return -1;
        }
        m->eg[e].type = slot->type;
        m->eg[e].excl = true;
        m->eg[e].count = 1;
        m->eg[e].mfirst = m->nmem;
        int64_t score = 1;
        for (int i = 0; i < nshape; i++) {
            for (int64_t got = 0; got < need[i] && cur[i] < cnt[i]; cur[i]++) {
                int32_t x = m->tmp[off[i] + cur[i]];
                if (mem_push(m, x) < 0) {
                    s->error = ENOMEM;
                    return -1;
                }
                score += m->eg[x].score;
                got += m->eg[x].count;
            }
        }
        m->eg[e].mcount = m->nmem - m->eg[e].mfirst;
        m->eg[e].score = score;
        list_push(m, l, e);
    }
    return 0;
}

static bool slot_shape_below(const matcher_t *m, vtx_t u, const struct mreq *slot);
static const struct mreq *next_alternative(const matcher_t *m, const struct mreq *a);

/* Try u's slot alternatives in order; the first that yields a slot here
 * wins (the simple traverser has only one). */
static int slot_alternatives(struct msel *s, vtx_t u, const struct mreq *slot,
                             struct meglist *l)
{
    matcher_t *m = s->m;
    for (const struct mreq *a = slot; a; a = next_alternative(m, a)) {
        if (a != slot && !slot_shape_below(m, u, a))
            continue;
        int32_t before = l->tail;
        if (dom_slot(s, u, a, l) < 0)
            return -1;
        if (l->tail != before)
            break;
    }
    return 0;
}

/* The vertex/request test: which request (and slot) u matches. */
enum mkind { K_NONE, K_PRISTINE, K_RESOURCE, K_SLOT };

static bool slot_shape_below(const matcher_t *m, vtx_t u, const struct mreq *slot)
{
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, u, &n);
    for (int i = 0; i < slot->nwith; i++) {
        bool found = false;
        for (int j = 0; j < n && !found; j++)
            found = graph_type(m->g, ch[j]) == slot->with[i].type;
        if (!found)
            return false;
    }
    return slot->nwith > 0;
}

/* The next sibling slot of a (alternatives of the flexible traverser). */
static const struct mreq *next_alternative(const matcher_t *m, const struct mreq *a)
{
    return m->traverser == MATCH_TRAVERSER_FLEXIBLE ? a->alt : NULL;
}

static enum mkind test(const matcher_t *m, vtx_t u, const struct mreq *R, int nR, bool pristine,
                       const struct mreq **mr, const struct mreq **slot)
{
    atom_t ut = graph_type(m->g, u);
    bool matched = false;
    *mr = NULL;
    *slot = NULL;
    for (int i = 0; i < nR; i++) {
        const struct mreq *r = &R[i];
        if (r->disabled)
            continue;
        if (!r->slot && r->type == ut) {
            if (matched)
                return K_NONE; /* siblings request the same type */
            *mr = r;
            matched = true;
            for (int j = 0; j < r->nwith; j++)
                if (r->with[j].slot && !r->with[j].disabled && !*slot)
                    *slot = &r->with[j];
        } else if (r->slot) {
            if (matched && !(m->traverser == MATCH_TRAVERSER_FLEXIBLE && *slot && !*mr))
                return K_NONE;
            if (!*slot)
                *slot = r;
            matched = true;
        }
    }
    for (const struct mreq *a = *slot; a; a = next_alternative(m, a)) {
        if (slot_shape_below(m, u, a)) {
            *slot = a;
            return K_SLOT;
        }
    }
    if (*mr)
        return K_RESOURCE;
    return pristine ? K_PRISTINE : K_NONE;
}

static bool subplan_ok(const struct msel *s, vtx_t u, const struct mreq *r)
{
    const matcher_t *m = s->m;
    uint32_t mask = m->fmask[u];
    for (int k = 0; mask && k < m->nf; k++) {
        if (!(mask & (1u << k)) || r->sub[k] == 0)
            continue;
        if (match_filter_avail(m, u, k, s->at, s->dur) < r->sub[k])
            return false;
    }
    return true;
}

/* prune(): 0 keeps u, -1 prunes it (s->error set on a hard error). */
static int prune(struct msel *s, vtx_t u, const struct mreq *mr, bool x_in)
{
    matcher_t *m = s->m;
    atom_t ut = graph_type(m->g, u);
    if (!s->sat && graph_status(m->g, u) == VTX_DOWN)
        return -1;
    if (s->constraint && (ut == m->a_node || ut == m->a_storage_node) &&
        !match_constraint_eval(s->constraint, m->g, u))
        return -1;
    if (match_plan_avail(m, u, s->at, s->dur) <= 0)
        return -1;
    if (!mr) {
        /* A node of a node-exclusive policy is exclusive even when the
         * request omits it. */
        if (x_in && ut == m->a_node && m->pol->node_exclusive &&
            !match_xchk_free(m, u, s->at, s->dur))
            return -1;
        return 0;
    }
    if (x_in && mr->excl == JS_EXCL_FALSE) {
        s->error = EINVAL;
        st_errorf(s->err, EINVAL, "by_excl: exclusivity conflicts at jobspec=%s",
                  graph_atom_str(m->g, mr->type));
        return -1;
    }
    if ((x_in || mr->excl == JS_EXCL_TRUE) && !match_xchk_free(m, u, s->at, s->dur))
        return -1;
    return subplan_ok(s, u, mr) ? 0 : -1;
}

static int64_t node_factor(const graph_t *g, vtx_t u)
{
    int64_t r = graph_uniq_id(g, u) % POLICY_NODE_FACTOR - 1;
    return (graph_id(g, u) + 2) * POLICY_NODE_FACTOR + (r < 0 ? -r : r);
}

static const char *prop_cb(const void *ctx, const char *key)
{
    const struct {
        const graph_t *g;
        vtx_t v;
    } *c = ctx;
    return graph_property(c->g, c->v, key);
}

static int64_t vertex_score(const struct msel *s, vtx_t u)
{
    const graph_t *g = s->m->g;
    struct {
        const graph_t *g;
        vtx_t v;
    } ctx = {g, u};
    struct policy_vertex pv = {
        .id = graph_id(g, u),
        .uniq_id = graph_uniq_id(g, u),
        .rank = graph_rank(g, u),
        .property = prop_cb,
        .ctx = &ctx,
    };
    return s->m->pol->score(&pv, s->factor);
}

/* Choose candidates for each request of R among l; -1 if one is short.
 * Slot alternatives count as one request: the first satisfied one wins. */
static int choose_all(struct msel *s, const struct mreq *R, int nR, const struct meglist *l)
{
    matcher_t *m = s->m;
    for (int i = 0; i < nR; i++) {
        const struct mreq *c = &R[i];
        if (c->disabled)
            continue;
        if (c->slot && !c->xor &&c->type != m->a_slot &&
            m->traverser == MATCH_TRAVERSER_FLEXIBLE)
            continue; /* a later alternative: handled with the first */
        const struct mreq *a = c;
        int64_t count = 0;
        for (; a; a = next_alternative(m, a)) {
            count = match_calc_count(&a->count, qualified(m, l, a->type));
            if (count > 0)
                break;
        }
        if (count == 0)
            return -1;
        /* Among or-slot candidates the reference keeps the later of equal
         * scores (flexible/cmds08: two identical alternatives under
         * `high` take core35 of node1, not of node0); a lone slot keeps
         * graph order (flexible/cmds04). */
        bool or_slots = c->alt && m->traverser == MATCH_TRAVERSER_FLEXIBLE;
        if (choose_best_k(m, l, a->type, count, or_slots, s->in_slot > 0) < 0) {
            s->error = ENOMEM;
            return -1;
        }
    }
    return 0;
}

/* Choose candidates for mr's child requests among l; -1 if one is short. */
static int finish(struct msel *s, const struct mreq *mr, const struct meglist *l)
{
    return choose_all(s, mr->with, mr->nwith, l);
}

static bool is_xtype(const struct msel *s, atom_t t)
{
    for (int i = 0; i < s->nxtypes; i++)
        if (s->xtypes[i] == t)
            return true;
    return false;
}

static int visit(struct msel *s, vtx_t u, const struct mreq *R, int nR, bool pristine,
                 bool excl_in, struct visit_out *out)
{
    matcher_t *m = s->m;
    const struct mreq *mr, *slot;
    s->preorder++;
    enum mkind kind = test(m, u, R, nR, pristine, &mr, &slot);
    if (kind == K_NONE)
        return -1;
    /* A slot placed below an omitted prefix is pruned like the prefix:
     * by whether u's subtree can hold one instance (the reference's
     * preorder counts skip such a socket's children). */
    bool walked = kind == K_PRISTINE || (kind == K_SLOT && pristine && !mr);
    if (walked && !pristine_useful(s, u, R, nR))
        return -1;
    atom_t ut = graph_type(m->g, u);
    bool x_in = excl_in || (mr && (mr->excl == JS_EXCL_TRUE || is_xtype(s, ut))) ||
                (m->pol->node_exclusive && ut == m->a_node);
    if (prune(s, u, mr, x_in) < 0)
        return -1;
    m->xin[u] = x_in;
    if (m->labels)
        m->slabel[u] = mr ? mr->label : NULL;
    int64_t f = 0;
    if (m->pol->node_centric && ut == m->a_node) {
        f = node_factor(m->g, u);
        s->factor += f;
    }
    struct meglist l = {-1, -1};
    int rc = 0;
    if (kind == K_SLOT)
        rc = slot_alternatives(s, u, slot, &l);
    else if (kind == K_RESOURCE && mr->nwith > 0)
        rc = explore(s, u, mr->with, mr->nwith, false, x_in, &l, 1, false);
    else if (kind == K_PRISTINE)
        rc = explore(s, u, R, nR, true, x_in, &l, 1, false);
    if (rc < 0 && s->error)
        goto fail;
    if (mr && finish(s, mr, &l) < 0)
        goto fail;
    out->score = vertex_score(s, u);
    s->factor -= f;
    out->excl = x_in;
    out->up.head = out->up.tail = -1;
    if (mr)
        enforce(s, &l, u);
    else
        out->up = l;
    s->postorder++;
    return 0;
fail:
    s->factor -= f;
    return -1;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

/* Locality: top-level candidates of one type whose scores form a run of
 * consecutive values belong to one interval; candidates in longer
 * intervals come first, then higher scores.  Rewrites the scores of l. */
static int locality_rescore(matcher_t *m, const struct meglist *l)
{
    int32_t n = 0;
    for (int32_t i = l->head; i >= 0; i = m->eg[i].next)
        n++;
    int64_t *sc = malloc(((size_t) n + 1) * sizeof(*sc));
    int64_t *run = malloc(((size_t) n + 1) * sizeof(*run));
    atom_t *done = malloc(((size_t) n + 1) * sizeof(*done));
    int ndone = 0;
    if (!sc || !run || !done) {
        free(sc);
        free(run);
        free(done);
        return -1;
    }
    for (int32_t i = l->head; i >= 0; i = m->eg[i].next) {
        atom_t t = m->eg[i].type;
        bool seen = false;
        for (int d = 0; d < ndone && !seen; d++)
            seen = done[d] == t;
        if (seen)
            continue;
        done[ndone++] = t;
        int32_t k = 0;
        for (int32_t j = i; j >= 0; j = m->eg[j].next)
            if (m->eg[j].type == t)
                sc[k++] = m->eg[j].score;
        qsort(sc, (size_t) k, sizeof(*sc), cmp_i64);
        /* run[x] = length of the run of consecutive scores holding sc[x] */
        for (int32_t a = 0; a < k;) {
            int32_t b = a;
            while (b + 1 < k && sc[b + 1] - sc[b] <= 1)
                b++;
            for (int32_t x = a; x <= b; x++)
                run[x] = sc[b] - sc[a] + 1;
            a = b + 1;
        }
        for (int32_t j = i; j >= 0; j = m->eg[j].next) {
            if (m->eg[j].type != t)
                continue;
            int64_t *p = bsearch(&m->eg[j].score, sc, (size_t) k, sizeof(*sc), cmp_i64);
            int64_t len = p ? run[p - sc] : 1;
            m->eg[j].score = (len << 32) + m->eg[j].score;
        }
    }
    free(sc);
    free(run);
    free(done);
    return 0;
}

int match_select(struct msel *s, const struct mreq *top, int ntop)
{
    matcher_t *m = s->m;
    vtx_t root = graph_root(m->g, m->dom);
    if (root == VTX_NONE) {
        errno = ENODEV;
        return -1;
    }
    m->seq++;
    m->neg = 0;
    m->nmem = 0;
    m->norder = 0;
    s->factor = 0;
    s->error = 0;
    s->traversed = false;
    m->tparent[root] = VTX_NONE;
    struct visit_out vo;
    if (visit(s, root, top, ntop, true, false, &vo) < 0)
        goto fail;
    struct meglist l = vo.up;
    int32_t e = eg_new(m);
    if (e < 0) {
        s->error = ENOMEM;
        goto fail;
    }
    m->eg[e].type = graph_type(m->g, root);
    m->eg[e].v = root;
    m->eg[e].excl = vo.excl;
    m->eg[e].score = vo.score;
    m->eg[e].count = 1;
    list_push(m, &l, e);
    if (m->pol->locality && locality_rescore(m, &l) < 0) {
        s->error = ENOMEM;
        goto fail;
    }
    if (choose_all(s, top, ntop, &l) < 0)
        goto fail;
    enforce(s, &l, VTX_NONE);
    if (m->sseq[root] != m->seq)
        mark(s, root, 1, vo.excl);
    s->traversed = true;
    return 0;
fail:
    errno = s->error ? s->error : EBUSY;
    return -1;
}
