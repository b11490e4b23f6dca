/* Unit tests for the reference's stale root search keys after a re-size
 * with jobs (match/elastic.c, match_stale_*): a reservation's earliest time
 * after an attach.  Our own graphs: cluster0 with node0, node1 attached
 * later, each with `n` cores; whole-node and n-core jobs of an hour.
 *
 * The rule: an attach (or remove) while jobs exist leaves each point of
 * the root filter (the jobs' starts and ends) keyed by its former free
 * cores until a span over it is added or removed; the search skips a
 * candidate whose key is below the request.  t3028 009 in small is
 * test_skips_stale_end. */
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

/* cluster0 with node `node` and its `ncores` cores (ids 10 + node and
 * 100 * (node + 1) + c); the node's rank is its number (for an rv1exec
 * partial cancel), the others have none. */
static char *node_jgf(int node, int ncores)
{
    static char text[16384];
    char p[128];
    snprintf(text, sizeof text, "{\"graph\": {\"nodes\": [");
    mf_jgf_vertex(text, sizeof text, 0, "cluster", 0, -1, "/cluster0");
    snprintf(p, sizeof p, "/cluster0/node%d", node);
    mf_jgf_vertex(text, sizeof text, 10 + node, "node", node, node, p);
    for (int c = 0; c < ncores; c++) {
        snprintf(p, sizeof p, "/cluster0/node%d/core%d", node, c);
        mf_jgf_vertex(text, sizeof text, 100 * (node + 1) + c, "core", c, -1, p);
    }
    size_t len = strlen(text);
    snprintf(text + len, sizeof text - len, "], \"edges\": [");
    mf_jgf_edge(text, sizeof text, 0, 10 + node);
    for (int c = 0; c < ncores; c++)
        mf_jgf_edge(text, sizeof text, 10 + node, 100 * (node + 1) + c);
    len = strlen(text);
    snprintf(text + len, sizeof text - len, "]}}");
    return text;
}

/* A slot of n cores for dur seconds. */
static jobspec_t *cores(int n, int dur)
{
    return mf_slots(1, "core", n, dur);
}

/* One exclusive node with n cores, for an hour (the jobspec of t3028). */
static jobspec_t *whole_node(int n)
{
    return mf_whole_nodes(1, n, 3600);
}

/* One core on each of two nodes (shared) for dur seconds. */
static jobspec_t *spread(int dur)
{
    return mf_spec(
        "  - type: node\n    count: 2\n    with:\n"
        "      - type: slot\n        count: 1\n        label: default\n        with:\n"
        "          - type: core\n            count: 1",
        dur);
}

static graph_t *g;
static matcher_t *m;
/* match_params.stale_search_keys of the next start() (resource-query's
 * setting; the matcher's default is the exact search). */
static bool stale_keys = true;

