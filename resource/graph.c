/* graph: the resource graph store.
 *
 * Layout: one dense array per vertex field (struct of arrays), indexed by
 * vtx_t and grown by doubling, so that a 350k-vertex graph costs a few dozen
 * mallocs rather than one per vertex.  Strings are atoms of one interner;
 * paths are stored once in the interner's arena (nearly all distinct, so not
 * interned).  Properties are rare and live in a side table.
 *
 * graph_finalize() validates, then builds every read-side structure (CSR
 * children/parents per subsystem, indexes, roots) into a `struct derived`
 * and swaps it in only when everything succeeded: a failed finalize keeps
 * the previous read side, which is what lets graph_truncate() undo a failed
 * growth.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <igraph.h>

#include "resource/graph.h"
#include "resource/graph_strtab.h"

/* esub[] high bit: the edge was removed with a subtree. */
enum { EDGE_REMOVED = 0x80, EDGE_SUB_MASK = 0x7f };

struct props {
    int32_t n, cap;
    atom_t *key; /* sorted by key string */
    atom_t *val;
};

/* Index of vertices keyed by an atom (type, name): CSR over atom values. */
struct atom_index {
    int32_t natoms; /* atoms covered: off has natoms+1 entries */
    int32_t *off;
    vtx_t *vtx;
    int64_t nkeys; /* atoms with at least one vertex */
};

struct rank_index {
    int32_t n; /* distinct ranks */
    int32_t *rank;
    int32_t *off; /* n+1 */
    vtx_t *vtx;
};

/* Open-addressing hash of live vertices by path (any subsystem).  A slot
 * holds the hash beside the vertex so that a probe touches one cache line;
 * the path itself is found again through the vertex's paths. */
struct path_slot {
    uint32_t h;
    vtx_t v; /* VTX_NONE = empty */
};

struct path_index {
    uint32_t nslots; /* power of two, or 0 */
    struct path_slot *slot;
    int64_t nkeys; /* distinct path strings */
};

/* Everything graph_finalize() derives from the raw vertex and edge arrays. */
struct derived {
    int32_t nv; /* vertices covered */
    int64_t ne; /* edge slots covered */
    int32_t *coff[GRAPH_MAX_SUBSYSTEMS], *poff[GRAPH_MAX_SUBSYSTEMS];
    vtx_t *cadj[GRAPH_MAX_SUBSYSTEMS], *padj[GRAPH_MAX_SUBSYSTEMS];
    vtx_t root[GRAPH_MAX_SUBSYSTEMS];
    struct atom_index by_type, by_name;
    struct rank_index by_rank;
    struct path_index by_path;
    int32_t nlive;
    int64_t nlive_edges;
    size_t bytes;
};

struct graph {
    struct graph_strtab *st;

    int32_t nv, vcap;
    atom_t *type, *basename, *name, *unit;
    int64_t *id, *uniq_id, *size;
    int32_t *rank;
    uint8_t *status, *removed;
    int32_t *prop_slot; /* NULL until the first property; -1 = none */
    struct props *props;
    int32_t nprops, cap_props;

    int64_t ne, ecap;
    vtx_t *esrc, *edst;
    uint8_t *esub; /* index into sub_atom[] */

    int nsub;
    atom_t sub_atom[GRAPH_MAX_SUBSYSTEMS];
    const char **path[GRAPH_MAX_SUBSYSTEMS]; /* per vertex, NULL = none; vcap */

    bool finalized;
    struct derived d;
};

/* ---- small helpers ------------------------------------------------------ */

static bool vtx_ok(const graph_t *g, vtx_t v)
{
    return g && v >= 0 && v < g->nv;
}

static int einval(void)
{
    errno = EINVAL;
    return -1;
}

static int sub_index(const graph_t *g, atom_t a)
{
    for (int i = 0; i < g->nsub; i++)
        if (g->sub_atom[i] == a)
            return i;
    return -1;
}

/* Subsystem index for a name, adding the subsystem if new. */
static int sub_intern(graph_t *g, const char *name)
{
    atom_t a = graph_atom(g, name);
    if (a == ATOM_NONE)
        return -1;
    int i = sub_index(g, a);
    if (i >= 0)
        return i;
    if (g->nsub == GRAPH_MAX_SUBSYSTEMS) {
        errno = ENOSPC;
        return -1;
    }
    if (g->vcap > 0) {
        g->path[g->nsub] = calloc((size_t) g->vcap, sizeof(char *));
        if (!g->path[g->nsub]) {
            errno = ENOMEM;
            return -1;
        }
    }
    g->sub_atom[g->nsub] = a;
    return g->nsub++;
}

/* realloc *p to n elements of size sz; on failure *p is unchanged. */
static int resize(void *p, size_t n, size_t sz)
{
    void **pp = p;
    void *q = realloc(*pp, n > 0 && sz > 0 ? n * sz : 1);
    if (!q) {
        errno = ENOMEM;
        return -1;
    }
    *pp = q;
    return 0;
}

/* Grow (or shrink to fit) every per-vertex array to cap slots.  Arrays that
 * already moved keep their new size on a later failure: that only wastes
 * memory, it never loses data, because nv is untouched. */
static int vertex_arrays_resize(graph_t *g, int32_t cap)
{
    size_t n = (size_t) cap;
    if (resize(&g->type, n, sizeof(atom_t)) || resize(&g->basename, n, sizeof(atom_t)) ||
        resize(&g->name, n, sizeof(atom_t)) || resize(&g->unit, n, sizeof(atom_t)) ||
        resize(&g->id, n, sizeof(int64_t)) || resize(&g->uniq_id, n, sizeof(int64_t)) ||
        resize(&g->size, n, sizeof(int64_t)) || resize(&g->rank, n, sizeof(int32_t)) ||
        resize(&g->status, n, 1) || resize(&g->removed, n, 1))
        return -1;
    if (g->prop_slot && resize(&g->prop_slot, n, sizeof(int32_t)))
        return -1;
    for (int s = 0; s < g->nsub; s++)
        if (resize(&g->path[s], n, sizeof(char *)))
            return -1;
    g->vcap = cap;
    return 0;
}

