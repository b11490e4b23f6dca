/* reader_jgf: JSON Graph Format (reference 3.3, 3.4).
 *
 * Everything goes through one parse into records (struct reader_jgf_doc):
 * loading a graph, attaching a subgraph to one, and the matcher's update /
 * partial-cancel all see the same defaults and the same error messages.
 * Strings in the records point into the jansson tree the document keeps;
 * defaulted names are written back into that tree so that they are owned by
 * it as well.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <igraph.h>
#include <jansson.h>

#include "resource/reader.h"
#include "resource/reader_private.h"
#include "resource/st_array.h"

struct doc_priv {
    json_t *root;
    struct reader_jgf_vertex *v;
    struct reader_jgf_edge *e;
    struct reader_kv *kv; /* paths and properties of all vertices */
};

struct ctx {
    const char *name;
    struct st_error *err;
};

static int node_err(const struct ctx *c, size_t i, const char *what, const char *field)
{
    return st_errorf(c->err, EINVAL, "%s: graph.nodes[%zu]: %s%s%s", c->name, i, what,
                     field ? " " : "", field ? field : "");
}

/* ---- per-field helpers ----------------------------------------------------
 * Each returns 0 and stores the value (or the default when the key is
 * absent), or -1 with err naming the node and field. */

static int get_str(const struct ctx *c, size_t i, json_t *meta, const char *key,
                   const char *def, const char **out)
{
    json_t *o = json_object_get(meta, key);
    if (!o) {
        *out = def;
        return 0;
    }
    if (!json_is_string(o))
        return node_err(c, i, "metadata field must be a string:", key);
    *out = json_string_value(o);
    return 0;
}

static int get_int(const struct ctx *c, size_t i, json_t *meta, const char *key, int64_t def,
                   int64_t *out)
{
    json_t *o = json_object_get(meta, key);
    if (!o) {
        *out = def;
        return 0;
    }
    if (!json_is_integer(o))
        return node_err(c, i, "metadata field must be an integer:", key);
    *out = (int64_t) json_integer_value(o);
    return 0;
}

/* Trailing decimal digits of s, or -1 if there are none. */
static int64_t trailing_number(const char *s)
{
    size_t len = strlen(s), k = len;
    while (k > 0 && s[k - 1] >= '0' && s[k - 1] <= '9')
        k--;
    if (k == len || len - k > 18)
        return -1;
    return strtoll(s + k, NULL, 10);
}

/* The whole string as a decimal integer, or -1. */
static int64_t whole_number(const char *s)
{
    if (!*s || strlen(s) > 18)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
    }
    return strtoll(s, NULL, 10);
}

static int get_kv_object(const struct ctx *c, size_t i, json_t *meta, const char *key,
                         bool required, struct reader_kv **kv, int *n)
{
    json_t *o = json_object_get(meta, key);
    *n = 0;
    if (!o) {
        return required ? node_err(c, i, "missing metadata field", key) : 0;
    }
    if (!json_is_object(o))
        return node_err(c, i, "metadata field must be an object:", key);
    const char *k;
    json_t *val;
    json_object_foreach(o, k, val) {
        if (!json_is_string(val))
            return st_errorf(c->err, EINVAL, "%s: graph.nodes[%zu]: %s.%s must be a string",
                             c->name, i, key, k);
        (*kv)[*n].key = k;
        (*kv)[*n].value = json_string_value(val);
        (*n)++;
    }
    if (required && *n == 0)
        return node_err(c, i, "empty metadata field", key);
    return 0;
}

static int check_paths(const struct ctx *c, size_t i, const struct reader_kv *p, int n)
{
    for (int k = 0; k < n; k++) {
        if (p[k].value[0] != '/' || p[k].value[1] == '\0')
            return st_errorf(c->err, EINVAL, "%s: graph.nodes[%zu]: paths.%s \"%s\" is not an "
                             "absolute path", c->name, i, p[k].key, p[k].value);
    }
    return 0;
}

