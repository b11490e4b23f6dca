/* Unit tests for the JGF reader (resource/reader_jgf.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "resource/reader.h"
#include "test/unit/testlib.h"

static atom_t containment(const graph_t *g)
{
    return graph_atom_find(g, "containment");
}

/* A two-vertex cluster with defaults everywhere they are allowed. */
static const char *small_jgf =
    "{\"graph\": {\"nodes\": ["
    " {\"id\": \"0\", \"metadata\": {\"type\": \"cluster\", \"basename\": \"c\","
    "   \"paths\": {\"containment\": \"/c0\"}}},"
    " {\"id\": \"7\", \"metadata\": {\"type\": \"node\", \"name\": \"host12\", \"rank\": 3,"
    "   \"status\": 1, \"exclusive\": true, \"size\": 1,"
    "   \"properties\": {\"arch\": \"x86\"}, \"paths\": {\"containment\": \"/c0/host12\"}}},"
    " {\"id\": \"8\", \"metadata\": {\"type\": \"memory\", \"size\": 16, \"unit\": \"GB\","
    "   \"paths\": {\"containment\": \"/c0/host12/memory8\"}}}"
    " ],"
    " \"edges\": [{\"source\": \"0\", \"target\": \"7\"},"
    "            {\"source\": \"7\", \"target\": \"8\", \"metadata\": {\"subsystem\": \"containment\"}}]"
    "}, \"free_ranks\": \"0-1\"}";

