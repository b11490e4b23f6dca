/* Unit tests for resource/reader_grug (and the reader_load dispatcher). */
#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "resource/reader.h"
#include "test/unit/testlib.h"

static char datadir[4096];
static char tmpdir[] = "/tmp/test_reader_grug.XXXXXX";

static const char *conformance(const char *rel)
{
    static char buf[4096];
    const char *c = getenv("STRATA_CONFORMANCE");
    snprintf(buf, sizeof(buf), "%s/data/resource/%s", c ? c : "../shared/conformance", rel);
    return buf;
}

static const char *shared(const char *rel)
{
    static char buf[4096];
    const char *s = getenv("STRATA_SHARED");
    snprintf(buf, sizeof(buf), "%s/%s", s ? s : "../shared", rel);
    return buf;
}

static graph_t *load(const char *path)
{
    struct st_error err = {{0}};
    graph_t *g = reader_grug_load(path, &err);
    ck_assert_msg(g != NULL, "%s: %s", path, err.text);
    return g;
}

/* ---- tiny: the -e numbers ------------------------------------------------ */

START_TEST(test_tiny_stats)
{
    graph_t *g = load(conformance("grugs/tiny.graphml"));
    struct graph_stats st;
    graph_get_stats(g, &st);
    ck_assert_int_eq(st.vertices, 100);
    ck_assert_int_eq(st.edges, 99);
    ck_assert_int_eq(st.by_type_keys, 7);
    ck_assert_int_eq(st.by_name_keys, 52);
    ck_assert_int_eq(st.by_path_keys, 100);
    ck_assert_int_eq(graph_rank_count(g), 3);
    const int32_t ranks[] = {-1, 0, 1};
    const int64_t counts[] = {98, 1, 1};
    for (int i = 0; i < 3; i++) {
        int32_t r;
        int64_t n;
        graph_rank_at(g, i, &r, &n);
        ck_assert_int_eq(r, ranks[i]);
        ck_assert_int_eq(n, counts[i]);
    }
    atom_t cont = graph_atom_find(g, "containment");
    ck_assert_int_eq(graph_root(g, cont), 0);
    ck_assert_int_eq(graph_subsystem_count(g), 1);
    graph_destroy(g);
}
END_TEST

/* ---- a generated graph against the JGF Fluxion wrote for it --------------- */

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : "";
}

/* power.json was written by a Fluxion that also gave each node's rank to
 * the node's containment descendants; GRUG ranks only node vertices (the
 * tiny -e counts: 98 vertices of rank -1), so `node_ranks_only` compares
 * ranks of node vertices alone. */
static bool node_ranks_only;

static void check_vertex(graph_t *g, json_t *node)
{
    json_t *m = json_object_get(node, "metadata");
    vtx_t v = (vtx_t) json_integer_value(json_object_get(m, "uniq_id"));
    ck_assert_int_lt(v, graph_vertex_count(g));
    const char *name = jstr(m, "name");
    ck_assert_msg(strcmp(graph_name(g, v), name) == 0, "vertex %d: name %s, want %s", v,
                  graph_name(g, v), name);
    ck_assert_int_eq(graph_uniq_id(g, v), v);
    ck_assert_int_eq(graph_id(g, v), json_integer_value(json_object_get(m, "id")));
    if (!node_ranks_only || strcmp(jstr(m, "type"), "node") == 0)
        ck_assert_int_eq(graph_rank(g, v), json_integer_value(json_object_get(m, "rank")));
    else
        ck_assert_int_eq(graph_rank(g, v), -1);
    ck_assert_int_eq(graph_size(g, v), json_integer_value(json_object_get(m, "size")));
    ck_assert_str_eq(graph_atom_str(g, graph_type(g, v)), jstr(m, "type"));
    ck_assert_str_eq(graph_atom_str(g, graph_basename(g, v)), jstr(m, "basename"));
    ck_assert_str_eq(graph_atom_str(g, graph_unit(g, v)), jstr(m, "unit"));
    json_t *paths = json_object_get(m, "paths");
    const char *sub;
    json_t *p;
    int npaths = 0;
    json_object_foreach(paths, sub, p)
    {
        const char *mine = graph_path(g, v, graph_atom_find(g, sub));
        ck_assert_msg(mine && strcmp(mine, json_string_value(p)) == 0,
                      "vertex %d: %s path %s, want %s", v, sub, mine ? mine : "(none)",
                      json_string_value(p));
        npaths++;
    }
    for (int s = 0; s < graph_subsystem_count(g); s++)
        npaths -= graph_path(g, v, graph_subsystem_at(g, s)) != NULL;
    ck_assert_msg(npaths == 0, "vertex %d has paths the JGF does not list", v);
}