/* Defaults of reference 3.3: basename = type; uniq_id = the outer id as an
 * integer; id = uniq_id, except that a node takes the trailing digits of
 * its name (hostnames carry the node number); name = basename + id. */
static int vertex_ids(const struct ctx *c, size_t i, json_t *meta, struct reader_jgf_vertex *v)
{
    int64_t outer = whole_number(v->key);
    if (get_int(c, i, meta, "uniq_id", outer, &v->uniq_id) < 0)
        return -1;
    if (v->uniq_id < 0)
        return node_err(c, i, "no uniq_id and the node id is not an integer", NULL);
    const char *name = NULL;
    if (get_str(c, i, meta, "name", NULL, &name) < 0)
        return -1;
    int64_t def_id = v->uniq_id;
    if (name && strcmp(v->type, "node") == 0 && trailing_number(name) >= 0)
        def_id = trailing_number(name);
    if (get_int(c, i, meta, "id", def_id, &v->id) < 0)
        return -1;
    if (!name) {
        char buf[64];
        snprintf(buf, sizeof(buf), "%" PRId64, v->id);
        size_t len = strlen(v->basename) + strlen(buf) + 1;
        char *s = malloc(len);
        if (!s)
            return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
        snprintf(s, len, "%s%s", v->basename, buf);
        json_t *js = json_string(s);
        free(s);
        if (!js || json_object_set_new(meta, "name", js) < 0)
            return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
        name = json_string_value(js);
    }
    v->name = name;
    return 0;
}

static int vertex_scalars(const struct ctx *c, size_t i, json_t *meta,
                          struct reader_jgf_vertex *v)
{
    int64_t rank = -1, status = 0;
    if (get_str(c, i, meta, "unit", "", &v->unit) < 0 ||
        get_int(c, i, meta, "size", 1, &v->size) < 0 ||
        get_int(c, i, meta, "rank", -1, &rank) < 0 ||
        get_int(c, i, meta, "status", 0, &status) < 0)
        return -1;
    if (v->size < 0)
        return node_err(c, i, "metadata field must not be negative:", "size");
    if (rank < -1 || rank > INT32_MAX)
        return node_err(c, i, "metadata field out of range:", "rank");
    if (status != 0 && status != 1)
        return node_err(c, i, "metadata field must be 0 (up) or 1 (down):", "status");
    v->rank = (int32_t) rank;
    v->status = (int) status;
    json_t *x = json_object_get(meta, "exclusive");
    if (x && !json_is_boolean(x))
        return node_err(c, i, "metadata field must be a boolean:", "exclusive");
    v->exclusive = x && json_is_true(x);
    return 0;
}

static int parse_vertex(const struct ctx *c, size_t i, json_t *node, struct reader_jgf_vertex *v,
                        struct reader_kv **kv)
{
    if (!json_is_object(node))
        return node_err(c, i, "is not an object", NULL);
    json_t *key = json_object_get(node, "id");
    if (!json_is_string(key))
        return node_err(c, i, "missing or non-string", "id");
    v->key = json_string_value(key);
    json_t *meta = json_object_get(node, "metadata");
    if (!json_is_object(meta))
        return node_err(c, i, "missing or non-object", "metadata");
    json_t *type = json_object_get(meta, "type");
    if (!json_is_string(type) || !*json_string_value(type))
        return node_err(c, i, "missing or non-string metadata field", "type");
    v->type = json_string_value(type);
    if (get_str(c, i, meta, "basename", v->type, &v->basename) < 0)
        return -1;
    struct reader_kv *paths = *kv;
    if (get_kv_object(c, i, meta, "paths", true, kv, &v->npaths) < 0 ||
        check_paths(c, i, paths, v->npaths) < 0)
        return -1;
    v->paths = paths;
    *kv += v->npaths;
    struct reader_kv *props = *kv;
    if (get_kv_object(c, i, meta, "properties", false, kv, &v->nprops) < 0)
        return -1;
    v->props = props;
    *kv += v->nprops;
    return vertex_ids(c, i, meta, v) < 0 ? -1 : vertex_scalars(c, i, meta, v);
}

