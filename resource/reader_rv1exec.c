/* reader_rv1exec: RFC 20 R version 1 (reference 3.5).
 *
 * The R is first parsed into records (struct reader_rv1), which the matcher
 * also uses for update and partial-cancel; the graph is then built from the
 * records: a cluster0 root, one node per rank named by the nodelist, and
 * under each node one size-1 vertex per child id (core0, gpu3, ...).
 * Vertices are created depth-first (a node, then its children) so that
 * uniq_ids follow creation order.
 */
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <jansson.h>

#include "resource/reader.h"
#include "resource/reader_private.h"

struct rv1_priv {
    json_t *root;
    struct reader_kv *props;
    idset_t **prop_ranks;    /* decoded props[i].value */
    int64_t *ranks;          /* all_ranks ascending, for hostname lookup */
    size_t nranks;
};

struct ctx {
    const char *name;
    struct st_error *err;
};

/* snprintf that reports truncation (-1, ENAMETOOLONG) instead of silently
 * cutting a name or path short. */
__attribute__((format(printf, 3, 4)))
static int fmt(char *buf, size_t size, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int n = vsnprintf(buf, size, format, ap);
    va_end(ap);
    if (n < 0 || (size_t) n >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

void reader_rv1_destroy(struct reader_rv1 *r)
{
    int saved = errno;
    if (r) {
        for (int i = 0; i < r->nentries; i++) {
            struct reader_rv1_entry *e = &r->entries[i];
            idset_destroy(e->ranks);
            for (int k = 0; k < e->nchildren; k++)
                idset_destroy(e->child_ids[k]);
            free(e->child_ids);
            free(e->child_types);
        }
        free(r->entries);
        hostlist_destroy(r->nodelist);
        idset_destroy(r->all_ranks);
        struct rv1_priv *p = r->priv;
        if (p) {
            for (int i = 0; i < r->nprops; i++)
                idset_destroy(p->prop_ranks[i]);
            free(p->prop_ranks);
            free(p->props);
            free(p->ranks);
            json_decref(p->root);
            free(p);
        }
        free(r);
    }
    errno = saved;
}

static idset_t *decode_ids(const struct ctx *c, json_t *o, const char *where)
{
    if (!json_is_string(o))
        return st_errorf_null(c->err, EINVAL, "%s: %s must be an idset string", c->name, where);
    struct st_error e;
    idset_t *s = idset_decode(json_string_value(o), &e);
    if (!s)
        return st_errorf_null(c->err, EINVAL, "%s: %s: %s", c->name, where, e.text);
    return s;
}

static int parse_children(const struct ctx *c, int i, json_t *children,
                          struct reader_rv1_entry *e)
{
    char where[128];
    if (!json_is_object(children))
        return st_errorf(c->err, EINVAL, "%s: R_lite[%d].children must be an object", c->name, i);
    size_t n = json_object_size(children);
    e->child_types = calloc(n + 1, sizeof(*e->child_types));
    e->child_ids = calloc(n + 1, sizeof(*e->child_ids));
    if (!e->child_types || !e->child_ids)
        return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
    const char *type;
    json_t *val;
    json_object_foreach(children, type, val) {
        (void) fmt(where, sizeof(where), "R_lite[%d].children.%s", i, type);
        if (!*type)
            return st_errorf(c->err, EINVAL, "%s: %s: empty type", c->name, where);
        idset_t *ids = decode_ids(c, val, where);
        if (!ids)
            return -1;
        e->child_types[e->nchildren] = type;
        e->child_ids[e->nchildren++] = ids;
    }
    return 0;
}

static int parse_entry(const struct ctx *c, int i, json_t *o, struct reader_rv1 *r)
{
    char where[64];
    struct reader_rv1_entry *e = &r->entries[i];
    if (!json_is_object(o))
        return st_errorf(c->err, EINVAL, "%s: R_lite[%d] must be an object", c->name, i);
    (void) fmt(where, sizeof(where), "R_lite[%d].rank", i);
    if (!(e->ranks = decode_ids(c, json_object_get(o, "rank"), where)))
        return -1;
    r->nentries = i + 1;
    if (idset_count(e->ranks) == 0)
        return st_errorf(c->err, EINVAL, "%s: %s is empty", c->name, where);
    for (int64_t k = idset_first(e->ranks); k >= 0; k = idset_next(e->ranks, k)) {
        if (k > INT32_MAX)
            return st_errorf(c->err, EINVAL, "%s: %s: rank %" PRId64 " too large", c->name,
                             where, k);
        if (idset_add(r->all_ranks, k) < 0)
            return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
    }
    json_t *children = json_object_get(o, "children");
    if (!children)
        return 0;
    return parse_children(c, i, children, e);
}

static int parse_rlite(const struct ctx *c, json_t *rlite, struct reader_rv1 *r)
{
    if (!json_is_array(rlite))
        return st_errorf(c->err, EINVAL, "%s: execution.R_lite must be an array", c->name);
    size_t n = json_array_size(rlite);
    r->entries = calloc(n + 1, sizeof(*r->entries));
    r->all_ranks = idset_create();
    if (!r->entries || !r->all_ranks)
        return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
    for (size_t i = 0; i < n; i++) {
        if (parse_entry(c, (int) i, json_array_get(rlite, i), r) < 0)
            return -1;
    }
    return 0;
}

/* A host's trailing number becomes its node id: it must fit an int64_t
 * (Fluxion refuses such an R). */
static bool host_number_fits(const char *host)
{
    size_t len = strlen(host), k = len;
    while (k > 0 && host[k - 1] >= '0' && host[k - 1] <= '9')
        k--;
    if (k == len)
        return true;
    errno = 0;
    (void) strtoll(host + k, NULL, 10);
    return errno != ERANGE;
}

static int parse_nodelist(const struct ctx *c, json_t *nl, struct reader_rv1 *r)
{
    if (!(r->nodelist = hostlist_create()))
        return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
    if (!nl)
        return 0;
    if (!json_is_array(nl))
        return st_errorf(c->err, EINVAL, "%s: execution.nodelist must be an array", c->name);
    size_t i;
    json_t *o;
    json_array_foreach(nl, i, o) {
        if (!json_is_string(o))
            return st_errorf(c->err, EINVAL, "%s: execution.nodelist[%zu] must be a string",
                             c->name, i);
        struct st_error e;
        hostlist_t *hl = hostlist_decode(json_string_value(o), &e);
        if (!hl)
            return st_errorf(c->err, EINVAL, "%s: execution.nodelist[%zu]: %s", c->name, i,
                             e.text);
        for (size_t k = 0; k < hostlist_count(hl); k++) {
            if (!host_number_fits(hostlist_nth(hl, k))) {
                st_errorf(c->err, EINVAL, "%s: execution.nodelist[%zu]: %s: node number too large",
                          c->name, i, hostlist_nth(hl, k));
                hostlist_destroy(hl);
                return -1;
            }
            if (hostlist_append(r->nodelist, hostlist_nth(hl, k)) < 0) {
                hostlist_destroy(hl);
                return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
            }
        }
        hostlist_destroy(hl);
    }
    if (hostlist_count(r->nodelist) != idset_count(r->all_ranks))
        return st_errorf(c->err, EINVAL, "%s: execution.nodelist has %zu hosts for %zu ranks",
                         c->name, hostlist_count(r->nodelist), idset_count(r->all_ranks));
    return 0;
}

static int parse_props(const struct ctx *c, json_t *props, struct reader_rv1 *r)
{
    struct rv1_priv *p = r->priv;
    if (!props)
        return 0;
    if (!json_is_object(props))
        return st_errorf(c->err, EINVAL, "%s: execution.properties must be an object", c->name);
    size_t n = json_object_size(props);
    p->props = calloc(n + 1, sizeof(*p->props));
    p->prop_ranks = calloc(n + 1, sizeof(*p->prop_ranks));
    if (!p->props || !p->prop_ranks)
        return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
    const char *key;
    json_t *val;
    char where[128];
    json_object_foreach(props, key, val) {
        (void) fmt(where, sizeof(where), "execution.properties.%s", key);
        if (!*key || key[0] == '@')
            return st_errorf(c->err, EINVAL, "%s: %s: bad property name", c->name, where);
        if (!(p->prop_ranks[r->nprops] = decode_ids(c, val, where)))
            return -1;
        p->props[r->nprops].key = key;
        p->props[r->nprops].value = json_string_value(val);
        r->nprops++;
    }
    r->props = p->props;
    return 0;
}

static int get_time(const struct ctx *c, json_t *exec, const char *key, int64_t *out)
{
    json_t *o = json_object_get(exec, key);
    *out = 0;
    if (!o)
        return 0;
    if (!json_is_number(o) || json_number_value(o) < 0)
        return st_errorf(c->err, EINVAL, "%s: execution.%s must be a non-negative number",
                         c->name, key);
    *out = (int64_t) json_number_value(o);
    return 0;
}

static int build_rank_index(const struct ctx *c, struct reader_rv1 *r)
{
    struct rv1_priv *p = r->priv;
    p->nranks = idset_count(r->all_ranks);
    p->ranks = malloc((p->nranks + 1) * sizeof(*p->ranks));
    if (!p->ranks)
        return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
    size_t i = 0;
    for (int64_t k = idset_first(r->all_ranks); k >= 0; k = idset_next(r->all_ranks, k))
        p->ranks[i++] = k;
    return 0;
}

static int parse_top(const struct ctx *c, json_t *root, struct reader_rv1 *r)
{
    if (!json_is_object(root))
        return st_errorf(c->err, EINVAL, "%s: top level is not an object", c->name);
    json_t *version = json_object_get(root, "version");
    if (!json_is_integer(version) || json_integer_value(version) != 1)
        return st_errorf(c->err, EINVAL, "%s: version must be 1", c->name);
    json_t *exec = json_object_get(root, "execution");
    if (!json_is_object(exec))
        return st_errorf(c->err, EINVAL, "%s: missing \"execution\" object", c->name);
    r->has_scheduling = json_object_get(root, "scheduling") != NULL;
    if (parse_rlite(c, json_object_get(exec, "R_lite"), r) < 0 ||
        parse_nodelist(c, json_object_get(exec, "nodelist"), r) < 0 ||
        parse_props(c, json_object_get(exec, "properties"), r) < 0 ||
        get_time(c, exec, "starttime", &r->starttime) < 0 ||
        get_time(c, exec, "expiration", &r->expiration) < 0)
        return -1;
    return build_rank_index(c, r);
}

struct reader_rv1 *reader_rv1_parse(const char *text, const char *name, struct st_error *err)
{
    if (!name)
        name = "<R>";
    if (!text)
        return st_errorf_null(err, EINVAL, "%s: NULL text", name);
    struct ctx c = { .name = name, .err = err };
    struct reader_rv1 *r = calloc(1, sizeof(*r));
    struct rv1_priv *p = calloc(1, sizeof(*p));
    if (!r || !p) {
        free(r);
        free(p);
        return st_errorf_null(err, ENOMEM, "%s: out of memory", name);
    }
    r->priv = p;
    p->root = reader_json_loads(text, name, err);
    if (!p->root)
        goto error;
    if (parse_top(&c, p->root, r) < 0)
        goto error;
    return r;
error:
    reader_rv1_destroy(r);
    return NULL;
}

/* Index of rank among all ranks (ascending), or -1. */
static ssize_t rank_index(const struct reader_rv1 *r, int64_t rank)
{
    const struct rv1_priv *p = r->priv;
    size_t lo = 0, hi = p->nranks;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->ranks[mid] < rank)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < p->nranks && p->ranks[lo] == rank ? (ssize_t) lo : -1;
}

const char *reader_rv1_hostname(const struct reader_rv1 *r, int64_t rank)
{
    if (!r)
        return NULL;
    ssize_t i = rank_index(r, rank);
    if (i < 0 || (size_t) i >= hostlist_count(r->nodelist))
        return NULL;
    return hostlist_nth(r->nodelist, (size_t) i);
}

/* ---- graph ------------------------------------------------------------- */

struct builder {
    graph_t *g;
    const struct reader_rv1 *r;
    int64_t next_uniq;
    vtx_t cluster;
    vtx_t *node_of;   /* per rank index: the node vertex, once created */
    json_t *children; /* "rank/name" of every child created, to merge entries */
    char path[512];
};

static vtx_t add(struct builder *b, const struct vtx_init *init, const char *path)
{
    struct vtx_init in = *init;
    in.uniq_id = b->next_uniq++;
    vtx_t v = graph_add_vertex(b->g, &in);
    if (v == VTX_NONE || graph_set_path(b->g, v, "containment", path) < 0)
        return VTX_NONE;
    return v;
}

/* Every property of a rank goes on its node under its full name, so that
 * a jobspec constraint (evaluated on nodes) can ask for "arm-v9@core" (the
 * reference's t3034 lists "arm-v9@core" among the node's properties);
 * "prop@type" also goes on the node's children of that type as "prop". */
static int set_props(struct builder *b, vtx_t v, int64_t rank, const char *type, bool node)
{
    const struct rv1_priv *p = b->r->priv;
    for (int i = 0; i < b->r->nprops; i++) {
        if (!idset_test(p->prop_ranks[i], rank))
            continue;
        const char *key = b->r->props[i].key;
        const char *at = strchr(key, '@');
        if (node) {
            if (graph_set_property(b->g, v, key, "") < 0)
                return -1;
            continue;
        }
        if (!at || strcmp(at + 1, type) != 0)
            continue;
        char name[256];
        if (fmt(name, sizeof(name), "%.*s", (int) (at - key), key) < 0 ||
            graph_set_property(b->g, v, name, "") < 0)
            return -1;
    }
    return 0;
}

/* true if rank already has child `name` (from an earlier R_lite entry);
 * records it otherwise.  Keyed by rank, not path: several ranks may share a
 * host name, and so a path. */
static int child_seen(struct builder *b, int64_t rank, const char *name)
{
    char key[192];
    if (fmt(key, sizeof(key), "%" PRId64 "/%s", rank, name) < 0)
        return -1;
    if (json_object_get(b->children, key))
        return 1;
    if (json_object_set_new(b->children, key, json_true()) < 0) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

static int add_children(struct builder *b, vtx_t node, const char *npath, int64_t rank,
                        const struct reader_rv1_entry *e)
{
    char name[128];
    for (int k = 0; k < e->nchildren; k++) {
        const char *type = e->child_types[k];
        idset_t *ids = e->child_ids[k];
        for (int64_t id = idset_first(ids); id >= 0; id = idset_next(ids, id)) {
            if (fmt(name, sizeof(name), "%s%" PRId64, type, id) < 0 ||
                fmt(b->path, sizeof(b->path), "%s/%s", npath, name) < 0)
                return -1;
            int seen = child_seen(b, rank, name);
            if (seen < 0)
                return -1;
            if (seen)
                continue;
            struct vtx_init in = { .type = type, .basename = type, .name = name, .id = id,
                                   .rank = (int32_t) rank, .size = 1 };
            vtx_t v = add(b, &in, b->path);
            if (v == VTX_NONE || graph_add_edge(b->g, node, v, "containment") < 0 ||
                set_props(b, v, rank, type, false) < 0)
                return -1;
        }
    }
    return 0;
}

/* The node of rank (created on its first R_lite entry; later entries for
 * the same rank add children to it). */
static int add_node(struct builder *b, int64_t rank, const struct reader_rv1_entry *e)
{
    const char *host = reader_rv1_hostname(b->r, rank);
    ssize_t ri = rank_index(b->r, rank);
    size_t len = strlen(host), k = len;
    while (k > 0 && host[k - 1] >= '0' && host[k - 1] <= '9')
        k--;
    char basename[256];
    if (fmt(basename, sizeof(basename), "%.*s", (int) k, host) < 0)
        return -1;
    int64_t id = k < len && len - k <= 18 ? strtoll(host + k, NULL, 10) : -1;
    char npath[512];
    if (fmt(npath, sizeof(npath), "/cluster0/%s", host) < 0)
        return -1;
    if (b->node_of[ri] != VTX_NONE)
        return add_children(b, b->node_of[ri], npath, rank, e);
    struct vtx_init in = { .type = "node", .basename = k ? basename : "node", .name = host,
                           .id = id, .rank = (int32_t) rank, .size = 1 };
    vtx_t v = add(b, &in, npath);
    if (v == VTX_NONE || graph_add_edge(b->g, b->cluster, v, "containment") < 0 ||
        set_props(b, v, rank, "node", true) < 0)
        return -1;
    b->node_of[ri] = v;
    return add_children(b, v, npath, rank, e);
}

static int build(struct builder *b)
{
    struct vtx_init in = { .type = "cluster", .basename = "cluster", .name = "cluster0",
                           .id = 0, .rank = -1, .size = 1 };
    if ((b->cluster = add(b, &in, "/cluster0")) == VTX_NONE)
        return -1;
    size_t n = idset_count(b->r->all_ranks);
    b->node_of = malloc((n + 1) * sizeof(*b->node_of));
    b->children = json_object();
    if (!b->node_of || !b->children) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        b->node_of[i] = VTX_NONE;
    for (int i = 0; i < b->r->nentries; i++) {
        const struct reader_rv1_entry *e = &b->r->entries[i];
        for (int64_t rank = idset_first(e->ranks); rank >= 0; rank = idset_next(e->ranks, rank)) {
            if (add_node(b, rank, e) < 0)
                return -1;
        }
    }
    return 0;
}

/* Vertices the graph of r would have (an upper bound when entries repeat
 * ranks). */
static uint64_t vertex_estimate(const struct reader_rv1 *r)
{
    uint64_t n = 1 + idset_count(r->all_ranks);
    for (int i = 0; i < r->nentries; i++) {
        for (int k = 0; k < r->entries[i].nchildren; k++) {
            uint64_t ids = idset_count(r->entries[i].child_ids[k]);
            uint64_t ranks = idset_count(r->entries[i].ranks);
            if (ids > READER_RV1_MAX_VERTICES || ranks > READER_RV1_MAX_VERTICES)
                return UINT64_MAX;
            n += ids * ranks;
            if (n > READER_RV1_MAX_VERTICES)
                return n;
        }
    }
    return n;
}

graph_t *reader_rv1exec_parse(const char *text, const char *name, struct st_error *err)
{
    if (!name)
        name = "<R>";
    struct reader_rv1 *r = reader_rv1_parse(text, name, err);
    if (!r)
        return NULL;
    graph_t *g = NULL;
    if (hostlist_count(r->nodelist) == 0) {
        st_errorf(err, EINVAL, "%s: execution.nodelist is missing or empty", name);
        goto error;
    }
    if (vertex_estimate(r) > READER_RV1_MAX_VERTICES) {
        st_errorf(err, EINVAL, "%s: R describes more than %d vertices", name,
                  READER_RV1_MAX_VERTICES);
        goto error;
    }
    if (!(g = graph_create())) {
        st_errorf(err, ENOMEM, "%s: out of memory", name);
        goto error;
    }
    struct builder b = { .g = g, .r = r };
    int rc = build(&b);
    free(b.node_of);
    json_decref(b.children);
    if (rc < 0) {
        st_errorf(err, errno, "%s: cannot build graph: %s", name, strerror(errno));
        goto error;
    }
    struct st_error ferr = { { 0 } };
    if (graph_finalize(g, &ferr) < 0) {
        st_errorf(err, EINVAL, "%s: %s", name, ferr.text);
        goto error;
    }
    reader_rv1_destroy(r);
    return g;
error:
    graph_destroy(g);
    reader_rv1_destroy(r);
    return NULL;
}

graph_t *reader_rv1exec_load(const char *path, struct st_error *err)
{
    if (!path)
        return st_errorf_null(err, EINVAL, "rv1exec: NULL path");
    char *text = reader_read_file(path, err);
    if (!text)
        return NULL;
    graph_t *g = reader_rv1exec_parse(text, path, err);
    free(text);
    return g;
}

/* True if text is an R whose scheduling JGF can stand for the whole graph. */
static bool use_scheduling_jgf(const char *text, const char *name, struct st_error *err)
{
    struct reader_rv1 *r = reader_rv1_parse(text, name, err);
    bool has = r && r->has_scheduling;
    reader_rv1_destroy(r);
    if (!has)
        return false;
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(text, name, NULL);
    bool ok = doc && !doc->shorthand;
    reader_jgf_doc_destroy(doc);
    return ok;
}

graph_t *reader_r_parse(const char *text, const char *name, bool force_rv1exec,
                        struct st_error *err)
{
    if (!name)
        name = "<R>";
    if (!text)
        return st_errorf_null(err, EINVAL, "%s: NULL text", name);
    if (!force_rv1exec && use_scheduling_jgf(text, name, err))
        return reader_jgf_parse(text, name, err);
    return reader_rv1exec_parse(text, name, err);
}