/* The JGF lists each vertex's out-edges together, in the order they were
 * made: that must be our children order, subsystem by subsystem. */
static void check_edges(graph_t *g, json_t *edges)
{
    size_t i = 0, n = json_array_size(edges);
    ck_assert_int_eq(graph_edge_count(g), (int64_t) n);
    while (i < n) {
        json_t *e = json_array_get(edges, i);
        vtx_t src = atoi(jstr(e, "source"));
        const char *sub = jstr(json_object_get(e, "metadata"), "subsystem");
        int nch;
        const vtx_t *ch = graph_children(g, graph_atom_find(g, sub), src, &nch);
        for (int k = 0; k < nch; k++, i++) {
            ck_assert_msg(i < n, "more children than edges");
            e = json_array_get(edges, i);
            ck_assert_int_eq(atoi(jstr(e, "source")), src);
            ck_assert_str_eq(jstr(json_object_get(e, "metadata"), "subsystem"), sub);
            ck_assert_msg(atoi(jstr(e, "target")) == ch[k], "edge %zu: %d -> %s, ours -> %d", i,
                          src, jstr(e, "target"), ch[k]);
        }
        ck_assert_msg(nch > 0, "vertex %d has no %s children", src, sub);
    }
}

static void compare_with_jgf(graph_t *g, const char *jgf)
{
    json_error_t jerr;
    json_t *doc = json_load_file(jgf, 0, &jerr);
    ck_assert_msg(doc != NULL, "%s: %s", jgf, jerr.text);
    json_t *nodes = json_object_get(json_object_get(doc, "graph"), "nodes");
    ck_assert_int_eq(graph_vertex_count(g), (int32_t) json_array_size(nodes));
    size_t i;
    json_t *node;
    json_array_foreach(nodes, i, node) check_vertex(g, node);
    check_edges(g, json_object_get(json_object_get(doc, "graph"), "edges"));
    json_decref(doc);
}

START_TEST(test_tiny_matches_jgf)
{
    graph_t *g = load(conformance("grugs/tiny.graphml"));
    compare_with_jgf(g, conformance("jgfs/tiny.json"));
    /* spot checks, by path */
    vtx_t v = graph_find_path(g, "/tiny0/rack0/node1/socket1/core35");
    ck_assert_int_eq(v, 79);
    ck_assert_int_eq(graph_id(g, v), 35);
    ck_assert_int_eq(graph_rank(g, graph_find_path(g, "/tiny0/rack0/node1")), 1);
    ck_assert_int_eq(graph_size(g, graph_find_path(g, "/tiny0/rack0/node0/socket1/memory4")),
                     2);
    graph_destroy(g);
}
END_TEST

/* ---- a two-subsystem recipe (power) --------------------------------------- */

static const char *power_keys =
    "<key id='root' for='node' attr.name='root' attr.type='int'><default>0</default></key>\n"
    "<key id='type' for='node' attr.name='type' attr.type='string'/>\n"
    "<key id='basename' for='node' attr.name='basename' attr.type='string'/>\n"
    "<key id='unit' for='node' attr.name='unit' attr.type='string'/>\n"
    "<key id='size' for='node' attr.name='size' attr.type='long'><default>1</default></key>\n"
    "<key id='subsystem' for='node' attr.name='subsystem' attr.type='string'>"
    "<default>containment</default></key>\n"
    "<key id='e_subsystem' for='edge' attr.name='e_subsystem' attr.type='string'>"
    "<default>containment</default></key>\n"
    "<key id='id_scope' for='edge' attr.name='id_scope' attr.type='int'>"
    "<default>0</default></key>\n"
    "<key id='id_start' for='edge' attr.name='id_start' attr.type='int'>"
    "<default>0</default></key>\n"
    "<key id='id_stride' for='edge' attr.name='id_stride' attr.type='int'>"
    "<default>1</default></key>\n"
    "<key id='gen_method' for='edge' attr.name='gen_method' attr.type='string'>"
    "<default>MULTIPLY</default></key>\n"
    "<key id='multi_scale' for='edge' attr.name='multi_scale' attr.type='int'>"
    "<default>1</default></key>\n"
    "<key id='as_tgt_subsystem' for='edge' attr.name='as_tgt_subsystem' attr.type='string'>"
    "<default>containment</default></key>\n"
    "<key id='as_tgt_uplvl' for='edge' attr.name='as_tgt_uplvl' attr.type='int'>"
    "<default>1</default></key>\n"
    "<key id='as_src_uplvl' for='edge' attr.name='as_src_uplvl' attr.type='int'>"
    "<default>1</default></key>\n";