/* Number of (subsystem, path) and property slots the nodes may need. */
static size_t count_kv(json_t *nodes)
{
    size_t n = 0, i;
    json_t *node;
    json_array_foreach(nodes, i, node) {
        json_t *meta = json_object_get(node, "metadata");
        json_t *p = json_object_get(meta, "paths");
        json_t *q = json_object_get(meta, "properties");
        n += json_is_object(p) ? json_object_size(p) : 0;
        n += json_is_object(q) ? json_object_size(q) : 0;
    }
    return n;
}

/* ---- edges ------------------------------------------------------------- */

/* true if `anc` is a strict path ancestor of `path` ("/a" of "/a/b"). */
static bool path_is_ancestor(const char *anc, const char *path)
{
    size_t n = strlen(anc);
    return strncmp(anc, path, n) == 0 && path[n] == '/';
}

static int edge_end(const struct ctx *c, size_t i, json_t *edge, const char *key, json_t *index,
                    size_t *out)
{
    json_t *s = json_object_get(edge, key);
    if (!json_is_string(s))
        return st_errorf(c->err, EINVAL, "%s: graph.edges[%zu]: missing or non-string %s",
                         c->name, i, key);
    json_t *at = json_object_get(index, json_string_value(s));
    if (!at)
        return st_errorf(c->err, EINVAL, "%s: graph.edges[%zu]: %s \"%s\" is not a node id",
                         c->name, i, key, json_string_value(s));
    *out = (size_t) json_integer_value(at);
    return 0;
}

static int parse_edge(const struct ctx *c, size_t i, json_t *edge, json_t *index,
                      struct reader_jgf_edge *e)
{
    if (!json_is_object(edge))
        return st_errorf(c->err, EINVAL, "%s: graph.edges[%zu]: is not an object", c->name, i);
    if (edge_end(c, i, edge, "source", index, &e->src) < 0 ||
        edge_end(c, i, edge, "target", index, &e->dst) < 0)
        return -1;
    e->subsystem = "containment";
    json_t *meta = json_object_get(edge, "metadata");
    json_t *ss = json_object_get(meta, "subsystem");
    if (ss && !json_is_string(ss))
        return st_errorf(c->err, EINVAL, "%s: graph.edges[%zu]: metadata.subsystem must be a "
                         "string", c->name, i);
    if (ss) {
        e->subsystem = json_string_value(ss);
        return 0;
    }
    /* Older writers name the relation per subsystem instead:
     * "name": {"containment": "contains"}. */
    json_t *rel = json_object_get(meta, "name");
    if (json_is_object(rel) && json_object_size(rel) == 1)
        e->subsystem = json_object_iter_key(json_object_iter(rel));
    return 0;
}

static int parse_edges(const struct ctx *c, struct reader_jgf_doc *doc, json_t *edges,
                       json_t *index)
{
    struct doc_priv *p = doc->priv;
    size_t n = 0, i;
    json_t *edge;
    if (edges && !json_is_array(edges))
        return st_errorf(c->err, EINVAL, "%s: graph.edges is not an array", c->name);
    p->e = calloc(edges ? json_array_size(edges) + 1 : 1, sizeof(*p->e));
    if (!p->e)
        return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
    json_array_foreach(edges, i, edge) {
        struct reader_jgf_edge e;
        if (parse_edge(c, i, edge, index, &e) < 0)
            return -1;
        /* Some writers emit each containment link twice, "contains" and
         * "in"; the upward copy would make a cycle, so it is dropped. */
        const char *sp = reader_jgf_vertex_path(&p->v[e.src], e.subsystem);
        const char *dp = reader_jgf_vertex_path(&p->v[e.dst], e.subsystem);
        if (sp && dp && path_is_ancestor(dp, sp))
            continue;
        p->e[n++] = e;
    }
    doc->edges = p->e;
    doc->nedges = n;
    return 0;
}

/* ---- document ------------------------------------------------------------ */

