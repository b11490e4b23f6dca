/* reader_grug: build a resource graph from a GRUG recipe (reference 3.1).
 *
 * A GRUG file is GraphML: each <node> is a generator (type, basename, size,
 * unit, subsystem, root) and each <edge> says how the target generator's
 * vertices are made from the source generator's (MULTIPLY), or which
 * existing vertices they are linked to (ASSOCIATE_IN, ASSOCIATE_BY_PATH_IN).
 *
 * igraph reads the GraphML (with <default> values applied, nodes and edges
 * in file order).  Generation is a depth-first walk over the recipe that
 * reproduces Fluxion's order exactly: the walk starts at the first <node>
 * and then at every generator not yet reached, in file order; a generator's
 * out-edges are followed in file order; work happens on tree edges only, and
 * the target's vertices are all made before the walk descends into it.
 * Vertex indexes, uniq_ids, ids, names, paths and ranks all follow from that
 * order, so they match Fluxion's for the same recipe.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <igraph.h>

#include "resource/reader.h"
#include "resource/st_array.h"

enum gen_method { GEN_MULTIPLY, GEN_ASSOCIATE_IN, GEN_ASSOCIATE_BY_PATH_IN };

struct generator {
    const char *id; /* the <node id>, for messages */
    const char *type, *basename, *unit, *subsystem;
    int64_t size;
    bool root;
    vtx_t *vtx; /* vertices this generator made (or was associated with) */
    size_t n, cap;
    int64_t needs; /* multi_scale of the tree edge into it; 1 for roots */
    uint8_t color; /* walk state: 0 white, 1 grey, 2 black */
};

struct recipe_edge {
    const char *id;
    int src, dst;
    enum gen_method method;
    const char *e_subsystem, *as_tgt_subsystem;
    int64_t multi_scale, id_scope, id_start, id_stride, as_tgt_uplvl, as_src_uplvl;
};

struct recipe {
    const char *file;
    igraph_t ig; /* owns the attribute strings the generators point to */
    bool ig_valid, lists_valid;
    igraph_strvector_t vnames, enames;
    igraph_vector_int_t vtypes, etypes;
    int ngen, nedge;
    struct generator *gen;
    struct recipe_edge *edge;
    int *out_off; /* out-edges per generator, in file order (CSR) */
    int *out;
    char where[4096 + 32]; /* "FILE:LINE" for messages */
};

struct emitter {
    struct recipe *r;
    graph_t *g;
    struct st_error *err;
    int *stack; /* the walk's path of generators */
    int depth;
    int32_t next_rank;
    char *buf; /* path scratch */
    size_t bufsz;
};

/* ---- igraph plumbing ------------------------------------------------------ */

/* igraph reports errors through a global handler; this one keeps the text
 * (libxml2's "Line N: ..." for XML errors) and unwinds like the stock
 * "ignore" handler, so that the call returns an error code instead of
 * aborting. */
static _Thread_local char igraph_msg[256];

static void keep_error(const char *reason, const char *file, int line, igraph_error_t e)
{
    snprintf(igraph_msg, sizeof(igraph_msg), "%s", reason ? reason : "");
    igraph_error_handler_ignore(reason, file, line, e);
}

static void no_warning(const char *reason, const char *file, int line)
{
    (void) reason;
    (void) file;
    (void) line;
}

/* "Line 12: Opening and ending tag mismatch" -> "FILE:12: Opening ...". */
static void *xml_error(const char *file, struct st_error *err)
{
    long line = 0;
    int skip = 0;
    if (sscanf(igraph_msg, "Line %ld: %n", &line, &skip) >= 1 && skip > 0)
        return st_errorf_null(err, EINVAL, "%s:%ld: %s", file, line, igraph_msg + skip);
    return st_errorf_null(err, EINVAL, "%s: not a valid GraphML file: %s", file,
                          igraph_msg[0] ? igraph_msg : "parse error");
}

