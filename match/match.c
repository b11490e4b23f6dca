/* match: matcher creation, parameters, the match ops and the job table. */
#include "match/match.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_private.h"

#define MATCH_OP_NAME_(e, s) s,
static const char *const op_names[] = {MATCH_OPS(MATCH_OP_NAME_)};
#undef MATCH_OP_NAME_
_Static_assert(sizeof(op_names) / sizeof(op_names[0]) == MATCH_OP_COUNT, "op names");

static const int64_t DEFAULT_DURATION = 3153600000;
static const char default_filters[] = "ALL:core,ALL:node";

int match_op_parse(const char *name, enum match_op *op)
{
    if (!name || !op) {
        errno = EINVAL;
        return -1;
    }
    for (int i = 0; i < MATCH_OP_COUNT; i++) {
        if (strcmp(op_names[i], name) == 0) {
            *op = (enum match_op) i;
            return 0;
        }
    }
    errno = EINVAL;
    return -1;
}

const char *match_op_name(enum match_op op)
{
    if ((int) op < 0 || op >= MATCH_OP_COUNT)
        return NULL;
    return op_names[op];
}

/* ---- subsystems ------------------------------------------------------------------- */

static const struct {
    const char *abbr;
    const char *name;
} subsys_abbr[] = {
    {"C", "containment"}, {"IB", "ibnet"},     {"IBB", "ibnetbw"},
    {"P", "power"},       {"PFS1B", "pfs1bw"}, {"V", "virtual1"},
};

/* "C+PA": the words before 'A', split at '+'.  "ALL" is every subsystem. */
static int parse_subsystems(matcher_t *m, const char *spec, struct st_error *err)
{
    char buf[64];
    size_t n = strlen(spec);
    if (n == 0 || n >= sizeof(buf))
        return st_errorf(err, EINVAL, "unknown subsystem name %s", spec);
    for (size_t i = 0; i <= n; i++)
        buf[i] = (char) toupper((unsigned char) spec[i]);
    const char *names[GRAPH_MAX_SUBSYSTEMS];
    int nn = 0;
    if (strcmp(buf, "ALL") == 0) {
        static const char *const all[] = {"containment", "ibnet", "ibnetbw", "pfs1bw", "power"};
        for (int i = 0; i < 5; i++)
            names[nn++] = all[i];
    } else {
        if (buf[n - 1] != 'A')
            return st_errorf(err, EINVAL, "unknown subsystem name %s", spec);
        buf[n - 1] = '\0';
        char *save = NULL;
        for (char *w = strtok_r(buf, "+", &save); w; w = strtok_r(NULL, "+", &save)) {
            const char *found = NULL;
            for (size_t i = 0; i < sizeof(subsys_abbr) / sizeof(subsys_abbr[0]); i++)
                if (strcmp(subsys_abbr[i].abbr, w) == 0)
                    found = subsys_abbr[i].name;
            if (!found || nn == GRAPH_MAX_SUBSYSTEMS)
                return st_errorf(err, EINVAL, "unknown subsystem name %s", spec);
            names[nn++] = found;
        }
    }
    if (nn == 0)
        return st_errorf(err, EINVAL, "unknown subsystem name %s", spec);
    m->dom = graph_atom_find(m->g, names[0]);
    if (m->dom == ATOM_NONE || graph_root(m->g, m->dom) == VTX_NONE)
        return st_errorf(err, EINVAL, "subsystem %s has no root in the graph", names[0]);
    m->naux = 0;
    for (int i = 1; i < nn; i++) {
        atom_t a = graph_atom_find(m->g, names[i]);
        if (a != ATOM_NONE)
            m->aux[m->naux++] = a;
    }
    return 0;
}

/* ---- pruning filters ---------------------------------------------------------------- */

static int filter_type_index(matcher_t *m, const char *ll, struct st_error *err)
{
    for (int k = 0; k < m->nf; k++)
        if (strcmp(m->fnames[k], ll) == 0)
            return k;
    if (m->nf == MATCH_MAX_FILTERS)
        return st_errorf(err, EINVAL, "too many pruning filter types");
    m->fnames[m->nf] = strdup(ll);
    if (!m->fnames[m->nf])
        return st_errorf(err, ENOMEM, "out of memory");
    m->ftypes[m->nf] = graph_atom_find(m->g, ll);
    return m->nf++;
}