static int parse_nodes(const struct ctx *c, struct reader_jgf_doc *doc, json_t *nodes,
                       json_t *index)
{
    struct doc_priv *p = doc->priv;
    size_t n = json_array_size(nodes), i;
    json_t *node;
    p->v = calloc(n + 1, sizeof(*p->v));
    p->kv = calloc(count_kv(nodes) + 1, sizeof(*p->kv));
    if (!p->v || !p->kv)
        return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
    struct reader_kv *kv = p->kv;
    json_array_foreach(nodes, i, node) {
        if (parse_vertex(c, i, node, &p->v[i], &kv) < 0)
            return -1;
        if (json_object_get(index, p->v[i].key))
            return st_errorf(c->err, EINVAL, "%s: graph.nodes[%zu]: duplicate node id \"%s\"",
                             c->name, i, p->v[i].key);
        if (json_object_set_new(index, p->v[i].key, json_integer((json_int_t) i)) < 0)
            return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
    }
    doc->vertices = p->v;
    doc->nvertices = n;
    return 0;
}

/* The object holding "graph": the top level, or an R's "scheduling". */
static json_t *graph_holder(json_t *root)
{
    json_t *sched = json_object_get(root, "scheduling");
    if (!json_object_get(root, "graph") && json_is_object(sched))
        return sched;
    return root;
}

static int parse_top(const struct ctx *c, struct reader_jgf_doc *doc, json_t *root)
{
    if (!json_is_object(root))
        return st_errorf(c->err, EINVAL, "%s: top level is not an object", c->name);
    json_t *holder = graph_holder(root);
    json_t *graph = json_object_get(holder, "graph");
    if (!json_is_object(graph))
        return st_errorf(c->err, EINVAL, "%s: missing \"graph\" object", c->name);
    json_t *nodes = json_object_get(graph, "nodes");
    if (!json_is_array(nodes))
        return st_errorf(c->err, EINVAL, "%s: graph.nodes is missing or not an array", c->name);
    json_t *fr = json_object_get(root, "free_ranks");
    json_t *wr = json_object_get(holder, "writer");
    if ((fr && !json_is_string(fr)) || (wr && !json_is_string(wr)))
        return st_errorf(c->err, EINVAL, "%s: free_ranks and writer must be strings", c->name);
    doc->free_ranks = fr ? json_string_value(fr) : NULL;
    doc->writer = wr ? json_string_value(wr) : NULL;
    if (doc->writer && strcmp(doc->writer, "fluxion") != 0 &&
        strcmp(doc->writer, "fluxion:jgf") != 0 &&
        strcmp(doc->writer, "fluxion:jgf_shorthand") != 0)
        return st_errorf(c->err, EINVAL, "%s: unsupported writer \"%s\"", c->name, doc->writer);
    doc->shorthand = doc->writer && strcmp(doc->writer, "fluxion:jgf_shorthand") == 0;
    json_t *index = json_object();
    if (!index)
        return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
    int rc = parse_nodes(c, doc, nodes, index);
    if (rc == 0)
        rc = parse_edges(c, doc, json_object_get(graph, "edges"), index);
    json_decref(index);
    return rc;
}

void reader_jgf_doc_destroy(struct reader_jgf_doc *doc)
{
    int saved = errno;
    if (doc) {
        struct doc_priv *p = doc->priv;
        if (p) {
            json_decref(p->root);
            free(p->v);
            free(p->e);
            free(p->kv);
            free(p);
        }
        free(doc);
    }
    errno = saved;
}

struct reader_jgf_doc *reader_jgf_doc_parse(const char *text, const char *name,
                                            struct st_error *err)
{
    if (!name)
        name = "<jgf>";
    if (!text)
        return st_errorf_null(err, EINVAL, "%s: NULL text", name);
    struct ctx c = { .name = name, .err = err };
    struct reader_jgf_doc *doc = calloc(1, sizeof(*doc));
    struct doc_priv *p = calloc(1, sizeof(*p));
    if (!doc || !p) {
        free(doc);
        free(p);
        return st_errorf_null(err, ENOMEM, "%s: out of memory", name);
    }
    doc->priv = p;
    p->root = reader_json_loads(text, name, err);
    if (!p->root)
        goto error;
    if (parse_top(&c, doc, p->root) < 0)
        goto error;
    return doc;
error:
    reader_jgf_doc_destroy(doc);
    return NULL;
}