static int attr_type(const igraph_strvector_t *names, const igraph_vector_int_t *types,
                     const char *name)
{
    for (igraph_integer_t i = 0; i < igraph_strvector_size(names); i++)
        if (strcmp(igraph_strvector_get(names, i), name) == 0)
            return (int) VECTOR(*types)[i];
    return -1;
}

/* A string attribute of vertex/edge `i` ("" when absent). */
static const char *str_attr(const struct recipe *r, bool edge, const char *name, int i)
{
    int t = edge ? attr_type(&r->enames, &r->etypes, name)
                 : attr_type(&r->vnames, &r->vtypes, name);
    if (t != IGRAPH_ATTRIBUTE_STRING)
        return "";
    const char *s = edge ? EAS(&r->ig, name, i) : VAS(&r->ig, name, i);
    return s ? s : "";
}

/* An integer attribute, whichever type the <key> declared: numeric keys come
 * back as doubles (NaN when missing), string keys are parsed. */
static int int_attr(const struct recipe *r, bool edge, const char *name, int i, int64_t dflt,
                    int64_t *out)
{
    int t = edge ? attr_type(&r->enames, &r->etypes, name)
                 : attr_type(&r->vnames, &r->vtypes, name);
    *out = dflt;
    if (t == IGRAPH_ATTRIBUTE_NUMERIC) {
        double d = edge ? EAN(&r->ig, name, i) : VAN(&r->ig, name, i);
        if (isnan(d))
            return 0;
        if (d != floor(d) || fabs(d) > 9e15)
            return -1;
        *out = (int64_t) d;
    } else if (t == IGRAPH_ATTRIBUTE_BOOLEAN) {
        *out = edge ? EAB(&r->ig, name, i) : VAB(&r->ig, name, i);
    } else if (t == IGRAPH_ATTRIBUTE_STRING) {
        const char *s = str_attr(r, edge, name, i);
        char *end;
        if (!s[0])
            return 0;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (errno || *end)
            return -1;
        *out = v;
    }
    return 0;
}

static void recipe_fini(struct recipe *r)
{
    for (int i = 0; i < r->ngen; i++)
        free(r->gen[i].vtx);
    free(r->gen);
    free(r->edge);
    free(r->out_off);
    free(r->out);
    if (r->ig_valid)
        igraph_destroy(&r->ig);
    if (r->lists_valid) {
        igraph_strvector_destroy(&r->vnames);
        igraph_strvector_destroy(&r->enames);
        igraph_vector_int_destroy(&r->vtypes);
        igraph_vector_int_destroy(&r->etypes);
    }
}

/* The names and types of the recipe's node and edge attributes. */
static int attribute_lists(struct recipe *r, struct st_error *err)
{
    if (igraph_strvector_init(&r->vnames, 0) != IGRAPH_SUCCESS)
        goto nomem;
    if (igraph_strvector_init(&r->enames, 0) != IGRAPH_SUCCESS) {
        igraph_strvector_destroy(&r->vnames);
        goto nomem;
    }
    if (igraph_vector_int_init(&r->vtypes, 0) != IGRAPH_SUCCESS) {
        igraph_strvector_destroy(&r->vnames);
        igraph_strvector_destroy(&r->enames);
        goto nomem;
    }
    if (igraph_vector_int_init(&r->etypes, 0) != IGRAPH_SUCCESS) {
        igraph_strvector_destroy(&r->vnames);
        igraph_strvector_destroy(&r->enames);
        igraph_vector_int_destroy(&r->vtypes);
        goto nomem;
    }
    r->lists_valid = true;
    if (igraph_cattribute_list(&r->ig, NULL, NULL, &r->vnames, &r->vtypes, &r->enames,
                               &r->etypes) != IGRAPH_SUCCESS)
        goto nomem;
    return 0;
nomem:
    return st_errorf(err, ENOMEM, "%s: out of memory", r->file);
}

