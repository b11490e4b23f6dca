/* Unit tests for the root-only anchor filter types (match/match.c,
 * commit.c, elastic.c): leaf types the -p spec does not list are tracked at
 * the root alone, so only the root keeps their totals (matcher.atot) and
 * the per-vertex rows hold the listed types (fstride of them).  Below the
 * root a filter planner has the listed types and one dimension for the
 * anchor types' sum, which keeps a job's span there while it holds any
 * tracked type below, as one dimension per anchor type did.
 *
 * Graph: match_fixture's MF_RACKS (cluster0, two racks, four nodes, one
 * socket each with two cores and a gpu); gpu is the anchor type under the
 * default filters ALL:core,ALL:node. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_private.h"
#include "test/unit/match_fixture.h"
#include "test/unit/testlib.h"

static int type_index(const matcher_t *m, const char *name)
{
    for (int k = 0; k < m->nf; k++)
        if (strcmp(m->fnames[k], name) == 0)
            return k;
    ck_abort_msg("no filter type %s", name);
    return -1;
}

static void allocate(matcher_t *m, jobspec_t *js, int64_t id)
{
    struct st_error err = {{0}};
    int64_t at = 0;
    ck_assert_msg(match_run(m, MATCH_ALLOCATE, js, id, &at, NULL, NULL, &err) == 0, "%s",
                  err.text);
}

/* Every vertex's totals equal those of a matcher made afresh on the graph. */
static void assert_fresh(const matcher_t *m)
{
    matcher_t *f = mf_make("first", NULL);
    ck_assert_int_eq(f->nf, m->nf);
    ck_assert_int_eq(f->fstride, m->fstride);
    for (vtx_t v = 0; v < graph_vertex_count(mf_g); v++) {
        if (!graph_vertex_live(mf_g, v))
            continue;
        for (int k = 0; k < m->nf; k++)
            ck_assert_msg(match_ftot(m, v, k) == match_ftot(f, v, k), "vertex %d type %s: %lld",
                          (int) v, m->fnames[k], (long long) match_ftot(m, v, k));
        ck_assert_uint_eq(m->fmask[v], f->fmask[v]);
        ck_assert_uint_eq(m->fspec[v], f->fspec[v]);
    }
    match_destroy(f);
}

/* The anchor type comes last and only the root has its total. */
START_TEST(test_layout)
{
    mf_build(MF_RACKS);
    matcher_t *m = mf_make("first", NULL);
    int kc = type_index(m, "core"), kn = type_index(m, "node"), kg = type_index(m, "gpu");
    ck_assert_int_eq(m->nf, 3);
    ck_assert_int_eq(m->fstride, 2);
    ck_assert_int_eq(kg, 2);
    ck_assert_int_eq(match_ftot(m, mf_cluster, kg), 4);
    ck_assert_int_eq(match_ftot(m, mf_cluster, kc), 8);
    ck_assert_int_eq(match_ftot(m, mf_rack[0], kc), 4);
    ck_assert_int_eq(match_ftot(m, mf_rack[0], kn), 2);
    ck_assert_int_eq(match_ftot(m, mf_rack[0], kg), 0);
    ck_assert_int_eq(match_ftot(m, mf_node[1], kg), 0);
    ck_assert_uint_eq(m->fmask[mf_cluster], 7);
    ck_assert_uint_eq(m->fmask[mf_rack[0]], 3);
    /* the exact subtree totals count the anchor type below any vertex */
    int64_t tot[MATCH_MAX_FILTERS] = {0};
    match_subtree_totals(m, mf_node[1], tot);
    ck_assert_int_eq(tot[kc], 2);
    ck_assert_int_eq(tot[kn], 0);
    ck_assert_int_eq(tot[kg], 1);
    match_subtree_totals(m, mf_cluster, tot);
    ck_assert_int_eq(tot[kg], 4);
    /* a planner below the root is bounded by the root's anchor total */
    match_plan_totals(m, mf_rack[1], tot);
    ck_assert_int_eq(tot[kc], 4);
    ck_assert_int_eq(tot[kg], 4);
    /* nothing of the anchor type is available below the root */
    ck_assert_int_eq(match_filter_avail(m, mf_node[0], kg, 0, 1), 0);
    ck_assert_int_eq(match_filter_avail(m, mf_cluster, kg, 0, 1), 4);
    ck_assert(!match_root_type_below(m, 0, graph_vertex_count(mf_g)));
    match_destroy(m);
}
END_TEST

