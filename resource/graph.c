/* graph: the resource graph store.
 *
 * Layout: one dense array per vertex field (struct of arrays), indexed by
 * vtx_t and grown by doubling, so that a 350k-vertex graph costs a few dozen
 * mallocs rather than one per vertex.  Strings are atoms of one interner;
 * paths are stored once in the interner's arena (nearly all distinct, so not
 * interned).  Properties are rare and live in a side table.
 *
 * The first graph_finalize() validates, then builds every read-side
 * structure (children/parents lists per subsystem, indexes, roots) into a
 * `struct derived` and swaps it in only when everything succeeded.  Later
 * ones (growth) validate and index only what was added, and a removal
 * takes only the removed vertices out (see "incremental changes"); both
 * make room first and change nothing when that fails.  A failed finalize
 * keeps the previous read side, which is what lets graph_truncate() undo a
 * failed growth.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <igraph.h>

#include "resource/graph.h"
#include "resource/graph_strtab.h"
#include "resource/graph_vlists.h"
#include "resource/st_array.h"


struct props {
    int32_t n, cap;
    atom_t *key; /* sorted by key string */
    atom_t *val;
};

/* Index of live vertices keyed by an atom (type, name), each list in vtx
 * order. */
struct atom_index {
    struct graph_vlists l;
    int64_t nkeys; /* atoms with at least one vertex */
};

/* Live vertices grouped by rank: rank[] ascending, l keyed by position in
 * rank[], each list in vtx order. */
struct rank_index {
    int32_t n, cap; /* distinct ranks */
    int32_t *rank;
    struct graph_vlists l;
};

/* Open-addressing hash (linear probing) of live vertices by path.  A slot
 * holds the hash beside the vertex so that a probe touches one cache line;
 * the path itself is found again through the vertex's paths.  Every live
 * vertex has one slot per distinct path string it carries, also when
 * another vertex has the same path, so that removing the vertex a lookup
 * finds leaves the next one findable; a lookup picks the first (subsystem
 * order, then vertex order) among the matches. */
struct path_slot {
    uint32_t h;
    vtx_t v; /* VTX_NONE = empty */
};

struct path_index {
    uint32_t nslots; /* power of two, or 0 */
    uint32_t nused;
    struct path_slot *slot;
    int64_t nkeys; /* distinct path strings */
};

/* Everything graph_finalize() derives from the raw vertex and edge arrays.
 * A full finalize builds it afresh; growth and removal update it in place
 * (see "incremental changes" below). */
struct derived {
    int32_t nv; /* vertices covered */
    int64_t ne; /* edge slots covered */
    int nsub;   /* subsystems covered */
    struct graph_vlists child[GRAPH_MAX_SUBSYSTEMS], parent[GRAPH_MAX_SUBSYSTEMS];
    vtx_t root[GRAPH_MAX_SUBSYSTEMS];
    struct atom_index by_type, by_name;
    struct rank_index by_rank;
    struct path_index by_path;
    int32_t nlive;
    int64_t nlive_edges;
};

struct graph {
    struct graph_strtab *st;