/* clang-format off */
#define NODE(id, type, base, extra)                                                     \
    "<node id='" id "'><data key='type'>" type "</data><data key='basename'>" base "</data>" \
    extra "</node>\n"
#define EDGE(id, s, t, extra) "<edge id='" id "' source='" s "' target='" t "'>" extra "</edge>\n"
#define D(k, v) "<data key='" k "'>" v "</data>"
/* clang-format on */

/* clang-format off */
static const char *power_graph =
    "<graph id='power' edgedefault='directed'>\n"
    NODE("cluster", "cluster", "power", D("root", "1"))
    NODE("rack", "rack", "rack", "")
    NODE("pdu", "pdu", "pdu", "")
    NODE("node", "node", "node", "")
    NODE("socket", "socket", "socket", "")
    NODE("core", "core", "core", "")
    NODE("gpu", "gpu", "gpu", "")
    NODE("memory", "memory", "memory", D("size", "2") D("unit", "GB"))
    NODE("powerpanel", "powerpanel", "powerpanel", D("root", "1") D("subsystem", "power"))
    NODE("pdu_power", "pdu", "pdu", D("subsystem", "power"))
    NODE("node_power", "node", "node", D("subsystem", "power"))
    NODE("npower", "power", "power", D("size", "10") D("unit", "KW") D("subsystem", "power"))
    NODE("ppower", "power", "power", D("size", "10") D("unit", "KW") D("subsystem", "power"))
    NODE("cpower", "power", "power", D("size", "10") D("unit", "KW") D("subsystem", "power"))
    EDGE("c2r", "cluster", "rack", D("multi_scale", "4"))
    EDGE("r2p", "rack", "pdu", D("id_scope", "1"))
    EDGE("r2n", "rack", "node", D("id_scope", "1") D("multi_scale", "18"))
    EDGE("n2s", "node", "socket", D("multi_scale", "2"))
    EDGE("s2c", "socket", "core", D("id_scope", "1") D("multi_scale", "18"))
    EDGE("s2g", "socket", "gpu", D("id_scope", "1"))
    EDGE("s2m", "socket", "memory", D("id_scope", "1") D("multi_scale", "4"))
    EDGE("pp2pdu", "powerpanel", "pdu_power",
         D("e_subsystem", "power") D("gen_method", "ASSOCIATE_IN"))
    EDGE("pdu2node", "pdu_power", "node_power",
         D("e_subsystem", "power") D("gen_method", "ASSOCIATE_BY_PATH_IN"))
    EDGE("node2pow", "node_power", "npower", D("e_subsystem", "power") D("multi_scale", "2"))
    EDGE("pdu2pow", "pdu_power", "ppower", D("e_subsystem", "power") D("multi_scale", "40"))
    EDGE("pp2pow", "powerpanel", "cpower", D("e_subsystem", "power") D("multi_scale", "200"))
    "</graph>\n";
/* clang-format on */

static const char *write_tmp(const char *name, const char *keys, const char *graph)
{
    static char path[4200];
    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "<?xml version='1.0' encoding='UTF-8'?>\n"
            "<graphml xmlns='http://graphml.graphdrawing.org/xmlns'>\n%s%s</graphml>\n",
            keys, graph);
    fclose(f);
    return path;
}

START_TEST(test_power_matches_jgf)
{
    graph_t *g = load(write_tmp("power.graphml", power_keys, power_graph));
    node_ranks_only = true;
    compare_with_jgf(g, conformance("jgfs/power.json"));
    node_ranks_only = false;
    atom_t pw = graph_atom_find(g, "power");
    vtx_t panel = graph_root(g, pw);
    ck_assert_str_eq(graph_name(g, panel), "powerpanel0");
    int n;
    graph_parents(g, pw, graph_find_path(g, "/power0/rack2/node40"), &n);
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(graph_path(g, graph_find_path(g, "/power0/rack2/node40"), pw),
                     "/powerpanel0/pdu2/node40");
    graph_destroy(g);
}
END_TEST

