/* Unit tests for the candidate order of the policies, on small graphs of
 * our own (the policy module's flags are in test_policy.c):
 *
 * - `first`: a child's weight starts at the total of its first tracked
 *   filter type (cores under the default `ALL:core,ALL:node`) and a job
 *   sets the weight of its own vertices (not their siblings') to the
 *   availability of the last tracked type (nodes for a rack), so a rack no
 *   job has reached comes before one a job has;
 * - `-T flexible`: candidates of or-slot alternatives with equal scores go
 *   to the later one in graph order, a lone slot keeps graph order.
 *
 * Graph (cores numbered per node, so equal ids tie under `high`):
 *
 *   cluster0 -> rack0 -> node0 -> core0, core1
 *                     -> node1 -> core0, core1
 *            -> rack1 -> node2 -> core0, core1
 *                     -> node3 -> core0, core1
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec/jobspec.h"
#include "match/match.h"
#include "match/match_private.h"
#include "resource/graph.h"
#include "resource/writer.h"
#include "test/unit/testlib.h"

static graph_t *g;
static vtx_t v_rack[2], v_node[4];

static vtx_t add(const char *type, int64_t id, const char *path)
{
    struct vtx_init in = {
        .type = type,
        .id = id,
        .uniq_id = graph_vertex_count(g),
        .rank = -1,
        .size = 1,
    };
    vtx_t v = graph_add_vertex(g, &in);
    ck_assert_int_ge(v, 0);
    ck_assert_int_eq(graph_set_path(g, v, "containment", path), 0);
    return v;
}

static void build(void)
{
    char path[128];
    g = graph_create();
    ck_assert_ptr_nonnull(g);
    vtx_t c = add("cluster", 0, "/cluster0");
    for (int r = 0; r < 2; r++) {
        snprintf(path, sizeof(path), "/cluster0/rack%d", r);
        v_rack[r] = add("rack", r, path);
        ck_assert_int_eq(graph_add_edge(g, c, v_rack[r], "containment"), 0);
        for (int n = 2 * r; n < 2 * r + 2; n++) {
            snprintf(path, sizeof(path), "/cluster0/rack%d/node%d", r, n);
            v_node[n] = add("node", n, path);
            ck_assert_int_eq(graph_add_edge(g, v_rack[r], v_node[n], "containment"), 0);
            for (int k = 0; k < 2; k++) {
                snprintf(path, sizeof(path), "/cluster0/rack%d/node%d/core%d", r, n, k);
                vtx_t cv = add("core", k, path);
                ck_assert_int_eq(graph_add_edge(g, v_node[n], cv, "containment"), 0);
            }
        }
    }
    struct st_error err = {{0}};
    ck_assert_msg(graph_finalize(g, &err) == 0, "%s", err.text);
}

static void teardown(void)
{
    graph_destroy(g);
    g = NULL;
}

static matcher_t *make(const char *policy, enum match_traverser t)
{
    struct match_params p = {.policy = policy, .traverser = t};
    struct st_error err = {{0}};
    matcher_t *m = match_create(g, &p, &err);
    ck_assert_msg(m != NULL, "%s", err.text);
    return m;
}

static jobspec_t *spec(const char *resources)
{
    char buf[2048];
    snprintf(buf, sizeof(buf),
             "version: 9999\nresources:\n%s\nattributes:\n  system:\n    duration: 3600\n"
             "tasks:\n  - command: [ app ]\n    slot: default\n    count:\n      per_slot: 1\n",
             resources);
    struct st_error err = {{0}};
    jobspec_t *js = jobspec_parse_string(buf, strlen(buf), "test", &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    return js;
}

/* Allocate js as job id; returns the simple writer's text (to free). */
static char *alloc(matcher_t *m, const jobspec_t *js, int64_t id)
{
    writer_t *w = writer_create(WRITER_SIMPLE, g);
    ck_assert_ptr_nonnull(w);
    struct st_error err = {{0}};
    int64_t at = 0;
    ck_assert_msg(match_run(m, MATCH_ALLOCATE, js, id, &at, w, NULL, &err) == 0, "job %lld: %s",
                  (long long) id, err.text);
    char *s = writer_render(w);
    writer_destroy(w);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* The job's output names `name` as a vertex (e.g. "node2[1:s]"). */
static void assert_has(const char *out, const char *name)
{
    ck_assert_msg(strstr(out, name) != NULL, "expected %s in:\n%s", name, out);
}

/* node[1] shared, one core of it exclusive (a slot below the node). */
static const char node_core[] = "  - type: node\n    count: 1\n    with:\n"
                                "      - type: slot\n        count: 1\n        label: default\n"
                                "        with:\n          - type: core\n            count: 1";

START_TEST(test_first_untouched_rack_first)
{
    build();
    matcher_t *m = make("first", MATCH_TRAVERSER_SIMPLE);
    jobspec_t *js = spec(node_core);
    /* Before any job: the racks' weights are their core totals (the first
     * filter type), the nodes' their core totals: a tie, higher uniq_id. */
    ck_assert_int_eq(match_weight_static(m, v_rack[0]), 4);
    ck_assert_int_eq(match_weight_static(m, v_rack[1]), 4);
    ck_assert_int_eq(match_weight_static(m, v_node[0]), 2);
    char *o1 = alloc(m, js, 1);
    assert_has(o1, "node3[1:s]");
    assert_has(o1, "rack1[1:s]");
    /* rack1's weight is now its free nodes (2: the node is shared), below
     * rack0's untouched core total (4): the next job goes to rack0.  (With
     * every child of a touched vertex refreshed, rack0 would be 2 too and
     * the tie would go to rack1 again.) */
    char *o2 = alloc(m, js, 2);
    assert_has(o2, "node1[1:s]");
    assert_has(o2, "rack0[1:s]");
    /* Both racks touched, 2 free nodes each: the tie goes to the higher
     * uniq_id, rack1; inside it node3 (1 free core, refreshed by job 1)
     * comes after node2, which no job reached (2). */
    char *o3 = alloc(m, js, 3);
    assert_has(o3, "node2[1:s]");
    assert_has(o3, "rack1[1:s]");
    free(o1);
    free(o2);
    free(o3);
    jobspec_destroy(js);
    match_destroy(m);
    teardown();
}
END_TEST

/* The order key of an exclusive node is 0 free nodes: a rack with one
 * goes after the other rack. */
START_TEST(test_first_exclusive_node_lowers_rack)
{
    build();
    matcher_t *m = make("first", MATCH_TRAVERSER_SIMPLE);
    jobspec_t *x = spec("  - type: slot\n    count: 1\n    label: default\n    with:\n"
                        "      - type: node\n        count: 1");
    jobspec_t *js = spec(node_core);
    char *o1 = alloc(m, x, 1);
    assert_has(o1, "node3[1:x]");
    char *o2 = alloc(m, js, 2); /* rack0 untouched (4) vs rack1 (1 free node) */
    assert_has(o2, "rack0[1:s]");
    char *o3 = alloc(m, js, 3); /* rack0: 2 free nodes vs rack1: 1 */
    assert_has(o3, "rack0[1:s]");
    assert_has(o3, "node0[1:s]");
    free(o1);
    free(o2);
    free(o3);
    jobspec_destroy(x);
    jobspec_destroy(js);
    match_destroy(m);
    teardown();
}
END_TEST

/* Two identical or-slot alternatives under `high`: core1 of node0..node3
 * all score the same; the later (node3) is taken.  A lone slot takes the
 * first in graph order (node0). */
START_TEST(test_flexible_or_slot_tie_later)
{
    static const char slot_core[] = "  - type: slot\n    count: 1\n    label: default\n"
                                    "    with:\n      - type: core\n        count: 1";
    char two[512];
    snprintf(two, sizeof(two), "%s\n%s", slot_core, slot_core);
    build();
    matcher_t *m = make("high", MATCH_TRAVERSER_FLEXIBLE);
    jobspec_t *alt = spec(two);
    jobspec_t *one = spec(slot_core);
    char *o1 = alloc(m, alt, 1);
    assert_has(o1, "core1[1:x]");
    assert_has(o1, "node3[1:s]");
    ck_assert_ptr_null(strstr(o1, "node0"));
    char *o2 = alloc(m, one, 2);
    assert_has(o2, "core1[1:x]");
    assert_has(o2, "node0[1:s]");
    ck_assert_ptr_null(strstr(o2, "node3"));
    free(o1);
    free(o2);
    jobspec_destroy(alt);
    jobspec_destroy(one);
    match_destroy(m);
    teardown();
}
END_TEST

START_TEST(test_badparam)
{
    build();
    matcher_t *m = make("first", MATCH_TRAVERSER_SIMPLE);
    ck_assert_int_eq(match_weight_static(NULL, 0), 0);
    ck_assert_int_eq(match_weight_static(m, -1), 0);
    ck_assert_int_eq(match_weight_static(m, (vtx_t) graph_vertex_count(g)), 0);
    /* a core tracks nothing below it */
    vtx_t core = v_node[0] + 1;
    ck_assert_str_eq(graph_atom_str(g, graph_type(g, core)), "core");
    ck_assert_int_eq(match_weight_static(m, core), 0);
    match_destroy(m);
    teardown();
}
END_TEST

static Suite *order_suite(void)
{
    Suite *s = suite_create("policy_order");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_first_untouched_rack_first);
    tcase_add_test(tc, test_first_exclusive_node_lowers_rack);
    tcase_add_test(tc, test_flexible_or_slot_tie_later);
    tcase_add_test(tc, test_badparam);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(order_suite());
}
