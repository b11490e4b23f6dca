/* Unit tests for match/instance_grow: attaching a JGF subgraph while jobs
 * hold resources (a nested instance taking what its parent grew it by).
 * The graph starts as cluster0/node0 with two cores; node1 (two cores) is
 * attached while a job holds node0's cores. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec/jobspec.h"
#include "match/instance_grow.h"
#include "match/match_private.h"
#include "resource/reader.h"
#include "test/unit/match_fixture.h"
#include "testlib.h"

/* cluster0 with node N (cores 2N, 2N+1) below it. */
static char *node_jgf(int node)
{
    static char text[4096];
    char p[128];
    snprintf(text, sizeof text, "{\"graph\": {\"nodes\": [");
    mf_jgf_vertex(text, sizeof text, 0, "cluster", 0, -1, "/cluster0");
    snprintf(p, sizeof p, "/cluster0/node%d", node);
    mf_jgf_vertex(text, sizeof text, 10 + node, "node", node, node, p);
    for (int c = 0; c < 2; c++) {
        snprintf(p, sizeof p, "/cluster0/node%d/core%d", node, 2 * node + c);
        mf_jgf_vertex(text, sizeof text, 100 + 2 * node + c, "core", 2 * node + c, node, p);
    }
    strcat(text, "], \"edges\": [");
    mf_jgf_edge(text, sizeof text, 0, 10 + node);
    for (int c = 0; c < 2; c++)
        mf_jgf_edge(text, sizeof text, 10 + node, 100 + 2 * node + c);
    strcat(text, "]}}");
    return text;
}

/* cluster0/node0 with one more core (core9) below it. */
static char *extra_core_jgf(void)
{
    static char text[4096];
    snprintf(text, sizeof text, "{\"graph\": {\"nodes\": [");
    mf_jgf_vertex(text, sizeof text, 0, "cluster", 0, -1, "/cluster0");
    mf_jgf_vertex(text, sizeof text, 10, "node", 0, 0, "/cluster0/node0");
    mf_jgf_vertex(text, sizeof text, 109, "core", 9, 0, "/cluster0/node0/core9");
    strcat(text, "], \"edges\": [");
    mf_jgf_edge(text, sizeof text, 0, 10);
    mf_jgf_edge(text, sizeof text, 10, 109);
    strcat(text, "]}}");
    return text;
}

static jobspec_t *cores(int n)
{
    return mf_slots(1, "core", n, 3600);
}

/* One exclusive node with n cores. */
static jobspec_t *whole_node(int n)
{
    return mf_whole_nodes(1, n, 3600);
}

static graph_t *g;
static matcher_t *m;

