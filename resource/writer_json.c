/* writer_json: the JSON match formats, byte-compatible with Fluxion's.
 *
 * All text goes through jansson and is dumped with JSON_INDENT(0), which
 * gives one line with ", " and ": " separators; jansson keeps keys in
 * insertion order, so the order of the json_object_set calls below IS the
 * output format.
 *
 *   jgf            {"graph": {"nodes": [...], "edges": [...]}}
 *   jgf_shorthand  jgf without the descendants of exclusive vertices, plus
 *                  "writer": "fluxion:jgf_shorthand" when something was left out
 *   rlite          [{"rank": IDSET, "children": {"core": IDSET, "gpu": IDSET}}]
 *   rv1_nosched    {"version": 1, "execution": {"R_lite", "nodelist",
 *                   ["properties"], "starttime", "expiration"}}
 *   rv1            rv1_nosched + "scheduling": jgf (+ "attributes" for a queue)
 *   rv1_shorthand  rv1 with jgf_shorthand as "scheduling"
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resource/hostlist.h"
#include "resource/idset.h"
#include "resource/st_array.h"
#include "resource/writer_private.h"

enum { JSON_FLAGS = JSON_INDENT(0) };

/* ---- JGF ----------------------------------------------------------------- */

static json_t *id_string(const graph_t *g, vtx_t v)
{
    char buf[24];
    snprintf(buf, sizeof(buf), "%" PRId64, graph_uniq_id(g, v));
    return json_string(buf);
}

/* true if name is what the graph would have generated: basename + id. */
static bool default_name(const char *name, const char *basename, int64_t id)
{
    size_t n = strlen(basename);
    char idbuf[24];
    if (strncmp(name, basename, n) != 0)
        return false;
    snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
    return strcmp(name + n, idbuf) == 0;
}

/* Set key to value, consuming value; -1 if value is NULL or set fails. */
static int set_new(json_t *o, const char *key, json_t *value)
{
    if (!value)
        return -1;
    return json_object_set_new(o, key, value);
}

/* Subsystems sorted by name: Fluxion keeps paths in an ordered map. */
struct subsys_order {
    int n;
    atom_t ss[GRAPH_MAX_SUBSYSTEMS];
};

static void sort_subsystems(const graph_t *g, struct subsys_order *so)
{
    so->n = 0;
    int total = graph_subsystem_count(g);
    for (int i = 0; i < total && so->n < GRAPH_MAX_SUBSYSTEMS; i++) {
        atom_t a = graph_subsystem_at(g, i);
        int k = so->n++;
        while (k > 0 && strcmp(graph_atom_str(g, so->ss[k - 1]), graph_atom_str(g, a)) > 0) {
            so->ss[k] = so->ss[k - 1];
            k--;
        }
        so->ss[k] = a;
    }
}

static json_t *vertex_paths(const graph_t *g, vtx_t v, const struct subsys_order *so)
{
    json_t *paths = json_object();
    for (int i = 0; paths && i < so->n; i++) {
        const char *p = graph_path(g, v, so->ss[i]);
        if (p && set_new(paths, graph_atom_str(g, so->ss[i]), json_string(p)) < 0) {
            json_decref(paths);
            return NULL;
        }
    }
    return paths;
}

static json_t *vertex_properties(const graph_t *g, vtx_t v)
{
    int n = graph_property_count(g, v);
    json_t *props = json_object();
    for (int i = 0; props && i < n; i++) {
        const char *key, *value;
        if (graph_property_at(g, v, i, &key, &value) < 0 ||
            set_new(props, key, json_string(value)) < 0) {
            json_decref(props);
            return NULL;
        }
    }
    return props;
}