static int edge_arrays_resize(graph_t *g, int64_t cap)
{
    size_t n = (size_t) cap;
    if (resize(&g->esrc, n, sizeof(vtx_t)) || resize(&g->edst, n, sizeof(vtx_t)) ||
        resize(&g->esub, n, 1))
        return -1;
    g->ecap = cap;
    return 0;
}

/* ---- lifetime ------------------------------------------------------------ */

graph_t *graph_create(void)
{
    graph_t *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->st = graph_strtab_create();
    if (!g->st) {
        free(g);
        errno = ENOMEM;
        return NULL;
    }
    for (int s = 0; s < GRAPH_MAX_SUBSYSTEMS; s++)
        g->d.root[s] = VTX_NONE;
    return g;
}

static void derived_free(struct derived *d)
{
    for (int s = 0; s < GRAPH_MAX_SUBSYSTEMS; s++) {
        free(d->coff[s]);
        free(d->poff[s]);
        free(d->cadj[s]);
        free(d->padj[s]);
    }
    free(d->by_type.off);
    free(d->by_type.vtx);
    free(d->by_name.off);
    free(d->by_name.vtx);
    free(d->by_rank.rank);
    free(d->by_rank.off);
    free(d->by_rank.vtx);
    free(d->by_path.slot);
    memset(d, 0, sizeof(*d));
    for (int s = 0; s < GRAPH_MAX_SUBSYSTEMS; s++)
        d->root[s] = VTX_NONE;
}

void graph_destroy(graph_t *g)
{
    if (!g)
        return;
    int saved = errno;
    derived_free(&g->d);
    for (int32_t i = 0; i < g->nprops; i++) {
        free(g->props[i].key);
        free(g->props[i].val);
    }
    free(g->props);
    free(g->prop_slot);
    free(g->type);
    free(g->basename);
    free(g->name);
    free(g->unit);
    free(g->id);
    free(g->uniq_id);
    free(g->size);
    free(g->rank);
    free(g->status);
    free(g->removed);
    free(g->esrc);
    free(g->edst);
    free(g->esub);
    for (int s = 0; s < g->nsub; s++)
        free(g->path[s]);
    graph_strtab_destroy(g->st);
    free(g);
    errno = saved;
}

int graph_reserve(graph_t *g, int32_t nvertices, int64_t nedges)
{
    if (!g || nvertices < 0 || nedges < 0)
        return einval();
    if (nvertices > g->vcap && vertex_arrays_resize(g, nvertices) < 0)
        return -1;
    if (nedges > g->ecap && edge_arrays_resize(g, nedges) < 0)
        return -1;
    return 0;
}

/* ---- atoms ----------------------------------------------------------------- */

atom_t graph_atom(graph_t *g, const char *s)
{
    if (!g || !s) {
        errno = EINVAL;
        return ATOM_NONE;
    }
    return graph_strtab_intern(g->st, s, strlen(s));
}

atom_t graph_atom_find(const graph_t *g, const char *s)
{
    if (!g || !s)
        return ATOM_NONE;
    return graph_strtab_find(g->st, s);
}

const char *graph_atom_str(const graph_t *g, atom_t a)
{
    const char *s = g ? graph_strtab_str(g->st, a) : NULL;
    return s ? s : "";
}

/* ---- building --------------------------------------------------------------- */

/* basename followed by id ("core" 17 -> "core17"), interned.  Formatted by
 * hand: this runs once per vertex of a large GRUG and printf's format
 * parsing showed in profiles. */
static atom_t default_name(graph_t *g, const char *base, int64_t id)
{
    char digits[24], stack[128];
    size_t nd = 0, len = strlen(base);
    uint64_t u = id < 0 ? 0 - (uint64_t) id : (uint64_t) id;
    do {
        digits[nd++] = (char) ('0' + u % 10);
        u /= 10;
    } while (u);
    if (id < 0)
        digits[nd++] = '-';
    char *buf = len + nd <= sizeof(stack) ? stack : malloc(len + nd);
    if (!buf) {
        errno = ENOMEM;
        return ATOM_NONE;
    }
    memcpy(buf, base, len);
    for (size_t i = 0; i < nd; i++)
        buf[len + i] = digits[nd - 1 - i];
    atom_t a = graph_strtab_intern(g->st, buf, len + nd);
    if (buf != stack)
        free(buf);
    return a;
}

/* Atoms for a new vertex's strings, resolved before anything is appended so
 * that a failure leaves the graph unchanged. */
static int vertex_atoms(graph_t *g, const struct vtx_init *in, atom_t out[4])
{
    const char *base = in->basename ? in->basename : in->type;
    out[0] = graph_atom(g, in->type);
    out[1] = graph_atom(g, base);
    out[2] = in->name ? graph_atom(g, in->name) : default_name(g, base, in->id);
    out[3] = in->unit && in->unit[0] ? graph_atom(g, in->unit) : ATOM_NONE;
    if (out[0] == ATOM_NONE || out[1] == ATOM_NONE || out[2] == ATOM_NONE ||
        (in->unit && in->unit[0] && out[3] == ATOM_NONE))
        return -1;
    return 0;
}

vtx_t graph_add_vertex(graph_t *g, const struct vtx_init *in)
{
    atom_t a[4];
    if (!g || !in || !in->type || (in->status != VTX_UP && in->status != VTX_DOWN)) {
        errno = EINVAL;
        return VTX_NONE;
    }
    if (g->nv == INT32_MAX) {
        errno = ENOSPC;
        return VTX_NONE;
    }
    if (vertex_atoms(g, in, a) < 0)
        return VTX_NONE;
    if (g->nv == g->vcap) {
        int32_t cap = g->vcap < 64 ? 64 : g->vcap > INT32_MAX / 2 ? INT32_MAX : g->vcap * 2;
        if (vertex_arrays_resize(g, cap) < 0)
            return VTX_NONE;
    }
    vtx_t v = g->nv++;
    g->type[v] = a[0];
    g->basename[v] = a[1];
    g->name[v] = a[2];
    g->unit[v] = a[3];
    g->id[v] = in->id;
    g->uniq_id[v] = in->uniq_id;
    g->size[v] = in->size;
    g->rank[v] = in->rank;
    g->status[v] = (uint8_t) in->status;
    g->removed[v] = 0;
    if (g->prop_slot)
        g->prop_slot[v] = -1;
    for (int s = 0; s < g->nsub; s++)
        g->path[s][v] = NULL;
    return v;
}