/* ---- every shipped recipe loads -------------------------------------------- */

static const struct {
    const char *rel;
    bool is_shared; /* under STRATA_SHARED, else the conformance data */
    int32_t vertices;
} loads[] = {
    {"grugs/tiny.graphml", false, 100},          {"grugs/small.graphml", false, 0},
    {"grugs/medium.graphml", false, 0},          {"grugs/resv_test.graphml", false, 0},
    {"grugs/mt-storage/mtl0.graphml", false, 0}, {"grugs/mt-storage/mtl1.graphml", false, 0},
    {"grugs/mt-storage/mtl2.graphml", false, 0}, {"grugs/mt-storage/mtl3.graphml", false, 0},
    {"bench/bench1000.graphml", true, 59051},    {"bench/bench4000.graphml", true, 236201},
    {"bench/sierra.graphml", true, 350473},
};

START_TEST(test_loads)
{
    const char *path = loads[_i].is_shared ? shared(loads[_i].rel) : conformance(loads[_i].rel);
    graph_t *g = load(path);
    if (loads[_i].vertices)
        ck_assert_int_eq(graph_vertex_count(g), loads[_i].vertices);
    atom_t cont = graph_atom_find(g, "containment");
    vtx_t root = graph_root(g, cont);
    ck_assert_int_eq(root, 0);
    /* every vertex but the root has a containment parent */
    for (vtx_t v = 1; v < graph_vertex_count(g); v++) {
        int n;
        graph_parents(g, cont, v, &n);
        ck_assert_msg(n >= 1, "%s: vertex %d has no parent", path, v);
    }
    graph_destroy(g);
}
END_TEST

/* mtl3: ASSOCIATE_IN in containment: mtl2unit0 gets both mtl1units as
 * children; they keep their rack paths and their rack parents. */
START_TEST(test_associate_in_containment)
{
    graph_t *g = load(conformance("grugs/mt-storage/mtl3.graphml"));
    atom_t cont = graph_atom_find(g, "containment");
    vtx_t m2 = graph_find_path(g, "/mtl3-test0/mtl2unit0");
    ck_assert_int_ne(m2, VTX_NONE);
    int n;
    const vtx_t *ch = graph_children(g, cont, m2, &n);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(graph_path(g, ch[0], cont), "/mtl3-test0/rack0/mtl1unit0");
    ck_assert_str_eq(graph_path(g, ch[1], cont), "/mtl3-test0/rack1/mtl1unit1");
    graph_parents(g, cont, ch[1], &n);
    ck_assert_int_eq(n, 2);
    ch = graph_children(g, cont, ch[1], &n);
    ck_assert_int_eq(n, 8);
    ck_assert_str_eq(graph_name(g, ch[7]), "ssd7");
    graph_destroy(g);
}
END_TEST

/* A vertex's path goes in its generator's subsystem; when the parent has no
 * path there, in the edge's subsystem. */
START_TEST(test_subsystem_paths)
{
    /* clang-format off */
    const char *recipe = "<graph edgedefault='directed'>"
        NODE("cluster", "cluster", "c", D("root", "1"))
        NODE("node", "node", "node", "")
        NODE("ib", "ibroot", "ib", D("root", "1") D("subsystem", "ibnet"))
        NODE("switch", "switch", "switch", D("subsystem", "ibnet"))
        NODE("port", "port", "port", "")
        EDGE("c2n", "cluster", "node", D("multi_scale", "2"))
        EDGE("ib2s", "ib", "switch", D("multi_scale", "2") D("e_subsystem", "ibnet"))
        EDGE("s2p", "switch", "port", D("multi_scale", "2") D("e_subsystem", "ibnet")
             D("id_scope", "1"))
        "</graph>";
    /* clang-format on */
    graph_t *g = load(write_tmp("ib.graphml", power_keys, recipe));
    atom_t ib = graph_atom_find(g, "ibnet");
    atom_t cont = graph_atom_find(g, "containment");
    ck_assert_int_eq(graph_vertex_count(g), 2 + 1 + 1 + 2 + 4);
    ck_assert_int_eq(graph_root(g, ib), 3);
    ck_assert_str_eq(graph_path(g, 4, ib), "/ib0/switch0");
    ck_assert_str_eq(graph_path(g, 9, ib), "/ib0/switch1/port3");
    ck_assert_ptr_null(graph_path(g, 9, cont));
    int n;
    const vtx_t *ch = graph_children(g, ib, 5, &n);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(ch[1], 9);
    graph_destroy(g);
}
END_TEST