static int read_graphml(struct recipe *r, struct st_error *err)
{
    FILE *f = fopen(r->file, "r");
    if (!f)
        return st_errorf(err, errno, "%s: %s", r->file, strerror(errno));
    igraph_set_attribute_table(&igraph_cattribute_table);
    igraph_error_handler_t *old_err = igraph_set_error_handler(keep_error);
    igraph_warning_handler_t *old_warn = igraph_set_warning_handler(no_warning);
    igraph_msg[0] = '\0';
    igraph_error_t rc = igraph_read_graph_graphml(&r->ig, f, 0);
    fclose(f);
    r->ig_valid = rc == IGRAPH_SUCCESS;
    int ret = r->ig_valid ? attribute_lists(r, err) : -1;
    igraph_set_error_handler(old_err);
    igraph_set_warning_handler(old_warn);
    if (!r->ig_valid)
        xml_error(r->file, err);
    return ret;
}

/* ---- error positions ------------------------------------------------------- */

/* true if the tag text [tag, end) has attr="value" (either quote). */
static bool tag_has(const char *tag, const char *end, const char *attr, const char *value)
{
    size_t al = strlen(attr), vl = strlen(value);
    for (const char *p = tag; p + al + vl + 3 <= end; p++) {
        bool boundary =
            p > tag && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' || p[-1] == '\r');
        if (!boundary || strncmp(p, attr, al) != 0)
            continue;
        const char *q = p + al;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
            q++;
        if (q >= end || *q++ != '=')
            continue;
        while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
            q++;
        if (q < end && (*q == '"' || *q == '\'') && q + vl + 1 < end &&
            strncmp(q + 1, value, vl) == 0 && q[vl + 1] == *q)
            return true;
    }
    return false;
}

/* Line of the first <kind ...> tag with attr="value" in text, or 0. */
static long find_tag_line(const char *text, const char *kind, const char *attr,
                          const char *value)
{
    size_t kl = strlen(kind);
    for (const char *p = text; (p = strstr(p, kind)) != NULL; p += kl) {
        const char *end = strchr(p, '>');
        if (!end)
            break;
        if (strchr(" \t\r\n/>", p[kl]) && tag_has(p, end, attr, value)) {
            long line = 1;
            for (const char *c = text; c < p; c++)
                line += *c == '\n';
            return line;
        }
    }
    return 0;
}

/* "FILE:LINE" for the element <kind ... attr="value">, or "FILE" when it
 * cannot be found.  igraph keeps no element positions, so on this error
 * path the file is searched again for the element's attribute. */
static const char *where(struct recipe *r, const char *kind, const char *attr,
                         const char *value)
{
    long line = 0;
    FILE *f = fopen(r->file, "r");
    if (f) {
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        char buf[4096];
        size_t n;
        while (m && (n = fread(buf, 1, sizeof(buf), f)) > 0)
            fwrite(buf, 1, n, m);
        if (m && fclose(m) == 0 && text)
            line = find_tag_line(text, kind, attr, value);
        free(text);
        fclose(f);
    }
    if (line > 0)
        snprintf(r->where, sizeof(r->where), "%s:%ld", r->file, line);
    else
        snprintf(r->where, sizeof(r->where), "%s", r->file);
    return r->where;
}

/* ---- the recipe ------------------------------------------------------------ */

/* A generator without a type.  igraph creates a bare vertex for an edge end
 * that names no <node>, so an undeclared generator shows up this way too:
 * tell the two apart by looking for the <node>. */
static int no_type(struct recipe *r, const char *id, struct st_error *err)
{
    const char *at = where(r, "<node", "id", id);
    if (strcmp(at, r->file) != 0)
        return st_errorf(err, EINVAL, "%s: node '%s': no type", at, id);
    at = where(r, "<edge", "target", id);
    if (strcmp(at, r->file) == 0)
        at = where(r, "<edge", "source", id);
    return st_errorf(err, EINVAL, "%s: edge to undeclared node '%s'", at, id);
}