/* Planner shapes: the root's has every type, one below it the listed ones
 * and the anchor sum. */
START_TEST(test_planner_shape)
{
    mf_build(MF_RACKS);
    matcher_t *m = mf_make("first", "ALL:node");
    ck_assert_int_eq(m->nf, 3); /* node, then the anchors core and gpu */
    ck_assert_int_eq(m->fstride, 1);
    ck_assert_uint_eq(match_filter_dims(m, mf_cluster), 3);
    ck_assert_uint_eq(match_filter_dims(m, mf_rack[0]), 2);
    int64_t full[3] = {1, 2, 3}, out[MATCH_MAX_FILTERS + 1] = {0};
    ck_assert_uint_eq(match_filter_vec(m, mf_rack[0], full, out), 2);
    ck_assert_int_eq(out[0], 1);
    ck_assert_int_eq(out[1], 5);
    ck_assert_uint_eq(match_filter_vec(m, mf_cluster, full, out), 3);
    ck_assert_int_eq(out[2], 3);
    const char *nm[MATCH_MAX_FILTERS + 1] = {0};
    ck_assert_uint_eq(match_filter_names(m, mf_rack[0], nm), 2);
    ck_assert_str_eq(nm[0], "node");
    ck_assert_str_ne(nm[1], "core");
    ck_assert_str_ne(nm[1], "gpu");
    ck_assert_uint_eq(match_filter_names(m, mf_cluster, nm), 3);
    ck_assert_str_eq(nm[1], m->fnames[1]);
    ck_assert_str_eq(nm[2], m->fnames[2]);
    match_destroy(m);
}
END_TEST

/* A job holding only the anchor type below a vertex still has a filter
 * span there (jobid-span), as with a dimension per anchor type. */
START_TEST(test_anchor_only_span)
{
    mf_build(MF_RACKS);
    matcher_t *m = mf_make("low", NULL);
    jobspec_t *js =
        mf_spec("  - type: slot\n    count: 1\n    label: default\n    with:\n"
                "      - type: node\n        count: 1\n        with:\n"
                "          - type: socket\n            count: 1\n            with:\n"
                "              - type: gpu\n                count: 1",
                100);
    allocate(m, js, 1);
    mf_assert_find(m, "jobid-span=1", "socket0[1:x]\nnode0[1:x]\nrack0[1:x]\ncluster0[1:x]\n");
    int kg = type_index(m, "gpu");
    ck_assert_int_eq(match_filter_avail(m, mf_cluster, kg, 0, 1), 3);
    ck_assert_int_eq(match_cancel(m, 1, NULL), 0);
    ck_assert_int_eq(match_filter_avail(m, mf_cluster, kg, 0, 1), 4);
    mf_assert_find(m, "jobid-span=1", "");
    jobspec_destroy(js);
    match_destroy(m);
}
END_TEST

/* A span below the root goes once both what it holds of the listed types
 * and of the anchor types are gone. */