/* ---- errors ------------------------------------------------------------------- */

static const struct {
    const char *name;
    const char *graph; /* NULL: raw text in keys */
    const char *raw;
    const char *want; /* fragment of the message */
} bad[] = {
    /* clang-format off */
    { "noroot", "<graph edgedefault='directed'>" NODE("a", "cluster", "a", "") "</graph>", NULL,
      "no root generator" },
    { "method",
      "<graph edgedefault='directed'>" NODE("a", "cluster", "a", D("root", "1"))
          NODE("b", "node", "b", "") EDGE("a2b", "a", "b", D("gen_method", "DIVIDE")) "</graph>",
      NULL, ".graphml:20: edge 'a2b' (a -> b): unknown gen_method 'DIVIDE'" },
    { "cycle",
      "<graph edgedefault='directed'>" NODE("a", "cluster", "a", D("root", "1"))
          NODE("b", "node", "b", "") NODE("c", "core", "c", "") EDGE("a2b", "a", "b", "")
              EDGE("b2c", "b", "c", "") EDGE("c2b", "c", "b", "") "</graph>",
      NULL, ".graphml:22: the recipe has a cycle (through edge 'b2c')" },
    { "missing",
      "<graph edgedefault='directed'>" NODE("a", "cluster", "a", D("root", "1"))
          EDGE("a2z", "a", "zz", "") "</graph>",
      NULL, ".graphml:19: edge to undeclared node 'zz'" },
    { "scale",
      "<graph edgedefault='directed'>" NODE("a", "cluster", "a", D("root", "1"))
          NODE("b", "node", "b", "") EDGE("a2b", "a", "b", D("multi_scale", "-2")) "</graph>",
      NULL, ".graphml:20: edge 'a2b': multi_scale must be an integer >= 0" },
    { "xml", NULL,
      "<?xml version='1.0'?>\n<graphml xmlns='http://graphml.graphdrawing.org/xmlns'>\n"
      "<graph edgedefault='directed'>\n<node id='a'>\n</nod>\n</graph></graphml>\n",
      ".graphml:5: " },
    { "undirected", "<graph edgedefault='undirected'>" NODE("a", "cluster", "a", D("root", "1"))
      "</graph>", NULL, "must be a directed graph" },
    { "noedgedefault", "<graph>" NODE("a", "cluster", "a", D("root", "1")) "</graph>", NULL,
      "must be a directed graph" },
    { "size", "<graph edgedefault='directed'>" NODE("a", "cluster", "a", D("root", "1")
      D("size", "-3")) "</graph>", NULL, ".graphml:18: node 'a': size is not a non-negative integer" },
    { "stride", "<graph edgedefault='directed'>" NODE("a", "cluster", "a", D("root", "1"))
      NODE("b", "node", "b", "") EDGE("a2b", "a", "b", D("id_stride", "x")) "</graph>", NULL,
      "not a valid GraphML file" }, /* igraph rejects a non-number for an int key */
    { "toomany", "<graph edgedefault='directed'>" NODE("a", "cluster", "a", D("root", "1"))
      NODE("b", "node", "b", "") NODE("c", "core", "c", "")
      EDGE("a2b", "a", "b", D("multi_scale", "100000"))
      EDGE("b2c", "b", "c", D("multi_scale", "100000")) "</graph>", NULL,
      ".graphml:22: edge 'b2c': the recipe makes more than 2147483647 vertices" },
    { "overflow", "<graph edgedefault='directed'>" NODE("a", "cluster", "a", D("root", "1"))
      NODE("b", "node", "b", "") NODE("c", "core", "c", "")
      EDGE("a2b", "a", "b", D("multi_scale", "2"))
      EDGE("b2c", "b", "c", D("multi_scale", "2000") D("id_scope", "1")
           D("id_stride", "9000000000000000")) "</graph>", NULL,
      ".graphml:22: edge 'b2c': id overflows" },
    { "subsystems", "<graph edgedefault='directed'>" NODE("r", "cluster", "r", D("root", "1"))
      NODE("a", "x", "a", "") EDGE("e1", "r", "a", D("e_subsystem", "s1"))
      NODE("b", "x", "b", "") EDGE("e2", "r", "b", D("e_subsystem", "s2"))
      NODE("c", "x", "c", "") EDGE("e3", "r", "c", D("e_subsystem", "s3"))
      NODE("d", "x", "d", "") EDGE("e4", "r", "d", D("e_subsystem", "s4"))
      NODE("e", "x", "e", "") EDGE("e5", "r", "e", D("e_subsystem", "s5"))
      NODE("f", "x", "f", "") EDGE("e6", "r", "f", D("e_subsystem", "s6"))
      NODE("g", "x", "g", "") EDGE("e7", "r", "g", D("e_subsystem", "s7"))
      NODE("h", "x", "h", "") EDGE("e8", "r", "h", D("e_subsystem", "s8"))
      NODE("i", "x", "i", "") EDGE("e9", "r", "i", D("e_subsystem", "s9"))
      NODE("j", "x", "j", "") EDGE("e10", "r", "j", D("e_subsystem", "s10"))
      NODE("k", "x", "k", "") EDGE("e11", "r", "k", D("e_subsystem", "s11"))
      NODE("l", "x", "l", "") EDGE("e12", "r", "l", D("e_subsystem", "s12"))
      NODE("m", "x", "m", "") EDGE("e13", "r", "m", D("e_subsystem", "s13"))
      NODE("n", "x", "n", "") EDGE("e14", "r", "n", D("e_subsystem", "s14"))
      NODE("o", "x", "o", "") EDGE("e15", "r", "o", D("e_subsystem", "s15"))
      NODE("p", "x", "p", "") EDGE("e16", "r", "p", D("e_subsystem", "s16"))
      "</graph>", NULL, "more than 16 subsystems" },
    { "notype", "<graph edgedefault='directed'>" NODE("a", "cluster", "a", D("root", "1"))
      "<node id='t'/>\n</graph>", NULL, ".graphml:19: node 't': no type" },
    { "empty", NULL, "", "" },
    /* clang-format on */
};