int graph_set_path(graph_t *g, vtx_t v, const char *subsystem, const char *path)
{
    if (!vtx_ok(g, v) || !subsystem || !path || !subsystem[0])
        return einval();
    const char *copy = graph_strtab_store(g->st, path, strlen(path));
    if (!copy)
        return -1;
    int s = sub_intern(g, subsystem);
    if (s < 0)
        return -1;
    g->path[s][v] = copy;
    return 0;
}

int graph_add_edge(graph_t *g, vtx_t src, vtx_t dst, const char *subsystem)
{
    /* Endpoints beyond the current vertex count are accepted here and
     * reported by graph_finalize(), which validates the whole graph at once
     * (a reader may add edges before the vertices they name). */
    if (!g || src < 0 || dst < 0 || !subsystem || !subsystem[0])
        return einval();
    int s = sub_intern(g, subsystem);
    if (s < 0)
        return -1;
    if (g->ne == g->ecap && edge_arrays_resize(g, g->ecap < 64 ? 64 : g->ecap * 2) < 0)
        return -1;
    g->esrc[g->ne] = src;
    g->edst[g->ne] = dst;
    g->esub[g->ne] = (uint8_t) s;
    g->ne++;
    return 0;
}

/* ---- properties ---------------------------------------------------------------- */

static struct props *props_of(const graph_t *g, vtx_t v)
{
    if (!g->prop_slot || g->prop_slot[v] < 0)
        return NULL;
    return &g->props[g->prop_slot[v]];
}

/* Position of key in p (sorted by key string), or the insertion point
 * encoded as -(pos+1). */
static int props_find(const graph_t *g, const struct props *p, const char *key)
{
    int lo = 0, hi = p->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(graph_atom_str(g, p->key[mid]), key);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -(lo + 1);
}

static struct props *props_get_or_add(graph_t *g, vtx_t v)
{
    if (!g->prop_slot) {
        int32_t *slot = malloc((size_t) g->vcap * sizeof(*slot));
        if (!slot) {
            errno = ENOMEM;
            return NULL;
        }
        memset(slot, 0xff, (size_t) g->vcap * sizeof(*slot));
        g->prop_slot = slot;
    }
    if (g->prop_slot[v] >= 0)
        return &g->props[g->prop_slot[v]];
    if (g->nprops == g->cap_props) {
        int32_t cap = g->cap_props ? g->cap_props * 2 : 16;
        if (resize(&g->props, (size_t) cap, sizeof(struct props)) < 0)
            return NULL;
        g->cap_props = cap;
    }
    memset(&g->props[g->nprops], 0, sizeof(struct props));
    g->prop_slot[v] = g->nprops++;
    return &g->props[g->prop_slot[v]];
}

int graph_set_property(graph_t *g, vtx_t v, const char *key, const char *value)
{
    if (!vtx_ok(g, v) || !key || !key[0] || !value)
        return einval();
    atom_t k = graph_atom(g, key);
    atom_t val = graph_atom(g, value);
    if (k == ATOM_NONE || val == ATOM_NONE)
        return -1;
    struct props *p = props_get_or_add(g, v);
    if (!p)
        return -1;
    int pos = props_find(g, p, key);
    if (pos >= 0) {
        p->val[pos] = val;
        return 0;
    }
    pos = -pos - 1;
    if (p->n == p->cap) {
        int32_t cap = p->cap ? p->cap * 2 : 2;
        if (resize(&p->key, (size_t) cap, sizeof(atom_t)) < 0 ||
            resize(&p->val, (size_t) cap, sizeof(atom_t)) < 0)
            return -1;
        p->cap = cap;
    }
    memmove(&p->key[pos + 1], &p->key[pos], (size_t) (p->n - pos) * sizeof(atom_t));
    memmove(&p->val[pos + 1], &p->val[pos], (size_t) (p->n - pos) * sizeof(atom_t));
    p->key[pos] = k;
    p->val[pos] = val;
    p->n++;
    return 0;
}

int graph_remove_property(graph_t *g, vtx_t v, const char *key)
{
    if (!vtx_ok(g, v) || !key)
        return einval();
    struct props *p = props_of(g, v);
    int pos = p ? props_find(g, p, key) : -1;
    if (pos < 0) {
        errno = ENOENT;
        return -1;
    }
    memmove(&p->key[pos], &p->key[pos + 1], (size_t) (p->n - pos - 1) * sizeof(atom_t));
    memmove(&p->val[pos], &p->val[pos + 1], (size_t) (p->n - pos - 1) * sizeof(atom_t));
    p->n--;
    return 0;
}

const char *graph_property(const graph_t *g, vtx_t v, const char *key)
{
    if (!vtx_ok(g, v) || !key)
        return NULL;
    const struct props *p = props_of(g, v);
    int pos = p ? props_find(g, p, key) : -1;
    return pos >= 0 ? graph_atom_str(g, p->val[pos]) : NULL;
}

int graph_property_count(const graph_t *g, vtx_t v)
{
    if (!vtx_ok(g, v))
        return einval();
    const struct props *p = props_of(g, v);
    return p ? p->n : 0;
}

int graph_property_at(const graph_t *g, vtx_t v, int i, const char **key, const char **value)
{
    if (!vtx_ok(g, v))
        return einval();
    const struct props *p = props_of(g, v);
    if (!p || i < 0 || i >= p->n)
        return einval();
    if (key)
        *key = graph_atom_str(g, p->key[i]);
    if (value)
        *value = graph_atom_str(g, p->val[i]);
    return 0;
}

/* ---- finalize: validation ------------------------------------------------------ */

static const char *vtx_label(const graph_t *g, vtx_t v)
{
    for (int s = 0; s < g->nsub; s++)
        if (g->path[s][v])
            return g->path[s][v];
    return graph_atom_str(g, g->name[v]);
}