static void start(int ncores, const char *policy)
{
    struct st_error err = {{0}};
    g = reader_jgf_parse(node_jgf(0, ncores), "node0", &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    struct match_params p = {0};
    p.policy = policy;
    p.stale_search_keys = stale_keys;
    m = match_create(g, &p, &err);
    ck_assert_msg(m != NULL, "%s", err.text);
}

static void teardown(void)
{
    match_destroy(m);
    graph_destroy(g);
    m = NULL;
    g = NULL;
}

/* Run op for job id; the time it was scheduled at, or -1 (errno set). */
static int64_t run(enum match_op op, jobspec_t *js, int64_t id)
{
    int64_t at = 0;
    struct st_error err = {{0}};
    if (match_run(m, op, js, id, &at, NULL, NULL, &err) < 0)
        return -1;
    return at;
}

static void attach(int node, int ncores)
{
    struct st_error err = {{0}};
    ck_assert_msg(match_attach_live(m, node_jgf(node, ncores), &err) == 0, "%s", err.text);
}

/* Policy low, node0 with 2 cores: job 1 takes it over [0, 3600), job 2 is
 * reserved over [3600, 7200); then node1 (2 cores) is attached, which
 * leaves both points stale.  The whole-node jobspec, for more jobs. */
static jobspec_t *two_stale_points(void)
{
    start(2, "low");
    jobspec_t *node = whole_node(2);
    ck_assert_int_eq(run(MATCH_ALLOCATE, node, 1), 0);
    ck_assert_int_eq(run(MATCH_ALLOCATE_ORELSE_RESERVE, node, 2), 3600);
    attach(1, 2);
    ck_assert_uint_eq(m->nstale, 2);
    return node;
}

/* t3028 009 in small: node0 (2 cores) allocated over [0, 3600) and
 * reserved over [3600, 7200); node1 attached, taken over [0, 3600);
 * job 1 cancelled, node0 taken again over [0, 3600).  The point at 3600
 * was never inside a span added or removed after the attach: its key is
 * the 0 cores free there before (2 of 4 now), so a whole node is reserved
 * on node0 at 7200, not on node1 at 3600.  The same jobs without the attach
 * in between (both nodes there from the start) reserve at 3600. */
static int64_t job7(bool attach_between)
{
    jobspec_t *node = whole_node(2);
    if (!attach_between)
        attach(1, 2);
    ck_assert_int_eq(run(MATCH_ALLOCATE, node, 1), 0);
    if (attach_between) {
        ck_assert_int_eq(run(MATCH_ALLOCATE_ORELSE_RESERVE, node, 2), 3600);
        ck_assert_int_eq(run(MATCH_ALLOCATE, node, 3), -1);
        attach(1, 2);
        ck_assert_uint_eq(m->nstale, stale_keys ? 2 : 0); /* 3600 and 7200 */
        ck_assert_int_eq(run(MATCH_ALLOCATE, node, 4), 0);
    } else {
        ck_assert_int_eq(run(MATCH_ALLOCATE, node, 4), 0);
        ck_assert_int_eq(run(MATCH_ALLOCATE_ORELSE_RESERVE, node, 2), 3600);
        ck_assert_uint_eq(m->nstale, 0);
    }
    ck_assert_int_eq(match_cancel(m, 1, NULL), 0);
    ck_assert_int_eq(run(MATCH_ALLOCATE, node, 5), 0);
    ck_assert_int_eq(run(MATCH_ALLOCATE, node, 6), -1);
    ck_assert_int_eq(errno, EBUSY);
    int64_t at = run(MATCH_ALLOCATE_ORELSE_RESERVE, node, 7);
    jobspec_destroy(node);
    return at;
}

START_TEST(test_skips_stale_end)
{
    start(2, "low");
    ck_assert_int_eq(job7(true), 7200);
    teardown();
    start(2, "low");
    ck_assert_int_eq(job7(false), 3600);
    teardown();
}
END_TEST

/* Without stale_search_keys (stratad's and strata-sim's matcher) the same
 * sequence reserves at the earliest time the whole node is free: node1 at
 * 3600, as if nothing had been attached in between. */
START_TEST(test_exact_search_by_default)
{
    stale_keys = false;
    start(2, "low");
    ck_assert_int_eq(job7(true), 3600);
    teardown();
    stale_keys = true;
}
END_TEST

/* Removing a span over a stale point keys it afresh.  node0's two cores
 * busy over [0, 3600), then reserved one by one over [3600, 7200) (jobs 2
 * and 3); node1 attached, taken over [0, 3600), node0 again over [0, 3600).
 * Two cores are free at 3600 (node1's) but the key says 0: the search gives
 * 7200.  Cancelling job 2 (over 3600) refreshes the point: 3 cores free,
 * node1's two of them at 3600. */
START_TEST(test_cancel_refreshes)
{
    start(2, "low");
    jobspec_t *two = cores(2, 3600), *one = cores(1, 3600);
    ck_assert_int_eq(run(MATCH_ALLOCATE, two, 1), 0);
    ck_assert_int_eq(run(MATCH_ALLOCATE_ORELSE_RESERVE, one, 2), 3600);
    ck_assert_int_eq(run(MATCH_ALLOCATE_ORELSE_RESERVE, one, 3), 3600);
    attach(1, 2);
    ck_assert_int_eq(run(MATCH_ALLOCATE, two, 4), 0); /* node1 */
    ck_assert_int_eq(match_cancel(m, 1, NULL), 0);
    ck_assert_int_eq(run(MATCH_ALLOCATE, two, 5), 0); /* node0 */
    ck_assert_int_eq(run(MATCH_WITHOUT_ALLOCATING_FUTURE, two, 6), 7200);
    ck_assert_int_eq(match_cancel(m, 2, NULL), 0);
    ck_assert_int_eq(run(MATCH_WITHOUT_ALLOCATING_FUTURE, two, 7), 3600);
    /* the point at 7200 is still job 3's end: still stale */
    ck_assert_uint_eq(m->nstale, 1);
    ck_assert_int_eq(match_cancel(m, 3, NULL), 0);
    ck_assert_uint_eq(m->nstale, 0); /* no job ends there: the point went */
    jobspec_destroy(two);
    jobspec_destroy(one);
    teardown();
}
END_TEST

/* Adding a span over a stale point keys it afresh.  node0's four cores
 * busy over [0, 3600) and reserved over [3600, 7200); node1 (4 cores)
 * attached; on node1, 2 cores over [0, 3600) and 2 over [0, 7200) (over
 * 3600: the point is keyed again).  2 cores are free at 3600 on node1 and
 * the key says so: 3600.  Without the 7200-second job (node1's other two
 * cores busy over [0, 3600) instead) the key at 3600 stays stale (4 free,
 * less the 4 attached: 0) and the search gives 7200. */
static int64_t refresh_by_commit(bool over)
{
    start(4, "low");
    jobspec_t *four = cores(4, 3600), *two = cores(2, 3600), *two_long = cores(2, 7200);
    ck_assert_int_eq(run(MATCH_ALLOCATE, four, 1), 0);
    ck_assert_int_eq(run(MATCH_ALLOCATE_ORELSE_RESERVE, four, 2), 3600);
    attach(1, 4);
    ck_assert_int_eq(run(MATCH_ALLOCATE, two, 3), 0);
    ck_assert_int_eq(run(MATCH_ALLOCATE, over ? two_long : two, 4), 0);
    int64_t at = run(MATCH_WITHOUT_ALLOCATING_FUTURE, two, 5);
    jobspec_destroy(four);
    jobspec_destroy(two);
    jobspec_destroy(two_long);
    teardown();
    return at;
}

START_TEST(test_commit_refreshes)
{
    ck_assert_int_eq(refresh_by_commit(true), 3600);
    ck_assert_int_eq(refresh_by_commit(false), 7200);
}
END_TEST

/* A partial cancel that leaves the job running keys the points in its
 * window afresh, as a cancel or commit does.  node0 and node1 (2 cores
 * each, ranks 0 and 1; node1 attached before any job); job 1 holds a core
 * of each over [0, 7200), job 2 the other two over [0, 3600); node2 (4
 * cores) attached: the point at 3600 is keyed 2 (6 free), 7200 is keyed 4
 * (8 free).  Job 3 takes node2 over [0, 3600) (a span over 0, not 3600).
 * 4 cores in a slot fit on node2 at 3600, but its key says 2: 7200.
 * Releasing job 1's rank 1 (its core on node1) frees a core over
 * [0, 7200): 7 free at 3600.  Without the refresh the key would be 3
 * (7 less the 4 attached) and the search would still give 7200; with it
 * the point is fresh: 3600. */
START_TEST(test_partial_cancel_refreshes)
{
    static const char *r_rank1 =
        "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"1\", \"children\": "
        "{\"core\": \"0\"}}], \"nodelist\": [\"node1\"], \"starttime\": 0, "
        "\"expiration\": 7200}}";
    start(2, "low");
    attach(1, 2);
    jobspec_t *long_spread = spread(7200), *short_spread = spread(3600), *four = cores(4, 3600);
    ck_assert_int_eq(run(MATCH_ALLOCATE, long_spread, 1), 0);
    ck_assert_int_eq(run(MATCH_ALLOCATE, short_spread, 2), 0);
    attach(2, 4);
    ck_assert_uint_eq(m->nstale, 2); /* 3600, 7200 */
    ck_assert_int_eq(run(MATCH_ALLOCATE, four, 3), 0);
    ck_assert_uint_eq(m->nstale, 2);
    ck_assert_int_eq(run(MATCH_WITHOUT_ALLOCATING_FUTURE, four, 4), 7200);
    struct st_error err = {{0}};
    bool full = true;
    ck_assert_msg(match_partial_cancel(m, 1, "rv1exec", r_rank1, &full, NULL, &err) == 0, "%s",
                  err.text);
    ck_assert(!full);
    ck_assert_int_eq(run(MATCH_WITHOUT_ALLOCATING_FUTURE, four, 5), 3600);
    ck_assert_uint_eq(m->nstale, 1); /* 7200: the end of the window */
    jobspec_destroy(long_spread);
    jobspec_destroy(short_spread);
    jobspec_destroy(four);
    teardown();
}
END_TEST

/* Removing what was attached gives the points their keys back: no stale
 * point is left and the search is the plain one. */
START_TEST(test_remove_restores)
{
    jobspec_t *node = two_stale_points();
    struct st_error err = {{0}};
    ck_assert_msg(match_remove_path(m, "/cluster0/node1", &err) == 0, "%s", err.text);
    ck_assert_uint_eq(m->nstale, 0);
    ck_assert_int_eq(run(MATCH_ALLOCATE_ORELSE_RESERVE, node, 3), 7200);
    jobspec_destroy(node);
    teardown();
}
END_TEST

/* An attach without jobs leaves nothing stale (no point exists). */
START_TEST(test_attach_idle)
{
    start(2, "low");
    attach(1, 2);
    ck_assert_uint_eq(m->nstale, 0);
    jobspec_t *node = whole_node(2);
    ck_assert_int_eq(run(MATCH_ALLOCATE, node, 1), 0);
    ck_assert_int_eq(run(MATCH_ALLOCATE, node, 2), 0);
    ck_assert_int_eq(run(MATCH_ALLOCATE_ORELSE_RESERVE, node, 3), 3600);
    jobspec_destroy(node);
    teardown();
}
END_TEST

START_TEST(test_stale_bad_params)
{
    int64_t tot[MATCH_MAX_FILTERS] = {0};
    /* NULL matcher or job: nothing to do, nothing refused */
    match_stale_touch(NULL, 0, 3600);
    match_stale_gone(NULL, NULL);
    ck_assert(match_stale_admits(NULL, 3600, tot));
    jobspec_t *node = two_stale_points();
    match_stale_gone(m, NULL);
    ck_assert(match_stale_admits(m, 3600, NULL));
    /* an empty or negative window touches nothing */
    match_stale_touch(m, 3600, 0);
    match_stale_touch(m, 3600, -5);
    ck_assert_uint_eq(m->nstale, 2);
    /* 2 cores free at 3600 now, 0 before the attach: the key is 0, which
     * a request of no core passes and one of 1 core does not */
    ck_assert(match_stale_admits(m, 3600, tot));
    tot[0] = 1;
    ck_assert(!match_stale_admits(m, 3600, tot));
    ck_assert(match_stale_admits(m, 7200, tot)); /* 4 free, key 2 */
    ck_assert(match_stale_admits(m, 5000, tot)); /* not a point */
    match_stale_touch(m, 3600, 1);
    ck_assert_uint_eq(m->nstale, 1);
    ck_assert(match_stale_admits(m, 3600, tot));
    jobspec_destroy(node);
    teardown();
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("attach_reserve");
    TCase *tc = tcase_create("stale_keys");
    tcase_add_test(tc, test_skips_stale_end);
    tcase_add_test(tc, test_exact_search_by_default);
    tcase_add_test(tc, test_cancel_refreshes);
    tcase_add_test(tc, test_commit_refreshes);
    tcase_add_test(tc, test_partial_cancel_refreshes);
    tcase_add_test(tc, test_remove_restores);
    tcase_add_test(tc, test_attach_idle);
    tcase_add_test(tc, test_stale_bad_params);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(suite());
}