START_TEST(test_reduce)
{
    mf_build(MF_RACKS);
    matcher_t *m = mf_make("first", NULL);
    jobspec_t *js =
        mf_spec("  - type: slot\n    count: 1\n    label: default\n    with:\n"
                "      - type: node\n        count: 1\n        with:\n"
                "          - type: socket\n            count: 1\n            with:\n"
                "              - type: core\n                count: 1\n"
                "              - type: gpu\n                count: 1",
                100);
    allocate(m, js, 1);
    const struct mjob *j = match_job_find(m, 1);
    ck_assert_ptr_nonnull(j);
    int64_t span = 0;
    vtx_t node = VTX_NONE;
    for (size_t i = 0; i < j->nspans; i++) {
        if (graph_type(mf_g, j->spans[i].v) == graph_atom_find(mf_g, "node")) {
            node = j->spans[i].v;
            span = j->spans[i].filter_span;
        }
    }
    ck_assert_int_ne(node, VTX_NONE);
    ck_assert_int_gt(span, 0);
    int kc = type_index(m, "core"), kg = type_index(m, "gpu");
    int64_t amt[MATCH_MAX_FILTERS] = {0};
    bool removed = true;
    amt[kc] = 1;
    ck_assert_int_eq(match_filter_reduce(m, node, span, amt, &removed), 0);
    ck_assert(!removed);
    amt[kc] = 0;
    amt[kg] = 2; /* more than it holds */
    ck_assert_int_eq(match_filter_reduce(m, node, span, amt, &removed), -1);
    amt[kg] = 1;
    ck_assert_int_eq(match_filter_reduce(m, node, span, amt, &removed), 0);
    ck_assert(removed);
    jobspec_destroy(js);
    match_destroy(m);
}
END_TEST

/* node4 under rack0: a `mid` vertex (type mid_type) with two gpus and a core. */
static char *graft_jgf(const char *mid_type)
{
    static char t[8192];
    char p[160];
    snprintf(t, sizeof t, "{\"graph\": {\"nodes\": [");
    mf_jgf_vertex(t, sizeof t, 0, "cluster", 0, -1, "/cluster0");
    mf_jgf_vertex(t, sizeof t, 1, "rack", 0, -1, "/cluster0/rack0");
    mf_jgf_vertex(t, sizeof t, 100, "node", 4, 4, "/cluster0/rack0/node4");
    snprintf(p, sizeof p, "/cluster0/rack0/node4/%s0", mid_type);
    mf_jgf_vertex(t, sizeof t, 101, mid_type, 0, 4, p);
    for (int i = 0; i < 3; i++) {
        char q[200];
        snprintf(q, sizeof q, "%s/%s%d", p, i < 2 ? "gpu" : "core", i < 2 ? i : 0);
        mf_jgf_vertex(t, sizeof t, 102 + i, i < 2 ? "gpu" : "core", i < 2 ? i : 0, 4, q);
    }
    size_t len = strlen(t);
    snprintf(t + len, sizeof t - len, "], \"edges\": [");
    mf_jgf_edge(t, sizeof t, 0, 1);
    mf_jgf_edge(t, sizeof t, 1, 100);
    mf_jgf_edge(t, sizeof t, 100, 101);
    for (int i = 0; i < 3; i++)
        mf_jgf_edge(t, sizeof t, 101, 102 + i);
    len = strlen(t);
    snprintf(t + len, sizeof t - len, "]}}");
    return t;
}

/* Attach and remove keep the root's anchor totals those of a fresh prime. */
START_TEST(test_attach_remove)
{
    mf_build(MF_RACKS);
    matcher_t *m = mf_make("first", NULL);
    int kg = type_index(m, "gpu");
    struct st_error err = {{0}};
    ck_assert_msg(match_attach(m, graft_jgf("socket"), &err) == 0, "%s", err.text);
    ck_assert_int_eq(match_ftot(m, mf_cluster, kg), 6);
    ck_assert_int_eq(m->fstride, 2);
    assert_fresh(m);
    ck_assert_int_eq(match_remove_path(m, "/cluster0/rack1", &err), 0);
    ck_assert_int_eq(match_ftot(m, mf_cluster, kg), 4);
    assert_fresh(m);
    ck_assert_int_eq(match_remove_path(m, "/cluster0/rack0/node4/socket0", &err), 0);
    ck_assert_int_eq(match_ftot(m, mf_cluster, kg), 2);
    assert_fresh(m);
    /* what remains still matches: two gpus, then none */
    jobspec_t *js = mf_slots(2, "gpu", 1, 100);
    allocate(m, js, 1);
    ck_assert_int_eq(match_filter_avail(m, mf_cluster, kg, 0, 1), 0);
    jobspec_destroy(js);
    match_destroy(m);
}
END_TEST

/* A vertex below the root with the root's type is named by the anchor
 * entries: then every vertex keeps the anchor types' totals. */