/* Add HL:LL.  ALL:LL replaces every earlier entry for LL. */
static int add_filter(matcher_t *m, const char *hl, const char *ll, struct st_error *err)
{
    int k = filter_type_index(m, ll, err);
    if (k < 0)
        return -1;
    bool any = strcmp(hl, "ALL") == 0;
    if (any) {
        int j = 0;
        for (int i = 0; i < m->nfent; i++)
            if (m->fent[i].lli != k)
                m->fent[j++] = m->fent[i];
        m->nfent = j;
    }
    if (m->nfent == (int) (sizeof(m->fent) / sizeof(m->fent[0])))
        return st_errorf(err, EINVAL, "too many pruning filters");
    atom_t a = any ? ATOM_NONE : graph_atom_find(m->g, hl);
    if (!any && a == ATOM_NONE)
        return 0; /* no vertex of that type: nothing to track */
    m->fent[m->nfent].hl = a;
    m->fent[m->nfent].lli = k;
    m->nfent++;
    return 0;
}

/* Leaf types the spec does not list are tracked at the root (the
 * reference's cluster anchor, fluxion-behaviour.md 2.7), in the order the
 * vertices come (by id). */
static int anchor_leaf_types(matcher_t *m, struct st_error *err)
{
    vtx_t root = graph_root(m->g, m->dom);
    if (root == VTX_NONE)
        return 0;
    const char *rt = graph_atom_str(m->g, graph_type(m->g, root));
    int32_t nv = graph_vertex_count(m->g);
    for (vtx_t v = 0; v < nv; v++) {
        int nc = 0, np = 0;
        if (!graph_vertex_live(m->g, v))
            continue;
        graph_children(m->g, m->dom, v, &nc);
        graph_parents(m->g, m->dom, v, &np);
        if (nc > 0 || np == 0) /* not a leaf of the dominant tree */
            continue;
        atom_t t = graph_type(m->g, v);
        bool listed = false;
        for (int k = 0; k < m->nf && !listed; k++)
            listed = m->ftypes[k] == t;
        if (!listed && m->nf < MATCH_MAX_FILTERS &&
            add_filter(m, rt, graph_atom_str(m->g, t), err) < 0)
            return -1;
    }
    return 0;
}

static int parse_filters(matcher_t *m, const char *spec, struct st_error *err)
{
    bool blank = true;
    for (const char *p = spec; p && *p; p++)
        blank = blank && isspace((unsigned char) *p);
    if (!spec || blank)
        spec = default_filters;
    char *copy = strdup(spec);
    if (!copy)
        return st_errorf(err, ENOMEM, "out of memory");
    char *save = NULL;
    int rc = 0;
    for (char *w = strtok_r(copy, ",", &save); w && rc == 0; w = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(w, ':');
        if (!colon || colon == w || colon[1] == '\0' || strchr(colon + 1, ':'))
            rc = st_errorf(err, EINVAL, "invalid prune filter spec %s", spec);
        else {
            *colon = '\0';
            rc = add_filter(m, w, colon + 1, err);
        }
    }
    free(copy);
    return rc;
}

/* After the -p types: the anchor types, last (types [fstride, nf)), kept
 * for the root alone unless a vertex below the root has its type. */
static int anchor_types(matcher_t *m, struct st_error *err)
{
    int listed = m->nf;
    if (anchor_leaf_types(m, err) < 0)
        return -1;
    m->fstride = match_root_type_below(m, 0, graph_vertex_count(m->g)) ? m->nf : listed;
    return 0;
}

/* A vertex's filter mask, specified set and first-policy weight from its
 * subtree totals.  Shared by the full prime and the incremental one of
 * elastic.c. */