const char *reader_jgf_vertex_path(const struct reader_jgf_vertex *v, const char *subsystem)
{
    if (!v || !subsystem)
        return NULL;
    for (int k = 0; k < v->npaths; k++) {
        if (strcmp(v->paths[k].key, subsystem) == 0)
            return v->paths[k].value;
    }
    return NULL;
}

/* ---- building a graph ---------------------------------------------------- */

static vtx_t add_vertex(graph_t *g, const struct reader_jgf_vertex *v)
{
    struct vtx_init init = {
        .type = v->type,
        .basename = v->basename,
        .name = v->name,
        .id = v->id,
        .uniq_id = v->uniq_id,
        .rank = v->rank,
        .size = v->size,
        .unit = v->unit,
        .status = v->status ? VTX_DOWN : VTX_UP,
    };
    vtx_t x = graph_add_vertex(g, &init);
    if (x == VTX_NONE)
        return VTX_NONE;
    for (int k = 0; k < v->npaths; k++) {
        if (graph_set_path(g, x, v->paths[k].key, v->paths[k].value) < 0)
            return VTX_NONE;
    }
    for (int k = 0; k < v->nprops; k++) {
        if (graph_set_property(g, x, v->props[k].key, v->props[k].value) < 0)
            return VTX_NONE;
    }
    return x;
}

/* Add the vertices with map[i] == VTX_NONE (setting map[i]) and every edge
 * not already in g. */
static int add_doc(graph_t *g, const struct reader_jgf_doc *doc, vtx_t *map,
                   const bool *existing)
{
    for (size_t i = 0; i < doc->nvertices; i++) {
        if (map[i] != VTX_NONE)
            continue;
        if ((map[i] = add_vertex(g, &doc->vertices[i])) == VTX_NONE)
            return -1;
    }
    for (size_t i = 0; i < doc->nedges; i++) {
        const struct reader_jgf_edge *e = &doc->edges[i];
        if (existing && existing[i])
            continue;
        if (graph_add_edge(g, map[e->src], map[e->dst], e->subsystem) < 0)
            return -1;
    }
    return 0;
}

static int finalize(graph_t *g, const char *name, struct st_error *err)
{
    struct st_error ferr = { { 0 } };
    if (graph_finalize(g, &ferr) < 0)
        return st_errorf(err, EINVAL, "%s: %s", name, ferr.text);
    return 0;
}

graph_t *reader_jgf_parse(const char *text, const char *name, struct st_error *err)
{
    if (!name)
        name = "<jgf>";
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(text, name, err);
    if (!doc)
        return NULL;
    graph_t *g = graph_create();
    vtx_t *map = malloc((doc->nvertices + 1) * sizeof(*map));
    if (!g || !map) {
        st_errorf(err, ENOMEM, "%s: out of memory", name);
        goto error;
    }
    for (size_t i = 0; i < doc->nvertices; i++)
        map[i] = VTX_NONE;
    if (add_doc(g, doc, map, NULL) < 0) {
        st_errorf(err, errno ? errno : ENOMEM, "%s: cannot build graph: %s", name,
                  strerror(errno));
        goto error;
    }
    if (finalize(g, name, err) < 0)
        goto error;
    free(map);
    reader_jgf_doc_destroy(doc);
    return g;
error:
    free(map);
    reader_jgf_doc_destroy(doc);
    graph_destroy(g); /* keeps errno */
    return NULL;
}

json_t *reader_json_loads(const char *text, const char *name, struct st_error *err)
{
    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    if (!root)
        return st_errorf_null(err, EINVAL, "%s:%d:%d: %s", name, jerr.line, jerr.column,
                              jerr.text);
    return root;
}

char *reader_read_file(const char *path, struct st_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return st_errorf_null(err, errno, "%s: %s", path, strerror(errno));
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (st_grow(&buf, &cap, len + 4096 + 1, 1, 65536) < 0) {
            free(buf);
            fclose(f);
            return st_errorf_null(err, ENOMEM, "%s: out of memory", path);
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return st_errorf_null(err, EIO, "%s: read error", path);
    }
    buf[len] = '\0';
    return buf;
}