/* metadata keys, in Fluxion's order, defaults left out. */
static json_t *jgf_metadata(const graph_t *g, const struct writer_vtx *x,
                            const struct subsys_order *so)
{
    vtx_t v = x->v;
    atom_t type = graph_type(g, v);
    atom_t base = graph_basename(g, v);
    atom_t unit = graph_unit(g, v);
    const char *basestr = graph_atom_str(g, base);
    json_t *m = json_object();
    if (!m)
        return NULL;
    if (set_new(m, "type", json_string(graph_atom_str(g, type))) < 0)
        goto error;
    if (base != type && set_new(m, "basename", json_string(basestr)) < 0)
        goto error;
    if (!default_name(graph_name(g, v), basestr, graph_id(g, v)) &&
        set_new(m, "name", json_string(graph_name(g, v))) < 0)
        goto error;
    if (set_new(m, "id", json_integer(graph_id(g, v))) < 0 ||
        set_new(m, "rank", json_integer(graph_rank(g, v))) < 0)
        goto error;
    if (graph_property_count(g, v) > 0 && set_new(m, "properties", vertex_properties(g, v)) < 0)
        goto error;
    if (unit != ATOM_NONE && *graph_atom_str(g, unit) &&
        set_new(m, "unit", json_string(graph_atom_str(g, unit))) < 0)
        goto error;
    if (x->exclusive && set_new(m, "exclusive", json_true()) < 0)
        goto error;
    if (x->needs != 1 && set_new(m, "size", json_integer(x->needs)) < 0)
        goto error;
    if (set_new(m, "paths", vertex_paths(g, v, so)) < 0)
        goto error;
    if (x->ephemeral && json_object_set(m, "ephemeral", x->ephemeral) < 0)
        goto error;
    if (x->agfilter && json_object_set(m, "agfilter", x->agfilter) < 0)
        goto error;
    return m;
error:
    json_decref(m);
    return NULL;
}

static json_t *jgf_node(const graph_t *g, const struct writer_vtx *x,
                        const struct subsys_order *so)
{
    json_t *n = json_object();
    if (!n || set_new(n, "id", id_string(g, x->v)) < 0 ||
        set_new(n, "metadata", jgf_metadata(g, x, so)) < 0) {
        json_decref(n);
        return NULL;
    }
    return n;
}

static json_t *jgf_edge(const graph_t *g, const struct writer_edge *e, atom_t containment)
{
    json_t *o = json_object();
    if (!o || set_new(o, "source", id_string(g, e->src)) < 0 ||
        set_new(o, "target", id_string(g, e->dst)) < 0)
        goto error;
    if (e->subsystem != containment) {
        json_t *m = json_pack("{s:s}", "subsystem", graph_atom_str(g, e->subsystem));
        if (set_new(o, "metadata", m) < 0)
            goto error;
    }
    return o;
error:
    json_decref(o);
    return NULL;
}

/* Mark (in omit[], indexed by vtx_t) every emitted vertex that sits below an
 * exclusive emitted vertex: jgf_shorthand leaves those out, since a reader
 * re-expands an exclusive vertex to its whole subtree.  Returns the number
 * of vertices marked, or -1 (ENOMEM). */
static long shorthand_omissions(const struct writer *w, bool **omitp)
{
    int32_t nv = graph_vertex_count(w->g);
    bool *excl = calloc((size_t) nv + 1, sizeof(bool));
    bool *omit = calloc((size_t) nv + 1, sizeof(bool));
    long nomit = 0;
    if (!excl || !omit) {
        free(excl);
        free(omit);
        return -1;
    }
    for (size_t i = 0; i < w->nvtx; i++)
        excl[w->vtx[i].v] = w->vtx[i].exclusive;
    /* Edges come in no particular order relative to depth: propagate to a
     * fixpoint (as many passes as the selection is deep). */
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t i = 0; i < w->nedge; i++) {
            const struct writer_edge *e = &w->edge[i];
            if (!omit[e->dst] && (omit[e->src] || excl[e->src])) {
                omit[e->dst] = true;
                nomit++;
                changed = true;
            }
        }
    }
    free(excl);
    *omitp = omit;
    return nomit;
}

/* ---- output buffer ------------------------------------------------------- */

/* The JGF of a large selection is tens of MB: rather than hold a jansson
 * tree of the whole graph, each node and edge object is built, dumped into
 * this buffer and freed at once.  Only the fixed framing around the arrays
 * is literal text; every value still goes through jansson's encoder. */
struct sbuf {
    char *p;
    size_t len;
    size_t cap;
    bool failed;
};