static int check_edges(const graph_t *g, struct st_error *err)
{
    for (int64_t e = 0; e < g->ne; e++) {
        if (g->esub[e] & EDGE_REMOVED)
            continue;
        vtx_t ends[2] = {g->esrc[e], g->edst[e]};
        for (int k = 0; k < 2; k++) {
            if (ends[k] >= g->nv || g->removed[ends[k]])
                return st_errorf(err, EINVAL, "edge %lld (%s): %s vertex %d does not exist",
                                 (long long) e,
                                 graph_atom_str(g, g->sub_atom[g->esub[e] & EDGE_SUB_MASK]),
                                 k == 0 ? "source" : "target", (int) ends[k]);
        }
    }
    return 0;
}

static int check_paths(const graph_t *g, struct st_error *err)
{
    for (vtx_t v = 0; v < g->nv; v++) {
        if (g->removed[v])
            continue;
        int s = 0;
        while (s < g->nsub && !g->path[s][v])
            s++;
        if (s == g->nsub)
            return st_errorf(err, EINVAL, "vertex %d (%s, type %s) has no path", (int) v,
                             graph_atom_str(g, g->name[v]), graph_atom_str(g, g->type[v]));
    }
    return 0;
}

static bool is_root_path(const char *p)
{
    return p && p[0] == '/' && !strchr(p + 1, '/');
}

static int find_roots(const graph_t *g, vtx_t root[], struct st_error *err)
{
    for (int s = 0; s < g->nsub; s++) {
        root[s] = VTX_NONE;
        for (vtx_t v = 0; v < g->nv; v++) {
            if (g->removed[v] || !is_root_path(g->path[s][v]))
                continue;
            if (root[s] != VTX_NONE)
                return st_errorf(
                    err, EINVAL,
                    "Possible duplicate root in subsystem %s: %s (vertex %d) and %s "
                    "(vertex %d)",
                    graph_atom_str(g, g->sub_atom[s]), g->path[s][root[s]], (int) root[s],
                    g->path[s][v], (int) v);
            root[s] = v;
        }
    }
    return 0;
}

/* Name one edge of a cycle: any edge whose two ends are in the same strongly
 * connected component (a self-loop included) lies on a cycle. */
static int report_cycle(const graph_t *g, const igraph_t *ig, struct st_error *err)
{
    igraph_vector_int_t memb;
    igraph_integer_t ncomp = 0;
    int64_t e = -1;
    if (igraph_vector_int_init(&memb, 0) == IGRAPH_SUCCESS &&
        igraph_connected_components(ig, &memb, NULL, &ncomp, IGRAPH_STRONG) == IGRAPH_SUCCESS) {
        for (int64_t i = 0; i < g->ne && e < 0; i++)
            if (!(g->esub[i] & EDGE_REMOVED) &&
                VECTOR(memb)[g->esrc[i]] == VECTOR(memb)[g->edst[i]])
                e = i;
    }
    igraph_vector_int_destroy(&memb);
    if (e < 0)
        return st_errorf(err, EINVAL, "graph has a cycle");
    return st_errorf(err, EINVAL, "graph has a cycle through edge %lld (%s): %s -> %s",
                     (long long) e, graph_atom_str(g, g->sub_atom[g->esub[e] & EDGE_SUB_MASK]),
                     vtx_label(g, g->esrc[e]), vtx_label(g, g->edst[e]));
}

/* true if every live edge goes from a lower to a higher vertex index: then
 * index order is a topological order and there can be no cycle.  Readers
 * create parents before children, so this one pass usually spares building
 * the igraph copy of a graph of hundreds of thousands of vertices. */
static bool index_ordered(const graph_t *g)
{
    for (int64_t e = 0; e < g->ne; e++)
        if (!(g->esub[e] & EDGE_REMOVED) && g->esrc[e] >= g->edst[e])
            return false;
    return true;
}

/* The cycle check runs in igraph on the whole edge vector at once. */
static int check_acyclic(const graph_t *g, struct st_error *err)
{
    if (index_ordered(g))
        return 0;
    igraph_vector_int_t ev;
    igraph_t ig;
    igraph_bool_t dag = true;
    int rc = -1;
    igraph_error_handler_t *old = igraph_set_error_handler(igraph_error_handler_ignore);

    if (igraph_vector_int_init(&ev, 0) != IGRAPH_SUCCESS)
        goto nomem;
    if (igraph_vector_int_reserve(&ev, 2 * g->ne) != IGRAPH_SUCCESS) {
        igraph_vector_int_destroy(&ev);
        goto nomem;
    }
    for (int64_t e = 0; e < g->ne; e++) {
        if (g->esub[e] & EDGE_REMOVED)
            continue;
        igraph_vector_int_push_back(&ev, g->esrc[e]);
        igraph_vector_int_push_back(&ev, g->edst[e]);
    }
    if (igraph_create(&ig, &ev, g->nv, IGRAPH_DIRECTED) != IGRAPH_SUCCESS) {
        igraph_vector_int_destroy(&ev);
        goto nomem;
    }
    igraph_vector_int_destroy(&ev);
    if (igraph_is_dag(&ig, &dag) != IGRAPH_SUCCESS) {
        igraph_destroy(&ig);
        goto nomem;
    }
    rc = 0;
    if (!dag)
        rc = report_cycle(g, &ig, err);
    igraph_destroy(&ig);
    igraph_set_error_handler(old);
    return rc;
nomem:
    igraph_set_error_handler(old);
    return st_errorf(err, ENOMEM, "graph: out of memory checking for cycles");
}

/* ---- finalize: building the read side ------------------------------------------ */

static bool edge_live(const graph_t *g, int64_t e)
{
    return !(g->esub[e] & EDGE_REMOVED);
}

/* CSR of one subsystem's edges keyed by `key` (sources for children,
 * targets for parents), values from `val`, each list in edge insertion
 * order (a stable counting sort). */