void match_set_filter_state(matcher_t *m, vtx_t v)
{
    uint32_t mask = 0, spec = 0;
    atom_t t = graph_type(m->g, v);
    for (int i = 0; i < m->nfent; i++) {
        int k = m->fent[i].lli;
        if (m->fent[i].hl == ATOM_NONE || m->fent[i].hl == t) {
            spec |= 1u << k;
            if (match_ftot(m, v, k) > 0)
                mask |= 1u << k;
        }
    }
    m->fmask[v] = mask;
    m->fspec[v] = spec;
    if (m->weight)
        m->weight[v] = match_weight_static(m, v);
}

/* The reference orders a vertex's children by edge weights that start at
 * the child's total of its FIRST tracked type and become, once a job's
 * update passes through the edge, the child's availability of its LAST
 * tracked type (match_update_weights_job).  For a rack under the default
 * `ALL:core,ALL:node` that is cores (648 on medium) before and free nodes
 * (at most 18) after, so every rack no job has reached yet is visited
 * before every rack one has (omit_prefix/cmds01 under `first`). */
int64_t match_weight_static(const matcher_t *m, vtx_t v)
{
    if (!m || v < 0 || v >= m->nv || !m->fmask[v])
        return 0;
    return match_ftot(m, v, __builtin_ctz(m->fmask[v]));
}

int64_t match_ftot(const matcher_t *m, vtx_t v, int k)
{
    if (!m || v < 0 || v >= m->nv || k < 0 || k >= m->nf)
        return 0;
    if (k < m->fstride)
        return m->ftot[(size_t) v * (size_t) m->fstride + (size_t) k];
    return v == graph_root(m->g, m->dom) ? m->atot[k] : 0;
}

void match_plan_totals(const matcher_t *m, vtx_t v, int64_t *tot)
{
    if (!m || !tot || v < 0 || v >= m->nv)
        return;
    for (int k = 0; k < m->nf; k++)
        tot[k] = k < m->fstride ? match_ftot(m, v, k) : m->atot[k];
}

void match_anchors_below(const matcher_t *m, vtx_t v, int64_t *acc)
{
    if (!m || !acc || v < 0 || v >= graph_vertex_count(m->g))
        return;
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    for (int i = 0; i < n; i++) {
        atom_t t = graph_type(m->g, ch[i]);
        for (int k = m->fstride; k < m->nf; k++)
            if (t == m->ftypes[k])
                acc[k] += graph_size(m->g, ch[i]);
        match_anchors_below(m, ch[i], acc);
    }
}

void match_subtree_totals(const matcher_t *m, vtx_t v, int64_t *tot)
{
    if (!m || !tot || v < 0 || v >= m->nv)
        return;
    for (int k = 0; k < m->nf; k++)
        tot[k] = match_ftot(m, v, k);
    if (m->fstride < m->nf && v != graph_root(m->g, m->dom))
        match_anchors_below(m, v, tot);
}

bool match_root_type_below(const matcher_t *m, vtx_t from, vtx_t to)
{
    if (!m)
        return false;
    vtx_t root = graph_root(m->g, m->dom);
    if (root == VTX_NONE)
        return false;
    atom_t rt = graph_type(m->g, root);
    for (vtx_t v = from < 0 ? 0 : from; v < to; v++)
        if (v != root && graph_vertex_live(m->g, v) && graph_type(m->g, v) == rt)
            return true;
    return false;
}


/* Sum filter-type sizes strictly below v; track them where an entry says
 * so.  A per-vertex type goes into v's row; an anchor type is summed for
 * the root alone (every vertex below it is visited once). */
static void prime_vertex(matcher_t *m, vtx_t v)
{
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    size_t st = (size_t) m->fstride;
    int64_t *tot = &m->ftot[(size_t) v * st];
    for (size_t k = 0; k < st; k++)
        tot[k] = 0;
    for (int i = 0; i < n; i++) {
        vtx_t c = ch[i];
        prime_vertex(m, c);
        const int64_t *ct = &m->ftot[(size_t) c * st];
        atom_t t = graph_type(m->g, c);
        for (size_t k = 0; k < st; k++)
            tot[k] += ct[k] + (t == m->ftypes[k] ? graph_size(m->g, c) : 0);
        for (int k = m->fstride; k < m->nf; k++)
            if (t == m->ftypes[k])
                m->atot[k] += graph_size(m->g, c);
    }
    match_set_filter_state(m, v);
}