graph_t *reader_jgf_load(const char *path, struct st_error *err)
{
    if (!path)
        return st_errorf_null(err, EINVAL, "jgf: NULL path");
    char *text = reader_read_file(path, err);
    if (!text)
        return NULL;
    graph_t *g = reader_jgf_parse(text, path, err);
    free(text);
    return g;
}

/* ---- records against a graph --------------------------------------------- */

static vtx_t find_any_path(const graph_t *g, const struct reader_jgf_vertex *v)
{
    for (int k = 0; k < v->npaths; k++) {
        vtx_t x = graph_find_path(g, v->paths[k].value);
        if (x != VTX_NONE && graph_vertex_live(g, x))
            return x;
    }
    return VTX_NONE;
}

int reader_jgf_doc_resolve(const struct reader_jgf_doc *doc, const graph_t *g, vtx_t *out)
{
    if (!doc || !g || !out) {
        errno = EINVAL;
        return -1;
    }
    int found = 0;
    for (size_t i = 0; i < doc->nvertices; i++) {
        out[i] = find_any_path(g, &doc->vertices[i]);
        found += out[i] != VTX_NONE;
    }
    return found;
}

struct expand {
    const graph_t *g;
    atom_t contain;
    unsigned char *seen; /* per vtx: 1 = named by the doc or already listed */
    vtx_t *out;
    size_t n;
    size_t cap;
};

static int expand_push(struct expand *x, vtx_t v)
{
    if (st_grow(&x->out, &x->cap, x->n + 1, sizeof(*x->out), 64) < 0)
        return -1;
    x->out[x->n++] = v;
    return 0;
}

/* Pre-order walk below v with an explicit stack (trees can be deep). */
static int expand_below(struct expand *x, vtx_t v)
{
    size_t sp = 0, scap = 64;
    vtx_t *stack = malloc(scap * sizeof(*stack));
    if (!stack) {
        errno = ENOMEM;
        return -1;
    }
    stack[sp++] = v;
    while (sp > 0) {
        vtx_t u = stack[--sp];
        int nc = 0;
        const vtx_t *ch = graph_children(x->g, x->contain, u, &nc);
        if (sp + (size_t) nc > scap) {
            scap = (sp + (size_t) nc) * 2;
            if (st_resize(&stack, scap, sizeof(*stack)) < 0) {
                free(stack);
                return -1;
            }
        }
        /* Push in reverse so that children pop in edge order. */
        for (int k = nc - 1; k >= 0; k--)
            stack[sp++] = ch[k];
        if (u == v || x->seen[u])
            continue;
        x->seen[u] = 1;
        if (expand_push(x, u) < 0) {
            free(stack);
            return -1;
        }
    }
    free(stack);
    return 0;
}

int reader_jgf_shorthand_expand(const struct reader_jgf_doc *doc, const graph_t *g,
                                vtx_t **out, size_t *n)
{
    if (!doc || !g || !out || !n) {
        errno = EINVAL;
        return -1;
    }
    struct expand x = { .g = g, .contain = graph_atom_find(g, "containment") };
    int32_t nv = graph_vertex_count(g);
    vtx_t *map = malloc((doc->nvertices + 1) * sizeof(*map));
    x.seen = calloc((size_t) nv + 1, 1);
    if (!map || !x.seen)
        goto nomem;
    reader_jgf_doc_resolve(doc, g, map);
    for (size_t i = 0; i < doc->nvertices; i++) {
        if (map[i] != VTX_NONE)
            x.seen[map[i]] = 1;
    }
    for (size_t i = 0; x.contain != ATOM_NONE && i < doc->nvertices; i++) {
        if (map[i] != VTX_NONE && doc->vertices[i].exclusive && expand_below(&x, map[i]) < 0)
            goto nomem;
    }
    free(map);
    free(x.seen);
    *out = x.out;
    *n = x.n;
    return 0;
nomem:
    free(map);
    free(x.seen);
    free(x.out);
    errno = ENOMEM;
    return -1;
}