START_TEST(test_errors)
{
    char path[4200];
    const char *p;
    if (bad[_i].graph) {
        p = write_tmp("bad.graphml", power_keys, bad[_i].graph);
    } else {
        snprintf(path, sizeof(path), "%s/%s.graphml", tmpdir, bad[_i].name);
        FILE *f = fopen(path, "w");
        fputs(bad[_i].raw, f);
        fclose(f);
        p = path;
    }
    struct st_error err = {{0}};
    errno = 0;
    graph_t *g = reader_grug_load(p, &err);
    ck_assert_msg(g == NULL, "%s loaded", bad[_i].name);
    ck_assert_int_ne(errno, 0);
    ck_assert_msg(strncmp(err.text, p, strlen(p) - 8) == 0, "no file name: %s", err.text);
    ck_assert_msg(strstr(err.text, bad[_i].want), "%s: %s", bad[_i].name, err.text);
}
END_TEST

/* Keys declared with other types than Fluxion's (a string multi_scale, a
 * double size, no <key> for basename) still read as numbers / defaults. */
static const char *string_keys =
    "<key id='root' for='node' attr.name='root' attr.type='string'/>\n"
    "<key id='type' for='node' attr.name='type' attr.type='string'/>\n"
    "<key id='size' for='node' attr.name='size' attr.type='double'/>\n"
    "<key id='multi_scale' for='edge' attr.name='multi_scale' attr.type='string'/>\n";

START_TEST(test_key_types)
{
    /* clang-format off */
    const char *ok = "<graph edgedefault='directed'>"
        "<node id='a'><data key='root'>1</data><data key='type'>cluster</data></node>"
        "<node id='b'><data key='type'>node</data><data key='size'>4</data></node>"
        "<edge source='a' target='b'><data key='multi_scale'>3</data></edge></graph>";
    const char *bad_scale = "<graph edgedefault='directed'>"
        "<node id='a'><data key='root'>1</data><data key='type'>cluster</data></node>"
        "<node id='b'><data key='type'>node</data></node>"
        "<edge id='e1' source='a' target='b'><data key='multi_scale'>3x</data></edge></graph>";
    const char *bad_size = "<graph edgedefault='directed'>"
        "<node id='a'><data key='root'>1</data><data key='type'>cluster</data>"
        "<data key='size'>2.5</data></node></graph>";
    /* clang-format on */
    graph_t *g = load(write_tmp("ok.graphml", string_keys, ok));
    ck_assert_int_eq(graph_vertex_count(g), 4);
    ck_assert_str_eq(graph_name(g, 0), "cluster0"); /* basename defaults to type */
    ck_assert_str_eq(graph_name(g, 3), "node2");
    ck_assert_int_eq(graph_size(g, 3), 4);
    ck_assert_int_eq(graph_rank(g, 3), 2);
    graph_destroy(g);
    struct st_error err = {{0}};
    ck_assert_ptr_null(reader_grug_load(write_tmp("b1.graphml", string_keys, bad_scale), &err));
    ck_assert_msg(strstr(err.text, "edge 'e1': multi_scale must be an integer"), "%s",
                  err.text);
    ck_assert_ptr_null(reader_grug_load(write_tmp("b2.graphml", string_keys, bad_size), &err));
    ck_assert_msg(strstr(err.text, "node 'a': size is not"), "%s", err.text);
}
END_TEST