START_TEST(test_root_type_below)
{
    mf_build(MF_RACKS);
    matcher_t *m = mf_make("first", NULL);
    int kg = type_index(m, "gpu");
    struct st_error err = {{0}};
    vtx_t from = graph_vertex_count(mf_g);
    ck_assert_msg(match_attach(m, graft_jgf("cluster"), &err) == 0, "%s", err.text);
    ck_assert(match_root_type_below(m, from, graph_vertex_count(mf_g)));
    ck_assert_int_eq(m->fstride, m->nf);
    vtx_t inner = VTX_NONE;
    for (vtx_t v = from; v < graph_vertex_count(mf_g); v++)
        if (graph_type(mf_g, v) == graph_atom_find(mf_g, "cluster"))
            inner = v;
    ck_assert_int_ne(inner, VTX_NONE);
    ck_assert_int_eq(match_ftot(m, inner, kg), 2);
    ck_assert_int_eq(match_ftot(m, mf_cluster, kg), 6);
    ck_assert_int_eq(match_ftot(m, mf_rack[0], kg), 4);
    ck_assert_uint_eq(match_filter_dims(m, mf_rack[0]), (size_t) m->nf);
    assert_fresh(m);
    match_destroy(m);
}
END_TEST

START_TEST(test_bad_params)
{
    mf_build(MF_RACKS);
    matcher_t *m = mf_make("first", NULL);
    int64_t tot[MATCH_MAX_FILTERS + 1] = {7, 7, 7, 7};
    ck_assert_int_eq(match_ftot(NULL, mf_cluster, 0), 0);
    ck_assert_int_eq(match_ftot(m, -1, 0), 0);
    ck_assert_int_eq(match_ftot(m, graph_vertex_count(mf_g), 0), 0);
    ck_assert_int_eq(match_ftot(m, mf_cluster, m->nf), 0);
    ck_assert_int_eq(match_ftot(m, mf_cluster, -1), 0);
    match_plan_totals(NULL, mf_cluster, tot);
    match_plan_totals(m, -1, tot);
    match_plan_totals(m, mf_cluster, NULL);
    match_subtree_totals(NULL, mf_cluster, tot);
    match_subtree_totals(m, graph_vertex_count(mf_g), tot);
    match_subtree_totals(m, mf_cluster, NULL);
    match_anchors_below(NULL, mf_cluster, tot);
    match_anchors_below(m, -1, tot);
    match_anchors_below(m, mf_cluster, NULL);
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(tot[k], 7);
    ck_assert(!match_root_type_below(NULL, 0, 10));
    ck_assert(!match_root_type_below(m, -5, 0));
    ck_assert_uint_eq(match_filter_dims(NULL, mf_cluster), 0);
    ck_assert_uint_eq(match_filter_vec(NULL, mf_cluster, tot, tot), 0);
    ck_assert_uint_eq(match_filter_vec(m, mf_cluster, NULL, tot), 0);
    ck_assert_uint_eq(match_filter_names(NULL, mf_cluster, NULL), 0);
    ck_assert_uint_eq(match_filter_names(m, mf_cluster, NULL), 0);
    bool removed = false;
    errno = 0;
    ck_assert_int_eq(match_filter_reduce(NULL, mf_cluster, 1, tot, &removed), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(match_filter_reduce(m, mf_cluster, 1, tot, &removed), -1); /* no filter */
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(match_filter_reduce(m, -1, 1, tot, &removed), -1);
    ck_assert_int_eq(match_filter_reduce(m, mf_cluster, 1, NULL, &removed), -1);
    match_destroy(m);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("match_anchor");
    TCase *tc = tcase_create("anchor");
    tcase_add_checked_fixture(tc, NULL, mf_teardown);
    tcase_add_test(tc, test_layout);
    tcase_add_test(tc, test_planner_shape);
    tcase_add_test(tc, test_anchor_only_span);
    tcase_add_test(tc, test_reduce);
    tcase_add_test(tc, test_attach_remove);
    tcase_add_test(tc, test_root_type_below);
    tcase_add_test(tc, test_bad_params);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(suite());
}