static int build_csr(const graph_t *g, int s, const vtx_t *key, const vtx_t *val,
                     int32_t **offp, vtx_t **adjp)
{
    int32_t *off = calloc((size_t) g->nv + 1, sizeof(*off));
    if (!off)
        return -1;
    int64_t n = 0;
    for (int64_t e = 0; e < g->ne; e++) {
        if (g->esub[e] == s) {
            off[key[e] + 1]++;
            n++;
        }
    }
    for (int32_t v = 0; v < g->nv; v++)
        off[v + 1] += off[v];
    vtx_t *adj = malloc((size_t) (n ? n : 1) * sizeof(*adj));
    int32_t *fill = malloc(((size_t) g->nv + 1) * sizeof(*fill));
    if (!adj || !fill) {
        free(off);
        free(adj);
        free(fill);
        return -1;
    }
    memcpy(fill, off, ((size_t) g->nv + 1) * sizeof(*fill));
    for (int64_t e = 0; e < g->ne; e++)
        if (g->esub[e] == s)
            adj[fill[key[e]]++] = val[e];
    free(fill);
    *offp = off;
    *adjp = adj;
    return 0;
}

/* CSR index of live vertices keyed by a per-vertex atom, in vtx order. */
static int build_atom_index(const graph_t *g, const atom_t *key, struct atom_index *ix)
{
    int32_t na = graph_strtab_count(g->st);
    ix->natoms = na;
    ix->off = calloc((size_t) na + 1, sizeof(*ix->off));
    ix->vtx = malloc(((size_t) g->nv + 1) * sizeof(*ix->vtx));
    if (!ix->off || !ix->vtx)
        return -1;
    for (vtx_t v = 0; v < g->nv; v++)
        if (!g->removed[v])
            ix->off[key[v] + 1]++;
    ix->nkeys = 0;
    for (int32_t a = 0; a < na; a++) {
        ix->nkeys += ix->off[a + 1] > 0;
        ix->off[a + 1] += ix->off[a];
    }
    int32_t *fill = malloc(((size_t) na + 1) * sizeof(*fill));
    if (!fill)
        return -1;
    memcpy(fill, ix->off, ((size_t) na + 1) * sizeof(*fill));
    for (vtx_t v = 0; v < g->nv; v++)
        if (!g->removed[v])
            ix->vtx[fill[key[v]]++] = v;
    free(fill);
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *) a, y = *(const int64_t *) b;
    return x < y ? -1 : x > y;
}

/* Live vertices in (rank, vtx) order by counting sort: ranks are broker
 * ranks, a dense small range. */
static int sort_by_rank_counting(const graph_t *g, int32_t lo, int64_t span, vtx_t *out)
{
    int32_t *cnt = calloc((size_t) span + 1, sizeof(*cnt));
    if (!cnt)
        return -1;
    for (vtx_t v = 0; v < g->nv; v++)
        if (!g->removed[v])
            cnt[(int64_t) g->rank[v] - lo + 1]++;
    for (int64_t r = 0; r < span; r++)
        cnt[r + 1] += cnt[r];
    for (vtx_t v = 0; v < g->nv; v++)
        if (!g->removed[v])
            out[cnt[(int64_t) g->rank[v] - lo]++] = v;
    free(cnt);
    return 0;
}

/* The same for sparse ranks: sort (rank, vtx) pairs packed in one int64,
 * which needs no comparator context. */
static int sort_by_rank_qsort(const graph_t *g, size_t n, vtx_t *out)
{
    int64_t *keys = malloc((n + 1) * sizeof(*keys));
    if (!keys)
        return -1;
    size_t k = 0;
    for (vtx_t v = 0; v < g->nv; v++)
        if (!g->removed[v])
            keys[k++] = (int64_t) g->rank[v] * ((int64_t) 1 << 32) + v;
    qsort(keys, n, sizeof(*keys), cmp_i64);
    for (size_t i = 0; i < n; i++)
        out[i] = (vtx_t) (keys[i] & 0xffffffff);
    free(keys);
    return 0;
}

/* Live vertices grouped by rank, ranks ascending, vertices in vtx order. */
static int build_rank_index(const graph_t *g, struct rank_index *ix)
{
    size_t n = 0;
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (vtx_t v = 0; v < g->nv; v++) {
        if (!g->removed[v]) {
            n++;
            lo = g->rank[v] < lo ? g->rank[v] : lo;
            hi = g->rank[v] > hi ? g->rank[v] : hi;
        }
    }
    ix->vtx = malloc((n + 1) * sizeof(*ix->vtx));
    if (!ix->vtx)
        return -1;
    int64_t span = n ? (int64_t) hi - lo + 1 : 0;
    if (n && span <= 4 * (int64_t) n + 1024 ? sort_by_rank_counting(g, lo, span, ix->vtx) < 0
                                            : sort_by_rank_qsort(g, n, ix->vtx) < 0)
        return -1;
    int32_t nr = 0;
    for (size_t i = 0; i < n; i++)
        nr += i == 0 || g->rank[ix->vtx[i]] != g->rank[ix->vtx[i - 1]];
    ix->rank = malloc(((size_t) nr + 1) * sizeof(*ix->rank));
    ix->off = malloc(((size_t) nr + 1) * sizeof(*ix->off));
    if (!ix->rank || !ix->off)
        return -1;
    ix->n = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || g->rank[ix->vtx[i]] != g->rank[ix->vtx[i - 1]]) {
            ix->rank[ix->n] = g->rank[ix->vtx[i]];
            ix->off[ix->n++] = (int32_t) i;
        }
    }
    ix->off[ix->n] = (int32_t) n;
    return 0;
}

/* true if one of v's paths is p. */
static bool has_path(const graph_t *g, vtx_t v, const char *p)
{
    for (int s = 0; s < g->nsub; s++)
        if (g->path[s][v] && strcmp(g->path[s][v], p) == 0)
            return true;
    return false;
}

struct path_entry {
    uint32_t h;
    vtx_t v;
    int s;
};

static void path_insert(const graph_t *g, struct path_index *ix, const struct path_entry *e)
{
    const char *p = g->path[e->s][e->v];
    uint32_t mask = ix->nslots - 1;
    uint32_t i = e->h & mask;
    while (ix->slot[i].v != VTX_NONE) {
        if (ix->slot[i].h == e->h && has_path(g, ix->slot[i].v, p))
            return; /* the first vertex with this path wins */
        i = (i + 1) & mask;
    }
    ix->slot[i].h = e->h;
    ix->slot[i].v = e->v;
    ix->nkeys++;
}