static int load_generators(struct recipe *r, struct st_error *err)
{
    r->ngen = (int) igraph_vcount(&r->ig);
    r->gen = calloc((size_t) r->ngen + 1, sizeof(*r->gen));
    if (!r->gen)
        return st_errorf(err, ENOMEM, "%s: out of memory", r->file);
    bool have_root = false;
    for (int i = 0; i < r->ngen; i++) {
        struct generator *gen = &r->gen[i];
        int64_t root = 0;
        gen->id = str_attr(r, false, "id", i);
        gen->type = str_attr(r, false, "type", i);
        gen->basename = str_attr(r, false, "basename", i);
        gen->unit = str_attr(r, false, "unit", i);
        gen->subsystem = str_attr(r, false, "subsystem", i);
        if (!gen->basename[0])
            gen->basename = gen->type;
        if (!gen->subsystem[0])
            gen->subsystem = "containment";
        if (int_attr(r, false, "size", i, 1, &gen->size) < 0 || gen->size < 0)
            return st_errorf(err, EINVAL, "%s: node '%s': size is not a non-negative integer",
                             where(r, "<node", "id", gen->id), gen->id);
        if (int_attr(r, false, "root", i, 0, &root) < 0)
            return st_errorf(err, EINVAL, "%s: node '%s': root is not an integer",
                             where(r, "<node", "id", gen->id), gen->id);
        if (!gen->type[0])
            return no_type(r, gen->id, err);
        gen->root = root == 1;
        gen->needs = 1;
        have_root |= gen->root;
    }
    if (!have_root)
        return st_errorf(err, EINVAL, "%s: no root generator (a <node> with root=1)", r->file);
    return 0;
}

static int parse_method(const char *s, enum gen_method *m)
{
    static const struct {
        const char *name;
        enum gen_method m;
    } methods[] = {
        {"MULTIPLY", GEN_MULTIPLY},
        {"ASSOCIATE_IN", GEN_ASSOCIATE_IN},
        {"ASSOCIATE_BY_PATH_IN", GEN_ASSOCIATE_BY_PATH_IN},
    };
    if (!s[0]) {
        *m = GEN_MULTIPLY;
        return 0;
    }
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (strcmp(s, methods[i].name) == 0) {
            *m = methods[i].m;
            return 0;
        }
    }
    return -1;
}

static int load_edge(struct recipe *r, int i, struct st_error *err)
{
    struct recipe_edge *e = &r->edge[i];
    igraph_integer_t from, to;
    igraph_edge(&r->ig, i, &from, &to);
    e->src = (int) from;
    e->dst = (int) to;
    e->id = str_attr(r, true, "id", i);
    if (!e->id[0])
        e->id = "(no id)";
    e->e_subsystem = str_attr(r, true, "e_subsystem", i);
    if (!e->e_subsystem[0])
        e->e_subsystem = "containment";
    e->as_tgt_subsystem = str_attr(r, true, "as_tgt_subsystem", i);
    if (!e->as_tgt_subsystem[0])
        e->as_tgt_subsystem = "containment";
    const char *m = str_attr(r, true, "gen_method", i);
    if (parse_method(m, &e->method) < 0)
        return st_errorf(err, EINVAL, "%s: edge '%s' (%s -> %s): unknown gen_method '%s'",
                         where(r, "<edge", "id", e->id), e->id, r->gen[e->src].id,
                         r->gen[e->dst].id, m);
    static const struct {
        const char *name;
        size_t off;
        int64_t dflt, min;
    } nums[] = {
        {"multi_scale", offsetof(struct recipe_edge, multi_scale), 1, 0},
        {"id_scope", offsetof(struct recipe_edge, id_scope), 0, 0},
        {"id_start", offsetof(struct recipe_edge, id_start), 0, INT64_MIN},
        {"id_stride", offsetof(struct recipe_edge, id_stride), 1, INT64_MIN},
        {"as_tgt_uplvl", offsetof(struct recipe_edge, as_tgt_uplvl), 1, 0},
        {"as_src_uplvl", offsetof(struct recipe_edge, as_src_uplvl), 1, 0},
    };
    for (size_t k = 0; k < sizeof(nums) / sizeof(nums[0]); k++) {
        int64_t *field = (int64_t *) ((char *) e + nums[k].off);
        if (int_attr(r, true, nums[k].name, i, nums[k].dflt, field) < 0 || *field < nums[k].min)
            return st_errorf(err, EINVAL, "%s: edge '%s': %s must be an integer >= %lld",
                             where(r, "<edge", "id", e->id), e->id, nums[k].name,
                             (long long) nums[k].min);
    }
    return 0;
}