void match_prime_filters(matcher_t *m)
{
    vtx_t root = graph_root(m->g, m->dom);
    for (int32_t v = 0; v < m->nv; v++) {
        planner_multi_destroy(m->filt[v]);
        m->filt[v] = NULL;
        m->fmask[v] = 0;
        m->fspec[v] = 0;
    }
    memset(m->atot, 0, sizeof(m->atot));
    if (root != VTX_NONE && m->nf > 0)
        prime_vertex(m, root);
}

/* ---- per-vertex state ----------------------------------------------------------------- */

#define GROW(ptr, n, old)                                                                      \
    do {                                                                                       \
        void *p_ = realloc((ptr), (size_t) (n) * sizeof(*(ptr)));                              \
        if (!p_)                                                                               \
            return -1;                                                                         \
        (ptr) = p_;                                                                            \
        memset((ptr) + (old), 0, (size_t) ((n) - (old)) * sizeof(*(ptr)));                     \
    } while (0)

int match_grow_state(matcher_t *m)
{
    int32_t n = graph_vertex_count(m->g);
    int32_t old = m->nv;
    if (n <= old)
        return 0;
    size_t nf = m->fstride ? (size_t) m->fstride : 1;
    GROW(m->plans, n, old);
    GROW(m->xchk, n, old);
    GROW(m->filt, n, old);
    GROW(m->fmask, n, old);
    GROW(m->fspec, n, old);
    /* Only the first policy's child order reads weights (8 B a vertex,
     * 0.5 MB on bench1000, that no other policy touches). */
    if (m->pol->stop_on_first)
        GROW(m->weight, n, old);
    GROW(m->sseq, n, old);
    GROW(m->sneeds, n, old);
    GROW(m->sexcl, n, old);
    GROW(m->tparent, n, old);
    GROW(m->sparent, n, old);
    GROW(m->xin, n, old);
    GROW(m->ftot, (size_t) n * nf, (size_t) old * nf);
    m->nv = n;
    return 0;
}

matcher_t *match_create(graph_t *g, const struct match_params *params, struct st_error *err)
{
    if (!g)
        return st_errorf_null(err, EINVAL, "no graph");
    matcher_t *m = calloc(1, sizeof(*m));
    if (!m)
        return st_errorf_null(err, ENOMEM, "out of memory");
    m->g = g;
    const char *pol = params && params->policy ? params->policy : "first";
    const char *sub = params && params->subsystems ? params->subsystems : "CA";
    m->graph_start = params ? params->graph_start : 0;
    int64_t dur =
        params && params->graph_duration > 0 ? params->graph_duration : DEFAULT_DURATION;
    m->graph_end = m->graph_start + dur;
    m->traverser = params ? params->traverser : MATCH_TRAVERSER_SIMPLE;
    m->stale_keys = params && params->stale_search_keys;
    m->a_node = graph_atom_find(g, "node");
    m->a_storage_node = graph_atom_find(g, "storage_node");
    m->a_slot = -2; /* never a graph atom */
    m->policy = policy_create(pol, err);
    if (!m->policy)
        goto error;
    m->pol = policy_ops(m->policy);
    if (m->graph_start < 0 || parse_subsystems(m, sub, err) < 0 ||
        parse_filters(m, params ? params->prune_filters : NULL, err) < 0 ||
        anchor_types(m, err) < 0)
        goto error;
    if (match_grow_state(m) < 0) {
        st_errorf(err, ENOMEM, "out of memory");
        goto error;
    }
    match_prime_filters(m);
    return m;
error:
    if (errno == 0)
        errno = EINVAL;
    match_destroy(m);
    return NULL;
}