/* reader_load / reader_format_valid: the dispatcher. */
START_TEST(test_dispatch)
{
    const char *valid[] = {"grug", "hwloc", "jgf", "jgf_shorthand", "rv1exec", "rv1exec_force"};
    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
        ck_assert_msg(reader_format_valid(valid[i]), "%s", valid[i]);
    ck_assert(!reader_format_valid("GRUG"));
    ck_assert(!reader_format_valid("graphml"));
    ck_assert(!reader_format_valid(""));
    ck_assert(!reader_format_valid(NULL));

    struct st_error err = {{0}};
    graph_t *g = reader_load("grug", conformance("grugs/tiny.graphml"), "node,core", &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    ck_assert_int_eq(graph_vertex_count(g), 100); /* the allowlist is hwloc's only */
    graph_destroy(g);
    g = reader_load("jgf", conformance("jgfs/tiny.json"), NULL, &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    ck_assert_int_eq(graph_vertex_count(g), 100);
    graph_destroy(g);

    TL_ASSERT_NULL_ERRNO(reader_load("nosuch", conformance("grugs/tiny.graphml"), NULL, &err),
                         EINVAL);
    ck_assert_str_eq(err.text, "unknown load format 'nosuch'");
    ck_assert_ptr_null(reader_load(NULL, conformance("grugs/tiny.graphml"), NULL, &err));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(reader_load("grug", NULL, NULL, &err));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_msg(strstr(err.text, "a file to load is required"), "%s", err.text);
    /* a GRUG given as JGF fails in the JGF reader, naming the file */
    ck_assert_ptr_null(reader_load("jgf", conformance("grugs/tiny.graphml"), NULL, &err));
    ck_assert_msg(strstr(err.text, "tiny.graphml"), "%s", err.text);
    /* a directory is said to be one, by every reader (they read "IO error") */
    static const char *const fmts[] = {"grug", "jgf", "hwloc", "rv1exec"};
    for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
        TL_ASSERT_NULL_ERRNO(reader_load(fmts[i], "/", NULL, &err), EISDIR);
        ck_assert_str_eq(err.text, "/: Is a directory");
    }
}
END_TEST

START_TEST(test_missing_file)
{
    struct st_error err = {{0}};
    ck_assert_ptr_null(reader_grug_load("/nonexistent/x.graphml", &err));
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_str_eq(err.text, "/nonexistent/x.graphml: No such file or directory");
    ck_assert_ptr_null(reader_grug_load(datadir, &err)); /* a directory */
    ck_assert_ptr_null(reader_grug_load(NULL, &err));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_ptr_null(reader_grug_load("/nonexistent/x.graphml", NULL));
}
END_TEST

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(datadir, sizeof(datadir), "%s", tmpdir);
}

static void teardown(void)
{
    char cmd[4300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    strcpy(tmpdir, "/tmp/test_reader_grug.XXXXXX");
}

int main(void)
{
    Suite *su = suite_create("reader_grug");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_tiny_stats);
    tcase_add_test(tc, test_tiny_matches_jgf);
    tcase_add_test(tc, test_power_matches_jgf);
    tcase_add_loop_test(tc, test_loads, 0, sizeof(loads) / sizeof(loads[0]));
    tcase_add_test(tc, test_associate_in_containment);
    tcase_add_test(tc, test_subsystem_paths);
    tcase_add_loop_test(tc, test_errors, 0, sizeof(bad) / sizeof(bad[0]));
    tcase_add_test(tc, test_key_types);
    tcase_add_test(tc, test_dispatch);
    tcase_add_test(tc, test_missing_file);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
