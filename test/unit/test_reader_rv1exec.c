/* Unit tests for the rv1exec reader (resource/reader_rv1exec.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resource/reader.h"
#include "test/unit/testlib.h"

static atom_t containment(const graph_t *g)
{
    return graph_atom_find(g, "containment");
}

START_TEST(test_tiny)
{
    struct st_error err = { { 0 } };
    graph_t *g = reader_rv1exec_load(tl_conformance_path("rv1exec/tiny_rv1exec.json"), &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    /* cluster0 + 2 nodes x (1 + 16 cores + 4 gpus) */
    ck_assert_int_eq(graph_live_vertex_count(g), 43);
    ck_assert_int_eq(graph_edge_count(g), 42);
    vtx_t root = graph_root(g, containment(g));
    ck_assert_str_eq(graph_name(g, root), "cluster0");
    ck_assert_int_eq(graph_uniq_id(g, root), 0);
    int nn = 0;
    const vtx_t *nodes = graph_children(g, containment(g), root, &nn);
    ck_assert_int_eq(nn, 2);
    ck_assert_str_eq(graph_name(g, nodes[0]), "node0");
    ck_assert_str_eq(graph_name(g, nodes[1]), "node1");
    ck_assert_int_eq(graph_id(g, nodes[1]), 1);
    ck_assert_int_eq(graph_rank(g, nodes[1]), 1);
    ck_assert_str_eq(graph_atom_str(g, graph_basename(g, nodes[1])), "node");
    /* uniq_ids follow creation order: node0, its children, then node1. */
    ck_assert_int_eq(graph_uniq_id(g, nodes[0]), 1);
    ck_assert_int_eq(graph_uniq_id(g, nodes[1]), 22);
    int nc = 0;
    const vtx_t *ch = graph_children(g, containment(g), nodes[1], &nc);
    ck_assert_int_eq(nc, 20);
    ck_assert_str_eq(graph_name(g, ch[0]), "core0");
    ck_assert_str_eq(graph_name(g, ch[15]), "core15");
    ck_assert_str_eq(graph_name(g, ch[16]), "gpu0");
    ck_assert_int_eq(graph_rank(g, ch[16]), 1);
    ck_assert_int_eq(graph_size(g, ch[16]), 1);
    ck_assert_int_eq(graph_id(g, ch[19]), 3);
    ck_assert_int_eq(graph_find_path(g, "/cluster0/node1/gpu3"), ch[19]);
    graph_destroy(g);
}
END_TEST

/* Hostnames go to ranks in ascending rank order, whatever the R_lite order;
 * properties land on nodes or, with @type, on children of that type. */