static int sbuf_put(const char *text, size_t n, void *data)
{
    struct sbuf *b = data;
    if (b->failed)
        return -1;
    /* n bytes and the NUL after them. */
    if (st_grow(&b->p, &b->cap, b->len + n + 1, 1, 4096) < 0) {
        b->failed = true;
        return -1;
    }
    memcpy(b->p + b->len, text, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int sbuf_puts(struct sbuf *b, const char *text)
{
    return sbuf_put(text, strlen(text), b);
}

/* Dump o (consumed) into b; -1 if o is NULL or anything fails. */
static int sbuf_dump(struct sbuf *b, json_t *o)
{
    int rc = o ? json_dump_callback(o, sbuf_put, b, JSON_FLAGS | JSON_ENCODE_ANY) : -1;
    json_decref(o);
    if (rc < 0)
        b->failed = true;
    return rc;
}

/* {"graph": {"nodes": [...], "edges": [...]}[, "writer": ...]} into b. */
static int jgf_render(const struct writer *w, bool shorthand, struct sbuf *b)
{
    const graph_t *g = w->g;
    struct subsys_order so;
    bool *omit = NULL;
    long nomit = 0;
    bool first = true;

    if (shorthand && (nomit = shorthand_omissions(w, &omit)) < 0)
        return -1;
    sort_subsystems(g, &so);
    sbuf_puts(b, "{\"graph\": {\"nodes\": [");
    for (size_t i = 0; i < w->nvtx && !b->failed; i++) {
        if (omit && omit[w->vtx[i].v])
            continue;
        if (!first)
            sbuf_puts(b, ", ");
        first = false;
        sbuf_dump(b, jgf_node(g, &w->vtx[i], &so));
    }
    sbuf_puts(b, "], \"edges\": [");
    atom_t containment = graph_atom_find(g, "containment");
    first = true;
    for (size_t i = 0; i < w->nedge && !b->failed; i++) {
        const struct writer_edge *e = &w->edge[i];
        if (omit && (omit[e->dst] || omit[e->src]))
            continue;
        if (!first)
            sbuf_puts(b, ", ");
        first = false;
        sbuf_dump(b, jgf_edge(g, e, containment));
    }
    sbuf_puts(b, "]}");
    if (nomit > 0) {
        sbuf_puts(b, ", \"writer\": ");
        sbuf_dump(b, json_string("fluxion:jgf_shorthand"));
    }
    sbuf_puts(b, "}");
    free(omit);
    return b->failed ? -1 : 0;
}

/* ---- R_lite ---------------------------------------------------------------- */

/* One execution target (broker rank): its host name, the ids of the cores
 * and GPUs emitted below it, and its property keys. */
struct rank_entry {
    int32_t rank;
    size_t seq; /* emission order, to keep the first node of a rank */
    vtx_t node;
    idset_t *core;
    idset_t *gpu;
    char *children; /* JSON text of the children object, the grouping key */
};

struct rlite {
    struct rank_entry *e;
    size_t n;
    size_t cap;
};

static void rlite_fini(struct rlite *r)
{
    for (size_t i = 0; i < r->n; i++) {
        idset_destroy(r->e[i].core);
        idset_destroy(r->e[i].gpu);
        free(r->e[i].children);
    }
    free(r->e);
}

static int idset_merge(idset_t *dst, const idset_t *src)
{
    for (int64_t id = idset_first(src); id >= 0; id = idset_next(src, id))
        if (idset_add(dst, id) < 0)
            return -1;
    return 0;
}

/* Append one node's entry, taking ownership of its core and GPU sets. */
static int rlite_append(struct rlite *r, int32_t rank, vtx_t node, idset_t *core, idset_t *gpu)
{
    if (st_grow(&r->e, &r->cap, r->n + 1, sizeof(*r->e), 16) < 0)
        return -1;
    r->e[r->n] =
        (struct rank_entry){.rank = rank, .seq = r->n, .node = node, .core = core, .gpu = gpu};
    r->n++;
    return 0;
}

static int cmp_rank(const void *a, const void *b)
{
    const struct rank_entry *x = a, *y = b;
    if (x->rank != y->rank)
        return (x->rank > y->rank) - (x->rank < y->rank);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* qsort wants a non-NULL base even for zero elements. */
static void sort_entries(struct rlite *r, int (*cmp)(const void *, const void *))
{
    if (r->n > 1)
        qsort(r->e, r->n, sizeof(*r->e), cmp);
}

/* Sort by rank and fold entries of one rank (a rank emitted through several
 * node vertices) into its first one.  O(n log n) for any selection size. */
static int rlite_fold(struct rlite *r)
{
    size_t out = 0;
    int rc = 0;
    sort_entries(r, cmp_rank);
    for (size_t i = 0; i < r->n; i++) {
        struct rank_entry *e = &r->e[i];
        if (out > 0 && r->e[out - 1].rank == e->rank) {
            struct rank_entry *keep = &r->e[out - 1];
            if (idset_merge(keep->core, e->core) < 0 || idset_merge(keep->gpu, e->gpu) < 0)
                rc = -1;
            idset_destroy(e->core);
            idset_destroy(e->gpu);
            continue;
        }
        r->e[out++] = *e;
    }
    r->n = out;
    return rc;
}

/* Emission is post-order, so the cores and GPUs of a node are emitted
 * before the node itself: collect them until the next node vertex, then
 * credit them to that node's rank.  Nodes without a rank cannot appear in
 * an R and are skipped. */
static int rlite_gather(const struct writer *w, struct rlite *r)
{
    const graph_t *g = w->g;
    atom_t t_core = graph_atom_find(g, "core");
    atom_t t_gpu = graph_atom_find(g, "gpu");
    atom_t t_node = graph_atom_find(g, "node");
    atom_t t_snode = graph_atom_find(g, "storage_node");
    idset_t *core = idset_create();
    idset_t *gpu = idset_create();
    int rc = -1;

    if (!core || !gpu)
        goto done;
    for (size_t i = 0; i < w->nvtx; i++) {
        vtx_t v = w->vtx[i].v;
        atom_t t = graph_type(g, v);
        if (t == ATOM_NONE)
            continue;
        if (t == t_core || t == t_gpu) {
            if (idset_add(t == t_core ? core : gpu, graph_id(g, v)) < 0)
                goto done;
        } else if ((t == t_node || t == t_snode) && graph_rank(g, v) >= 0) {
            /* A compute node with no core or GPU below it is no execution
             * target (find emits a node for its free memory alone). */
            if (t == t_node && idset_count(core) == 0 && idset_count(gpu) == 0)
                continue;
            if (rlite_append(r, graph_rank(g, v), v, core, gpu) < 0)
                goto done;
            core = idset_create();
            gpu = idset_create();
            if (!core || !gpu)
                goto done;
        }
    }
    rc = rlite_fold(r);
done:
    idset_destroy(core);
    idset_destroy(gpu);
    return rc;
}

static json_t *children_object(const struct rank_entry *e)
{
    json_t *o = json_object();
    const struct {
        const char *name;
        const idset_t *ids;
    } kinds[] = {{"core", e->core}, {"gpu", e->gpu}};
    for (size_t k = 0; o && k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        if (idset_count(kinds[k].ids) == 0)
            continue;
        char *s = idset_encode(kinds[k].ids);
        int rc = set_new(o, kinds[k].name, s ? json_string(s) : NULL);
        free(s);
        if (rc < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* Ranks with identical children share one R_lite entry; entries come out
 * ordered by their children text (Fluxion keys them in an ordered map). */
static int cmp_children(const void *a, const void *b)
{
    const struct rank_entry *x = a, *y = b;
    int c = strcmp(x->children, y->children);
    return c ? c : cmp_rank(a, b);
}

static json_t *rlite_array(struct rlite *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < r->n; i++) {
        json_t *c = children_object(&r->e[i]);
        r->e[i].children = c ? json_dumps(c, JSON_FLAGS) : NULL;
        json_decref(c);
        if (!r->e[i].children)
            goto error;
    }
    sort_entries(r, cmp_children);
    for (size_t i = 0; arr && i < r->n;) {
        idset_t *ranks = idset_create();
        size_t j = i;
        for (; ranks && j < r->n && strcmp(r->e[j].children, r->e[i].children) == 0; j++)
            if (idset_add(ranks, r->e[j].rank) < 0)
                break;
        char *rs = ranks ? idset_encode(ranks) : NULL;
        idset_destroy(ranks);
        json_t *o = rs ? json_pack("{s:s s:o}", "rank", rs, "children",
                                   json_loads(r->e[i].children, 0, NULL))
                       : NULL;
        free(rs);
        if (json_array_append_new(arr, o) < 0)
            goto error;
        i = j;
    }
    sort_entries(r, cmp_rank);
    return arr;
error:
    json_decref(arr);
    return NULL;
}

/* nodelist: host names in rank order, compressed. */
static json_t *nodelist_array(const graph_t *g, const struct rlite *r)
{
    hostlist_t *hl = hostlist_create();
    char *s = NULL;
    json_t *arr = NULL;
    if (!hl)
        return NULL;
    for (size_t i = 0; i < r->n; i++)
        if (hostlist_append(hl, graph_name(g, r->e[i].node)) < 0)
            goto done;
    if (r->n == 0) {
        arr = json_array();
        goto done;
    }
    if ((s = hostlist_encode(hl)))
        arr = json_pack("[s]", s);
done:
    free(s);
    hostlist_destroy(hl);
    return arr;
}

/* properties: {"key": "ranks having it"}, keys sorted; NULL-safe empty. */
static json_t *properties_object(const graph_t *g, const struct rlite *r)
{
    json_t *ranks_of = json_object(); /* key -> JSON array of ranks, scratch */
    json_t *out = json_object();
    const char *key;
    json_t *arr;

    if (!ranks_of || !out)
        goto error;
    for (size_t i = 0; i < r->n; i++) {
        int n = graph_property_count(g, r->e[i].node);
        for (int k = 0; k < n; k++) {
            const char *value;
            if (graph_property_at(g, r->e[i].node, k, &key, &value) < 0)
                goto error;
            arr = json_object_get(ranks_of, key);
            if (!arr && set_new(ranks_of, key, arr = json_array()) < 0)
                goto error;
            if (json_array_append_new(arr, json_integer(r->e[i].rank)) < 0)
                goto error;
        }
    }
    /* Sorted keys, since Fluxion keeps properties in an ordered map. */
    size_t nkeys = json_object_size(ranks_of);
    const char **keys = calloc(nkeys + 1, sizeof(*keys));
    size_t nk = 0;
    if (!keys)
        goto error;
    json_object_foreach(ranks_of, key, arr) keys[nk++] = key;
    for (size_t i = 1; i < nk; i++)
        for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *t = keys[j];
            keys[j] = keys[j - 1];
            keys[j - 1] = t;
        }
    for (size_t i = 0; i < nk; i++) {
        idset_t *ids = idset_create();
        size_t ai;
        json_t *rank;
        arr = json_object_get(ranks_of, keys[i]);
        json_array_foreach(arr, ai, rank) if (ids) idset_add(ids, json_integer_value(rank));
        char *s = ids ? idset_encode(ids) : NULL;
        idset_destroy(ids);
        int rc = set_new(out, keys[i], s ? json_string(s) : NULL);
        free(s);
        if (rc < 0) {
            free(keys);
            goto error;
        }
    }
    free(keys);
    json_decref(ranks_of);
    return out;
error:
    json_decref(ranks_of);
    json_decref(out);
    return NULL;
}

static json_t *rv1_object(const struct writer *w, struct rlite *r)
{
    json_t *exec = NULL;
    json_t *props = NULL;
    json_t *top = NULL;
    json_t *rl = rlite_array(r);
    json_t *nl = nodelist_array(w->g, r);

    if (!rl || !nl)
        goto error;
    exec = json_pack("{s:o s:o}", "R_lite", rl, "nodelist", nl);
    rl = nl = NULL;
    if (!exec || !(props = properties_object(w->g, r)))
        goto error;
    if (json_object_size(props) > 0 && json_object_set(exec, "properties", props) < 0)
        goto error;
    if (set_new(exec, "starttime", json_integer(w->start)) < 0 ||
        set_new(exec, "expiration", json_integer(w->end)) < 0)
        goto error;
    top = json_pack("{s:i s:O}", "version", 1, "execution", exec);
    if (!top)
        goto error;
    json_decref(exec);
    json_decref(props);
    return top;
error:
    json_decref(rl);
    json_decref(nl);
    json_decref(exec);
    json_decref(props);
    json_decref(top);
    return NULL;
}

/* rv1: the rv1_nosched object, then "scheduling" (the JGF, streamed) and
 * the queue's "attributes", spliced in before its closing brace. */
static int rv1_render(const struct writer *w, struct rlite *r, struct sbuf *b)
{
    if (sbuf_dump(b, rv1_object(w, r)) < 0)
        return -1;
    if (w->fmt == WRITER_RV1_NOSCHED)
        return 0;
    b->len--; /* the top-level object's '}' */
    sbuf_puts(b, ", \"scheduling\": ");
    if (jgf_render(w, w->fmt == WRITER_RV1_SHORTHAND, b) < 0)
        return -1;
    if (w->queue) {
        sbuf_puts(b, ", \"attributes\": ");
        sbuf_dump(b, json_pack("{s:{s:{s:s}}}", "system", "scheduler", "queue", w->queue));
    }
    sbuf_puts(b, "}");
    return b->failed ? -1 : 0;
}

char *writer_json_render(const struct writer *w)
{
    struct rlite r = {0};
    struct sbuf b = {0};
    int rc = -1;

    switch (w->fmt) {
    case WRITER_JGF:
    case WRITER_JGF_SHORTHAND:
        rc = jgf_render(w, w->fmt == WRITER_JGF_SHORTHAND, &b);
        break;
    case WRITER_RLITE:
        if (rlite_gather(w, &r) == 0)
            rc = sbuf_dump(&b, rlite_array(&r));
        break;
    default:
        if (rlite_gather(w, &r) == 0)
            rc = rv1_render(w, &r, &b);
        break;
    }
    rlite_fini(&r);
    if (rc < 0 || b.failed) {
        free(b.p);
        errno = ENOMEM;
        return NULL;
    }
    return b.p;
}