/* Every (subsystem, live vertex) path, hashed, in insertion order. */
static struct path_entry *path_entries(const graph_t *g, size_t *np)
{
    size_t n = 0;
    for (int s = 0; s < g->nsub; s++)
        for (vtx_t v = 0; v < g->nv; v++)
            n += !g->removed[v] && g->path[s][v];
    struct path_entry *e = malloc((n + 1) * sizeof(*e));
    if (!e)
        return NULL;
    n = 0;
    for (int s = 0; s < g->nsub; s++) {
        for (vtx_t v = 0; v < g->nv; v++) {
            const char *p = g->path[s][v];
            if (!g->removed[v] && p)
                e[n++] = (struct path_entry){graph_strtab_hash(p, strlen(p)), v, s};
        }
    }
    *np = n;
    return e;
}

/* Insert in order of home slot region rather than vertex order: a stable
 * one-pass partition into 256 regions keeps each region's probes inside a
 * cache-sized slice of the table (random inserts into a table of millions
 * of slots were the slowest part of loading a big graph).  Stability keeps
 * "first vertex wins" for equal paths, which hash alike. */
static int build_path_index(const graph_t *g, struct path_index *ix)
{
    size_t n = 0, cnt[257] = {0};
    struct path_entry *e = path_entries(g, &n);
    struct path_entry *sorted = malloc((n + 1) * sizeof(*sorted));
    ix->nslots = 256;
    while (ix->nslots < 2 * n)
        ix->nslots *= 2;
    ix->slot = malloc(ix->nslots * sizeof(*ix->slot));
    if (!e || !sorted || !ix->slot) {
        free(e);
        free(sorted);
        return -1;
    }
    for (uint32_t i = 0; i < ix->nslots; i++)
        ix->slot[i].v = VTX_NONE;
    int shift = 0;
    while ((256u << shift) < ix->nslots)
        shift++;
    uint32_t mask = ix->nslots - 1;
    for (size_t i = 0; i < n; i++)
        cnt[((e[i].h & mask) >> shift) + 1]++;
    for (int r = 0; r < 256; r++)
        cnt[r + 1] += cnt[r];
    for (size_t i = 0; i < n; i++)
        sorted[cnt[(e[i].h & mask) >> shift]++] = e[i];
    for (size_t i = 0; i < n; i++)
        path_insert(g, ix, &sorted[i]);
    free(e);
    free(sorted);
    return 0;
}

static size_t derived_bytes(const graph_t *g, const struct derived *d)
{
    size_t b = 0;
    for (int s = 0; s < g->nsub; s++) {
        int64_t n = d->coff[s] ? d->coff[s][d->nv] : 0;
        b += 2 * ((size_t) d->nv + 1) * sizeof(int32_t) + 2 * (size_t) n * sizeof(vtx_t);
    }
    b += 2 * ((size_t) d->nv + 1) * sizeof(vtx_t);
    b += ((size_t) d->by_type.natoms + (size_t) d->by_name.natoms + 2) * sizeof(int32_t);
    b += ((size_t) d->nv + 1) * sizeof(vtx_t) +
         2 * ((size_t) d->by_rank.n + 1) * sizeof(int32_t);
    b += (size_t) d->by_path.nslots * sizeof(struct path_slot);
    return b;
}

/* Build the whole read side into d (fresh).  Only ENOMEM can fail here. */
static int derived_build(const graph_t *g, const vtx_t root[], struct derived *d)
{
    d->nv = g->nv;
    d->ne = g->ne;
    for (int s = 0; s < g->nsub; s++) {
        d->root[s] = root[s];
        if (build_csr(g, s, g->esrc, g->edst, &d->coff[s], &d->cadj[s]) < 0 ||
            build_csr(g, s, g->edst, g->esrc, &d->poff[s], &d->padj[s]) < 0)
            return -1;
    }
    if (build_atom_index(g, g->type, &d->by_type) < 0 ||
        build_atom_index(g, g->name, &d->by_name) < 0 || build_rank_index(g, &d->by_rank) < 0 ||
        build_path_index(g, &d->by_path) < 0)
        return -1;
    d->nlive = 0;
    for (vtx_t v = 0; v < g->nv; v++)
        d->nlive += !g->removed[v];
    d->nlive_edges = 0;
    for (int64_t e = 0; e < g->ne; e++)
        d->nlive_edges += edge_live(g, e);
    d->bytes = derived_bytes(g, d);
    return 0;
}

/* Rebuild the read side, swapping it in only on success. */
static int rebuild(graph_t *g, const vtx_t root[], struct st_error *err)
{
    struct derived d;
    memset(&d, 0, sizeof(d));
    if (derived_build(g, root, &d) < 0) {
        derived_free(&d);
        return st_errorf(err, ENOMEM, "graph: out of memory building indexes");
    }
    derived_free(&g->d);
    g->d = d;
    g->finalized = true;
    return 0;
}

/* Give back the slack of the doubling growth: a loaded graph usually stays
 * at its size, and the per-vertex budget is measured after load. */
static void shrink_to_fit(graph_t *g)
{
    if (g->nv > 0 && g->nv < g->vcap)
        (void) vertex_arrays_resize(g, g->nv);
    if (g->ne > 0 && g->ne < g->ecap)
        (void) edge_arrays_resize(g, g->ne);
}

int graph_finalize(graph_t *g, struct st_error *err)
{
    vtx_t root[GRAPH_MAX_SUBSYSTEMS];
    if (!g)
        return st_errorf(err, EINVAL, "graph_finalize: no graph");
    if (check_edges(g, err) < 0 || check_paths(g, err) < 0 || find_roots(g, root, err) < 0 ||
        check_acyclic(g, err) < 0)
        return -1;
    shrink_to_fit(g);
    return rebuild(g, root, err);
}

/* ---- removal ------------------------------------------------------------------- */

static bool all_parents_removed(const graph_t *g, int s, vtx_t c)
{
    for (int32_t i = g->d.poff[s][c]; i < g->d.poff[s][c + 1]; i++)
        if (!g->removed[g->d.padj[s][i]])
            return false;
    return true;
}

/* The vertices tombstoned by one removal, in removal order. */
struct gone {
    vtx_t *v;
    size_t n, cap;
};