/* Out-edges of each generator in file (edge id) order: igraph's own
 * incidence lists are sorted by neighbour, which is not the order Fluxion
 * walks. */
static int build_out_lists(struct recipe *r)
{
    r->out_off = calloc((size_t) r->ngen + 1, sizeof(*r->out_off));
    r->out = malloc(((size_t) r->nedge + 1) * sizeof(*r->out));
    if (!r->out_off || !r->out)
        return -1;
    for (int i = 0; i < r->nedge; i++)
        r->out_off[r->edge[i].src + 1]++;
    for (int v = 0; v < r->ngen; v++)
        r->out_off[v + 1] += r->out_off[v];
    int *fill = malloc(((size_t) r->ngen + 1) * sizeof(*fill));
    if (!fill)
        return -1;
    memcpy(fill, r->out_off, ((size_t) r->ngen + 1) * sizeof(*fill));
    for (int i = 0; i < r->nedge; i++)
        r->out[fill[r->edge[i].src]++] = i;
    free(fill);
    return 0;
}

static int check_recipe_acyclic(struct recipe *r, struct st_error *err)
{
    igraph_bool_t dag = true;
    igraph_error_handler_t *old = igraph_set_error_handler(keep_error);
    igraph_error_t rc = igraph_is_dag(&r->ig, &dag);
    igraph_set_error_handler(old);
    if (rc != IGRAPH_SUCCESS)
        return st_errorf(err, ENOMEM, "%s: out of memory", r->file);
    if (dag)
        return 0;
    /* Name an edge on the cycle: both ends in one strongly connected
     * component (or a self-loop). */
    igraph_vector_int_t memb;
    igraph_integer_t nc;
    const char *eid = "?";
    igraph_vector_int_init(&memb, 0);
    if (igraph_connected_components(&r->ig, &memb, NULL, &nc, IGRAPH_STRONG) ==
        IGRAPH_SUCCESS) {
        for (int i = 0; i < r->nedge; i++) {
            if (VECTOR(memb)[r->edge[i].src] == VECTOR(memb)[r->edge[i].dst]) {
                eid = r->edge[i].id;
                break;
            }
        }
    }
    igraph_vector_int_destroy(&memb);
    return st_errorf(err, EINVAL, "%s: the recipe has a cycle (through edge '%s')",
                     where(r, "<edge", "id", eid), eid);
}

static int recipe_load(struct recipe *r, struct st_error *err)
{
    if (read_graphml(r, err) < 0)
        return -1;
    /* igraph stores an undirected edge with its ends in its own order, so
     * which generator was the source is lost: such a recipe cannot be
     * read faithfully (Fluxion's recipes all say edgedefault="directed";
     * a <graph> without edgedefault is undirected in GraphML). */
    if (!igraph_is_directed(&r->ig))
        return st_errorf(
            err, EINVAL,
            "%s: the recipe must be a directed graph (<graph edgedefault=\"directed\">)",
            r->file);
    if (load_generators(r, err) < 0)
        return -1;
    r->nedge = (int) igraph_ecount(&r->ig);
    r->edge = calloc((size_t) r->nedge + 1, sizeof(*r->edge));
    if (!r->edge)
        return st_errorf(err, ENOMEM, "%s: out of memory", r->file);
    for (int i = 0; i < r->nedge; i++)
        if (load_edge(r, i, err) < 0)
            return -1;
    if (check_recipe_acyclic(r, err) < 0)
        return -1;
    if (build_out_lists(r) < 0)
        return st_errorf(err, ENOMEM, "%s: out of memory", r->file);
    return 0;
}

/* ---- generation -------------------------------------------------------------- */

static int oom(struct emitter *em)
{
    return st_errorf(em->err, ENOMEM, "%s: out of memory", em->r->file);
}