void match_destroy(matcher_t *m)
{
    if (!m)
        return;
    int e = errno;
    for (int32_t v = 0; v < m->nv; v++) {
        planner_destroy(m->plans[v]);
        planner_destroy(m->xchk[v]);
        planner_multi_destroy(m->filt[v]);
    }
    free(m->plans);
    free(m->xchk);
    free(m->filt);
    free(m->ftot);
    free(m->fmask);
    free(m->fspec);
    free(m->weight);
    free(m->sseq);
    free(m->sneeds);
    free(m->slabel);
    free(m->sexcl);
    free(m->tparent);
    free(m->sparent);
    free(m->xin);
    free(m->eg);
    free(m->mem);
    free(m->tmp);
    free(m->order);
    free(m->reqs);
    for (size_t i = 0; i < m->njobs; i++)
        free(m->jobs[i].spans);
    free(m->jobs);
    free(m->stale);
    for (int k = 0; k < m->nf; k++)
        free(m->fnames[k]);
    policy_destroy(m->policy);
    free(m);
    errno = e;
}

/* ---- jobs ------------------------------------------------------------------------------- */

struct mjob *match_job_find(const matcher_t *m, int64_t jobid)
{
    for (size_t i = 0; i < m->njobs; i++)
        if (m->jobs[i].id == jobid)
            return &m->jobs[i];
    return NULL;
}

bool match_job_exists(const matcher_t *m, int64_t jobid)
{
    return m && match_job_find(m, jobid) != NULL;
}

static struct mjob *job_new(matcher_t *m, int64_t jobid)
{
    if (m->njobs == m->capjobs) {
        size_t cap = m->capjobs ? m->capjobs * 2 : 64;
        struct mjob *p = realloc(m->jobs, cap * sizeof(*p));
        if (!p)
            return NULL;
        m->jobs = p;
        m->capjobs = cap;
    }
    struct mjob *j = &m->jobs[m->njobs++];
    memset(j, 0, sizeof(*j));
    j->id = jobid;
    return j;
}

/* Forget a job that never held anything (a failed commit). */
static void job_discard(matcher_t *m, struct mjob *j)
{
    free(j->spans);
    size_t i = (size_t) (j - m->jobs);
    memmove(&m->jobs[i], &m->jobs[i + 1], (m->njobs - i - 1) * sizeof(*j));
    m->njobs--;
}

void match_job_drop(matcher_t *m, struct mjob *j)
{
    match_stale_gone(m, j);
    job_discard(m, j);
}

/* ---- match ops ----------------------------------------------------------------------------
 */

/* Node count the request asks for, as the reference's feasibility check
 * counts it: a node's minimum count, times the slots around it, but not
 * times the other resources above it (rack[3]->node[1] asks for 1 node
 * here; it is then found unsatisfiable by the filters, t3013 002). */
static int64_t nodes_requested(const matcher_t *m, const struct mreq *r, int n, int64_t mult)
{
    int64_t total = 0;
    bool slot_seen = false;
    for (int i = 0; i < n; i++) {
        int64_t c = mult * (int64_t) r[i].count.min;
        if (!r[i].slot && r[i].type == m->a_node) {
            total += c;
        } else if (r[i].slot) {
            /* sibling slots are alternatives: the cheapest counts */
            if ((!r[i].xor &&slot_seen) || (r[i].xor &&!r[i].xfirst))
                continue;
            slot_seen = slot_seen || !r[i].xor ;
            int64_t best = nodes_requested(m, r[i].with, r[i].nwith, c);
            for (const struct mreq *a = r[i].xor ? r[i].xalt : r[i].alt; a;
                 a = r[i].xor ? a->xalt : a->alt) {
                int64_t x =
                    nodes_requested(m, a->with, a->nwith, mult * (int64_t) a->count.min);
                if (x < best)
                    best = x;
            }
            total += best;
        } else {
            total += nodes_requested(m, r[i].with, r[i].nwith, mult);
        }
    }
    return total;
}

/* A vertex is up when it and its ancestors are. */
static bool vertex_up(const matcher_t *m, vtx_t v)
{
    while (v != VTX_NONE) {
        if (graph_status(m->g, v) == VTX_DOWN)
            return false;
        int n = 0;
        const vtx_t *p = graph_parents(m->g, m->dom, v, &n);
        v = n > 0 ? p[0] : VTX_NONE;
    }
    return true;
}

