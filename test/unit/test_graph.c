/* Unit tests for resource/graph. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resource/graph.h"
#include "test/unit/testlib.h"

static vtx_t add(graph_t *g, const char *type, int64_t id, const char *path)
{
    struct vtx_init in = {
        .type = type, .id = id, .uniq_id = graph_vertex_count(g), .rank = -1, .size = 1};
    vtx_t v = graph_add_vertex(g, &in);
    ck_assert_int_ne(v, VTX_NONE);
    if (path)
        ck_assert_int_eq(graph_set_path(g, v, "containment", path), 0);
    return v;
}

/* cluster0 -> {node0 -> {core0, core1}, node1 -> {core0}} */
static graph_t *small_graph(void)
{
    graph_t *g = graph_create();
    ck_assert_ptr_nonnull(g);
    vtx_t c = add(g, "cluster", 0, "/cluster0");
    vtx_t n0 = add(g, "node", 0, "/cluster0/node0");
    vtx_t n1 = add(g, "node", 1, "/cluster0/node1");
    vtx_t a = add(g, "core", 0, "/cluster0/node0/core0");
    vtx_t b = add(g, "core", 1, "/cluster0/node0/core1");
    vtx_t d = add(g, "core", 0, "/cluster0/node1/core0");
    ck_assert_int_eq(graph_add_edge(g, c, n0, "containment"), 0);
    ck_assert_int_eq(graph_add_edge(g, c, n1, "containment"), 0);
    /* b before a: children must come back in insertion order, not vtx order */
    ck_assert_int_eq(graph_add_edge(g, n0, b, "containment"), 0);
    ck_assert_int_eq(graph_add_edge(g, n0, a, "containment"), 0);
    ck_assert_int_eq(graph_add_edge(g, n1, d, "containment"), 0);
    return g;
}

START_TEST(test_build_and_read)
{
    struct st_error err = {{0}};
    graph_t *g = small_graph();
    graph_set_status(g, 1, VTX_DOWN);
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    atom_t cont = graph_atom_find(g, "containment");
    ck_assert_int_ne(cont, ATOM_NONE);
    ck_assert_int_eq(graph_vertex_count(g), 6);
    ck_assert_int_eq(graph_live_vertex_count(g), 6);
    ck_assert_int_eq(graph_edge_count(g), 5);
    ck_assert_int_eq(graph_root(g, cont), 0);
    ck_assert_str_eq(graph_name(g, 1), "node0");
    ck_assert_str_eq(graph_atom_str(g, graph_type(g, 3)), "core");
    ck_assert_str_eq(graph_atom_str(g, graph_basename(g, 3)), "core");
    ck_assert_int_eq(graph_id(g, 2), 1);
    ck_assert_int_eq(graph_uniq_id(g, 5), 5);
    ck_assert_int_eq(graph_rank(g, 5), -1);
    ck_assert_int_eq(graph_size(g, 5), 1);
    ck_assert_int_eq(graph_unit(g, 5), ATOM_NONE);
    ck_assert_int_eq(graph_status(g, 1), VTX_DOWN);
    ck_assert_int_eq(graph_status(g, 2), VTX_UP);
    ck_assert_str_eq(graph_path(g, 4, cont), "/cluster0/node0/core1");
    ck_assert_int_eq(graph_subsystem_count(g), 1);
    ck_assert_int_eq(graph_subsystem_at(g, 0), cont);

    int n = 0;
    const vtx_t *ch = graph_children(g, cont, 1, &n);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(ch[0], 4);
    ck_assert_int_eq(ch[1], 3);
    ch = graph_children(g, cont, 0, &n);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(ch[0], 1);
    ck_assert_int_eq(ch[1], 2);
    ck_assert_ptr_null(graph_children(g, cont, 3, &n));
    ck_assert_int_eq(n, 0);
    const vtx_t *pa = graph_parents(g, cont, 5, &n);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(pa[0], 2);
    ck_assert_ptr_null(graph_parents(g, cont, 0, &n));

    vtx_t s, d;
    atom_t sub;
    ck_assert_int_eq(graph_edge_slots(g), 5);
    ck_assert(graph_edge_at(g, 2, &s, &d, &sub));
    ck_assert_int_eq(s, 1);
    ck_assert_int_eq(d, 4);
    ck_assert_int_eq(sub, cont);
    graph_destroy(g);
}
END_TEST

START_TEST(test_name_defaults)
{
    graph_t *g = graph_create();
    struct vtx_init in = {
        .type = "memory", .basename = "mem", .id = 3, .rank = 2, .size = 16, .unit = "GB"};
    vtx_t v = graph_add_vertex(g, &in);
    ck_assert_str_eq(graph_name(g, v), "mem3");
    ck_assert_str_eq(graph_atom_str(g, graph_unit(g, v)), "GB");
    ck_assert_int_eq(graph_size(g, v), 16);
    in.name = "fast";
    in.unit = "";
    v = graph_add_vertex(g, &in);
    ck_assert_str_eq(graph_name(g, v), "fast");
    ck_assert_int_eq(graph_unit(g, v), ATOM_NONE);
    in.basename = NULL;
    in.name = NULL;
    v = graph_add_vertex(g, &in);
    ck_assert_str_eq(graph_name(g, v), "memory3");
    ck_assert_str_eq(graph_atom_str(g, ATOM_NONE), "");
    graph_destroy(g);
}
END_TEST

START_TEST(test_indexes_and_stats)
{
    struct st_error err = {{0}};
    graph_t *g = small_graph();
    struct vtx_init in = {.type = "node", .id = 9, .rank = 0, .size = 1};
    /* ranks: two ranked vertices */
    vtx_t r = graph_add_vertex(g, &in);
    graph_set_path(g, r, "containment", "/cluster0/node9");
    graph_add_edge(g, 0, r, "containment");
    ck_assert_int_eq(graph_finalize(g, &err), 0);

    int n = 0;
    const vtx_t *l = graph_by_type(g, graph_atom_find(g, "core"), &n);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(l[0], 3);
    ck_assert_int_eq(l[2], 5);
    l = graph_by_name(g, "core0", &n);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(l[0], 3);
    ck_assert_int_eq(l[1], 5);
    ck_assert_ptr_null(graph_by_name(g, "nosuch", &n));
    ck_assert_int_eq(n, 0);
    l = graph_by_rank(g, 0, &n);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(l[0], r);
    l = graph_by_rank(g, -1, &n);
    ck_assert_int_eq(n, 6);
    ck_assert_ptr_null(graph_by_rank(g, 7, &n));
    ck_assert_int_eq(graph_find_path(g, "/cluster0/node1/core0"), 5);
    ck_assert_int_eq(graph_find_path(g, "/cluster0/node1/core9"), VTX_NONE);

    struct graph_stats st;
    graph_get_stats(g, &st);
    ck_assert_int_eq(st.vertices, 7);
    ck_assert_int_eq(st.edges, 6);
    ck_assert_int_eq(st.by_type_keys, 3);
    ck_assert_int_eq(st.by_name_keys, 6); /* cluster0 node0 node1 node9 core0 core1 */
    ck_assert_int_eq(st.by_path_keys, 7);
    ck_assert_int_eq(graph_rank_count(g), 2);
    int32_t rank;
    int64_t nv;
    graph_rank_at(g, 0, &rank, &nv);
    ck_assert_int_eq(rank, -1);
    ck_assert_int_eq(nv, 6);
    graph_rank_at(g, 1, &rank, &nv);
    ck_assert_int_eq(rank, 0);
    ck_assert_int_eq(nv, 1);
    ck_assert_uint_gt(graph_memory_bytes(g), 0);
    graph_destroy(g);
}
END_TEST