static int gone_push(graph_t *g, struct gone *q, vtx_t v)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        vtx_t *nv = realloc(q->v, cap * sizeof(*nv));
        if (!nv)
            return -1;
        q->v = nv;
        q->cap = cap;
    }
    g->removed[v] = 1;
    q->v[q->n++] = v;
    return 0;
}

/* Tombstone v and, breadth first, every vertex whose parents in subsystem s
 * are all removed.  A child is re-examined each time one of its parents
 * goes, so the last parent's removal always catches it. */
static int mark_subtree(graph_t *g, int s, vtx_t v, struct gone *q)
{
    size_t head = q->n;
    if (gone_push(g, q, v) < 0)
        return -1;
    for (; head < q->n; head++) {
        vtx_t u = q->v[head];
        for (int32_t i = g->d.coff[s][u]; i < g->d.coff[s][u + 1]; i++) {
            vtx_t c = g->d.cadj[s][i];
            if (!g->removed[c] && all_parents_removed(g, s, c) && gone_push(g, q, c) < 0)
                return -1;
        }
    }
    return 0;
}

/* Undo the tombstones of a failed removal.  Edges of earlier removals keep
 * a removed endpoint, so only the edges marked by this one come back. */
static void unmark(graph_t *g, const struct gone *q)
{
    for (size_t k = 0; k < q->n; k++)
        g->removed[q->v[k]] = 0;
    for (int64_t e = 0; e < g->ne; e++)
        if (!g->removed[g->esrc[e]] && !g->removed[g->edst[e]])
            g->esub[e] &= EDGE_SUB_MASK;
}

/* Removal marks the incident edges and rebuilds the read side; the roots are
 * carried over (minus removed ones) since no path changed. */
static int rebuild_after_removal(graph_t *g)
{
    vtx_t root[GRAPH_MAX_SUBSYSTEMS];
    for (int k = 0; k < g->nsub; k++)
        root[k] =
            g->d.root[k] != VTX_NONE && g->removed[g->d.root[k]] ? VTX_NONE : g->d.root[k];
    for (int64_t e = 0; e < g->ne; e++)
        if (!(g->esub[e] & EDGE_REMOVED) && (g->removed[g->esrc[e]] || g->removed[g->edst[e]]))
            g->esub[e] |= EDGE_REMOVED;
    return rebuild(g, root, NULL);
}

int graph_remove_subtrees(graph_t *g, const vtx_t *v, int n, atom_t subsystem)
{
    struct gone q = {0};
    /* The read side must describe the whole graph: no removal between adding
     * and finalizing. */
    if (!g || !g->finalized || g->nv != g->d.nv || g->ne != g->d.ne || n < 0 || (n > 0 && !v))
        return einval();
    int s = sub_index(g, subsystem);
    if (s < 0)
        return einval();
    for (int i = 0; i < n; i++)
        if (!vtx_ok(g, v[i]) || g->removed[v[i]])
            return einval();
    for (int i = 0; i < n; i++) {
        /* a root may lie below an earlier one: it is gone already */
        if (!g->removed[v[i]] && mark_subtree(g, s, v[i], &q) < 0)
            goto nomem;
    }
    if (rebuild_after_removal(g) < 0)
        goto nomem;
    free(q.v);
    return (int) q.n;
nomem:
    unmark(g, &q);
    free(q.v);
    errno = ENOMEM;
    return -1;
}

int graph_remove_subtree(graph_t *g, vtx_t v, atom_t subsystem)
{
    return graph_remove_subtrees(g, &v, 1, subsystem);
}

bool graph_vertex_live(const graph_t *g, vtx_t v)
{
    return vtx_ok(g, v) && !g->removed[v];
}

/* ---- read side ----------------------------------------------------------------- */

int32_t graph_vertex_count(const graph_t *g)
{
    return g ? g->nv : 0;
}

int32_t graph_live_vertex_count(const graph_t *g)
{
    return g ? g->d.nlive : 0;
}

int64_t graph_edge_count(const graph_t *g)
{
    return g ? g->d.nlive_edges : 0;
}

#define VTX_GETTER(rtype, fname, field, bad)                                                   \
    rtype fname(const graph_t *g, vtx_t v)                                                     \
    {                                                                                          \
        if (!vtx_ok(g, v)) {                                                                   \
            errno = EINVAL;                                                                    \
            return bad;                                                                        \
        }                                                                                      \
        return g->field[v];                                                                    \
    }

VTX_GETTER(atom_t, graph_type, type, ATOM_NONE)
VTX_GETTER(atom_t, graph_basename, basename, ATOM_NONE)
VTX_GETTER(atom_t, graph_name_atom, name, ATOM_NONE)
VTX_GETTER(int64_t, graph_id, id, -1)
VTX_GETTER(int64_t, graph_uniq_id, uniq_id, -1)
VTX_GETTER(int32_t, graph_rank, rank, -1)
VTX_GETTER(int64_t, graph_size, size, -1)
VTX_GETTER(atom_t, graph_unit, unit, ATOM_NONE)

const char *graph_name(const graph_t *g, vtx_t v)
{
    if (!vtx_ok(g, v)) {
        errno = EINVAL;
        return NULL;
    }
    return graph_atom_str(g, g->name[v]);
}

enum vtx_status graph_status(const graph_t *g, vtx_t v)
{
    if (!vtx_ok(g, v)) {
        errno = EINVAL;
        return VTX_DOWN;
    }
    return (enum vtx_status) g->status[v];
}

int graph_set_status(graph_t *g, vtx_t v, enum vtx_status st)
{
    if (!vtx_ok(g, v) || (st != VTX_UP && st != VTX_DOWN))
        return einval();
    g->status[v] = (uint8_t) st;
    return 0;
}

const char *graph_path(const graph_t *g, vtx_t v, atom_t subsystem)
{
    if (!vtx_ok(g, v))
        return NULL;
    int s = sub_index(g, subsystem);
    return s < 0 ? NULL : g->path[s][v];
}

int graph_subsystem_count(const graph_t *g)
{
    return g ? g->nsub : 0;
}

atom_t graph_subsystem_at(const graph_t *g, int i)
{
    if (!g || i < 0 || i >= g->nsub) {
        errno = EINVAL;
        return ATOM_NONE;
    }
    return g->sub_atom[i];
}