/* Fewer up nodes than requested: no point in traversing, and not even a
 * satisfiability check (which ignores status otherwise) can succeed. */
static bool feasible(const matcher_t *m, const struct msel *s, const struct mreq *top, int ntop)
{
    if (m->a_node == ATOM_NONE)
        return true;
    int64_t want = nodes_requested(m, top, ntop, 1);
    if (want == 0)
        return true;
    int n = 0;
    const vtx_t *nodes = graph_by_type(m->g, m->a_node, &n);
    int64_t have = 0;
    for (int i = 0; i < n && have < want; i++) {
        if (!vertex_up(m, nodes[i]))
            continue;
        if (s->constraint && !match_constraint_eval(s->constraint, m->g, nodes[i]))
            continue;
        have++;
    }
    return have >= want;
}

/* xor_slot groups: every combination of one member per group is a variant
 * of the request, tried in order (the first group varies fastest), at most
 * 1000 of them. */
static void collect_xor_groups(struct msel *s)
{
    matcher_t *m = s->m;
    s->nxgroups = 0;
    s->nvariants = 1;
    for (int i = 0; i < m->nreqs; i++) {
        struct mreq *q = &m->reqs[i];
        if (!q->xfirst || s->nxgroups == 16)
            continue;
        int64_t n = 0;
        for (struct mreq *a = q; a; a = a->xalt)
            n++;
        s->xgroups[s->nxgroups++] = q;
        s->nvariants = s->nvariants * n > 1000 ? 1000 : s->nvariants * n;
    }
}

static void set_variant(struct msel *s, int64_t var)
{
    for (int gi = 0; gi < s->nxgroups; gi++) {
        int64_t n = 0;
        for (struct mreq *a = s->xgroups[gi]; a; a = a->xalt)
            n++;
        int64_t pick = var % n;
        var /= n;
        int64_t j = 0;
        for (struct mreq *a = s->xgroups[gi]; a; a = a->xalt, j++)
            a->disabled = j != pick;
    }
}

static int select_at(struct msel *s, int64_t at, int64_t dur, bool sat)
{
    matcher_t *m = s->m;
    s->at = at;
    s->dur = at + dur > m->graph_end ? m->graph_end - at : dur;
    s->sat = sat;
    if (s->dur <= 0) {
        errno = EBUSY;
        return -1;
    }
    for (int64_t var = 0; var < s->nvariants; var++) {
        set_variant(s, var);
        if (match_select(s, m->reqs, s->ntop) == 0)
            return 0;
        if (s->error)
            return -1;
    }
    errno = EBUSY;
    return -1;
}

/* Satisfiable at all: select in the far future, ignoring status. */
static int satisfiable(struct msel *s, int64_t dur)
{
    matcher_t *m = s->m;
    int64_t at = m->graph_end - dur - 1;
    if (at < m->graph_start)
        at = m->graph_start;
    int rc = select_at(s, at, dur, true);
    if (rc < 0 && s->error)
        return -1;
    if (rc < 0)
        errno = ENODEV;
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return (x > y) - (x < y);
}

/* A cheap necessary condition before a whole selection pass at time t:
 * the root's filters hold what the request needs during [t, t + dur). */
static bool root_may_fit(const struct msel *s, int64_t t, int64_t dur)
{
    const matcher_t *m = s->m;
    vtx_t root = graph_root(m->g, m->dom);
    if (root == VTX_NONE || !m->fmask[root])
        return true;
    int64_t tot[MATCH_MAX_FILTERS] = {0};
    match_request_totals(m, m->reqs, s->ntop, tot);
    int64_t d = t + dur > m->graph_end ? m->graph_end - t : dur;
    for (int k = 0; k < m->nf; k++) {
        if (!(m->fmask[root] & (1u << k)) || tot[k] == 0)
            continue;
        if (match_filter_avail(m, root, k, t, d) < tot[k])
            return false;
    }
    return true;
}

/* The root search key of time t admits the request (match_stale_admits). */
static bool key_admits(const struct msel *s, int64_t t)
{
    int64_t tot[MATCH_MAX_FILTERS] = {0};
    match_request_totals(s->m, s->m->reqs, s->ntop, tot);
    return match_stale_admits(s->m, t, tot);
}