START_TEST(test_defaults)
{
    struct st_error err = { { 0 } };
    graph_t *g = reader_jgf_parse(small_jgf, "small.json", &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    ck_assert_int_eq(graph_live_vertex_count(g), 3);
    ck_assert_int_eq(graph_edge_count(g), 2);
    vtx_t c = graph_find_path(g, "/c0");
    ck_assert_int_ne(c, VTX_NONE);
    ck_assert_str_eq(graph_name(g, c), "c0"); /* basename + id (= uniq_id = outer id) */
    ck_assert_int_eq(graph_id(g, c), 0);
    ck_assert_int_eq(graph_rank(g, c), -1);
    ck_assert_int_eq(graph_root(g, containment(g)), c);
    vtx_t n = graph_find_path(g, "/c0/host12");
    ck_assert_int_ne(n, VTX_NONE);
    ck_assert_str_eq(graph_atom_str(g, graph_basename(g, n)), "node"); /* basename = type */
    ck_assert_int_eq(graph_id(g, n), 12);       /* node: trailing digits of the name */
    ck_assert_int_eq(graph_uniq_id(g, n), 7);   /* outer id */
    ck_assert_int_eq(graph_rank(g, n), 3);
    ck_assert_int_eq(graph_status(g, n), VTX_DOWN);
    ck_assert_str_eq(graph_property(g, n, "arch"), "x86");
    vtx_t m = graph_find_path(g, "/c0/host12/memory8");
    ck_assert_str_eq(graph_name(g, m), "memory8");
    ck_assert_int_eq(graph_size(g, m), 16);
    ck_assert_str_eq(graph_atom_str(g, graph_unit(g, m)), "GB");
    int nc = 0;
    const vtx_t *ch = graph_children(g, containment(g), n, &nc);
    ck_assert_int_eq(nc, 1);
    ck_assert_int_eq(ch[0], m);
    graph_destroy(g);
}
END_TEST

START_TEST(test_tiny)
{
    struct st_error err = { { 0 } };
    graph_t *g = reader_jgf_load(tl_conformance_path("jgfs/tiny.json"), &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    ck_assert_int_eq(graph_live_vertex_count(g), 100);
    ck_assert_int_eq(graph_edge_count(g), 99);
    vtx_t v = graph_find_path(g, "/tiny0/rack0/node1/socket1/core35");
    ck_assert_int_ne(v, VTX_NONE);
    ck_assert_int_eq(graph_id(g, v), 35);
    ck_assert_int_eq(graph_rank(g, v), -1); /* tiny.json ranks only its nodes */
    ck_assert_int_eq(graph_rank(g, graph_find_path(g, "/tiny0/rack0/node1")), 1);
    /* Vertices keep file order: the root first. */
    ck_assert_str_eq(graph_name(g, 0), "tiny0");
    graph_destroy(g);
}
END_TEST

/* Each bad document and a piece of the error it must give. */
static const struct {
    const char *text;
    const char *msg;
} bad_cases[] = {
    { "{\"graph\": {\"nodes\": [", "bad.json:1:" },
    { "[]", "top level" },
    { "{}", "missing \"graph\"" },
    { "{\"graph\": {\"nodes\": 3}}", "graph.nodes" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"paths\": {\"containment\": \"/a\"}}}]}}",
      "graph.nodes[0]: missing or non-string metadata field type" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"a\"}}]}}",
      "graph.nodes[0]: missing metadata field paths" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"a\", \"paths\": {}}}]}}",
      "empty metadata field paths" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"a\", \"paths\": {\"containment\": \"a\"}}}]}}",
      "not an absolute path" },
    { "{\"graph\": {\"nodes\": [{\"metadata\": {\"type\": \"a\", \"paths\": {\"containment\": \"/a\"}}}]}}",
      "graph.nodes[0]: missing or non-string id" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"x\", \"metadata\": {\"type\": \"a\", \"paths\": {\"containment\": \"/a\"}}}]}}",
      "not an integer" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"a\", \"rank\": \"1\", \"paths\": {\"containment\": \"/a\"}}}]}}",
      "must be an integer: rank" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"a\", \"status\": 2, \"paths\": {\"containment\": \"/a\"}}}]}}",
      "status" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"a\", \"size\": -1, \"paths\": {\"containment\": \"/a\"}}}]}}",
      "size" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"a\", \"exclusive\": 1, \"paths\": {\"containment\": \"/a\"}}}]}}",
      "exclusive" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"a\", \"properties\": {\"k\": 1}, \"paths\": {\"containment\": \"/a\"}}}]}}",
      "properties.k must be a string" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"a\", \"paths\": {\"containment\": \"/a\"}}},"
      "{\"id\": \"0\", \"metadata\": {\"type\": \"b\", \"paths\": {\"containment\": \"/a/b\"}}}]}}",
      "graph.nodes[1]: duplicate node id \"0\"" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"a\", \"paths\": {\"containment\": \"/a\"}}}],"
      "\"edges\": [{\"source\": \"0\", \"target\": \"9\"}]}}",
      "graph.edges[0]: target \"9\" is not a node id" },
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"a\", \"paths\": {\"containment\": \"/a\"}}}],"
      "\"edges\": [{\"target\": \"0\"}]}}",
      "graph.edges[0]: missing or non-string source" },
    { "{\"graph\": {\"nodes\": []}, \"writer\": \"other:thing\"}", "unsupported writer" },
    /* Two roots in one subsystem: the graph store refuses it. */
    { "{\"graph\": {\"nodes\": [{\"id\": \"0\", \"metadata\": {\"type\": \"a\", \"paths\": {\"containment\": \"/a\"}}},"
      "{\"id\": \"1\", \"metadata\": {\"type\": \"a\", \"paths\": {\"containment\": \"/b\"}}}]}}",
      "bad.json: " },
};

START_TEST(test_errors)
{
    struct st_error err = { { 0 } };
    errno = 0;
    graph_t *g = reader_jgf_parse(bad_cases[_i].text, "bad.json", &err);
    ck_assert_msg(g == NULL, "case %d should fail", _i);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_msg(strstr(err.text, bad_cases[_i].msg) != NULL, "case %d: '%s' lacks '%s'", _i,
                  err.text, bad_cases[_i].msg);
}
END_TEST

/* Writers that emit both "contains" and "in" edges still load. */
START_TEST(test_reverse_edges)
{
    const char *text =
        "{\"graph\": {\"nodes\": ["
        "{\"id\": \"0\", \"metadata\": {\"type\": \"cluster\", \"paths\": {\"containment\": \"/cluster0\"}}},"
        "{\"id\": \"1\", \"metadata\": {\"type\": \"node\", \"paths\": {\"containment\": \"/cluster0/node1\"}}}],"
        "\"edges\": [{\"source\": \"0\", \"target\": \"1\"}, {\"source\": \"1\", \"target\": \"0\"}]}}";
    struct st_error err = { { 0 } };
    graph_t *g = reader_jgf_parse(text, "rev", &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    ck_assert_int_eq(graph_edge_count(g), 1);
    graph_destroy(g);
}
END_TEST

/* The match writers' JGF: post-order, no name/uniq_id, basename only where
 * it differs from the type, older edge metadata naming the relation. */
START_TEST(test_match_output)
{
    const char *text =
        "{\"graph\": {\"nodes\": ["
        "{\"id\": \"79\", \"metadata\": {\"type\": \"core\", \"id\": 35, \"rank\": -1,"
        " \"exclusive\": true, \"paths\": {\"containment\": \"/tiny0/rack0/node1/socket1/core35\"}}},"
        "{\"id\": \"3\", \"metadata\": {\"type\": \"node\", \"id\": 1, \"rank\": 1,"
        " \"paths\": {\"containment\": \"/tiny0/rack0/node1\"}}},"
        "{\"id\": \"0\", \"metadata\": {\"type\": \"cluster\", \"basename\": \"tiny\", \"id\": 0,"
        " \"rank\": -1, \"paths\": {\"containment\": \"/tiny0\"}}}],"
        "\"edges\": [{\"source\": \"3\", \"target\": \"79\", \"metadata\": {\"name\": {\"ibnet\": \"x\"}}},"
        " {\"source\": \"0\", \"target\": \"3\"}]}}";
    struct st_error err = { { 0 } };
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(text, "m", &err);
    ck_assert_msg(doc != NULL, "%s", err.text);
    ck_assert_str_eq(doc->vertices[0].name, "core35");
    ck_assert_int_eq(doc->vertices[0].uniq_id, 79);
    ck_assert(doc->vertices[0].exclusive);
    ck_assert_str_eq(doc->vertices[1].name, "node1");
    ck_assert_str_eq(doc->vertices[2].name, "tiny0");
    ck_assert_str_eq(doc->edges[0].subsystem, "ibnet");
    ck_assert_str_eq(doc->edges[1].subsystem, "containment");
    reader_jgf_doc_destroy(doc);
}
END_TEST

START_TEST(test_doc)
{
    struct st_error err = { { 0 } };
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(small_jgf, "small", &err);
    ck_assert_msg(doc != NULL, "%s", err.text);
    ck_assert_uint_eq(doc->nvertices, 3);
    ck_assert_uint_eq(doc->nedges, 2);
    ck_assert_str_eq(doc->free_ranks, "0-1");
    ck_assert(!doc->shorthand);
    const struct reader_jgf_vertex *v = &doc->vertices[1];
    ck_assert_str_eq(v->key, "7");
    ck_assert_str_eq(v->type, "node");
    ck_assert_str_eq(v->name, "host12");
    ck_assert_int_eq(v->id, 12);
    ck_assert_int_eq(v->uniq_id, 7);
    ck_assert_int_eq(v->rank, 3);
    ck_assert_int_eq(v->status, 1);
    ck_assert(v->exclusive);
    ck_assert_int_eq(v->nprops, 1);
    ck_assert_str_eq(v->props[0].key, "arch");
    ck_assert_str_eq(reader_jgf_vertex_path(v, "containment"), "/c0/host12");
    ck_assert_ptr_null(reader_jgf_vertex_path(v, "power"));
    ck_assert_str_eq(doc->vertices[0].name, "c0");
    ck_assert_uint_eq(doc->edges[1].src, 1);
    ck_assert_uint_eq(doc->edges[1].dst, 2);
    ck_assert_str_eq(doc->edges[0].subsystem, "containment");
    reader_jgf_doc_destroy(doc);
}
END_TEST

/* A partial graph (no root) parses into records; "in" edges are dropped. */
START_TEST(test_doc_partial)
{
    struct st_error err = { { 0 } };
    FILE *f = fopen(tl_conformance_path("jgfs/elastic/node-1-partial-cancel.json"), "r");
    ck_assert_ptr_nonnull(f);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(text, "partial", &err);
    ck_assert_msg(doc != NULL, "%s", err.text);
    ck_assert_uint_eq(doc->nvertices, 49);
    ck_assert_uint_eq(doc->nedges, 48);
    for (size_t i = 0; i < doc->nvertices; i++)
        ck_assert_int_eq(doc->vertices[i].rank, 0);
    reader_jgf_doc_destroy(doc);
}
END_TEST

START_TEST(test_resolve_shorthand)
{
    struct st_error err = { { 0 } };
    graph_t *g = reader_jgf_load(tl_conformance_path("jgfs/tiny.json"), &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    const char *text =
        "{\"graph\": {\"nodes\": ["
        "{\"id\": \"2\", \"metadata\": {\"type\": \"node\", \"name\": \"node0\", \"exclusive\": true,"
        " \"paths\": {\"containment\": \"/tiny0/rack0/node0\"}}},"
        "{\"id\": \"4\", \"metadata\": {\"type\": \"socket\", \"exclusive\": true,"
        " \"paths\": {\"containment\": \"/tiny0/rack0/node0/socket0\"}}},"
        "{\"id\": \"999\", \"metadata\": {\"type\": \"socket\","
        " \"paths\": {\"containment\": \"/tiny0/rack0/node7/socket0\"}}}],"
        "\"edges\": [{\"source\": \"2\", \"target\": \"4\"}]}, "
        "\"writer\": \"fluxion:jgf_shorthand\"}";
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(text, "sh", &err);
    ck_assert_msg(doc != NULL, "%s", err.text);
    ck_assert(doc->shorthand);
    vtx_t map[3];
    ck_assert_int_eq(reader_jgf_doc_resolve(doc, g, map), 2);
    ck_assert_int_eq(map[0], graph_find_path(g, "/tiny0/rack0/node0"));
    ck_assert_int_eq(map[2], VTX_NONE);
    vtx_t *out = NULL;
    size_t n = 0;
    ck_assert_int_eq(reader_jgf_shorthand_expand(doc, g, &out, &n), 0);
    /* node0 holds 2 sockets x (18 cores + 1 gpu + 4 memory); socket0 is
     * named by the document itself. */
    ck_assert_uint_eq(n, 47);
    ck_assert_str_eq(graph_name(g, out[0]), "core0");
    for (size_t i = 0; i < n; i++) {
        ck_assert_int_ne(out[i], map[1]);
        ck_assert_msg(strncmp(graph_path(g, out[i], containment(g)), "/tiny0/rack0/node0/",
                              19) == 0, "%s", graph_path(g, out[i], containment(g)));
    }
    free(out);
    reader_jgf_doc_destroy(doc);
    graph_destroy(g);
}
END_TEST

static const char *base_jgf =
    "{\"graph\": {\"nodes\": ["
    "{\"id\": \"0\", \"metadata\": {\"type\": \"cluster\", \"paths\": {\"containment\": \"/cluster0\"}}},"
    "{\"id\": \"1\", \"metadata\": {\"type\": \"node\", \"name\": \"node0\", \"rank\": 0,"
    " \"paths\": {\"containment\": \"/cluster0/node0\"}}}],"
    "\"edges\": [{\"source\": \"0\", \"target\": \"1\"}]}}";

START_TEST(test_attach)
{
    struct st_error err = { { 0 } };
    graph_t *g = reader_jgf_parse(base_jgf, "base", &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    const char *add =
        "{\"graph\": {\"nodes\": ["
        "{\"id\": \"0\", \"metadata\": {\"type\": \"cluster\", \"paths\": {\"containment\": \"/cluster0\"}}},"
        "{\"id\": \"5\", \"metadata\": {\"type\": \"node\", \"name\": \"node1\", \"rank\": 1,"
        " \"paths\": {\"containment\": \"/cluster0/node1\"}}},"
        "{\"id\": \"6\", \"metadata\": {\"type\": \"core\", \"id\": 0, \"rank\": 1,"
        " \"paths\": {\"containment\": \"/cluster0/node1/core0\"}}}],"
        "\"edges\": [{\"source\": \"0\", \"target\": \"5\"}, {\"source\": \"5\", \"target\": \"6\"}]}}";
    ck_assert_msg(reader_jgf_attach(g, add, "add", &err) == 0, "%s", err.text);
    ck_assert_int_eq(graph_live_vertex_count(g), 4);
    ck_assert_int_eq(graph_edge_count(g), 3);
    vtx_t root = graph_find_path(g, "/cluster0");
    int nc = 0;
    const vtx_t *ch = graph_children(g, containment(g), root, &nc);
    ck_assert_int_eq(nc, 2);
    ck_assert_str_eq(graph_name(g, ch[1]), "node1");
    /* Attaching the same subgraph again adds nothing. */
    ck_assert_msg(reader_jgf_attach(g, add, "add", &err) == 0, "%s", err.text);
    ck_assert_int_eq(graph_live_vertex_count(g), 4);
    ck_assert_int_eq(graph_edge_count(g), 3);
    graph_destroy(g);
}
END_TEST

/* The JGF of the vertices of doc at or under `prefix`, plus its ancestors,
 * as a writer would give it for one node. */
static char *subtree_jgf(const struct reader_jgf_doc *doc, const char *prefix)
{
    json_t *nodes = json_array(), *edges = json_array();
    size_t plen = strlen(prefix);
    bool *keep = calloc(doc->nvertices, sizeof(*keep));
    for (size_t i = 0; i < doc->nvertices; i++) {
        const struct reader_jgf_vertex *v = &doc->vertices[i];
        const char *path = reader_jgf_vertex_path(v, "containment");
        keep[i] = strncmp(path, prefix, plen) == 0 || strncmp(prefix, path, strlen(path)) == 0;
        if (!keep[i])
            continue;
        json_array_append_new(nodes, json_pack("{s:s, s:{s:s, s:s, s:I, s:I, s:i, s:{s:s}}}",
            "id", v->key, "metadata", "type", v->type, "name", v->name, "id", (json_int_t) v->id,
            "uniq_id", (json_int_t) v->uniq_id, "rank", v->rank, "paths", "containment", path));
    }
    for (size_t i = 0; i < doc->nedges; i++) {
        const struct reader_jgf_edge *e = &doc->edges[i];
        if (keep[e->src] && keep[e->dst])
            json_array_append_new(edges, json_pack("{s:s, s:s}", "source",
                doc->vertices[e->src].key, "target", doc->vertices[e->dst].key));
    }
    json_t *o = json_pack("{s:{s:o, s:o}}", "graph", "nodes", nodes, "edges", edges);
    char *text = json_dumps(o, 0);
    json_decref(o);
    free(keep);
    return text;
}

/* resource-query `remove` then `attach` of the same node: the node comes
 * back as new vertices under the surviving rack. */
START_TEST(test_remove_then_attach)
{
    struct st_error err = { { 0 } };
    graph_t *g = reader_jgf_load(tl_conformance_path("jgfs/tiny.json"), &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    FILE *f = fopen(tl_conformance_path("jgfs/tiny.json"), "r");
    static char text[1 << 20];
    size_t len = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[len] = '\0';
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(text, "tiny", &err);
    ck_assert_ptr_nonnull(doc);
    char *node1 = subtree_jgf(doc, "/tiny0/rack0/node1");
    vtx_t old = graph_find_path(g, "/tiny0/rack0/node1");
    ck_assert_int_eq(graph_remove_subtree(g, old, containment(g)), 49);
    ck_assert_int_eq(graph_live_vertex_count(g), 51);
    ck_assert_int_eq(graph_find_path(g, "/tiny0/rack0/node1"), VTX_NONE);
    ck_assert_msg(reader_jgf_attach(g, node1, "node1.json", &err) == 0, "%s", err.text);
    ck_assert_int_eq(graph_live_vertex_count(g), 100);
    ck_assert_int_eq(graph_edge_count(g), 99);
    vtx_t back = graph_find_path(g, "/tiny0/rack0/node1");
    ck_assert_int_ne(back, VTX_NONE);
    ck_assert_int_ne(back, old);
    ck_assert_int_eq(graph_rank(g, back), 1);
    int nc = 0;
    graph_children(g, containment(g), graph_find_path(g, "/tiny0/rack0"), &nc);
    ck_assert_int_eq(nc, 2);
    graph_children(g, containment(g), back, &nc);
    ck_assert_int_eq(nc, 2);
    free(node1);
    reader_jgf_doc_destroy(doc);
    graph_destroy(g);
}
END_TEST

/* Failed attaches leave the graph as it was. */
static const struct {
    const char *text;
    const char *msg;
} bad_attach[] = {
    { "{\"graph\": {\"nodes\": ["
      "{\"id\": \"0\", \"metadata\": {\"type\": \"cluster\", \"paths\": {\"containment\": \"/other0\"}}}]}}",
      "add_graph_metadata: failed to add root metadata for containment subsystem. "
      "Possible duplicate root." },
    { "{\"graph\": {\"nodes\": [", "bad:1:" },
    { "{\"graph\": {\"nodes\": ["
      "{\"id\": \"1\", \"metadata\": {\"type\": \"socket\", \"paths\": {\"containment\": \"/cluster0/node0\"}}}]}}",
      "differs" },
    { "{\"graph\": {\"nodes\": ["
      "{\"id\": \"1\", \"metadata\": {\"type\": \"x\", \"paths\": {\"containment\": \"/cluster0/x\"}}},"
      "{\"id\": \"2\", \"metadata\": {\"type\": \"x\", \"paths\": {\"containment\": \"/cluster0/x\"}}}]}}",
      "duplicate path" },
    { "{\"graph\": {\"nodes\": ["
      "{\"id\": \"0\", \"metadata\": {\"type\": \"cluster\", \"paths\": {\"containment\": \"/cluster0\"}}},"
      "{\"id\": \"5\", \"metadata\": {\"type\": \"x\", \"paths\": {\"containment\": \"/cluster0/x5\"}}}],"
      "\"edges\": [{\"source\": \"0\", \"target\": \"5\"}, {\"source\": \"5\", \"target\": \"0\","
      " \"metadata\": {\"subsystem\": \"power\"}}]}}",
      "cycle" },
};

START_TEST(test_attach_errors)
{
    struct st_error err = { { 0 } };
    graph_t *g = reader_jgf_parse(base_jgf, "base", &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    TL_ASSERT_ERRNO(reader_jgf_attach(g, bad_attach[_i].text, "bad", &err), EINVAL);
    ck_assert_msg(strstr(err.text, bad_attach[_i].msg) != NULL, "'%s' lacks '%s'", err.text,
                  bad_attach[_i].msg);
    ck_assert_int_eq(graph_live_vertex_count(g), 2);
    ck_assert_int_eq(graph_vertex_count(g), 2);
    ck_assert_int_eq(graph_edge_count(g), 1);
    ck_assert_int_ne(graph_find_path(g, "/cluster0/node0"), VTX_NONE);
    graph_destroy(g);
}
END_TEST

START_TEST(test_badparam)
{
    struct st_error err;
    TL_ASSERT_NULL_ERRNO(reader_jgf_load(NULL, &err), EINVAL);
    TL_ASSERT_NULL_ERRNO(reader_jgf_load("/nonexistent/x.json", &err), ENOENT);
    ck_assert_msg(strstr(err.text, "/nonexistent/x.json") != NULL, "%s", err.text);
    TL_ASSERT_NULL_ERRNO(reader_jgf_parse(NULL, "x", &err), EINVAL);
    TL_ASSERT_NULL_ERRNO(reader_jgf_doc_parse(NULL, "x", &err), EINVAL);
    TL_ASSERT_ERRNO(reader_jgf_attach(NULL, base_jgf, "x", &err), EINVAL);
    graph_t *g = reader_jgf_parse(base_jgf, "base", NULL);
    ck_assert_ptr_nonnull(g);
    TL_ASSERT_ERRNO(reader_jgf_attach(g, NULL, "x", NULL), EINVAL);
    vtx_t map[2];
    TL_ASSERT_ERRNO(reader_jgf_doc_resolve(NULL, g, map), EINVAL);
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(base_jgf, "b", NULL);
    ck_assert_int_eq(reader_jgf_doc_resolve(doc, NULL, map), -1);
    ck_assert_int_eq(reader_jgf_doc_resolve(doc, g, NULL), -1);
    vtx_t *out;
    size_t n;
    TL_ASSERT_ERRNO(reader_jgf_shorthand_expand(NULL, g, &out, &n), EINVAL);
    ck_assert_int_eq(reader_jgf_shorthand_expand(doc, g, NULL, &n), -1);
    ck_assert_ptr_null(reader_jgf_vertex_path(NULL, "containment"));
    ck_assert_ptr_null(reader_jgf_vertex_path(&doc->vertices[0], NULL));
    errno = 42;
    reader_jgf_doc_destroy(NULL);
    ck_assert_int_eq(errno, 42);
    reader_jgf_doc_destroy(doc);
    graph_destroy(g);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("reader_jgf");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_tiny);
    tcase_add_loop_test(tc, test_errors, 0, sizeof(bad_cases) / sizeof(bad_cases[0]));
    tcase_add_test(tc, test_reverse_edges);
    tcase_add_test(tc, test_match_output);
    tcase_add_test(tc, test_doc);
    tcase_add_test(tc, test_doc_partial);
    tcase_add_test(tc, test_resolve_shorthand);
    tcase_add_test(tc, test_attach);
    tcase_add_test(tc, test_remove_then_attach);
    tcase_add_loop_test(tc, test_attach_errors, 0, sizeof(bad_attach) / sizeof(bad_attach[0]));
    tcase_add_test(tc, test_badparam);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