static void setup(void)
{
    struct st_error err = {{0}};
    g = reader_jgf_parse(node_jgf(0), "node0", &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    struct match_params p = {0};
    m = match_create(g, &p, &err);
    ck_assert_msg(m != NULL, "%s", err.text);
}

static void teardown(void)
{
    match_destroy(m);
    graph_destroy(g);
}

static int run(jobspec_t *js, int64_t id)
{
    int64_t at = 0;
    struct st_error err = {{0}};
    return match_run(m, MATCH_ALLOCATE, js, id, &at, NULL, NULL, &err);
}

START_TEST(test_attach_with_jobs)
{
    jobspec_t *two = cores(2), *four = cores(4);
    ck_assert_int_eq(run(two, 1), 0); /* node0's two cores */
    ck_assert_int_eq(run(two, 2), -1);
    ck_assert_int_eq(errno, EBUSY);
    struct st_error err = {{0}};
    /* The reference's attach refuses while jobs exist; the live one grafts. */
    ck_assert_int_eq(match_attach(m, node_jgf(1), &err), -1);
    ck_assert_int_eq(errno, EBUSY);
    int32_t before = graph_vertex_count(g);
    ck_assert_int_eq(match_attach_live(m, node_jgf(1), &err), 0);
    ck_assert_int_eq(graph_vertex_count(g), before + 3); /* node1 and its cores; cluster0 reused */
    ck_assert(graph_find_path(g, "/cluster0/node1/core3") != VTX_NONE);
    ck_assert(match_job_exists(m, 1)); /* the running job keeps its cores */
    ck_assert_int_eq(run(two, 2), 0);   /* fits on the new node */
    ck_assert_int_eq(run(two, 3), -1);  /* and node0 is still held */
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(match_cancel(m, 1, NULL), 0);
    ck_assert_int_eq(match_cancel(m, 2, NULL), 0);
    ck_assert_int_eq(run(four, 4), -1); /* one slot of 4 cores: no node has 4 */
    ck_assert_int_eq(run(two, 5), 0);
    ck_assert_int_eq(run(two, 6), 0); /* both nodes free again */
    jobspec_destroy(two);
    jobspec_destroy(four);
}
END_TEST

START_TEST(test_attach_live_without_jobs)
{
    struct st_error err = {{0}};
    ck_assert_int_eq(match_attach_live(m, node_jgf(1), &err), 0);
    jobspec_t *two = cores(2);
    ck_assert_int_eq(run(two, 1), 0);
    ck_assert_int_eq(run(two, 2), 0);
    jobspec_destroy(two);
}
END_TEST

/* 1-core jobs from id on until one does not fit now: how many fit. */
static int fill(int64_t id)
{
    jobspec_t *one = cores(1);
    int n = 0;
    int64_t at = 0;
    struct st_error err = {{0}};
    while (match_run(m, MATCH_ALLOCATE, one, id + n, &at, NULL, NULL, &err) == 0)
        n++;
    ck_assert_int_eq(errno, EBUSY);
    jobspec_destroy(one);
    return n;
}

/* Grow node0 (held whole by job 1) by a core and add node1, then count
 * what fits before and after job 1 ends; full: the former full refilter. */
static void grow_under_hold(bool full, int counts[2])
{
    ck_assert_int_eq(graph_set_full_rebuild(g, full), 0);
    jobspec_t *node = whole_node(2);
    ck_assert_int_eq(run(node, 1), 0);
    struct st_error err = {{0}};
    ck_assert_int_eq(match_attach_live(m, extra_core_jgf(), &err), 0);
    ck_assert_int_eq(match_attach_live(m, node_jgf(1), &err), 0);
    counts[0] = fill(10); /* node1's cores; node0 is job 1's, core9 included */
    ck_assert_int_eq(match_cancel(m, 1, NULL), 0);
    counts[1] = fill(20); /* node0's three cores */
    jobspec_destroy(node);
}

START_TEST(test_attach_below_hold)
{
    int inc[2], full[2];
    grow_under_hold(false, inc);
    teardown();
    setup();
    grow_under_hold(true, full);
    ck_assert_int_eq(inc[0], 2);
    ck_assert_int_eq(inc[1], 3);
    ck_assert_int_eq(inc[0], full[0]);
    ck_assert_int_eq(inc[1], full[1]);
}
END_TEST

START_TEST(test_prime_attached_bad_params)
{
    errno = 0;
    ck_assert_int_eq(match_prime_attached(NULL, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(match_prime_attached(m, -1), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(match_prime_attached(m, graph_vertex_count(g) + 1), -1);
    ck_assert_int_eq(errno, EINVAL);
    /* nothing was attached: priming from the end is a no-op */
    ck_assert_int_eq(match_prime_attached(m, graph_vertex_count(g)), 0);
    ck_assert_int_eq(fill(1), 2);
}
END_TEST

START_TEST(test_attach_live_bad_params)
{
    struct st_error err = {{0}};
    errno = 0;
    ck_assert_int_eq(match_attach_live(NULL, node_jgf(1), &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(match_attach_live(m, NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    jobspec_t *two = cores(2);
    ck_assert_int_eq(run(two, 1), 0);
    int32_t before = graph_vertex_count(g);
    err.text[0] = '\0';
    ck_assert_int_eq(match_attach_live(m, "{\"graph\": {\"nodes\": [", &err), -1);
    ck_assert(err.text[0] != '\0');
    ck_assert_int_eq(graph_vertex_count(g), before); /* a bad JGF changes nothing */
    ck_assert(match_job_exists(m, 1));
    jobspec_destroy(two);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("instance_grow");
    TCase *tc = tcase_create("attach_live");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_attach_with_jobs);
    tcase_add_test(tc, test_attach_live_without_jobs);
    tcase_add_test(tc, test_attach_live_bad_params);
    tcase_add_test(tc, test_attach_below_hold);
    tcase_add_test(tc, test_prime_attached_bad_params);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(suite());
}