/* ---- attach ---------------------------------------------------------------- */

/* Number of '/' in a path: 1 for a subsystem root ("/cluster0"). */
static bool is_root_path(const char *path)
{
    return strchr(path + 1, '/') == NULL;
}

static int check_new_vertex(const graph_t *g, const struct reader_jgf_doc *doc, size_t i,
                            const char *name, struct st_error *err)
{
    const struct reader_jgf_vertex *v = &doc->vertices[i];
    for (int k = 0; k < v->npaths; k++) {
        if (!is_root_path(v->paths[k].value))
            continue;
        atom_t ss = graph_atom_find(g, v->paths[k].key);
        vtx_t r = ss == ATOM_NONE ? VTX_NONE : graph_root(g, ss);
        /* Fluxion's exact words: resource-query prints them after "ERROR: ",
         * and the acceptance suite compares stderr. */
        if (r != VTX_NONE)
            return st_errorf(err, EINVAL, "add_graph_metadata: failed to add root metadata "
                             "for %s subsystem. Possible duplicate root.", v->paths[k].key);
    }
    return 0;
}

/* true if g already has the edge src->dst in subsystem. */
static bool has_edge(const graph_t *g, vtx_t src, vtx_t dst, const char *subsystem)
{
    atom_t ss = graph_atom_find(g, subsystem);
    if (ss == ATOM_NONE)
        return false;
    int nc = 0;
    const vtx_t *ch = graph_children(g, ss, src, &nc);
    for (int k = 0; k < nc; k++) {
        if (ch[k] == dst)
            return true;
    }
    return false;
}

/* Would g plus the new edges have a cycle?  Checked before anything is
 * added, because a failed graph_finalize() leaves g unusable. */
static int check_acyclic(const graph_t *g, const struct reader_jgf_doc *doc, const vtx_t *map,
                         const bool *existing, const char *name, struct st_error *err)
{
    int32_t nv = graph_vertex_count(g);
    /* New vertices get ids nv, nv+1, ... in doc order, as add_doc gives. */
    vtx_t *id = malloc((doc->nvertices + 1) * sizeof(*id));
    igraph_vector_int_t ev;
    if (!id || igraph_vector_int_init(&ev, 0) != IGRAPH_SUCCESS) {
        free(id);
        return st_errorf(err, ENOMEM, "%s: out of memory", name);
    }
    vtx_t next = nv;
    for (size_t i = 0; i < doc->nvertices; i++)
        id[i] = map[i] != VTX_NONE ? map[i] : next++;
    /* The usual attach hangs new vertices below old ones: when every new
     * edge goes from a lower to a higher id and ends at a new vertex, no
     * cycle can form (old edges never lead from a new vertex back), and the
     * whole-graph check below (O(V+E)) is not needed. */
    bool forward = true;
    for (size_t i = 0; i < doc->nedges && forward; i++) {
        vtx_t s = id[doc->edges[i].src], d = id[doc->edges[i].dst];
        forward = existing[i] || (s < d && d >= nv);
    }
    if (forward) {
        igraph_vector_int_destroy(&ev);
        free(id);
        return 0;
    }
    int rc = 0;
    for (int64_t k = 0; k < graph_edge_slots(g) && rc == 0; k++) {
        vtx_t s, d;
        atom_t ss;
        if (graph_edge_at(g, k, &s, &d, &ss))
            rc = igraph_vector_int_push_back(&ev, s) || igraph_vector_int_push_back(&ev, d);
    }
    for (size_t i = 0; i < doc->nedges && rc == 0; i++) {
        if (!existing[i])
            rc = igraph_vector_int_push_back(&ev, id[doc->edges[i].src]) ||
                 igraph_vector_int_push_back(&ev, id[doc->edges[i].dst]);
    }
    igraph_t ig;
    igraph_bool_t dag = 0;
    if (rc == 0 && igraph_create(&ig, &ev, next, IGRAPH_DIRECTED) == IGRAPH_SUCCESS) {
        rc = igraph_is_dag(&ig, &dag) != IGRAPH_SUCCESS;
        igraph_destroy(&ig);
    } else {
        rc = 1;
    }
    igraph_vector_int_destroy(&ev);
    free(id);
    if (rc)
        return st_errorf(err, ENOMEM, "%s: out of memory", name);
    if (!dag)
        return st_errorf(err, EINVAL, "%s: attaching would create a cycle", name);
    return 0;
}