START_TEST(test_properties)
{
    graph_t *g = small_graph();
    ck_assert_int_eq(graph_property_count(g, 1), 0);
    ck_assert_int_eq(graph_set_property(g, 1, "zeta", "1"), 0);
    ck_assert_int_eq(graph_set_property(g, 1, "alpha", "2"), 0);
    ck_assert_int_eq(graph_set_property(g, 1, "mid", "3"), 0);
    ck_assert_int_eq(graph_set_property(g, 1, "alpha", "4"), 0); /* replace */
    ck_assert_int_eq(graph_property_count(g, 1), 3);
    ck_assert_int_eq(graph_property_count(g, 2), 0);
    const char *k, *v;
    const char *want[][2] = {{"alpha", "4"}, {"mid", "3"}, {"zeta", "1"}};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(graph_property_at(g, 1, i, &k, &v), 0);
        ck_assert_str_eq(k, want[i][0]);
        ck_assert_str_eq(v, want[i][1]);
    }
    ck_assert_str_eq(graph_property(g, 1, "mid"), "3");
    ck_assert_ptr_null(graph_property(g, 2, "mid"));
    ck_assert_int_eq(graph_remove_property(g, 1, "mid"), 0);
    ck_assert_ptr_null(graph_property(g, 1, "mid"));
    ck_assert_int_eq(graph_remove_property(g, 1, "mid"), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(graph_remove_property(g, 2, "x"), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(graph_property_count(g, 1), 2);
    ck_assert_int_eq(graph_property_at(g, 1, 2, &k, &v), -1);
    /* properties survive growth of the vertex arrays */
    for (int i = 0; i < 300; i++)
        add(g, "core", i, NULL);
    ck_assert_str_eq(graph_property(g, 1, "zeta"), "1");
    ck_assert_int_eq(graph_property_count(g, 200), 0);
    graph_destroy(g);
}
END_TEST

/* Each finalize validation error, with a fragment of its message. */
START_TEST(test_finalize_errors)
{
    struct st_error err = {{0}};
    graph_t *g;

    g = small_graph();
    graph_add_edge(g, 2, 42, "containment");
    ck_assert_int_eq(graph_finalize(g, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_msg(strstr(err.text, "vertex 42 does not exist"), "%s", err.text);
    graph_destroy(g);

    g = small_graph();
    add(g, "core", 5, NULL);
    ck_assert_int_eq(graph_finalize(g, &err), -1);
    ck_assert_msg(strstr(err.text, "has no path"), "%s", err.text);
    ck_assert_msg(strstr(err.text, "core5"), "%s", err.text);
    graph_destroy(g);

    g = small_graph();
    add(g, "cluster", 1, "/cluster1");
    ck_assert_int_eq(graph_finalize(g, &err), -1);
    ck_assert_msg(strstr(err.text, "Possible duplicate root"), "%s", err.text);
    ck_assert_msg(strstr(err.text, "/cluster0") && strstr(err.text, "/cluster1"), "%s",
                  err.text);
    graph_destroy(g);

    g = small_graph();
    graph_add_edge(g, 3, 0, "containment");
    ck_assert_int_eq(graph_finalize(g, &err), -1);
    ck_assert_msg(strstr(err.text, "cycle"), "%s", err.text);
    /* the named edge lies on the cycle cluster0 -> node0 -> core0 -> cluster0 */
    ck_assert_msg(strstr(err.text, "cycle through edge"), "%s", err.text);
    ck_assert_msg(!strstr(err.text, "node1") && !strstr(err.text, "core1"), "%s", err.text);
    graph_destroy(g);

    /* a self-loop is a cycle too */
    g = small_graph();
    graph_add_edge(g, 4, 4, "containment");
    ck_assert_int_eq(graph_finalize(g, &err), -1);
    ck_assert_msg(strstr(err.text, "cycle"), "%s", err.text);
    graph_destroy(g);

    ck_assert_int_eq(graph_finalize(NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* Growth: add vertices after a finalize and finalize again; a failed
 * growth is undone with graph_truncate and the old read side stays. */
START_TEST(test_growth_and_truncate)
{
    struct st_error err = {{0}};
    graph_t *g = small_graph();
    atom_t cont = graph_atom(g, "containment");
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    vtx_t n2 = add(g, "node", 2, "/cluster0/node2");
    graph_add_edge(g, 0, n2, "containment");
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    int n;
    const vtx_t *ch = graph_children(g, cont, 0, &n);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(ch[2], n2);
    ck_assert_int_eq(graph_find_path(g, "/cluster0/node2"), n2);

    /* bad growth: a second root */
    vtx_t bad = add(g, "cluster", 7, "/other7");
    graph_add_edge(g, bad, n2, "containment");
    ck_assert_int_eq(graph_finalize(g, &err), -1);
    ck_assert_int_eq(graph_truncate(g, bad, graph_edge_slots(g) - 1), 0);
    ck_assert_int_eq(graph_vertex_count(g), 7);
    ck_assert_int_eq(graph_find_path(g, "/cluster0/node2"), n2);
    ch = graph_children(g, cont, 0, &n);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    ck_assert_int_eq(graph_find_path(g, "/other7"), VTX_NONE);
    /* cannot truncate below the finalized graph */
    ck_assert_int_eq(graph_truncate(g, 2, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    graph_destroy(g);
}
END_TEST

START_TEST(test_remove_subtree)
{
    struct st_error err = {{0}};
    graph_t *g = small_graph();
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    atom_t cont = graph_atom_find(g, "containment");
    ck_assert_int_eq(graph_remove_subtree(g, 1, cont), 3);
    ck_assert(!graph_vertex_live(g, 1));
    ck_assert(!graph_vertex_live(g, 3));
    ck_assert(graph_vertex_live(g, 5));
    ck_assert_int_eq(graph_vertex_count(g), 6);
    ck_assert_int_eq(graph_live_vertex_count(g), 3);
    ck_assert_int_eq(graph_edge_count(g), 2);
    int n;
    const vtx_t *ch = graph_children(g, cont, 0, &n);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(ch[0], 2);
    ck_assert_int_eq(graph_find_path(g, "/cluster0/node0/core1"), VTX_NONE);
    ck_assert_ptr_null(graph_by_name(g, "core1", &n));
    graph_by_name(g, "core0", &n);
    ck_assert_int_eq(n, 1);
    ck_assert(!graph_edge_at(g, 0, NULL, NULL, NULL));
    ck_assert(graph_edge_at(g, 1, NULL, NULL, NULL));
    /* removing it again is an error */
    ck_assert_int_eq(graph_remove_subtree(g, 1, cont), -1);
    ck_assert_int_eq(errno, EINVAL);
    /* growth after removal still validates and keeps tombstones */
    vtx_t n3 = add(g, "node", 3, "/cluster0/node3");
    graph_add_edge(g, 0, n3, "containment");
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    ck_assert_int_eq(graph_live_vertex_count(g), 4);
    /* an edge to a removed vertex is an edge to a missing vertex */
    graph_add_edge(g, 0, 3, "containment");
    ck_assert_int_eq(graph_finalize(g, &err), -1);
    ck_assert_msg(strstr(err.text, "does not exist"), "%s", err.text);
    graph_destroy(g);
}
END_TEST

START_TEST(test_remove_subtrees)
{
    struct st_error err = {{0}};
    graph_t *g = small_graph();
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    atom_t cont = graph_atom_find(g, "containment");
    const vtx_t bad[] = {1, 99};
    ck_assert_int_eq(graph_remove_subtrees(g, bad, 2, cont), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(graph_live_vertex_count(g), 6); /* nothing removed */
    ck_assert_int_eq(graph_remove_subtrees(g, NULL, 1, cont), -1);
    ck_assert_int_eq(graph_remove_subtrees(g, bad, -1, cont), -1);
    ck_assert_int_eq(graph_remove_subtrees(NULL, bad, 1, cont), -1);
    ck_assert_int_eq(graph_remove_subtrees(g, NULL, 0, cont), 0);
    /* core0 (3) lies below node0 (1); node1 (2) twice */
    const vtx_t list[] = {1, 3, 2, 2};
    ck_assert_int_eq(graph_remove_subtrees(g, list, 4, cont), 5);
    ck_assert_int_eq(graph_live_vertex_count(g), 1);
    ck_assert_int_eq(graph_edge_count(g), 0);
    int n;
    ck_assert_ptr_null(graph_children(g, cont, 0, &n));
    ck_assert_int_eq(graph_root(g, cont), 0);
    graph_destroy(g);
}
END_TEST

/* A vertex with two parents goes only when both go. */
START_TEST(test_remove_shared_child)
{
    struct st_error err = {{0}};
    graph_t *g = graph_create();
    vtx_t r = add(g, "cluster", 0, "/c0");
    vtx_t a = add(g, "rack", 0, "/c0/rack0");
    vtx_t b = add(g, "rack", 1, "/c0/rack1");
    vtx_t s = add(g, "switch", 0, "/c0/rack0/switch0");
    graph_add_edge(g, r, a, "containment");
    graph_add_edge(g, r, b, "containment");
    graph_add_edge(g, a, s, "containment");
    graph_add_edge(g, b, s, "containment");
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    atom_t cont = graph_atom_find(g, "containment");
    int n;
    graph_parents(g, cont, s, &n);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(graph_remove_subtree(g, a, cont), 1);
    ck_assert(graph_vertex_live(g, s));
    graph_parents(g, cont, s, &n);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(graph_remove_subtree(g, r, cont), 3);
    ck_assert_int_eq(graph_live_vertex_count(g), 0);
    ck_assert_int_eq(graph_root(g, cont), VTX_NONE);
    graph_destroy(g);
}
END_TEST

/* Two subsystems: per-subsystem paths, roots and children. */
START_TEST(test_subsystems)
{
    struct st_error err = {{0}};
    graph_t *g = small_graph();
    vtx_t p = add(g, "powerpanel", 0, NULL);
    graph_set_path(g, p, "power", "/powerpanel0");
    graph_set_path(g, 1, "power", "/powerpanel0/node0");
    graph_add_edge(g, p, 1, "power");
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    atom_t pw = graph_atom_find(g, "power");
    atom_t cont = graph_atom_find(g, "containment");
    ck_assert_int_eq(graph_subsystem_count(g), 2);
    ck_assert_int_eq(graph_subsystem_at(g, 1), pw);
    ck_assert_int_eq(graph_root(g, pw), p);
    ck_assert_int_eq(graph_root(g, cont), 0);
    ck_assert_str_eq(graph_path(g, 1, pw), "/powerpanel0/node0");
    ck_assert_str_eq(graph_path(g, 1, cont), "/cluster0/node0");
    ck_assert_ptr_null(graph_path(g, 2, pw));
    int n;
    const vtx_t *ch = graph_children(g, pw, p, &n);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(ch[0], 1);
    ck_assert_ptr_null(graph_children(g, pw, 0, &n));
    ck_assert_int_eq(graph_find_path(g, "/powerpanel0/node0"), 1);
    struct graph_stats st;
    graph_get_stats(g, &st);
    ck_assert_int_eq(st.by_path_keys, 8);
    /* path replacement */
    ck_assert_int_eq(graph_set_path(g, 1, "power", "/powerpanel0/nodeX"), 0);
    ck_assert_str_eq(graph_path(g, 1, pw), "/powerpanel0/nodeX");
    graph_destroy(g);
}
END_TEST

START_TEST(test_empty_and_reserve)
{
    struct st_error err = {{0}};
    graph_t *g = graph_create();
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    struct graph_stats st;
    graph_get_stats(g, &st);
    ck_assert_int_eq(st.vertices + st.edges + st.by_type_keys + st.by_name_keys, 0);
    ck_assert_int_eq(st.by_path_keys, 0);
    ck_assert_int_eq(graph_rank_count(g), 0);
    ck_assert_int_eq(graph_find_path(g, "/x"), VTX_NONE);
    /* reserve then fill: same result as without */
    ck_assert_int_eq(graph_reserve(g, 1000, 1000), 0);
    size_t reserved = graph_memory_bytes(g);
    vtx_t r = add(g, "cluster", 0, "/c0");
    for (int i = 0; i < 999; i++)
        graph_add_edge(g, r, add(g, "node", i, NULL), "containment");
    for (vtx_t v = 1; v < 1000; v++) {
        char p[32];
        snprintf(p, sizeof(p), "/c0/node%d", v - 1);
        ck_assert_int_eq(graph_set_path(g, v, "containment", p), 0);
    }
    ck_assert_uint_ge(graph_memory_bytes(g), reserved);
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    ck_assert_int_eq(graph_find_path(g, "/c0/node998"), 999);
    ck_assert_int_eq(graph_live_vertex_count(g), 1000);
    graph_destroy(g);
}
END_TEST

START_TEST(test_atoms)
{
    graph_t *g = graph_create();
    atom_t a = graph_atom(g, "core");
    ck_assert_int_ge(a, 0);
    ck_assert_int_eq(graph_atom(g, "core"), a);
    ck_assert_int_eq(graph_atom_find(g, "core"), a);
    ck_assert_int_eq(graph_atom_find(g, "gpu"), ATOM_NONE);
    ck_assert_str_eq(graph_atom_str(g, a), "core");
    char buf[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(buf, sizeof(buf), "s%d", i);
        ck_assert_int_eq(graph_atom(g, buf), a + 1 + i);
    }
    ck_assert_str_eq(graph_atom_str(g, a + 4000), "s3999");
    ck_assert_int_eq(graph_atom_find(g, "s4999"), a + 5000);
    graph_destroy(g);
}
END_TEST

START_TEST(test_too_many_subsystems)
{
    graph_t *g = small_graph();
    char buf[32];
    for (int i = 1; i < GRAPH_MAX_SUBSYSTEMS; i++) {
        snprintf(buf, sizeof(buf), "sub%d", i);
        ck_assert_int_eq(graph_add_edge(g, 0, 1, buf), 0);
    }
    ck_assert_int_eq(graph_add_edge(g, 0, 1, "onetoomany"), -1);
    ck_assert_int_eq(errno, ENOSPC);
    ck_assert_int_eq(graph_set_path(g, 0, "onetoomany", "/x"), -1);
    graph_destroy(g);
}
END_TEST


/* ---- incremental growth and removal ------------------------------------- */

/* Two graphs given the same operations: `inc` updates its read side in
 * place, `full` rebuilds it on every change (the reference). */
struct twin {
    graph_t *inc, *full;
};

static struct twin twin_create(void)
{
    struct twin t = {graph_create(), graph_create()};
    ck_assert_ptr_nonnull(t.inc);
    ck_assert_ptr_nonnull(t.full);
    ck_assert_int_eq(graph_set_full_rebuild(t.full, true), 0);
    ck_assert(graph_full_rebuild(t.full));
    ck_assert(!graph_full_rebuild(t.inc));
    return t;
}

static void twin_destroy(struct twin *t)
{
    graph_destroy(t->inc);
    graph_destroy(t->full);
}

static void same_list(const vtx_t *a, int na, const vtx_t *b, int nb)
{
    ck_assert_int_eq(na, nb);
    for (int i = 0; i < na; i++)
        ck_assert_int_eq(a[i], b[i]);
}

/* Every observable of the read side is the same in a and b. */
static void same_read_side(const graph_t *a, const graph_t *b)
{
    ck_assert_int_eq(graph_vertex_count(a), graph_vertex_count(b));
    ck_assert_int_eq(graph_live_vertex_count(a), graph_live_vertex_count(b));
    ck_assert_int_eq(graph_edge_count(a), graph_edge_count(b));
    struct graph_stats sa, sb;
    graph_get_stats(a, &sa);
    graph_get_stats(b, &sb);
    ck_assert_int_eq(sa.vertices, sb.vertices);
    ck_assert_int_eq(sa.edges, sb.edges);
    ck_assert_int_eq(sa.by_type_keys, sb.by_type_keys);
    ck_assert_int_eq(sa.by_name_keys, sb.by_name_keys);
    ck_assert_int_eq(sa.by_path_keys, sb.by_path_keys);
    ck_assert_int_eq(graph_rank_count(a), graph_rank_count(b));
    for (int i = 0; i < graph_rank_count(a); i++) {
        int32_t ra, rb;
        int64_t ca, cb;
        graph_rank_at(a, i, &ra, &ca);
        graph_rank_at(b, i, &rb, &cb);
        ck_assert_int_eq(ra, rb);
        ck_assert_int_eq(ca, cb);
        int na, nb;
        const vtx_t *la = graph_by_rank(a, ra, &na);
        const vtx_t *lb = graph_by_rank(b, rb, &nb);
        same_list(la, na, lb, nb);
        ck_assert_int_eq(na, ca);
    }
    ck_assert_int_eq(graph_subsystem_count(a), graph_subsystem_count(b));
    for (int k = 0; k < graph_subsystem_count(a); k++) {
        atom_t s = graph_subsystem_at(a, k);
        ck_assert_int_eq(graph_root(a, s), graph_root(b, s));
    }
    for (vtx_t v = 0; v < graph_vertex_count(a); v++) {
        ck_assert(graph_vertex_live(a, v) == graph_vertex_live(b, v));
        int na, nb;
        for (int k = 0; k < graph_subsystem_count(a); k++) {
            atom_t s = graph_subsystem_at(a, k);
            const vtx_t *la = graph_children(a, s, v, &na);
            const vtx_t *lb = graph_children(b, s, v, &nb);
            same_list(la, na, lb, nb);
            la = graph_parents(a, s, v, &na);
            lb = graph_parents(b, s, v, &nb);
            same_list(la, na, lb, nb);
            const char *p = graph_path(a, v, s);
            if (p)
                ck_assert_int_eq(graph_find_path(a, p), graph_find_path(b, p));
        }
        /* each type's and name's list once: at its first vertex */
        const vtx_t *la = graph_by_type(a, graph_type(a, v), &na);
        const vtx_t *lb = graph_by_type(b, graph_type(b, v), &nb);
        if ((na > 0 && la[0] == v) || (nb > 0 && lb[0] == v))
            same_list(la, na, lb, nb);
        la = graph_by_name(a, graph_name(a, v), &na);
        lb = graph_by_name(b, graph_name(b, v), &nb);
        if ((na > 0 && la[0] == v) || (nb > 0 && lb[0] == v))
            same_list(la, na, lb, nb);
    }
    for (int64_t e = 0; e < graph_edge_slots(a); e++)
        ck_assert(graph_edge_at(a, e, NULL, NULL, NULL) == graph_edge_at(b, e, NULL, NULL, NULL));
}

static vtx_t add_ranked(graph_t *g, const char *type, int64_t id, int32_t rank,
                        const char *path)
{
    struct vtx_init in = {
        .type = type, .id = id, .uniq_id = graph_vertex_count(g), .rank = rank, .size = 1};
    vtx_t v = graph_add_vertex(g, &in);
    ck_assert_int_ne(v, VTX_NONE);
    ck_assert_int_eq(graph_set_path(g, v, "containment", path), 0);
    return v;
}

/* node<id> with rank id and ncores cores below parent (path prefix). */
static vtx_t add_node(graph_t *g, vtx_t parent, const char *prefix, int id, int ncores)
{
    char path[128];
    ck_assert_int_lt(snprintf(path, sizeof(path), "%s/node%d", prefix, id), (int) sizeof(path));
    vtx_t n = add_ranked(g, "node", id, id, path);
    ck_assert_int_eq(graph_add_edge(g, parent, n, "containment"), 0);
    for (int c = ncores - 1; c >= 0; c--) { /* descending ids: order is insertion order */
        char cp[160];
        snprintf(cp, sizeof(cp), "%s/core%d", path, c);
        vtx_t x = add_ranked(g, "core", c, id, cp);
        ck_assert_int_eq(graph_add_edge(g, n, x, "containment"), 0);
    }
    return n;
}

static void twin_node(struct twin *t, vtx_t parent, const char *prefix, int id, int ncores)
{
    struct st_error err = {{0}};
    vtx_t a = add_node(t->inc, parent, prefix, id, ncores);
    vtx_t b = add_node(t->full, parent, prefix, id, ncores);
    ck_assert_int_eq(a, b);
    ck_assert_msg(graph_finalize(t->inc, &err) == 0, "%s", err.text);
    ck_assert_msg(graph_finalize(t->full, &err) == 0, "%s", err.text);
    same_read_side(t->inc, t->full);
}

static int twin_remove(struct twin *t, const char *path)
{
    atom_t cont = graph_atom_find(t->inc, "containment");
    vtx_t v = graph_find_path(t->inc, path);
    ck_assert_int_ne(v, VTX_NONE);
    ck_assert_int_eq(graph_find_path(t->full, path), v);
    int n = graph_remove_subtree(t->inc, v, cont);
    ck_assert_int_eq(graph_remove_subtree(t->full, v, cont), n);
    same_read_side(t->inc, t->full);
    return n;
}

/* Grow, remove, grow again: lookups, ranks and children order stay exact. */
START_TEST(test_grow_remove_grow)
{
    struct st_error err = {{0}};
    struct twin t = twin_create();
    graph_t *gs[2] = {t.inc, t.full};
    for (int i = 0; i < 2; i++) {
        vtx_t c = add_ranked(gs[i], "cluster", 0, -1, "/c0");
        add_node(gs[i], c, "/c0", 0, 3);
        add_node(gs[i], c, "/c0", 1, 2);
        ck_assert_int_eq(graph_finalize(gs[i], &err), 0);
    }
    atom_t cont = graph_atom_find(t.inc, "containment");
    same_read_side(t.inc, t.full);
    twin_node(&t, 0, "/c0", 2, 2); /* vertices 8..10 */
    int n;
    const vtx_t *ch = graph_children(t.inc, cont, 0, &n);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(ch[0], 1);
    ck_assert_int_eq(ch[1], 5);
    ck_assert_int_eq(ch[2], 8);
    ck_assert_int_eq(graph_find_path(t.inc, "/c0/node2/core0"), 10);
    const vtx_t *r2 = graph_by_rank(t.inc, 2, &n);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(r2[0], 8);
    ck_assert_int_eq(graph_rank_count(t.inc), 4); /* -1, 0, 1, 2 */

    ck_assert_int_eq(twin_remove(&t, "/c0/node0"), 4);
    ck_assert_int_eq(graph_find_path(t.inc, "/c0/node0"), VTX_NONE);
    ck_assert_int_eq(graph_find_path(t.inc, "/c0/node0/core2"), VTX_NONE);
    ck_assert_ptr_null(graph_by_rank(t.inc, 0, &n));
    ck_assert_int_eq(graph_rank_count(t.inc), 3);
    const vtx_t *c2 = graph_by_name(t.inc, "core2", &n);
    ck_assert_int_eq(n, 0);
    ck_assert_ptr_null(c2);
    ch = graph_children(t.inc, cont, 0, &n);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(ch[0], 5);
    ck_assert_int_eq(ch[1], 8);

    /* node0 comes back as new vertices, after node2 in child order */
    twin_node(&t, 0, "/c0", 0, 3);
    ck_assert_int_eq(graph_find_path(t.inc, "/c0/node0"), 11);
    ck_assert_int_eq(graph_find_path(t.inc, "/c0/node0/core0"), 14);
    ch = graph_children(t.inc, cont, 0, &n);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(ch[2], 11);
    const vtx_t *c0 = graph_by_name(t.inc, "core0", &n);
    ck_assert_int_eq(n, 3); /* node1's, node2's, node0's: vtx order */
    ck_assert_int_eq(c0[0], 7);
    ck_assert_int_eq(c0[1], 10);
    ck_assert_int_eq(c0[2], 14);
    int32_t r;
    int64_t cnt;
    graph_rank_at(t.inc, 1, &r, &cnt);
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(cnt, 4);
    struct graph_stats st;
    graph_get_stats(t.inc, &st);
    ck_assert_int_eq(st.vertices, 11);
    ck_assert_int_eq(st.edges, 10);
    ck_assert_int_eq(st.by_path_keys, 11);
    ck_assert_int_eq(st.by_type_keys, 3);
    ck_assert_int_eq(st.by_name_keys, 7); /* cluster0, node0..2, core0..2 */
    twin_destroy(&t);
}
END_TEST

/* Remove everything under the root, then grow it back. */
START_TEST(test_remove_all_then_attach)
{
    struct st_error err = {{0}};
    struct twin t = twin_create();
    graph_t *gs[2] = {t.inc, t.full};
    for (int i = 0; i < 2; i++) {
        vtx_t c = add_ranked(gs[i], "cluster", 0, -1, "/c0");
        for (int k = 0; k < 4; k++)
            add_node(gs[i], c, "/c0", k, 2);
        ck_assert_int_eq(graph_finalize(gs[i], &err), 0);
    }
    atom_t cont = graph_atom_find(t.inc, "containment");
    for (int k = 3; k >= 0; k--) {
        char p[32];
        snprintf(p, sizeof(p), "/c0/node%d", k);
        ck_assert_int_eq(twin_remove(&t, p), 3);
    }
    int n;
    ck_assert_ptr_null(graph_children(t.inc, cont, 0, &n));
    ck_assert_int_eq(graph_live_vertex_count(t.inc), 1);
    ck_assert_int_eq(graph_edge_count(t.inc), 0);
    ck_assert_int_eq(graph_rank_count(t.inc), 1);
    ck_assert_int_eq(graph_find_path(t.inc, "/c0"), 0);
    for (int k = 0; k < 4; k++)
        twin_node(&t, 0, "/c0", 3 - k, 2);
    const vtx_t *ch = graph_children(t.inc, cont, 0, &n);
    ck_assert_int_eq(n, 4);
    for (int k = 0; k < 4; k++) {
        ck_assert_int_eq(graph_id(t.inc, ch[k]), 3 - k);
        ck_assert_int_eq(ch[k], 13 + 3 * k);
    }
    ck_assert_int_eq(graph_rank_count(t.inc), 5);
    graph_destroy(t.inc);
    graph_destroy(t.full);
}
END_TEST

/* A removal takes the subtree's edges out of every subsystem. */
START_TEST(test_remove_multi_subsystem)
{
    struct st_error err = {{0}};
    struct twin t = twin_create();
    graph_t *gs[2] = {t.inc, t.full};
    for (int i = 0; i < 2; i++) {
        graph_t *g = gs[i];
        vtx_t c = add_ranked(g, "cluster", 0, -1, "/c0");
        vtx_t pdu = add(g, "pdu", 0, NULL);
        ck_assert_int_eq(graph_set_path(g, pdu, "power", "/pdu0"), 0);
        for (int k = 0; k < 3; k++) {
            vtx_t n = add_node(g, c, "/c0", k, 2);
            char p[32];
            snprintf(p, sizeof(p), "/pdu0/node%d", k);
            ck_assert_int_eq(graph_set_path(g, n, "power", p), 0);
            ck_assert_int_eq(graph_add_edge(g, pdu, n, "power"), 0);
            /* the node's first core also feeds from the pdu */
            ck_assert_int_eq(graph_add_edge(g, pdu, n + 1, "power"), 0);
        }
        ck_assert_int_eq(graph_finalize(g, &err), 0);
    }
    atom_t pw = graph_atom_find(t.inc, "power");
    int n;
    graph_children(t.inc, pw, 1, &n);
    ck_assert_int_eq(n, 6);
    int64_t edges = graph_edge_count(t.inc);
    ck_assert_int_eq(twin_remove(&t, "/c0/node1"), 3);
    ck_assert_int_eq(graph_edge_count(t.inc), edges - 3 - 2);
    const vtx_t *ch = graph_children(t.inc, pw, 1, &n);
    ck_assert_int_eq(n, 4);
    ck_assert_int_eq(ch[0], 2);
    ck_assert_int_eq(ch[1], 3);
    ck_assert_int_eq(ch[2], 8);
    ck_assert_int_eq(ch[3], 9);
    ck_assert_int_eq(graph_find_path(t.inc, "/pdu0/node1"), VTX_NONE);
    ck_assert_int_eq(graph_find_path(t.inc, "/pdu0/node2"), 8);
    /* the power tree's root goes with what only it feeds, out of every
     * subsystem: node0, node2 and their first cores */
    ck_assert_int_eq(graph_remove_subtree(t.inc, 1, pw), 5);
    ck_assert_int_eq(graph_remove_subtree(t.full, 1, pw), 5);
    same_read_side(t.inc, t.full);
    ck_assert_int_eq(graph_root(t.inc, pw), VTX_NONE);
    atom_t cont = graph_atom_find(t.inc, "containment");
    ck_assert_ptr_null(graph_children(t.inc, cont, 0, &n));
    ck_assert(graph_vertex_live(t.inc, 4)); /* node0's second core: containment only */
    ck_assert_ptr_null(graph_parents(t.inc, cont, 4, &n));
    twin_destroy(&t);
}
END_TEST

/* Two vertices share a path: the first is found; once it is removed, the
 * other. */
START_TEST(test_shared_path_removal)
{
    struct st_error err = {{0}};
    struct twin t = twin_create();
    graph_t *gs[2] = {t.inc, t.full};
    for (int i = 0; i < 2; i++) {
        vtx_t c = add_ranked(gs[i], "cluster", 0, -1, "/c0");
        vtx_t a = add_ranked(gs[i], "node", 0, 0, "/c0/n");
        vtx_t b = add_ranked(gs[i], "node", 1, 1, "/c0/n");
        graph_add_edge(gs[i], c, a, "containment");
        graph_add_edge(gs[i], c, b, "containment");
        ck_assert_int_eq(graph_finalize(gs[i], &err), 0);
    }
    ck_assert_int_eq(graph_find_path(t.inc, "/c0/n"), 1);
    struct graph_stats st;
    graph_get_stats(t.inc, &st);
    ck_assert_int_eq(st.by_path_keys, 2);
    ck_assert_int_eq(twin_remove(&t, "/c0/n"), 1);
    ck_assert_int_eq(graph_find_path(t.inc, "/c0/n"), 2);
    graph_get_stats(t.inc, &st);
    ck_assert_int_eq(st.by_path_keys, 2);
    ck_assert_int_eq(twin_remove(&t, "/c0/n"), 1);
    graph_get_stats(t.inc, &st);
    ck_assert_int_eq(st.by_path_keys, 1);
    twin_destroy(&t);
}
END_TEST

/* A growth that fails validation changes nothing; the next one works. */
START_TEST(test_failed_growth_changes_nothing)
{
    struct st_error err = {{0}};
    struct twin t = twin_create();
    graph_t *gs[2] = {t.inc, t.full};
    for (int i = 0; i < 2; i++) {
        vtx_t c = add_ranked(gs[i], "cluster", 0, -1, "/c0");
        add_node(gs[i], c, "/c0", 0, 2);
        ck_assert_int_eq(graph_finalize(gs[i], &err), 0);
    }
    for (int i = 0; i < 2; i++) {
        graph_t *g = gs[i];
        int32_t nv = graph_vertex_count(g);
        int64_t ne = graph_edge_slots(g);
        /* a cycle through an old vertex: new -> old edge */
        vtx_t x = add_ranked(g, "node", 5, 5, "/c0/node5");
        graph_add_edge(g, 1, x, "containment");
        graph_add_edge(g, x, 0, "containment");
        ck_assert_int_eq(graph_finalize(g, &err), -1);
        ck_assert_msg(strstr(err.text, "cycle"), "%s", err.text);
        ck_assert_int_eq(graph_truncate(g, nv, ne), 0);
        /* a second root */
        add_ranked(g, "cluster", 1, -1, "/c1");
        ck_assert_int_eq(graph_finalize(g, &err), -1);
        ck_assert_msg(strstr(err.text, "duplicate root"), "%s", err.text);
        ck_assert_int_eq(graph_truncate(g, nv, ne), 0);
    }
    same_read_side(t.inc, t.full);
    ck_assert_int_eq(graph_find_path(t.inc, "/c0/node5"), VTX_NONE);
    ck_assert_int_eq(graph_rank_count(t.inc), 2);
    twin_node(&t, 0, "/c0", 7, 1);
    ck_assert_int_eq(graph_find_path(t.inc, "/c0/node7"), 4);
    twin_destroy(&t);
}
END_TEST

/* Random growths and removals on a larger graph with two subsystems (the
 * list pools get packed along the way): the in-place read side stays equal
 * to the rebuilt one after every change. */
START_TEST(test_random_changes)
{
    struct st_error err = {{0}};
    struct twin t = twin_create();
    graph_t *gs[2] = {t.inc, t.full};
    unsigned seed = 12345;
    int next_id = 0;
    for (int i = 0; i < 2; i++) {
        vtx_t c = add_ranked(gs[i], "cluster", 0, -1, "/c0");
        vtx_t p = add(gs[i], "pdu", 0, NULL);
        graph_set_path(gs[i], p, "power", "/pdu0");
        ck_assert_int_eq(graph_finalize(gs[i], &err), 0);
        (void) c;
    }
    atom_t cont = graph_atom_find(t.inc, "containment");
    for (int step = 0; step < 160; step++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = (seed >> 8) % 100;
        int32_t nv = graph_vertex_count(t.inc);
        if (r < 60 || graph_live_vertex_count(t.inc) < 50) {
            /* grow: a node of 1..60 cores under the root or a live node,
             * fed by the pdu in the power subsystem */
            vtx_t parent = 0;
            seed = seed * 1103515245u + 12345u;
            vtx_t cand = (vtx_t) ((seed >> 8) % (unsigned) nv);
            if (graph_vertex_live(t.inc, cand) &&
                strcmp(graph_atom_str(t.inc, graph_type(t.inc, cand)), "node") == 0)
                parent = cand;
            const char *prefix = graph_path(t.inc, parent, cont);
            char pre[128];
            snprintf(pre, sizeof(pre), "%s", prefix);
            int id = next_id++;
            int ncores = 1 + (int) ((seed >> 4) % 60);
            for (int i = 0; i < 2; i++) {
                vtx_t n = add_node(gs[i], parent, pre, id, ncores);
                char pp[32];
                snprintf(pp, sizeof(pp), "/pdu0/node%d", id);
                graph_set_path(gs[i], n, "power", pp);
                graph_add_edge(gs[i], 1, n, "power");
                ck_assert_msg(graph_finalize(gs[i], &err) == 0, "%s", err.text);
            }
        } else {
            vtx_t v;
            do {
                seed = seed * 1103515245u + 12345u;
                v = (vtx_t) (2 + (seed >> 8) % (unsigned) (nv - 2));
            } while (!graph_vertex_live(t.inc, v));
            int n = graph_remove_subtree(t.inc, v, cont);
            ck_assert_int_gt(n, 0);
            ck_assert_int_eq(graph_remove_subtree(t.full, v, cont), n);
        }
        same_read_side(t.inc, t.full);
    }
    ck_assert_int_gt(graph_vertex_count(t.inc), 2500);
    twin_destroy(&t);
}
END_TEST

START_TEST(test_badparam)
{
    struct vtx_init in = {.type = "core"};
    graph_t *g = small_graph();
    struct st_error err = {{0}};
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    atom_t cont = graph_atom_find(g, "containment");
    int n = 7;

    errno = 0;
    ck_assert_int_eq(graph_add_vertex(NULL, &in), VTX_NONE);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(graph_add_vertex(g, NULL), VTX_NONE);
    in.type = NULL;
    ck_assert_int_eq(graph_add_vertex(g, &in), VTX_NONE);
    in.type = "core";
    in.status = 7;
    ck_assert_int_eq(graph_add_vertex(g, &in), VTX_NONE);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(graph_vertex_count(g), 6);

    ck_assert_int_eq(graph_set_path(NULL, 0, "containment", "/x"), -1);
    ck_assert_int_eq(graph_set_path(g, 99, "containment", "/x"), -1);
    ck_assert_int_eq(graph_set_path(g, -1, "containment", "/x"), -1);
    ck_assert_int_eq(graph_set_path(g, 0, NULL, "/x"), -1);
    ck_assert_int_eq(graph_set_path(g, 0, "containment", NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(graph_set_property(g, 99, "k", "v"), -1);
    ck_assert_int_eq(graph_set_property(g, 0, NULL, "v"), -1);
    ck_assert_int_eq(graph_set_property(g, 0, "k", NULL), -1);
    ck_assert_int_eq(graph_set_property(NULL, 0, "k", "v"), -1);
    ck_assert_int_eq(graph_remove_property(NULL, 0, "k"), -1);
    ck_assert_int_eq(graph_remove_property(g, 99, "k"), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(graph_add_edge(NULL, 0, 1, "containment"), -1);
    ck_assert_int_eq(graph_add_edge(g, -1, 1, "containment"), -1);
    ck_assert_int_eq(graph_add_edge(g, 0, -1, "containment"), -1);
    ck_assert_int_eq(graph_add_edge(g, 0, 1, NULL), -1);
    ck_assert_int_eq(graph_add_edge(g, 0, 1, ""), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(graph_edge_slots(g), 5);
    ck_assert_int_eq(graph_reserve(NULL, 1, 1), -1);
    ck_assert_int_eq(graph_reserve(g, -1, 1), -1);
    ck_assert_int_eq(graph_truncate(NULL, 0, 0), -1);
    ck_assert_int_eq(graph_truncate(g, 7, 5), -1);

    ck_assert_int_eq(graph_remove_subtree(NULL, 0, cont), -1);
    ck_assert_int_eq(graph_remove_subtree(g, 99, cont), -1);
    ck_assert_int_eq(graph_remove_subtree(g, 0, ATOM_NONE), -1);
    ck_assert_int_eq(graph_remove_subtree(g, 0, graph_atom(g, "nosuch")), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(graph_live_vertex_count(g), 6);
    ck_assert(!graph_vertex_live(NULL, 0));
    ck_assert(!graph_vertex_live(g, 6));
    ck_assert(!graph_vertex_live(g, -1));

    ck_assert_int_eq(graph_atom(NULL, "x"), ATOM_NONE);
    ck_assert_int_eq(graph_atom(g, NULL), ATOM_NONE);
    ck_assert_int_eq(graph_atom_find(NULL, "x"), ATOM_NONE);
    ck_assert_int_eq(graph_atom_find(g, NULL), ATOM_NONE);
    ck_assert_str_eq(graph_atom_str(NULL, 0), "");
    ck_assert_str_eq(graph_atom_str(g, 99999), "");

    ck_assert_int_eq(graph_vertex_count(NULL), 0);
    ck_assert_int_eq(graph_live_vertex_count(NULL), 0);
    ck_assert_int_eq(graph_edge_count(NULL), 0);
    ck_assert_int_eq(graph_type(g, 6), ATOM_NONE);
    ck_assert_int_eq(graph_type(NULL, 0), ATOM_NONE);
    ck_assert_int_eq(graph_basename(g, -1), ATOM_NONE);
    ck_assert_int_eq(graph_name_atom(g, 6), ATOM_NONE);
    ck_assert_ptr_null(graph_name(g, 6));
    ck_assert_int_eq(graph_id(g, 6), -1);
    ck_assert_int_eq(graph_uniq_id(g, 6), -1);
    ck_assert_int_eq(graph_rank(g, 6), -1);
    ck_assert_int_eq(graph_size(g, 6), -1);
    ck_assert_int_eq(graph_unit(g, 6), ATOM_NONE);
    errno = 0;
    ck_assert_int_eq(graph_status(g, 6), VTX_DOWN);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(graph_set_status(g, 6, VTX_UP), -1);
    ck_assert_int_eq(graph_set_status(NULL, 0, VTX_UP), -1);
    ck_assert_int_eq(graph_set_status(g, 0, (enum vtx_status) 5), -1);
    ck_assert_int_eq(graph_status(g, 0), VTX_UP);
    ck_assert_ptr_null(graph_path(g, 6, cont));
    ck_assert_ptr_null(graph_path(g, 0, ATOM_NONE));
    ck_assert_ptr_null(graph_path(NULL, 0, cont));
    ck_assert_ptr_null(graph_property(g, 6, "k"));
    ck_assert_ptr_null(graph_property(g, 0, NULL));
    ck_assert_int_eq(graph_property_count(g, 6), -1);
    ck_assert_int_eq(graph_property_count(NULL, 0), -1);
    ck_assert_int_eq(graph_property_at(g, 6, 0, NULL, NULL), -1);
    ck_assert_int_eq(graph_property_at(g, 0, -1, NULL, NULL), -1);
    ck_assert_int_eq(graph_subsystem_count(NULL), 0);
    ck_assert_int_eq(graph_subsystem_at(g, 1), ATOM_NONE);
    ck_assert_int_eq(graph_subsystem_at(g, -1), ATOM_NONE);
    ck_assert_int_eq(graph_subsystem_at(NULL, 0), ATOM_NONE);
    ck_assert_int_eq(graph_root(NULL, cont), VTX_NONE);
    ck_assert_int_eq(graph_root(g, ATOM_NONE), VTX_NONE);
    ck_assert_ptr_null(graph_children(NULL, cont, 0, &n));
    ck_assert_int_eq(n, 0);
    n = 7;
    ck_assert_ptr_null(graph_children(g, cont, 6, &n));
    ck_assert_int_eq(n, 0);
    ck_assert_ptr_null(graph_children(g, ATOM_NONE, 0, &n));
    ck_assert_ptr_nonnull(graph_children(g, cont, 0, NULL));
    ck_assert_ptr_null(graph_parents(g, cont, -1, &n));
    ck_assert_ptr_null(graph_parents(NULL, cont, 1, &n));
    ck_assert_int_eq(graph_edge_slots(NULL), 0);
    ck_assert(!graph_edge_at(NULL, 0, NULL, NULL, NULL));
    ck_assert(!graph_edge_at(g, 5, NULL, NULL, NULL));
    ck_assert(!graph_edge_at(g, -1, NULL, NULL, NULL));
    ck_assert_int_eq(graph_find_path(NULL, "/cluster0"), VTX_NONE);
    ck_assert_int_eq(graph_find_path(g, NULL), VTX_NONE);
    ck_assert_ptr_null(graph_by_type(NULL, 0, &n));
    ck_assert_ptr_null(graph_by_type(g, ATOM_NONE, &n));
    ck_assert_ptr_null(graph_by_type(g, 99999, &n));
    ck_assert_ptr_null(graph_by_name(NULL, "core0", &n));
    ck_assert_ptr_null(graph_by_name(g, NULL, &n));
    ck_assert_ptr_null(graph_by_rank(NULL, -1, &n));
    ck_assert_int_eq(n, 0);
    struct graph_stats st = {5, 5, 5, 5, 5};
    graph_get_stats(NULL, &st);
    ck_assert_int_eq(st.vertices, 0);
    graph_get_stats(g, NULL); /* no crash */
    ck_assert_int_eq(graph_rank_count(NULL), 0);
    int32_t rank = 42;
    int64_t cnt = 42;
    graph_rank_at(g, 5, &rank, &cnt);
    ck_assert_int_eq(rank, 42);
    graph_rank_at(NULL, 0, &rank, &cnt);
    ck_assert_int_eq(cnt, 42);
    ck_assert_uint_eq(graph_memory_bytes(NULL), 0);
    TL_ASSERT_ERRNO(graph_set_full_rebuild(NULL, true), EINVAL);
    ck_assert(!graph_full_rebuild(NULL));
    errno = 42;
    graph_destroy(NULL);
    ck_assert_int_eq(errno, 42);
    graph_destroy(g);
}
END_TEST

/* A flat graph large enough to exercise regrowth and the hash tables. */
START_TEST(test_large)
{
    struct st_error err = {{0}};
    graph_t *g = graph_create();
    char path[64];
    vtx_t root = add(g, "cluster", 0, "/big0");
    for (int i = 0; i < 20000; i++) {
        snprintf(path, sizeof(path), "/big0/node%d", i);
        struct vtx_init in = {.type = "node", .id = i, .rank = i, .size = 1};
        vtx_t v = graph_add_vertex(g, &in);
        graph_set_path(g, v, "containment", path);
        graph_add_edge(g, root, v, "containment");
    }
    ck_assert_int_eq(graph_finalize(g, &err), 0);
    ck_assert_int_eq(graph_find_path(g, "/big0/node12345"), 12346);
    int n;
    const vtx_t *l = graph_by_rank(g, 19999, &n);
    ck_assert_int_eq(n, 1);
    ck_assert_int_eq(l[0], 20000);
    ck_assert_int_eq(graph_rank_count(g), 20001);
    graph_children(g, graph_atom_find(g, "containment"), root, &n);
    ck_assert_int_eq(n, 20000);
    graph_destroy(g);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("graph");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_build_and_read);
    tcase_add_test(tc, test_name_defaults);
    tcase_add_test(tc, test_indexes_and_stats);
    tcase_add_test(tc, test_properties);
    tcase_add_test(tc, test_finalize_errors);
    tcase_add_test(tc, test_growth_and_truncate);
    tcase_add_test(tc, test_remove_subtree);
    tcase_add_test(tc, test_remove_shared_child);
    tcase_add_test(tc, test_remove_subtrees);
    tcase_add_test(tc, test_subsystems);
    tcase_add_test(tc, test_empty_and_reserve);
    tcase_add_test(tc, test_atoms);
    tcase_add_test(tc, test_too_many_subsystems);
    tcase_add_test(tc, test_badparam);
    tcase_add_test(tc, test_large);
    tcase_add_test(tc, test_grow_remove_grow);
    tcase_add_test(tc, test_remove_all_then_attach);
    tcase_add_test(tc, test_remove_multi_subsystem);
    tcase_add_test(tc, test_shared_path_removal);
    tcase_add_test(tc, test_failed_growth_changes_nothing);
    tcase_add_test(tc, test_random_changes);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