/* The earliest time after now at which the request fits: availability only
 * grows when a job's window ends, so those are the only candidates.  With
 * stale search keys (match_stale_admits) an end can be skipped; a later
 * start is then a candidate too, as every point is in the reference. */
static int reserve_search(struct msel *s, int64_t now, int64_t dur, int64_t *at)
{
    matcher_t *m = s->m;
    if (m->njobs == 0)
        return -1;
    bool stale = m->nstale > 0;
    int64_t *ends = malloc((stale ? 2 : 1) * m->njobs * sizeof(*ends));
    if (!ends) {
        s->error = ENOMEM;
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->njobs; i++) {
        int64_t b = m->jobs[i].at, e = b + m->jobs[i].duration;
        if (e > now && e < m->graph_end)
            ends[n++] = e;
        if (stale && b > now && b < m->graph_end)
            ends[n++] = b;
    }
    qsort(ends, n, sizeof(*ends), cmp_i64);
    int rc = -1;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && ends[i] == ends[i - 1])
            continue;
        if (!root_may_fit(s, ends[i], dur) || (stale && !key_admits(s, ends[i])))
            continue;
        if (select_at(s, ends[i], dur, false) == 0) {
            *at = ends[i];
            rc = 0;
            break;
        }
        if (s->error)
            break;
    }
    free(ends);
    return rc;
}

int match_commit_job(struct msel *s, int64_t jobid, bool reserved, writer_t *w)
{
    matcher_t *m = s->m;
    struct mjob *job = job_new(m, jobid);
    if (!job)
        return -1;
    job->at = s->at;
    job->duration = s->dur;
    job->reserved = reserved;
    if (match_commit(s, job, w) < 0) {
        int e = errno;
        job_discard(m, job);
        errno = e;
        return -1;
    }
    match_stale_touch(m, job->at, job->duration);
    if (m->pol->stop_on_first)
        match_update_weights_job(m, job, s->now);
    return 0;
}

static void stats_out(const struct msel *s, struct match_stats *stats)
{
    if (stats) {
        stats->preorder = s->preorder;
        stats->postorder = s->postorder;
    }
}

static void collect_xtypes(struct msel *s, const struct mreq *r, int n)
{
    for (int i = 0; i < n; i++) {
        if (!r[i].slot && r[i].excl == JS_EXCL_TRUE && s->nxtypes < 16) {
            bool dup = false;
            for (int j = 0; j < s->nxtypes; j++)
                dup = dup || s->xtypes[j] == r[i].type;
            if (!dup)
                s->xtypes[s->nxtypes++] = r[i].type;
        }
        collect_xtypes(s, r[i].with, r[i].nwith);
    }
}

static int run_op(struct msel *s, enum match_op op, int64_t jobid, int64_t now, int64_t dur,
                  int64_t *at, writer_t *w)
{
    bool commit = op == MATCH_ALLOCATE || op == MATCH_ALLOCATE_ORELSE_RESERVE ||
                  op == MATCH_ALLOCATE_WITH_SATISFIABILITY;
    if (!feasible(s->m, s, s->m->reqs, s->ntop)) {
        bool sat = op == MATCH_SATISFIABILITY || op == MATCH_ALLOCATE_WITH_SATISFIABILITY;
        errno = sat ? ENODEV : EBUSY;
        return -1;
    }
    if (op == MATCH_SATISFIABILITY)
        return satisfiable(s, dur);
    if (select_at(s, now, dur, false) == 0) {
        *at = now;
        return commit ? match_commit_job(s, jobid, false, w) : match_emit_only(s, w);
    }
    if (s->error)
        return -1;
    bool future = op == MATCH_ALLOCATE_ORELSE_RESERVE || op == MATCH_WITHOUT_ALLOCATING_FUTURE;
    if (future && reserve_search(s, now, dur, at) == 0)
        return commit ? match_commit_job(s, jobid, true, w) : match_emit_only(s, w);
    if (s->error)
        return -1;
    if (op == MATCH_ALLOCATE || op == MATCH_WITHOUT_ALLOCATING) {
        errno = EBUSY;
        return -1;
    }
    if (satisfiable(s, dur) == 0) {
        errno = EBUSY;
        return -1;
    }
    return -1;
}