/* A graph call failed: say why (too many subsystems, out of memory...). */
static int emit_fail(struct emitter *em)
{
    int e = errno ? errno : ENOMEM;
    if (e == ENOSPC)
        return st_errorf(em->err, e, "%s: more than %d subsystems or too many vertices",
                         em->r->file, GRAPH_MAX_SUBSYSTEMS);
    return st_errorf(em->err, e, "%s: %s", em->r->file, strerror(e));
}

static int gen_append(struct generator *gen, vtx_t v)
{
    if (st_grow(&gen->vtx, &gen->cap, gen->n + 1, sizeof(*gen->vtx), 16) < 0)
        return -1;
    gen->vtx[gen->n++] = v;
    return 0;
}

/* path = prefix + "/" + name, in the emitter's scratch buffer. */
static const char *join_path(struct emitter *em, const char *prefix, const char *name)
{
    size_t pl = strlen(prefix), nl = strlen(name);
    if (pl + nl + 2 > em->bufsz) {
        if (st_resize(&em->buf, (pl + nl + 2) * 2, 1) < 0)
            return NULL;
        em->bufsz = (pl + nl + 2) * 2;
    }
    memcpy(em->buf, prefix, pl);
    em->buf[pl] = '/';
    memcpy(em->buf + pl + 1, name, nl + 1);
    return em->buf;
}

static vtx_t emit_vertex(struct emitter *em, const struct generator *gen, int64_t id)
{
    struct vtx_init in = {
        .type = gen->type,
        .basename = gen->basename,
        .id = id,
        .uniq_id = graph_vertex_count(em->g),
        .rank = -1,
        .size = gen->size,
        .unit = gen->unit,
        .status = VTX_UP,
    };
    /* Brokers are numbered in creation order: node vertices only. */
    if (strcmp(gen->type, "node") == 0)
        in.rank = em->next_rank++;
    return graph_add_vertex(em->g, &in);
}

static int emit_root(struct emitter *em, struct generator *gen)
{
    vtx_t v = emit_vertex(em, gen, 0);
    if (v == VTX_NONE)
        return emit_fail(em);
    const char *path = join_path(em, "", graph_name(em->g, v));
    if (!path || graph_set_path(em->g, v, gen->subsystem, path) < 0 || gen_append(gen, v) < 0)
        return emit_fail(em);
    gen->needs = 1;
    return 0;
}

/* The id of the i-th copy made for the j-th source vertex: with id_scope
 * 0 ids restart at id_start for every source; with scope k they run on
 * across the sources under the same ancestor k levels up (W = product of
 * the multiplicities of the k nearest generators on the walk's path).
 * Returns -1 when the arithmetic overflows (absurd strides). */
static int gen_id(const struct emitter *em, const struct recipe_edge *e, size_t j, int64_t i,
                  int64_t *id)
{
    if (e->id_scope == 0)
        return __builtin_add_overflow(e->id_start, i, id) ? -1 : 0;
    int64_t w = 1, x;
    for (int k = 0; k < e->id_scope && k < em->depth; k++)
        if (__builtin_mul_overflow(w, em->r->gen[em->stack[em->depth - 1 - k]].needs, &w))
            return -1;
    int64_t jw = w > 0 ? (int64_t) (j % (size_t) w) : 0;
    if (__builtin_mul_overflow(jw, e->multi_scale, &x) ||
        __builtin_mul_overflow(x, e->id_stride, &x) ||
        __builtin_add_overflow(x, e->id_start, &x))
        return -1;
    int64_t y;
    if (__builtin_mul_overflow(i, e->id_stride, &y) || __builtin_add_overflow(x, y, id))
        return -1;
    return 0;
}