    int32_t nv, vcap;
    atom_t *type, *basename, *name, *unit;
    int64_t *id, *size;
    /* NULL while every vertex's uniq_id is its index (the GRUG reader's
     * numbering): 8 B a vertex saved; made on the first that is not. */
    int64_t *uniq_id;
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
    /* a path of an indexed vertex changed: the next finalize is a full one */
    bool paths_dirty;
    /* rebuild the whole read side on every change (the behaviour before
     * incremental changes; benchmarks and differential tests) */
    bool full_rebuild;
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

/* Grow (or shrink to fit) every per-vertex array to cap slots.  Arrays that
 * already moved keep their new size on a later failure: that only wastes
 * memory, it never loses data, because nv is untouched. */
static int vertex_arrays_resize(graph_t *g, int32_t cap)
{
    size_t n = (size_t) cap;
    if (st_resize(&g->type, n, sizeof(atom_t)) || st_resize(&g->basename, n, sizeof(atom_t)) ||
        st_resize(&g->name, n, sizeof(atom_t)) || st_resize(&g->unit, n, sizeof(atom_t)) ||
        st_resize(&g->id, n, sizeof(int64_t)) ||
        (g->uniq_id && st_resize(&g->uniq_id, n, sizeof(int64_t))) ||
        st_resize(&g->size, n, sizeof(int64_t)) || st_resize(&g->rank, n, sizeof(int32_t)) ||
        st_resize(&g->status, n, 1) || st_resize(&g->removed, n, 1))
        return -1;
    if (g->prop_slot && st_resize(&g->prop_slot, n, sizeof(int32_t)))
        return -1;
    for (int s = 0; s < g->nsub; s++)
        if (st_resize(&g->path[s], n, sizeof(char *)))
            return -1;
    g->vcap = cap;
    return 0;
}

static int edge_arrays_resize(graph_t *g, int64_t cap)
{
    size_t n = (size_t) cap;
    if (st_resize(&g->esrc, n, sizeof(vtx_t)) || st_resize(&g->edst, n, sizeof(vtx_t)) ||
        st_resize(&g->esub, n, 1))
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
        graph_vlists_free(&d->child[s]);
        graph_vlists_free(&d->parent[s]);
    }
    graph_vlists_free(&d->by_type.l);
    graph_vlists_free(&d->by_name.l);
    graph_vlists_free(&d->by_rank.l);
    free(d->by_rank.rank);
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

/* The explicit uniq_id array, for a vertex whose uniq_id is not its index:
 * the vertices so far get theirs (their indexes).  -1 on ENOMEM. */
static int uniq_ids_make(graph_t *g)
{
    int64_t *u = malloc((size_t) (g->vcap > 0 ? g->vcap : 1) * sizeof(*u));
    if (!u) {
        errno = ENOMEM;
        return -1;
    }
    for (int32_t v = 0; v < g->nv; v++)
        u[v] = v;
    g->uniq_id = u;
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
    if (!g->uniq_id && in->uniq_id != g->nv && uniq_ids_make(g) < 0)
        return VTX_NONE;
    vtx_t v = g->nv++;
    g->type[v] = a[0];
    g->basename[v] = a[1];
    g->name[v] = a[2];
    g->unit[v] = a[3];
    g->id[v] = in->id;
    if (g->uniq_id)
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
    if (g->finalized && v < g->d.nv)
        g->paths_dirty = true;
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
        if (st_resize(&g->props, (size_t) cap, sizeof(struct props)) < 0)
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
        if (st_resize(&p->key, (size_t) cap, sizeof(atom_t)) < 0 ||
            st_resize(&p->val, (size_t) cap, sizeof(atom_t)) < 0)
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

/* The subsystem index of a live edge, or -1 for a dead one: one with an
 * endpoint that is gone (a removal does not visit the edge arrays: an edge
 * dies with its endpoint) or not added yet. */
static int edge_sub(const graph_t *g, int64_t e)
{
    vtx_t a = g->esrc[e], b = g->edst[e];
    if (a >= g->nv || b >= g->nv || g->removed[a] || g->removed[b])
        return -1;
    return g->esub[e];
}

/* Edges from `from` on (those the last finalize did not cover) must name
 * existing, live vertices. */
static int check_edges(const graph_t *g, int64_t from, struct st_error *err)
{
    for (int64_t e = from; e < g->ne; e++) {
        vtx_t ends[2] = {g->esrc[e], g->edst[e]};
        for (int k = 0; k < 2; k++) {
            if (ends[k] >= g->nv || g->removed[ends[k]])
                return st_errorf(err, EINVAL, "edge %lld (%s): %s vertex %d does not exist",
                                 (long long) e,
                                 graph_atom_str(g, g->sub_atom[g->esub[e]]),
                                 k == 0 ? "source" : "target", (int) ends[k]);
        }
    }
    return 0;
}

/* Vertices from `from` on need a path (a path, once set, is never unset). */
static int check_paths(const graph_t *g, vtx_t from, struct st_error *err)
{
    for (vtx_t v = from; v < g->nv; v++) {
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

/* Find the roots among vertices from `from` on; root[] holds the roots
 * among the earlier ones (VTX_NONE where none). */
static int find_roots(const graph_t *g, vtx_t from, vtx_t root[], struct st_error *err)
{
    for (int s = 0; s < g->nsub; s++) {
        for (vtx_t v = from; v < g->nv; v++) {
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
            if (edge_sub(g, i) >= 0 && VECTOR(memb)[g->esrc[i]] == VECTOR(memb)[g->edst[i]])
                e = i;
    }
    igraph_vector_int_destroy(&memb);
    if (e < 0)
        return st_errorf(err, EINVAL, "graph has a cycle");
    return st_errorf(err, EINVAL, "graph has a cycle through edge %lld (%s): %s -> %s",
                     (long long) e, graph_atom_str(g, g->sub_atom[g->esub[e]]),
                     vtx_label(g, g->esrc[e]), vtx_label(g, g->edst[e]));
}

/* true if no cycle can go through the live edges from `from` on: each goes
 * from a lower to a higher vertex index and ends at a vertex from `newer`
 * on.  The edges before `from` were acyclic and never lead from a vertex
 * from `newer` on back to an older one, so a path that enters the newer
 * vertices cannot come back.  From 0 with newer 0, this says vertex order is
 * a topological order.  Readers create parents before children and an
 * attach hangs new vertices below old ones, so this one pass usually spares
 * building the igraph copy of a graph of hundreds of thousands of
 * vertices. */
static bool forward_edges(const graph_t *g, int64_t from, vtx_t newer)
{
    for (int64_t e = from; e < g->ne; e++)
        if (edge_sub(g, e) >= 0 && (g->esrc[e] >= g->edst[e] || g->edst[e] < newer))
            return false;
    return true;
}

/* The cycle check runs in igraph on the whole edge vector at once. */
static int check_acyclic(const graph_t *g, struct st_error *err)
{
    if (forward_edges(g, g->d.ne, g->d.nv))
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
        if (edge_sub(g, e) < 0)
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

/* Everything finalize checks, for the vertices and edges the last finalize
 * did not cover (all of them the first time).  root[] gets the roots. */
static int validate(const graph_t *g, bool full, vtx_t root[], struct st_error *err)
{
    vtx_t from = full ? 0 : g->d.nv;
    for (int s = 0; s < GRAPH_MAX_SUBSYSTEMS; s++)
        root[s] = full ? VTX_NONE : g->d.root[s];
    if (check_edges(g, g->d.ne, err) < 0 || check_paths(g, g->d.nv, err) < 0 ||
        find_roots(g, from, root, err) < 0 || check_acyclic(g, err) < 0)
        return -1;
    return 0;
}

/* ---- finalize: building the read side ------------------------------------------ */

/* CSR of one subsystem's live edges keyed by `key` (sources for children,
 * targets for parents), values from `val`, each list in edge insertion
 * order (a stable counting sort). */
static int build_csr(const graph_t *g, int s, const vtx_t *key, const vtx_t *val,
                     struct graph_vlists *l)
{
    int32_t *off = calloc((size_t) g->nv + 1, sizeof(*off));
    if (!off)
        return -1;
    int64_t n = 0;
    for (int64_t e = 0; e < g->ne; e++) {
        if (edge_sub(g, e) == s) {
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
        if (edge_sub(g, e) == s)
            adj[fill[key[e]]++] = val[e];
    free(fill);
    graph_vlists_adopt(l, g->nv, off, adj);
    return 0;
}

/* CSR index of live vertices keyed by a per-vertex atom, in vtx order. */
static int build_atom_index(const graph_t *g, const atom_t *key, struct atom_index *ix)
{
    int32_t na = graph_strtab_count(g->st);
    int32_t *off = calloc((size_t) na + 1, sizeof(*off));
    vtx_t *vtx = malloc(((size_t) g->nv + 1) * sizeof(*vtx));
    int32_t *fill = malloc(((size_t) na + 1) * sizeof(*fill));
    if (!off || !vtx || !fill) {
        free(off);
        free(vtx);
        free(fill);
        return -1;
    }
    for (vtx_t v = 0; v < g->nv; v++)
        if (!g->removed[v])
            off[key[v] + 1]++;
    ix->nkeys = 0;
    for (int32_t a = 0; a < na; a++) {
        ix->nkeys += off[a + 1] > 0;
        off[a + 1] += off[a];
    }
    memcpy(fill, off, ((size_t) na + 1) * sizeof(*fill));
    for (vtx_t v = 0; v < g->nv; v++)
        if (!g->removed[v])
            vtx[fill[key[v]]++] = v;
    free(fill);
    graph_vlists_adopt(&ix->l, na, off, vtx);
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

/* Group the sorted vertices by rank: rank[] and CSR offsets. */
static int rank_groups(const graph_t *g, const vtx_t *vtx, size_t n, struct rank_index *ix)
{
    int32_t nr = 0;
    for (size_t i = 0; i < n; i++)
        nr += i == 0 || g->rank[vtx[i]] != g->rank[vtx[i - 1]];
    int32_t *off = malloc(((size_t) nr + 1) * sizeof(*off));
    ix->rank = malloc(((size_t) nr + 1) * sizeof(*ix->rank));
    if (!ix->rank || !off) {
        free(off);
        return -1;
    }
    ix->n = 0;
    ix->cap = nr + 1;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || g->rank[vtx[i]] != g->rank[vtx[i - 1]]) {
            ix->rank[ix->n] = g->rank[vtx[i]];
            off[ix->n++] = (int32_t) i;
        }
    }
    off[ix->n] = (int32_t) n;
    graph_vlists_adopt(&ix->l, ix->n, off, NULL);
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
    vtx_t *vtx = malloc((n + 1) * sizeof(*vtx));
    if (!vtx)
        return -1;
    int64_t span = n ? (int64_t) hi - lo + 1 : 0;
    if ((n && span <= 4 * (int64_t) n + 1024 ? sort_by_rank_counting(g, lo, span, vtx)
                                             : sort_by_rank_qsort(g, n, vtx)) < 0 ||
        rank_groups(g, vtx, n, ix) < 0) {
        free(vtx);
        return -1;
    }
    ix->l.pool = vtx;
    ix->l.used = ix->l.cap = (int64_t) n;
    return 0;
}

/* The first subsystem in which v's path is p (nsub if none). */
static int path_sub(const graph_t *g, vtx_t v, const char *p)
{
    int s = 0;
    while (s < g->nsub && !(g->path[s][v] && strcmp(g->path[s][v], p) == 0))
        s++;
    return s;
}

static bool has_path(const graph_t *g, vtx_t v, const char *p)
{
    return path_sub(g, v, p) < g->nsub;
}

/* Add v under path p (hash h) unless it is there already; count a new
 * distinct string.  The table has a free slot. */
static void path_insert(const graph_t *g, struct path_index *ix, uint32_t h, vtx_t v,
                        const char *p)
{
    uint32_t mask = ix->nslots - 1;
    uint32_t i = h & mask;
    bool seen = false;
    for (; ix->slot[i].v != VTX_NONE; i = (i + 1) & mask) {
        if (ix->slot[i].h == h && has_path(g, ix->slot[i].v, p)) {
            if (ix->slot[i].v == v)
                return;
            seen = true;
        }
    }
    ix->slot[i].h = h;
    ix->slot[i].v = v;
    ix->nused++;
    ix->nkeys += !seen;
}

struct path_entry {
    uint32_t h;
    vtx_t v;
    int s;
};

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

static uint32_t path_table_size(size_t n)
{
    uint32_t nslots = 256;
    while (nslots < 2 * n)
        nslots *= 2;
    return nslots;
}

/* Insert in order of home slot region rather than vertex order: a stable
 * one-pass partition into 256 regions keeps each region's probes inside a
 * cache-sized slice of the table (random inserts into a table of millions
 * of slots were the slowest part of loading a big graph). */
static int build_path_index(const graph_t *g, struct path_index *ix)
{
    size_t n = 0, cnt[257] = {0};
    struct path_entry *e = path_entries(g, &n);
    struct path_entry *sorted = malloc((n + 1) * sizeof(*sorted));
    ix->nslots = path_table_size(n);
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
        path_insert(g, ix, sorted[i].h, sorted[i].v, g->path[sorted[i].s][sorted[i].v]);
    free(e);
    free(sorted);
    return 0;
}

/* Build the whole read side into d (fresh).  Only ENOMEM can fail here. */
static int derived_build(const graph_t *g, const vtx_t root[], struct derived *d)
{
    d->nv = g->nv;
    d->ne = g->ne;
    d->nsub = g->nsub;
    for (int s = 0; s < g->nsub; s++) {
        d->root[s] = root[s];
        if (build_csr(g, s, g->esrc, g->edst, &d->child[s]) < 0 ||
            build_csr(g, s, g->edst, g->esrc, &d->parent[s]) < 0)
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
        d->nlive_edges += edge_sub(g, e) >= 0;
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
    g->paths_dirty = false;
    return 0;
}

/* Give back the slack of the doubling growth: a loaded graph usually stays
 * at its size, and the per-vertex budget is measured after load.  Only at
 * the first finalize: later growth keeps its doubling slack, so that
 * repeated small attaches do not copy the arrays each time. */
static void shrink_to_fit(graph_t *g)
{
    if (g->finalized)
        return;
    if (g->nv > 0 && g->nv < g->vcap)
        (void) vertex_arrays_resize(g, g->nv);
    if (g->ne > 0 && g->ne < g->ecap)
        (void) edge_arrays_resize(g, g->ne);
}

/* ---- incremental changes ----------------------------------------------------- */

/* Growth and removal update the read side in place rather than rebuilding
 * it: they touch the lists of the vertices and keys involved, the path
 * slots of the vertices involved, and nothing else.  Each first makes room
 * (allocations, the only thing that can fail, leave the content as it was)
 * and then applies the change, which cannot fail. */

/* One list update: value val goes to (or leaves) list key of subsystem sub;
 * ord orders the values of one list (edge index, or vertex). */
struct kv {
    int32_t sub, key;
    int64_t ord;
    vtx_t val;
};

static int cmp_kv(const void *a, const void *b)
{
    const struct kv *x = a, *y = b;
    if (x->sub != y->sub)
        return x->sub < y->sub ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->ord < y->ord ? -1 : x->ord > y->ord;
}

/* End of the run of equal (sub, key) starting at i. */
static size_t run_end(const struct kv *kv, size_t n, size_t i)
{
    size_t j = i + 1;
    while (j < n && kv[j].sub == kv[i].sub && kv[j].key == kv[i].key)
        j++;
    return j;
}

/* The updates of one change, sorted; buf holds one run's values. */
struct change {
    struct kv *child, *parent, *type, *name, *rank, *gone;
    size_t nedges, nvtx;
    vtx_t *buf;
};

static void change_free(struct change *c)
{
    free(c->child);
    free(c->parent);
    free(c->type);
    free(c->name);
    free(c->rank);
    free(c->gone);
    free(c->buf);
}

/* Make room in l (nkeys keys) for appending subsystem s's runs. */
static int room_for_runs(struct graph_vlists *l, int32_t nkeys, const struct kv *kv, size_t n,
                         int s)
{
    int64_t extra = 0;
    for (size_t i = 0, j; i < n; i = j) {
        j = run_end(kv, n, i);
        if (kv[i].sub == s)
            extra += graph_vlists_append_room(l, kv[i].key, (int) (j - i));
    }
    return graph_vlists_room(l, nkeys, extra);
}

/* Append subsystem s's runs; *nonempty counts keys that get their first
 * entry (NULL: not counted). */
static void append_runs(struct graph_vlists *l, const struct kv *kv, size_t n, int s,
                        vtx_t *buf, int64_t *nonempty)
{
    for (size_t i = 0, j; i < n; i = j) {
        j = run_end(kv, n, i);
        if (kv[i].sub != s)
            continue;
        for (size_t k = i; k < j; k++)
            buf[k - i] = kv[k].val;
        int len = 0;
        (void) graph_vlists_get(l, kv[i].key, &len);
        if (nonempty && len == 0)
            (*nonempty)++;
        graph_vlists_append(l, kv[i].key, buf, (int) (j - i));
    }
}

/* Position of rank r in ix->rank[] (where it would go if absent). */
static int32_t rank_pos(const struct rank_index *ix, int32_t r, bool *found)
{
    int32_t lo = 0, hi = ix->n;
    while (lo < hi) {
        int32_t mid = lo + (hi - lo) / 2;
        if (ix->rank[mid] < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < ix->n && ix->rank[lo] == r;
    return lo;
}

/* Room for the rank runs of kv: new ranks and their lists. */
static int rank_room(struct rank_index *ix, const struct kv *kv, size_t n)
{
    int32_t fresh = 0;
    int64_t extra = 0;
    for (size_t i = 0, j; i < n; i = j) {
        j = run_end(kv, n, i);
        bool found;
        int32_t pos = rank_pos(ix, kv[i].key, &found);
        fresh += !found;
        /* a new rank's list is empty: the room of a key with no list (-1) */
        extra += graph_vlists_append_room(&ix->l, found ? pos : -1, (int) (j - i));
    }
    if (ix->n + fresh + 1 > ix->cap) {
        int32_t cap = 2 * (ix->n + fresh + 1);
        if (st_resize(&ix->rank, (size_t) cap, sizeof(*ix->rank)) < 0)
            return -1;
        ix->cap = cap;
    }
    if (graph_vlists_reserve_keys(&ix->l, ix->n + fresh + 1) < 0)
        return -1;
    return graph_vlists_room(&ix->l, ix->n, extra);
}

static void rank_append(struct rank_index *ix, const struct kv *kv, size_t n, vtx_t *buf)
{
    for (size_t i = 0, j; i < n; i = j) {
        j = run_end(kv, n, i);
        bool found;
        int32_t pos = rank_pos(ix, kv[i].key, &found);
        if (!found) {
            memmove(&ix->rank[pos + 1], &ix->rank[pos], (size_t) (ix->n - pos) * sizeof(int32_t));
            ix->rank[pos] = kv[i].key;
            ix->n++;
            graph_vlists_insert_key(&ix->l, pos);
        }
        for (size_t k = i; k < j; k++)
            buf[k - i] = kv[k].val;
        graph_vlists_append(&ix->l, pos, buf, (int) (j - i));
    }
}

/* Remove the runs of kv (values ascending) from an index keyed by atom. */
static void atom_remove(struct atom_index *ix, const struct kv *kv, size_t n, vtx_t *buf)
{
    for (size_t i = 0, j; i < n; i = j) {
        j = run_end(kv, n, i);
        for (size_t k = i; k < j; k++)
            buf[k - i] = kv[k].val;
        graph_vlists_remove_sorted(&ix->l, kv[i].key, buf, (int) (j - i));
        int len = 0;
        (void) graph_vlists_get(&ix->l, kv[i].key, &len);
        ix->nkeys -= len == 0;
    }
}

static void rank_remove(struct rank_index *ix, const struct kv *kv, size_t n, vtx_t *buf)
{
    for (size_t i = 0, j; i < n; i = j) {
        j = run_end(kv, n, i);
        bool found;
        int32_t pos = rank_pos(ix, kv[i].key, &found);
        if (!found)
            continue;
        for (size_t k = i; k < j; k++)
            buf[k - i] = kv[k].val;
        graph_vlists_remove_sorted(&ix->l, pos, buf, (int) (j - i));
        int len = 0;
        (void) graph_vlists_get(&ix->l, pos, &len);
        if (len == 0) {
            graph_vlists_delete_key(&ix->l, pos);
            memmove(&ix->rank[pos], &ix->rank[pos + 1],
                    (size_t) (ix->n - pos - 1) * sizeof(int32_t));
            ix->n--;
        }
    }
}

/* Make the path table big enough for `extra` more slots (load at most one
 * half), rehashing into a table twice as large when needed. */
static int path_room(struct path_index *ix, size_t extra)
{
    if (2 * ((size_t) ix->nused + extra) <= ix->nslots)
        return 0;
    uint32_t nslots = path_table_size((size_t) ix->nused + extra);
    struct path_slot *slot = malloc((size_t) nslots * sizeof(*slot));
    if (!slot)
        return -1;
    for (uint32_t i = 0; i < nslots; i++)
        slot[i].v = VTX_NONE;
    for (uint32_t i = 0; i < ix->nslots; i++) {
        if (ix->slot[i].v == VTX_NONE)
            continue;
        uint32_t k = ix->slot[i].h & (nslots - 1);
        while (slot[k].v != VTX_NONE)
            k = (k + 1) & (nslots - 1);
        slot[k] = ix->slot[i];
    }
    free(ix->slot);
    ix->slot = slot;
    ix->nslots = nslots;
    return 0;
}

/* Empty slot i by shifting later entries of its probe run back (linear
 * probing deletion without tombstones). */
static void slot_delete(struct path_index *ix, uint32_t i)
{
    uint32_t mask = ix->nslots - 1;
    for (uint32_t j = (i + 1) & mask; ix->slot[j].v != VTX_NONE; j = (j + 1) & mask) {
        uint32_t home = ix->slot[j].h & mask;
        /* the entry at j stays if its home lies cyclically in (i, j] */
        bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
        if (!stays) {
            ix->slot[i] = ix->slot[j];
            i = j;
        }
    }
    ix->slot[i].v = VTX_NONE;
}

/* Drop v's slot for path p; the string stops counting when no other vertex
 * carries it. */
static void path_delete(const graph_t *g, struct path_index *ix, vtx_t v, const char *p)
{
    uint32_t h = graph_strtab_hash(p, strlen(p));
    uint32_t mask = ix->nslots - 1;
    uint32_t i = h & mask;
    while (ix->slot[i].v != VTX_NONE && !(ix->slot[i].v == v && ix->slot[i].h == h))
        i = (i + 1) & mask;
    if (ix->slot[i].v == VTX_NONE)
        return; /* v carries p in two subsystems: gone already */
    slot_delete(ix, i);
    ix->nused--;
    for (i = h & mask; ix->slot[i].v != VTX_NONE; i = (i + 1) & mask)
        if (ix->slot[i].h == h && has_path(g, ix->slot[i].v, p))
            return;
    ix->nkeys--;
}

/* kv arrays of the new vertices [from, nv) for the type, name and rank
 * indexes, sorted. */
static int vertex_kvs(const graph_t *g, vtx_t from, struct change *c)
{
    c->nvtx = (size_t) (g->nv - from);
    c->type = malloc((c->nvtx + 1) * sizeof(struct kv));
    c->name = malloc((c->nvtx + 1) * sizeof(struct kv));
    c->rank = malloc((c->nvtx + 1) * sizeof(struct kv));
    if (!c->type || !c->name || !c->rank)
        return -1;
    for (vtx_t v = from; v < g->nv; v++) {
        size_t i = (size_t) (v - from);
        c->type[i] = (struct kv){0, g->type[v], v, v};
        c->name[i] = (struct kv){0, g->name[v], v, v};
        c->rank[i] = (struct kv){0, g->rank[v], v, v};
    }
    qsort(c->type, c->nvtx, sizeof(struct kv), cmp_kv);
    qsort(c->name, c->nvtx, sizeof(struct kv), cmp_kv);
    qsort(c->rank, c->nvtx, sizeof(struct kv), cmp_kv);
    return 0;
}

/* kv arrays of the new edges [d.ne, ne): children keyed by source, parents
 * by target, each in edge order. */
static int edge_kvs(const graph_t *g, struct change *c)
{
    c->nedges = (size_t) (g->ne - g->d.ne);
    c->child = malloc((c->nedges + 1) * sizeof(struct kv));
    c->parent = malloc((c->nedges + 1) * sizeof(struct kv));
    if (!c->child || !c->parent)
        return -1;
    size_t n = 0;
    for (int64_t e = g->d.ne; e < g->ne; e++) {
        int s = edge_sub(g, e);
        if (s < 0)
            continue;
        c->child[n] = (struct kv){s, g->esrc[e], e, g->edst[e]};
        c->parent[n++] = (struct kv){s, g->edst[e], e, g->esrc[e]};
    }
    c->nedges = n;
    qsort(c->child, n, sizeof(struct kv), cmp_kv);
    qsort(c->parent, n, sizeof(struct kv), cmp_kv);
    return 0;
}

/* Number of new path slots the new vertices need (at most). */
static size_t new_path_count(const graph_t *g)
{
    size_t n = 0;
    for (int s = 0; s < g->nsub; s++)
        for (vtx_t v = g->d.nv; v < g->nv; v++)
            n += g->path[s][v] != NULL;
    return n;
}

static int growth_room(graph_t *g, struct change *c)
{
    struct derived *d = &g->d;
    int32_t na = graph_strtab_count(g->st);
    size_t nbuf = c->nedges > c->nvtx ? c->nedges : c->nvtx;
    c->buf = malloc((nbuf + 1) * sizeof(vtx_t));
    if (!c->buf)
        return -1;
    for (int s = 0; s < d->nsub; s++)
        if (room_for_runs(&d->child[s], g->nv, c->child, c->nedges, s) < 0 ||
            room_for_runs(&d->parent[s], g->nv, c->parent, c->nedges, s) < 0)
            return -1;
    if (room_for_runs(&d->by_type.l, na, c->type, c->nvtx, 0) < 0 ||
        room_for_runs(&d->by_name.l, na, c->name, c->nvtx, 0) < 0 ||
        rank_room(&d->by_rank, c->rank, c->nvtx) < 0 || path_room(&d->by_path, new_path_count(g)))
        return -1;
    return 0;
}

static void pack_all(struct derived *d)
{
    for (int s = 0; s < d->nsub; s++) {
        graph_vlists_pack(&d->child[s]);
        graph_vlists_pack(&d->parent[s]);
    }
    graph_vlists_pack(&d->by_type.l);
    graph_vlists_pack(&d->by_name.l);
    graph_vlists_pack(&d->by_rank.l);
}

static void growth_apply(graph_t *g, const struct change *c, const vtx_t root[])
{
    struct derived *d = &g->d;
    for (int s = 0; s < d->nsub; s++) {
        append_runs(&d->child[s], c->child, c->nedges, s, c->buf, NULL);
        append_runs(&d->parent[s], c->parent, c->nedges, s, c->buf, NULL);
        d->root[s] = root[s];
    }
    append_runs(&d->by_type.l, c->type, c->nvtx, 0, c->buf, &d->by_type.nkeys);
    append_runs(&d->by_name.l, c->name, c->nvtx, 0, c->buf, &d->by_name.nkeys);
    rank_append(&d->by_rank, c->rank, c->nvtx, c->buf);
    for (int s = 0; s < g->nsub; s++) {
        for (vtx_t v = d->nv; v < g->nv; v++) {
            const char *p = g->path[s][v];
            if (p)
                path_insert(g, &d->by_path, graph_strtab_hash(p, strlen(p)), v, p);
        }
    }
    d->nlive += g->nv - d->nv;
    d->nlive_edges += (int64_t) c->nedges;
    d->nv = g->nv;
    d->ne = g->ne;
    pack_all(d);
}

/* Finalize after growth: add the new vertices and edges to the read side. */
static int grow(graph_t *g, const vtx_t root[], struct st_error *err)
{
    struct change c;
    memset(&c, 0, sizeof(c));
    if (vertex_kvs(g, g->d.nv, &c) < 0 || edge_kvs(g, &c) < 0 || growth_room(g, &c) < 0) {
        change_free(&c);
        return st_errorf(err, ENOMEM, "graph: out of memory building indexes");
    }
    growth_apply(g, &c, root);
    change_free(&c);
    return 0;
}

int graph_finalize(graph_t *g, struct st_error *err)
{
    vtx_t root[GRAPH_MAX_SUBSYSTEMS];
    if (!g)
        return st_errorf(err, EINVAL, "graph_finalize: no graph");
    /* A full build the first time, after a path of an indexed vertex
     * changed (paths decide roots), or when a subsystem appeared (it has
     * no lists yet); otherwise only what was added is indexed. */
    bool full =
        !g->finalized || g->paths_dirty || g->full_rebuild || g->nsub != g->d.nsub;
    if (validate(g, full, root, err) < 0)
        return -1;
    if (full) {
        shrink_to_fit(g);
        return rebuild(g, root, err);
    }
    return grow(g, root, err);
}

int graph_set_full_rebuild(graph_t *g, bool on)
{
    if (!g)
        return einval();
    g->full_rebuild = on;
    return 0;
}

bool graph_full_rebuild(const graph_t *g)
{
    return g && g->full_rebuild;
}

/* ---- removal ------------------------------------------------------------------- */

static bool all_parents_removed(const graph_t *g, int s, vtx_t c)
{
    int n = 0;
    const vtx_t *p = graph_vlists_get(&g->d.parent[s], c, &n);
    for (int i = 0; i < n; i++)
        if (!g->removed[p[i]])
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
    if (st_grow(&q->v, &q->cap, q->n + 1, sizeof(*q->v), 64) < 0)
        return -1;
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
        int n = 0;
        const vtx_t *ch = graph_vlists_get(&g->d.child[s], q->v[head], &n);
        for (int i = 0; i < n; i++) {
            vtx_t c = ch[i];
            if (!g->removed[c] && all_parents_removed(g, s, c) && gone_push(g, q, c) < 0)
                return -1;
        }
    }
    return 0;
}

/* Undo the tombstones of a failed removal. */
static void unmark(graph_t *g, const struct gone *q)
{
    for (size_t k = 0; k < q->n; k++)
        g->removed[q->v[k]] = 0;
}

/* Live edges that end at a removed vertex or leave one for a live one: the
 * edges the removal takes away (each counted once, by its target unless
 * only the source is gone). */
static int64_t removed_edge_count(const graph_t *g, const struct gone *q)
{
    int64_t n = 0;
    for (size_t k = 0; k < q->n; k++) {
        for (int s = 0; s < g->d.nsub; s++) {
            int np = 0, nc = 0;
            (void) graph_vlists_get(&g->d.parent[s], q->v[k], &np);
            const vtx_t *ch = graph_vlists_get(&g->d.child[s], q->v[k], &nc);
            n += np;
            for (int i = 0; i < nc; i++)
                n += !g->removed[ch[i]];
        }
    }
    return n;
}

static int removal_room(graph_t *g, const struct gone *q, struct change *c)
{
    struct derived *d = &g->d;
    for (int s = 0; s < d->nsub; s++)
        if (graph_vlists_room(&d->child[s], d->child[s].nkeys, 0) < 0 ||
            graph_vlists_room(&d->parent[s], d->parent[s].nkeys, 0) < 0)
            return -1;
    if (graph_vlists_room(&d->by_type.l, d->by_type.l.nkeys, 0) < 0 ||
        graph_vlists_room(&d->by_name.l, d->by_name.l.nkeys, 0) < 0 ||
        graph_vlists_room(&d->by_rank.l, d->by_rank.l.nkeys, 0) < 0)
        return -1;
    c->nvtx = q->n;
    c->type = malloc((q->n + 1) * sizeof(struct kv));
    c->name = malloc((q->n + 1) * sizeof(struct kv));
    c->rank = malloc((q->n + 1) * sizeof(struct kv));
    c->buf = malloc((q->n + 1) * sizeof(vtx_t));
    if (!c->type || !c->name || !c->rank || !c->buf)
        return -1;
    for (size_t k = 0; k < q->n; k++) {
        vtx_t v = q->v[k];
        c->type[k] = (struct kv){0, g->type[v], v, v};
        c->name[k] = (struct kv){0, g->name[v], v, v};
        c->rank[k] = (struct kv){0, g->rank[v], v, v};
    }
    qsort(c->type, q->n, sizeof(struct kv), cmp_kv);
    qsort(c->name, q->n, sizeof(struct kv), cmp_kv);
    qsort(c->rank, q->n, sizeof(struct kv), cmp_kv);
    return 0;
}

/* Take removed vertex u out of its live neighbours' lists and empty its
 * own. */
static void unlink_vertex(graph_t *g, vtx_t u)
{
    struct derived *d = &g->d;
    for (int s = 0; s < d->nsub; s++) {
        int np = 0, nc = 0;
        const vtx_t *p = graph_vlists_get(&d->parent[s], u, &np);
        for (int i = 0; i < np; i++)
            if (!g->removed[p[i]])
                (void) graph_vlists_remove(&d->child[s], p[i], u);
        const vtx_t *ch = graph_vlists_get(&d->child[s], u, &nc);
        for (int i = 0; i < nc; i++)
            if (!g->removed[ch[i]])
                (void) graph_vlists_remove(&d->parent[s], ch[i], u);
        graph_vlists_clear(&d->parent[s], u);
        graph_vlists_clear(&d->child[s], u);
    }
}

static void removal_apply(graph_t *g, const struct gone *q, const struct change *c)
{
    struct derived *d = &g->d;
    d->nlive_edges -= removed_edge_count(g, q);
    for (size_t k = 0; k < q->n; k++)
        unlink_vertex(g, q->v[k]);
    atom_remove(&d->by_type, c->type, c->nvtx, c->buf);
    atom_remove(&d->by_name, c->name, c->nvtx, c->buf);
    rank_remove(&d->by_rank, c->rank, c->nvtx, c->buf);
    for (size_t k = 0; k < q->n; k++)
        for (int s = 0; s < g->nsub; s++)
            if (g->path[s][q->v[k]])
                path_delete(g, &d->by_path, q->v[k], g->path[s][q->v[k]]);
    for (int s = 0; s < d->nsub; s++)
        if (d->root[s] != VTX_NONE && g->removed[d->root[s]])
            d->root[s] = VTX_NONE;
    d->nlive -= (int32_t) q->n;
    pack_all(d);
}

/* Bring the read side up to date with the tombstones of q. */
static int apply_removal(graph_t *g, const struct gone *q)
{
    if (g->full_rebuild || g->paths_dirty) {
        /* the roots are carried over (minus removed ones): no path changed */
        vtx_t root[GRAPH_MAX_SUBSYSTEMS];
        for (int k = 0; k < GRAPH_MAX_SUBSYSTEMS; k++)
            root[k] = g->d.root[k] != VTX_NONE && g->removed[g->d.root[k]] ? VTX_NONE
                                                                           : g->d.root[k];
        return rebuild(g, root, NULL);
    }
    struct change c;
    memset(&c, 0, sizeof(c));
    if (removal_room(g, q, &c) < 0) {
        change_free(&c);
        return -1;
    }
    removal_apply(g, q, &c);
    change_free(&c);
    return 0;
}

int graph_remove_subtrees(graph_t *g, const vtx_t *v, int n, atom_t subsystem)
{
    struct gone q = {0};
    /* The read side must describe the whole graph: no removal between adding
     * and finalizing. */
    if (!g || !g->finalized || g->nv != g->d.nv || g->ne != g->d.ne || n < 0 || (n > 0 && !v))
        return einval();
    int s = sub_index(g, subsystem);
    if (s < 0 || s >= g->d.nsub)
        return einval();
    for (int i = 0; i < n; i++)
        if (!vtx_ok(g, v[i]) || g->removed[v[i]])
            return einval();
    for (int i = 0; i < n; i++) {
        /* a root may lie below an earlier one: it is gone already */
        if (!g->removed[v[i]] && mark_subtree(g, s, v[i], &q) < 0)
            goto nomem;
    }
    if (apply_removal(g, &q) < 0)
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
VTX_GETTER(int32_t, graph_rank, rank, -1)
VTX_GETTER(int64_t, graph_size, size, -1)
VTX_GETTER(atom_t, graph_unit, unit, ATOM_NONE)

int64_t graph_uniq_id(const graph_t *g, vtx_t v)
{
    if (!vtx_ok(g, v)) {
        errno = EINVAL;
        return -1;
    }
    return g->uniq_id ? g->uniq_id[v] : v;
}

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

static const vtx_t *adj_list(const graph_t *g, bool children, atom_t subsystem, vtx_t v,
                             int *n)
{
    int dummy;
    if (!n)
        n = &dummy;
    *n = 0;
    if (!vtx_ok(g, v) || v >= g->d.nv)
        return NULL;
    int s = sub_index(g, subsystem);
    if (s < 0 || s >= g->d.nsub)
        return NULL;
    return graph_vlists_get(children ? &g->d.child[s] : &g->d.parent[s], v, n);
}

const vtx_t *graph_children(const graph_t *g, atom_t subsystem, vtx_t v, int *n)
{
    return adj_list(g, true, subsystem, v, n);
}

const vtx_t *graph_parents(const graph_t *g, atom_t subsystem, vtx_t v, int *n)
{
    return adj_list(g, false, subsystem, v, n);
}

int64_t graph_edge_slots(const graph_t *g)
{
    return g ? g->ne : 0;
}

bool graph_edge_at(const graph_t *g, int64_t i, vtx_t *src, vtx_t *dst, atom_t *subsystem)
{
    if (!g || i < 0 || i >= g->ne)
        return false;
    /* an edge dies with its endpoint (one not added yet is reported) */
    if ((g->esrc[i] < g->nv && g->removed[g->esrc[i]]) ||
        (g->edst[i] < g->nv && g->removed[g->edst[i]]))
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
    vtx_t best = VTX_NONE;
    int best_s = g->nsub;
    for (uint32_t i = h & mask; ix->slot[i].v != VTX_NONE; i = (i + 1) & mask) {
        vtx_t v = ix->slot[i].v;
        /* A path set after the last finalize is not indexed yet; the
         * vertex must still carry the path it was indexed under. */
        if (ix->slot[i].h != h || v >= g->d.nv || g->removed[v])
            continue;
        int s = path_sub(g, v, path);
        if (s < best_s || (s == best_s && s < g->nsub && v < best)) {
            best = v;
            best_s = s;
        }
    }
    return best;
}

const vtx_t *graph_by_type(const graph_t *g, atom_t type, int *n)
{
    int dummy;
    if (!n)
        n = &dummy;
    *n = 0;
    return g ? graph_vlists_get(&g->d.by_type.l, type, n) : NULL;
}

const vtx_t *graph_by_name(const graph_t *g, const char *name, int *n)
{
    int dummy;
    if (!n)
        n = &dummy;
    *n = 0;
    return g ? graph_vlists_get(&g->d.by_name.l, graph_atom_find(g, name), n) : NULL;
}

const vtx_t *graph_by_rank(const graph_t *g, int32_t rank, int *n)
{
    int dummy;
    if (!n)
        n = &dummy;
    *n = 0;
    if (!g)
        return NULL;
    bool found;
    int32_t pos = rank_pos(&g->d.by_rank, rank, &found);
    return found ? graph_vlists_get(&g->d.by_rank.l, pos, n) : NULL;
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
    int n = 0;
    (void) graph_vlists_get(&g->d.by_rank.l, i, &n);
    if (nvertices)
        *nvertices = n;
}

size_t graph_memory_bytes(const graph_t *g)
{
    if (!g)
        return 0;
    size_t per_vtx = 4 * sizeof(atom_t) + (g->uniq_id ? 3 : 2) * sizeof(int64_t) +
                     sizeof(int32_t) + 2;
    size_t b = sizeof(*g) + graph_strtab_memory(g->st) + (size_t) g->vcap * per_vtx;
    b += (size_t) g->vcap * sizeof(char *) * (size_t) g->nsub;
    if (g->prop_slot)
        b += (size_t) g->vcap * sizeof(int32_t);
    b += (size_t) g->cap_props * sizeof(struct props);
    for (int32_t i = 0; i < g->nprops; i++)
        b += (size_t) g->props[i].cap * 2 * sizeof(atom_t);
    b += (size_t) g->ecap * (2 * sizeof(vtx_t) + 1);
    const struct derived *d = &g->d;
    for (int s = 0; s < d->nsub; s++)
        b += graph_vlists_bytes(&d->child[s]) + graph_vlists_bytes(&d->parent[s]);
    b += graph_vlists_bytes(&d->by_type.l) + graph_vlists_bytes(&d->by_name.l);
    b += graph_vlists_bytes(&d->by_rank.l) + (size_t) d->by_rank.cap * sizeof(int32_t);
    b += (size_t) d->by_path.nslots * sizeof(struct path_slot);
    return b;
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