vtx_t graph_root(const graph_t *g, atom_t subsystem)
{
    if (!g)
        return VTX_NONE;
    int s = sub_index(g, subsystem);
    return s < 0 ? VTX_NONE : g->d.root[s];
}

static const vtx_t *csr_list(const graph_t *g, int32_t *const *off, vtx_t *const *adj,
                             atom_t subsystem, vtx_t v, int *n)
{
    int dummy;
    if (!n)
        n = &dummy;
    *n = 0;
    if (!vtx_ok(g, v) || v >= g->d.nv)
        return NULL;
    int s = sub_index(g, subsystem);
    if (s < 0 || !off[s])
        return NULL;
    *n = off[s][v + 1] - off[s][v];
    return *n ? adj[s] + off[s][v] : NULL;
}

const vtx_t *graph_children(const graph_t *g, atom_t subsystem, vtx_t v, int *n)
{
    return csr_list(g, g ? g->d.coff : NULL, g ? g->d.cadj : NULL, subsystem, v, n);
}

const vtx_t *graph_parents(const graph_t *g, atom_t subsystem, vtx_t v, int *n)
{
    return csr_list(g, g ? g->d.poff : NULL, g ? g->d.padj : NULL, subsystem, v, n);
}

int64_t graph_edge_slots(const graph_t *g)
{
    return g ? g->ne : 0;
}

bool graph_edge_at(const graph_t *g, int64_t i, vtx_t *src, vtx_t *dst, atom_t *subsystem)
{
    if (!g || i < 0 || i >= g->ne || (g->esub[i] & EDGE_REMOVED))
        return false;
    if (src)
        *src = g->esrc[i];
    if (dst)
        *dst = g->edst[i];
    if (subsystem)
        *subsystem = g->sub_atom[g->esub[i]];
    return true;
}

/* ---- indexes ------------------------------------------------------------------- */

vtx_t graph_find_path(const graph_t *g, const char *path)
{
    if (!g || !path || g->d.by_path.nslots == 0)
        return VTX_NONE;
    const struct path_index *ix = &g->d.by_path;
    uint32_t h = graph_strtab_hash(path, strlen(path));
    uint32_t mask = ix->nslots - 1;
    for (uint32_t i = h & mask; ix->slot[i].v != VTX_NONE; i = (i + 1) & mask) {
        vtx_t v = ix->slot[i].v;
        /* A path set after the last finalize is not indexed yet; the
         * vertex must still carry the path it was indexed under. */
        if (ix->slot[i].h == h && v < g->d.nv && has_path(g, v, path))
            return v;
    }
    return VTX_NONE;
}

static const vtx_t *atom_lookup(const struct atom_index *ix, atom_t a, int *n)
{
    int dummy;
    if (!n)
        n = &dummy;
    *n = 0;
    if (a < 0 || a >= ix->natoms)
        return NULL;
    *n = ix->off[a + 1] - ix->off[a];
    return *n ? ix->vtx + ix->off[a] : NULL;
}

const vtx_t *graph_by_type(const graph_t *g, atom_t type, int *n)
{
    static const struct atom_index empty;
    return atom_lookup(g ? &g->d.by_type : &empty, type, n);
}

const vtx_t *graph_by_name(const graph_t *g, const char *name, int *n)
{
    static const struct atom_index empty;
    return atom_lookup(g ? &g->d.by_name : &empty, graph_atom_find(g, name), n);
}

const vtx_t *graph_by_rank(const graph_t *g, int32_t rank, int *n)
{
    int dummy;
    if (!n)
        n = &dummy;
    *n = 0;
    if (!g)
        return NULL;
    const struct rank_index *ix = &g->d.by_rank;
    int lo = 0, hi = ix->n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (ix->rank[mid] == rank) {
            *n = ix->off[mid + 1] - ix->off[mid];
            return ix->vtx + ix->off[mid];
        }
        if (ix->rank[mid] < rank)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

void graph_get_stats(const graph_t *g, struct graph_stats *st)
{
    if (!st)
        return;
    memset(st, 0, sizeof(*st));
    if (!g)
        return;
    st->vertices = g->d.nlive;
    st->edges = g->d.nlive_edges;
    st->by_type_keys = g->d.by_type.nkeys;
    st->by_name_keys = g->d.by_name.nkeys;
    st->by_path_keys = g->d.by_path.nkeys;
}

int graph_rank_count(const graph_t *g)
{
    return g ? g->d.by_rank.n : 0;
}

void graph_rank_at(const graph_t *g, int i, int32_t *rank, int64_t *nvertices)
{
    if (!g || i < 0 || i >= g->d.by_rank.n) {
        errno = EINVAL;
        return;
    }
    if (rank)
        *rank = g->d.by_rank.rank[i];
    if (nvertices)
        *nvertices = g->d.by_rank.off[i + 1] - g->d.by_rank.off[i];
}

size_t graph_memory_bytes(const graph_t *g)
{
    if (!g)
        return 0;
    size_t per_vtx = 4 * sizeof(atom_t) + 3 * sizeof(int64_t) + sizeof(int32_t) + 2;
    size_t b = sizeof(*g) + graph_strtab_memory(g->st) + (size_t) g->vcap * per_vtx;
    b += (size_t) g->vcap * sizeof(char *) * (size_t) g->nsub;
    if (g->prop_slot)
        b += (size_t) g->vcap * sizeof(int32_t);
    b += (size_t) g->cap_props * sizeof(struct props);
    for (int32_t i = 0; i < g->nprops; i++)
        b += (size_t) g->props[i].cap * 2 * sizeof(atom_t);
    b += (size_t) g->ecap * (2 * sizeof(vtx_t) + 1);
    return b + g->d.bytes;
}

int graph_truncate(graph_t *g, int32_t nvertices, int64_t nedges)
{
    if (!g || nvertices < g->d.nv || nvertices > g->nv || nedges < g->d.ne || nedges > g->ne)
        return einval();
    for (vtx_t v = nvertices; v < g->nv; v++)
        if (g->prop_slot && g->prop_slot[v] >= 0)
            g->props[g->prop_slot[v]].n = 0; /* slot leaks until destroy: rare */
    g->nv = nvertices;
    g->ne = nedges;
    return 0;
}