static int multiply(struct emitter *em, const struct recipe_edge *e)
{
    struct generator *src = &em->r->gen[e->src];
    struct generator *dst = &em->r->gen[e->dst];
    /* A made vertex lives in its generator's subsystem, its path extending
     * the parent's path there.  Fluxion's recipes give a generator and the
     * edge into it the same subsystem; when they differ and the parent has
     * no path in the generator's subsystem, the vertex goes into the
     * edge's subsystem, under its parent, rather than starting a tree. */
    atom_t sub = graph_atom(em->g, dst->subsystem);
    atom_t esub = graph_atom(em->g, e->e_subsystem);
    int64_t total;
    /* vtx_t is 32 bits: refuse a recipe that would need more before
     * allocating anything for it. */
    if (__builtin_mul_overflow((int64_t) src->n, e->multi_scale, &total) ||
        total > INT32_MAX - graph_vertex_count(em->g))
        return st_errorf(em->err, E2BIG,
                         "%s: edge '%s': the recipe makes more than %d vertices",
                         where(em->r, "<edge", "id", e->id), e->id, INT32_MAX);
    if (sub == ATOM_NONE || esub == ATOM_NONE)
        return emit_fail(em);
    dst->needs = e->multi_scale;
    for (size_t j = 0; j < src->n; j++) {
        vtx_t s = src->vtx[j];
        for (int64_t i = 0; i < e->multi_scale; i++) {
            int64_t id;
            if (gen_id(em, e, j, i, &id) < 0)
                return st_errorf(em->err, ERANGE, "%s: edge '%s': id overflows",
                                 where(em->r, "<edge", "id", e->id), e->id);
            vtx_t v = emit_vertex(em, dst, id);
            if (v == VTX_NONE || graph_add_edge(em->g, s, v, e->e_subsystem) < 0)
                return emit_fail(em);
            const char *key = dst->subsystem;
            const char *parent = graph_path(em->g, s, sub);
            if (!parent && (parent = graph_path(em->g, s, esub)))
                key = e->e_subsystem;
            const char *path = join_path(em, parent ? parent : "", graph_name(em->g, v));
            if (!path || graph_set_path(em->g, v, key, path) < 0 || gen_append(dst, v) < 0)
                return emit_fail(em);
        }
    }
    return 0;
}

/* Length of p without its last `up` components ("/a/b/c", 1 -> "/a/b"). */
static size_t cut_path(const char *p, int64_t up)
{
    size_t len = strlen(p);
    for (int64_t k = 0; k < up && len > 0; k++) {
        while (len > 0 && p[len - 1] != '/')
            len--;
        if (len > 0)
            len--; /* the '/' itself */
    }
    return len;
}

static bool same_parent(const char *sp, int64_t sup, const char *tp, int64_t tup)
{
    if (!sp || !tp)
        return false;
    size_t sl = cut_path(sp, sup), tl = cut_path(tp, tup);
    return sl == tl && memcmp(sp, tp, sl) == 0;
}

/* Link s to t in e_subsystem.  A vertex keeps the path it already has in
 * that subsystem (the tree it was made in); the association then only adds
 * the edge there. */
static int associate_one(struct emitter *em, const struct recipe_edge *e, vtx_t s, vtx_t t,
                         atom_t esub)
{
    if (graph_add_edge(em->g, s, t, e->e_subsystem) < 0)
        return -1;
    if (graph_path(em->g, t, esub))
        return 0;
    const char *parent = graph_path(em->g, s, esub);
    const char *path = join_path(em, parent ? parent : "", graph_name(em->g, t));
    return path ? graph_set_path(em->g, t, e->e_subsystem, path) : -1;
}

/* The existing vertices of a type that have a path in subsystem tsub, in
 * vertex order: the candidates of an association. */
static vtx_t *candidates(graph_t *g, atom_t type, atom_t tsub, size_t *n)
{
    int32_t nv = graph_vertex_count(g);
    vtx_t *c = malloc(((size_t) nv + 1) * sizeof(*c));
    if (!c)
        return NULL;
    *n = 0;
    for (vtx_t t = 0; t < nv; t++)
        if (graph_type(g, t) == type && graph_path(g, t, tsub))
            c[(*n)++] = t;
    return c;
}

/* Link each source vertex to the existing vertices of the target generator's
 * type (those with a path in as_tgt_subsystem): all of them for
 * ASSOCIATE_IN, those under the same ancestor for ASSOCIATE_BY_PATH_IN.
 * The target generator's vertices become the linked ones, in the order they
 * were first linked, so that the walk can go on from them. */