START_TEST(test_hosts_props)
{
    const char *text =
        "{\"version\": 1, \"execution\": {\"R_lite\": ["
        "  {\"rank\": \"3\", \"children\": {\"gpu\": \"1\", \"core\": \"0-1\"}},"
        "  {\"rank\": \"1\", \"children\": {\"core\": \"4\"}}],"
        " \"nodelist\": [\"login\", \"fat[07]\"],"
        " \"properties\": {\"big\": \"3\", \"fast@core\": \"1,3\"},"
        " \"starttime\": 10, \"expiration\": 20.5}}";
    struct st_error err = { { 0 } };
    graph_t *g = reader_rv1exec_parse(text, "r.json", &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    ck_assert_int_eq(graph_live_vertex_count(g), 7);
    vtx_t fat = graph_find_path(g, "/cluster0/fat07");
    vtx_t login = graph_find_path(g, "/cluster0/login");
    ck_assert_int_ne(fat, VTX_NONE);
    ck_assert_int_ne(login, VTX_NONE);
    ck_assert_int_eq(graph_rank(g, fat), 3);
    ck_assert_int_eq(graph_id(g, fat), 7);
    ck_assert_str_eq(graph_atom_str(g, graph_basename(g, fat)), "fat");
    ck_assert_int_eq(graph_rank(g, login), 1);
    ck_assert_int_eq(graph_id(g, login), -1);
    /* Entry order decides creation order: rank 3 first. */
    ck_assert_int_eq(graph_uniq_id(g, fat), 1);
    int nc = 0;
    const vtx_t *ch = graph_children(g, containment(g), fat, &nc);
    ck_assert_int_eq(nc, 3);
    ck_assert_str_eq(graph_name(g, ch[0]), "gpu1"); /* children keep file order */
    ck_assert_str_eq(graph_name(g, ch[2]), "core1");
    ck_assert_ptr_nonnull(graph_property(g, fat, "big"));
    ck_assert_ptr_null(graph_property(g, login, "big"));
    ck_assert_ptr_nonnull(graph_property(g, ch[1], "fast"));
    ck_assert_ptr_null(graph_property(g, ch[0], "fast"));
    ck_assert_ptr_null(graph_property(g, fat, "fast"));
    vtx_t c4 = graph_find_path(g, "/cluster0/login/core4");
    ck_assert_ptr_nonnull(graph_property(g, c4, "fast"));
    graph_destroy(g);
}
END_TEST

START_TEST(test_records)
{
    const char *text =
        "{\"version\": 1, \"execution\": {\"R_lite\": ["
        "  {\"rank\": \"0-1\", \"children\": {\"core\": \"0-15\", \"gpu\": \"0-3\"}},"
        "  {\"rank\": \"5\", \"children\": {\"core\": \"2\"}}],"
        " \"nodelist\": [\"node[0-1]\", \"node9\"], \"starttime\": 5, \"expiration\": 1000000},"
        " \"scheduling\": {\"graph\": {}}}";
    struct st_error err = { { 0 } };
    struct reader_rv1 *r = reader_rv1_parse(text, "r", &err);
    ck_assert_msg(r != NULL, "%s", err.text);
    ck_assert_int_eq(r->nentries, 2);
    char *s = idset_encode(r->entries[0].ranks);
    ck_assert_str_eq(s, "0-1");
    free(s);
    ck_assert_int_eq(r->entries[0].nchildren, 2);
    ck_assert_str_eq(r->entries[0].child_types[1], "gpu");
    s = idset_encode(r->entries[0].child_ids[0]);
    ck_assert_str_eq(s, "0-15");
    free(s);
    s = idset_encode(r->all_ranks);
    ck_assert_str_eq(s, "0-1,5");
    free(s);
    ck_assert_str_eq(reader_rv1_hostname(r, 5), "node9");
    ck_assert_str_eq(reader_rv1_hostname(r, 1), "node1");
    ck_assert_ptr_null(reader_rv1_hostname(r, 2));
    ck_assert_int_eq(r->starttime, 5);
    ck_assert_int_eq(r->expiration, 1000000);
    ck_assert(r->has_scheduling);
    reader_rv1_destroy(r);
}
END_TEST

/* Several brokers on one host share its name; a rank split over several
 * R_lite entries gets one node with the union of its children. */
START_TEST(test_shared_hosts_split_ranks)
{
    const char *text =
        "{\"version\": 1, \"execution\": {\"R_lite\": ["
        "  {\"rank\": \"0-1\", \"children\": {\"core\": \"0-1\"}},"
        "  {\"rank\": \"1\", \"children\": {\"core\": \"1-2\", \"gpu\": \"0\"}}],"
        " \"nodelist\": [\"node\", \"node\"]}}";
    struct st_error err = { { 0 } };
    graph_t *g = reader_rv1exec_parse(text, "r", &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    /* cluster, 2 nodes, rank 0: core0-1, rank 1: core0-2 + gpu0 */
    ck_assert_int_eq(graph_live_vertex_count(g), 9);
    int n = 0;
    const vtx_t *r1 = graph_by_rank(g, 1, &n);
    ck_assert_int_eq(n, 5);
    vtx_t node1 = VTX_NONE;
    for (int i = 0; i < n; i++) {
        if (strcmp(graph_atom_str(g, graph_type(g, r1[i])), "node") == 0)
            node1 = r1[i];
    }
    ck_assert_int_ne(node1, VTX_NONE);
    ck_assert_str_eq(graph_name(g, node1), "node");
    ck_assert_int_eq(graph_id(g, node1), -1);
    int nc = 0;
    const vtx_t *ch = graph_children(g, containment(g), node1, &nc);
    ck_assert_int_eq(nc, 4);
    ck_assert_str_eq(graph_name(g, ch[2]), "core2");
    ck_assert_str_eq(graph_name(g, ch[3]), "gpu0");
    graph_destroy(g);
}
END_TEST

/* An R with a scheduling JGF loads that JGF unless rv1exec is forced or the
 * JGF is shorthand. */
START_TEST(test_r_with_scheduling)
{
    const char *fmt =
        "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"0\", \"children\": "
        "{\"core\": \"0-1\"}}], \"nodelist\": [\"n0\"]},"
        " \"scheduling\": {%s\"graph\": {\"nodes\": ["
        "{\"id\": \"0\", \"metadata\": {\"type\": \"cluster\", \"basename\": \"big\","
        " \"paths\": {\"containment\": \"/big0\"}}},"
        "{\"id\": \"1\", \"metadata\": {\"type\": \"node\", \"name\": \"n0\", \"rank\": 0,"
        " \"paths\": {\"containment\": \"/big0/n0\"}}}],"
        " \"edges\": [{\"source\": \"0\", \"target\": \"1\"}]}}}";
    char text[2048];
    struct st_error err = { { 0 } };
    snprintf(text, sizeof(text), fmt, "");
    graph_t *g = reader_r_parse(text, "r", false, &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    ck_assert_int_eq(graph_live_vertex_count(g), 2);
    ck_assert_int_ne(graph_find_path(g, "/big0/n0"), VTX_NONE);
    graph_destroy(g);
    g = reader_r_parse(text, "r", true, &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    ck_assert_int_eq(graph_live_vertex_count(g), 4); /* cluster0, n0, core0-1 */
    ck_assert_int_ne(graph_find_path(g, "/cluster0/n0/core1"), VTX_NONE);
    graph_destroy(g);
    snprintf(text, sizeof(text), fmt, "\"writer\": \"fluxion:jgf_shorthand\", ");
    g = reader_r_parse(text, "r", false, &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    ck_assert_int_eq(graph_live_vertex_count(g), 4);
    graph_destroy(g);
    TL_ASSERT_NULL_ERRNO(reader_r_parse(NULL, "r", false, &err), EINVAL);
    ck_assert_ptr_null(reader_r_parse("{", "r", false, &err));
    ck_assert_int_eq(errno, EINVAL);
}
END_TEST

static const struct {
    const char *text;
    const char *msg;
} bad_cases[] = {
    { "{\"version\": 1,", "bad.json:1:" },
    { "[]", "top level" },
    { "{\"version\": 2, \"execution\": {}}", "version must be 1" },
    { "{\"version\": 1}", "missing \"execution\"" },
    { "{\"version\": 1, \"execution\": {\"R_lite\": {}}}", "R_lite must be an array" },
    { "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"x\"}], \"nodelist\": [\"a\"]}}",
      "R_lite[0].rank" },
    { "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": 0}], \"nodelist\": [\"a\"]}}",
      "R_lite[0].rank must be an idset" },
    { "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"0-1\"}], \"nodelist\": [\"a\"]}}",
      "1 hosts for 2 ranks" },
    { "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"0\", \"children\": []}],"
      " \"nodelist\": [\"a\"]}}", "children must be an object" },
    { "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"0\", \"children\": {\"core\": \"3-1\"}}],"
      " \"nodelist\": [\"a\"]}}", "R_lite[0].children.core" },
    { "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"0\"}], \"nodelist\": [\"a[\"]}}",
      "nodelist[0]" },
    { "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"0\"}], \"nodelist\": [\"a\"],"
      " \"properties\": {\"p\": 3}}}", "properties.p" },
    { "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"0\"}], \"nodelist\": [\"a\"],"
      " \"starttime\": \"x\"}}", "starttime" },
    { "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"0-1\", \"children\": "
      "{\"core\": \"0-99999999\"}}], \"nodelist\": [\"a[0-1]\"]}}", "more than 16777216 vertices" },
    /* Records allow no nodelist; a graph needs host names. */
    { "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"0\"}]}}", "nodelist" },
};

START_TEST(test_errors)
{
    struct st_error err = { { 0 } };
    errno = 0;
    graph_t *g = reader_rv1exec_parse(bad_cases[_i].text, "bad.json", &err);
    ck_assert_msg(g == NULL, "case %d should fail", _i);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_msg(strstr(err.text, bad_cases[_i].msg) != NULL, "case %d: '%s' lacks '%s'", _i,
                  err.text, bad_cases[_i].msg);
    ck_assert_msg(strncmp(err.text, "bad.json", 8) == 0, "%s", err.text);
}
END_TEST

START_TEST(test_badparam)
{
    struct st_error err;
    TL_ASSERT_NULL_ERRNO(reader_rv1exec_load(NULL, &err), EINVAL);
    TL_ASSERT_NULL_ERRNO(reader_rv1exec_load("/nonexistent/r.json", &err), ENOENT);
    TL_ASSERT_NULL_ERRNO(reader_rv1exec_parse(NULL, "x", &err), EINVAL);
    TL_ASSERT_NULL_ERRNO(reader_rv1_parse(NULL, "x", &err), EINVAL);
    ck_assert_ptr_null(reader_rv1_hostname(NULL, 0));
    errno = 42;
    reader_rv1_destroy(NULL);
    ck_assert_int_eq(errno, 42);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("reader_rv1exec");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_tiny);
    tcase_add_test(tc, test_hosts_props);
    tcase_add_test(tc, test_records);
    tcase_add_test(tc, test_shared_hosts_split_ranks);
    tcase_add_test(tc, test_r_with_scheduling);
    tcase_add_loop_test(tc, test_errors, 0, sizeof(bad_cases) / sizeof(bad_cases[0]));
    tcase_add_test(tc, test_badparam);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