int match_run(matcher_t *m, enum match_op op, const jobspec_t *js, int64_t jobid, int64_t *at,
              writer_t *w, struct match_stats *stats, struct st_error *err)
{
    if (!m || !js || !at || (int) op < 0 || op >= MATCH_OP_COUNT || *at < m->graph_start ||
        *at >= m->graph_end)
        return st_errorf(err, EINVAL, "invalid argument");
    bool commit = op == MATCH_ALLOCATE || op == MATCH_ALLOCATE_ORELSE_RESERVE ||
                  op == MATCH_ALLOCATE_WITH_SATISFIABILITY;
    if (commit && match_job_find(m, jobid))
        return st_errorf(err, EEXIST, "existing jobid %jd", (intmax_t) jobid);
    if (match_grow_state(m) < 0)
        return st_errorf(err, ENOMEM, "out of memory");
    if (match_build_reqs(m, js, err) < 0)
        return -1;
    struct msel s = {.m = m, .err = err, .shadow_node = m->pol->node_exclusive};
    s.ntop = (int) js->nresources;
    collect_xor_groups(&s);
    collect_xtypes(&s, m->reqs, s.ntop);
    struct mconstraint *c = NULL;
    if (js->constraint) {
        c = match_constraint_compile(js->constraint, err);
        if (!c)
            return -1;
        s.constraint = c;
    }
    int64_t dur = jobspec_duration_seconds(js);
    if (dur <= 0 || dur > m->graph_end - m->graph_start)
        dur = m->graph_end - m->graph_start;
    int64_t now = *at;
    s.now = now;
    int rc = run_op(&s, op, jobid, now, dur, at, w);
    int e = errno;
    if (rc < 0 && s.error)
        e = s.error;
    stats_out(&s, stats);
    match_constraint_destroy(c);
    errno = e;
    if (rc < 0)
        *at = now;
    return rc;
}

static void tag_walk(const matcher_t *m, vtx_t v, struct match_stats *st)
{
    int n = 0;
    const vtx_t *ch = graph_children(m->g, m->dom, v, &n);
    for (int i = 0; i < n; i++) {
        st->preorder++;
        if (m->sseq[ch[i]] == m->seq)
            tag_walk(m, ch[i], st);
    }
    st->postorder++;
}

/* Visit counts of a walk from the root that follows the job's tags: every
 * child looked at counts as a preorder visit, every tagged vertex as a
 * postorder one. */
static void tag_one(const struct mspan *sp, void *arg)
{
    matcher_t *m = arg;
    m->sseq[sp->v] = m->seq;
}

void match_tag_walk_stats(matcher_t *m, const struct mjob *j, struct match_stats *st)
{
    m->seq++;
    match_job_foreach(m, j, tag_one, m);
    st->preorder = 0;
    st->postorder = 0;
    vtx_t root = graph_root(m->g, m->dom);
    if (root != VTX_NONE && m->sseq[root] == m->seq) {
        st->preorder = 1;
        tag_walk(m, root, st);
    }
}

int match_cancel(matcher_t *m, int64_t jobid, struct match_stats *stats)
{
    if (!m) {
        errno = EINVAL;
        return -1;
    }
    struct mjob *j = match_job_find(m, jobid);
    if (!j) {
        errno = ENOENT;
        return -1;
    }
    if (stats)
        match_tag_walk_stats(m, j, stats);
    match_release_job(m, j);
    match_job_drop(m, j);
    return 0;
}

int match_set_full_walk(matcher_t *m, bool on)
{
    if (!m) {
        errno = EINVAL;
        return -1;
    }
    m->full_walk = on;
    return 0;
}

int match_set_status(matcher_t *m, vtx_t v, enum vtx_status st)
{
    if (!m || v < 0 || v >= graph_vertex_count(m->g)) {
        errno = EINVAL;
        return -1;
    }
    return graph_set_status(m->g, v, st);
}