static int associate(struct emitter *em, const struct recipe_edge *e)
{
    struct generator *src = &em->r->gen[e->src];
    struct generator *dst = &em->r->gen[e->dst];
    atom_t type = graph_atom(em->g, dst->type);
    atom_t tsub = graph_atom(em->g, e->as_tgt_subsystem);
    atom_t esub = graph_atom(em->g, e->e_subsystem);
    size_t nc = 0;
    if (type == ATOM_NONE || tsub == ATOM_NONE || esub == ATOM_NONE)
        return oom(em);
    vtx_t *cand = candidates(em->g, type, tsub, &nc);
    uint8_t *linked = calloc(nc + 1, 1);
    if (!cand || !linked)
        goto nomem;
    dst->needs = 1;
    for (size_t j = 0; j < src->n; j++) {
        vtx_t s = src->vtx[j];
        const char *sp = graph_path(em->g, s, tsub);
        for (size_t k = 0; k < nc; k++) {
            vtx_t t = cand[k];
            if (t == s || (e->method == GEN_ASSOCIATE_BY_PATH_IN &&
                           !same_parent(sp, e->as_src_uplvl, graph_path(em->g, t, tsub),
                                        e->as_tgt_uplvl)))
                continue;
            if (associate_one(em, e, s, t, esub) < 0)
                goto fail;
            if (!linked[k]) {
                linked[k] = 1;
                if (gen_append(dst, t) < 0)
                    goto nomem;
            }
        }
    }
    free(cand);
    free(linked);
    return 0;
fail:
    free(cand);
    free(linked);
    return emit_fail(em);
nomem:
    free(cand);
    free(linked);
    return oom(em);
}

static int visit(struct emitter *em, int u)
{
    struct generator *gen = &em->r->gen[u];
    gen->color = 1;
    em->stack[em->depth++] = u;
    for (int k = em->r->out_off[u]; k < em->r->out_off[u + 1]; k++) {
        const struct recipe_edge *e = &em->r->edge[em->r->out[k]];
        if (em->r->gen[e->dst].color != 0)
            continue; /* not a tree edge: Fluxion's walk ignores it */
        int rc = e->method == GEN_MULTIPLY ? multiply(em, e) : associate(em, e);
        if (rc < 0 || visit(em, e->dst) < 0)
            return -1;
    }
    em->depth--;
    gen->color = 2;
    return 0;
}

static int generate(struct emitter *em)
{
    em->stack = malloc(((size_t) em->r->ngen + 1) * sizeof(*em->stack));
    if (!em->stack)
        return oom(em);
    for (int u = 0; u < em->r->ngen; u++) {
        if (em->r->gen[u].color != 0)
            continue;
        if (em->r->gen[u].root && emit_root(em, &em->r->gen[u]) < 0)
            return -1;
        if (visit(em, u) < 0)
            return -1;
    }
    return 0;
}

graph_t *reader_grug_load(const char *path, struct st_error *err)
{
    struct recipe r = {.file = path};
    struct emitter em = {.r = &r, .err = err};
    struct st_error ferr;
    graph_t *g = NULL;

    if (!path)
        return st_errorf_null(err, EINVAL, "grug: no file name");
    if (recipe_load(&r, err) < 0)
        goto error;
    if (!(g = em.g = graph_create())) {
        st_errorf(err, ENOMEM, "%s: out of memory", path);
        goto error;
    }
    if (generate(&em) < 0)
        goto error;
    if (graph_finalize(g, &ferr) < 0) {
        st_errorf(err, errno, "%s: %s", path, ferr.text);
        goto error;
    }
    free(em.stack);
    free(em.buf);
    recipe_fini(&r);
    return g;
error:
    free(em.stack);
    free(em.buf);
    recipe_fini(&r);
    int saved = errno;
    graph_destroy(g);
    errno = saved ? saved : EINVAL;
    return NULL;
}