/* Two document vertices at one path would both become new vertices. */
static int check_unique_paths(const struct reader_jgf_doc *doc, const char *name,
                              struct st_error *err)
{
    json_t *seen = json_object();
    if (!seen)
        return st_errorf(err, ENOMEM, "%s: out of memory", name);
    int rc = 0;
    for (size_t i = 0; i < doc->nvertices && rc == 0; i++) {
        const struct reader_jgf_vertex *v = &doc->vertices[i];
        for (int k = 0; k < v->npaths && rc == 0; k++) {
            if (json_object_get(seen, v->paths[k].value))
                rc = st_errorf(err, EINVAL, "%s: graph.nodes[%zu]: duplicate path %s", name, i,
                               v->paths[k].value);
            else if (json_object_set_new(seen, v->paths[k].value, json_true()) < 0)
                rc = st_errorf(err, ENOMEM, "%s: out of memory", name);
        }
    }
    json_decref(seen);
    return rc;
}

static int check_attach(const graph_t *g, const struct reader_jgf_doc *doc, vtx_t *map,
                        bool *existing, const char *name, struct st_error *err)
{
    if (check_unique_paths(doc, name, err) < 0)
        return -1;
    reader_jgf_doc_resolve(doc, g, map);
    for (size_t i = 0; i < doc->nvertices; i++) {
        const struct reader_jgf_vertex *v = &doc->vertices[i];
        if (map[i] == VTX_NONE) {
            if (check_new_vertex(g, doc, i, name, err) < 0)
                return -1;
        } else if (strcmp(graph_atom_str(g, graph_type(g, map[i])), v->type) != 0) {
            return st_errorf(err, EINVAL, "%s: graph.nodes[%zu]: type %s differs from the "
                             "existing vertex at %s", name, i, v->type, v->paths[0].value);
        }
    }
    for (size_t i = 0; i < doc->nedges; i++) {
        const struct reader_jgf_edge *e = &doc->edges[i];
        existing[i] = map[e->src] != VTX_NONE && map[e->dst] != VTX_NONE &&
                      has_edge(g, map[e->src], map[e->dst], e->subsystem);
    }
    return check_acyclic(g, doc, map, existing, name, err);
}

int reader_jgf_attach(graph_t *g, const char *text, const char *name, struct st_error *err)
{
    if (!name)
        name = "<jgf>";
    if (!g)
        return st_errorf(err, EINVAL, "%s: NULL graph", name);
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(text, name, err);
    if (!doc)
        return -1;
    int rc = -1;
    vtx_t *map = malloc((doc->nvertices + 1) * sizeof(*map));
    bool *existing = calloc(doc->nedges + 1, sizeof(*existing));
    if (!map || !existing) {
        st_errorf(err, ENOMEM, "%s: out of memory", name);
        goto done;
    }
    if (check_attach(g, doc, map, existing, name, err) < 0)
        goto done;
    /* The checks above make a failure below unlikely (out of memory); if
     * one happens, the additions are dropped so that g stays as it was. */
    int32_t nv = graph_vertex_count(g);
    int64_t ne = graph_edge_slots(g);
    if (add_doc(g, doc, map, existing) < 0) {
        st_errorf(err, errno, "%s: cannot attach: %s", name, strerror(errno));
        graph_truncate(g, nv, ne);
        goto done;
    }
    rc = finalize(g, name, err);
    if (rc < 0)
        graph_truncate(g, nv, ne);
done:
    free(map);
    free(existing);
    reader_jgf_doc_destroy(doc);
    return rc;
}
