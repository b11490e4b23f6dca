/* Unit tests for whole-subtree holds (match/commit.c): a vertex taken whole
 * is held once, at its root, and the vertices below it get no spans of
 * their own.  Checked through the public API (matches, find, update,
 * partial cancel, cancel) and the matcher's private state (which vertices
 * have planners, match_vertex_held, match_job_unhold), on:
 *
 *   cluster0 -> node0 (rank 0) -> socket0 -> core0, core1
 *                              -> socket1 -> core2, core3
 *            -> node1 (rank 1) -> socket0 -> core4, core5
 *                              -> socket1 -> core6, core7
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
#include "test/unit/match_fixture.h"
#include "test/unit/testlib.h"

/* The shared two-node graph (match_fixture.h, MF_RANKED: node n and its
 * subtree on rank n, core ids 0..3 on each node). */
static void build(void)
{
    mf_build(MF_RANKED);
}

static void teardown(void)
{
    mf_teardown();
}

static matcher_t *make_filtered(const char *policy, const char *filters)
{
    return mf_make(policy, filters);
}

static matcher_t *make(const char *policy)
{
    return make_filtered(policy, NULL);
}

/* n whole nodes (exclusive: true), one core asked for on each. */
static jobspec_t *nodes(int n, int duration)
{
    return mf_whole_nodes(n, 1, duration);
}

static jobspec_t *core1(int duration)
{
    return mf_slots(1, "core", 1, duration);
}

static int run(matcher_t *m, enum match_op op, jobspec_t *js, int64_t id, int64_t *at)
{
    struct st_error err = {{0}};
    *at = 0;
    return match_run(m, op, js, id, at, NULL, NULL, &err);
}

/* The node a job holds whole (its hold record), or -1. */
static int held_node(const matcher_t *m, int64_t jobid)
{
    const struct mjob *j = match_job_find(m, jobid);
    for (size_t i = 0; j && i < j->nspans; i++)
        for (int n = 0; n < 2; n++)
            if (j->spans[i].hold && j->spans[i].v == mf_node[n])
                return n;
    return -1;
}

/* Allocate `whole` (one whole node) now as job 1: the node it holds. */
static int hold_node(matcher_t *m, jobspec_t *whole)
{
    int64_t at;
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, whole, 1, &at), 0);
    int n = held_node(m, 1);
    ck_assert_int_ge(n, 0);
    return n;
}

static char *rv1(int rank, int coreid)
{
    char *s = malloc(256);
    snprintf(s, 256,
             "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"%d\", \"children\": "
             "{\"core\": \"%d\"}}], \"starttime\": 0, \"expiration\": 100}}",
             rank, coreid);
    return s;
}

/* A whole node is held at the node: nothing below it has a planner, yet
 * every vertex below is unavailable during (and only during) the window. */
START_TEST(test_hold_one_span)
{
    build();
    matcher_t *m = make("first");
    char *free0 = mf_find(m, "sched-now=free");
    jobspec_t *js = nodes(1, 50);
    int n = hold_node(m, js);
    ck_assert_int_eq(m->nholds, 1);
    for (int k = 0; k < 4; k++) {
        ck_assert_ptr_null(m->plans[mf_core[n][k]]);
        ck_assert_ptr_null(m->xchk[mf_core[n][k]]);
        ck_assert(match_vertex_held(m, mf_core[n][k], 0, 1));
        ck_assert(match_vertex_held(m, mf_core[n][k], 49, 10));
        ck_assert(!match_vertex_held(m, mf_core[n][k], 50, 10));
        ck_assert(!match_vertex_held(m, mf_core[1 - n][k], 0, 1));
    }
    /* the root itself is not below a hold */
    ck_assert(!match_vertex_held(m, mf_node[n], 0, 1));
    /* find: no core of the held node is free, the other node's are */
    char *f = mf_find(m, "sched-now=free");
    char name[16];
    snprintf(name, sizeof(name), "node%d", n); /* a free core would bring its node */
    ck_assert_ptr_null(strstr(f, name));
    snprintf(name, sizeof(name), "node%d", 1 - n);
    ck_assert_ptr_nonnull(strstr(f, name));
    /* cancel: back to the start */
    ck_assert_int_eq(match_cancel(m, 1, NULL), 0);
    ck_assert_int_eq(m->nholds, 0);
    ck_assert(!match_vertex_held(m, mf_core[n][0], 0, 1));
    char *f2 = mf_find(m, "sched-now=free");
    ck_assert_str_eq(free0, f2);
    free(f);
    free(f2);
    free(free0);
    jobspec_destroy(js);
    match_destroy(m);
    teardown();
}
END_TEST

/* Other jobs go around the held node: the other node's four cores, then
 * EBUSY; a reservation waits for the hold's end. */
START_TEST(test_hold_blocks_others)
{
    build();
    matcher_t *m = make("first");
    jobspec_t *whole = nodes(1, 50), *one = core1(50);
    int64_t at;
    int n = hold_node(m, whole);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(run(m, MATCH_ALLOCATE, one, 2 + i, &at), 0);
    for (int k = 0; k < 4; k++)
        ck_assert_ptr_nonnull(m->plans[mf_core[1 - n][k]]);
    errno = 0;
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, one, 6, &at), -1);
    ck_assert_int_eq(errno, EBUSY);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE_ORELSE_RESERVE, one, 7, &at), 0);
    ck_assert_int_eq(at, 50);
    /* a second whole node waits too, and holds from 50 on */
    ck_assert_int_eq(run(m, MATCH_ALLOCATE_ORELSE_RESERVE, whole, 8, &at), 0);
    ck_assert_int_eq(at, 50);
    ck_assert_int_eq(m->nholds, 2);
    jobspec_destroy(whole);
    jobspec_destroy(one);
    match_destroy(m);
    teardown();
}
END_TEST

/* A replayed R (update) naming a core of a held node fails with EINVAL and
 * changes nothing, as a core with its own full span would; the other
 * node's core replays.  With a socket filter only (_i == 1), no filter of
 * the node catches it: only the hold does. */
START_TEST(test_hold_update)
{
    build();
    matcher_t *m = make_filtered("first", _i ? "ALL:socket" : NULL);
    jobspec_t *whole = nodes(1, 100);
    int n = hold_node(m, whole);
    char *before = mf_find(m, "sched-now=allocated");
    char *r = rv1(n, 2);
    struct st_error err = {{0}};
    errno = 0;
    ck_assert_int_eq(match_update(m, false, "rv1exec", r, 2, 0, 100, NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(!match_job_exists(m, 2));
    char *after = mf_find(m, "sched-now=allocated");
    ck_assert_str_eq(before, after);
    /* after the hold's window it replays */
    ck_assert_msg(match_update(m, false, "rv1exec", r, 3, 100, 10, NULL, &err) == 0, "%s",
                  err.text);
    free(r);
    r = rv1(1 - n, 2);
    ck_assert_msg(match_update(m, false, "rv1exec", r, 4, 0, 100, NULL, &err) == 0, "%s",
                  err.text);
    free(r);
    free(before);
    free(after);
    jobspec_destroy(whole);
    match_destroy(m);
    teardown();
}
END_TEST

/* Partial cancel of one node of a two-node hold: that node is free again,
 * the other stays unavailable (now through spans of its own). */
START_TEST(test_hold_partial_cancel)
{
    build();
    matcher_t *m = make("first");
    char *free0 = mf_find(m, "sched-now=free");
    jobspec_t *two = nodes(2, 100), *one = core1(100);
    int64_t at;
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, two, 1, &at), 0);
    ck_assert_int_eq(m->nholds, 2);
    char *r = rv1(0, 0);
    struct st_error err = {{0}};
    bool full = true;
    ck_assert_msg(match_partial_cancel(m, 1, "rv1exec", r, &full, NULL, &err) == 0, "%s",
                  err.text);
    ck_assert(!full);
    ck_assert_int_eq(m->nholds, 0);
    for (int k = 0; k < 4; k++) {
        ck_assert(!match_vertex_held(m, mf_core[1][k], 0, 1));
        ck_assert_int_eq(match_plan_avail(m, mf_core[1][k], 0, 1), 0);
        ck_assert_int_eq(match_plan_avail(m, mf_core[0][k], 0, 1), 1);
    }
    /* four 1-core jobs fit (node0), the fifth does not */
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(run(m, MATCH_ALLOCATE, one, 2 + i, &at), 0);
    errno = 0;
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, one, 6, &at), -1);
    for (int64_t j = 1; j <= 5; j++)
        ck_assert_int_eq(match_cancel(m, j, NULL), 0);
    char *f = mf_find(m, "sched-now=free");
    ck_assert_str_eq(free0, f);
    free(f);
    free(r);
    free(free0);
    jobspec_destroy(two);
    jobspec_destroy(one);
    match_destroy(m);
    teardown();
}
END_TEST

/* match_job_unhold gives the held vertices their own spans: the same
 * availability everywhere, no hold left; a second call changes nothing. */
START_TEST(test_unhold)
{
    build();
    matcher_t *m = make("first");
    jobspec_t *whole = nodes(1, 100);
    int n = hold_node(m, whole);
    char *agf = mf_find(m, "agfilter=true");
    struct mjob *j = match_job_find(m, 1);
    ck_assert_int_eq(match_job_unhold(m, j), 0);
    ck_assert_int_eq(m->nholds, 0);
    ck_assert_int_eq(held_node(m, 1), -1);
    for (int k = 0; k < 4; k++) {
        ck_assert(!match_vertex_held(m, mf_core[n][k], 0, 1));
        ck_assert_int_eq(match_plan_avail(m, mf_core[n][k], 0, 1), 0);
        ck_assert_int_eq(match_plan_avail(m, mf_core[n][k], 100, 1), 1);
    }
    ck_assert(!match_xchk_free(m, mf_node[n], 0, 1));
    char *agf2 = mf_find(m, "agfilter=true");
    ck_assert_str_eq(agf, agf2);
    ck_assert_int_eq(match_job_unhold(m, j), 0);
    ck_assert_int_eq(match_cancel(m, 1, NULL), 0);
    for (int k = 0; k < 4; k++)
        ck_assert_int_eq(match_plan_avail(m, mf_core[n][k], 0, 1), 1);
    free(agf);
    free(agf2);
    jobspec_destroy(whole);
    match_destroy(m);
    teardown();
}
END_TEST

/* The job's vertex list (match_job_foreach) still has the vertices below
 * a hold, in commit order, though the job keeps no record for them: find's
 * jobid and reservation predicates list them. */
START_TEST(test_hold_vertex_list)
{
    build();
    matcher_t *m = make("first");
    jobspec_t *whole = nodes(1, 50);
    int64_t at;
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, whole, 1, &at), 0);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, whole, 2, &at), 0);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE_ORELSE_RESERVE, whole, 3, &at), 0);
    ck_assert_int_eq(at, 50);
    /* cluster, node: two records; the 6 vertices below the node: none */
    const struct mjob *j = match_job_find(m, 3);
    ck_assert_uint_eq(j->nspans, 2);
    char *a = mf_find(m, "jobid-alloc=1");
    char *r = mf_find(m, "sched-future=reserved");
    char *x = mf_find(m, "jobid-reserved=3");
    int n = held_node(m, 1), lines = 0;
    for (const char *p = a; *p; p++)
        lines += *p == '\n';
    /* node, 2 sockets, 4 cores (exclusive), and the cluster on their path */
    ck_assert_int_eq(lines, 8);
    char name[16];
    snprintf(name, sizeof(name), "node%d", n);
    ck_assert_ptr_nonnull(strstr(a, name));
    ck_assert_str_eq(r, x);
    ck_assert_ptr_nonnull(strstr(r, "core"));
    free(a);
    free(r);
    free(x);
    jobspec_destroy(whole);
    match_destroy(m);
    teardown();
}
END_TEST

/* Removing part of a held node: the rest stays held; cancel frees what is
 * left. */
START_TEST(test_hold_remove)
{
    build();
    matcher_t *m = make("first");
    jobspec_t *whole = nodes(1, 50), *one = core1(50);
    int64_t at;
    int n = hold_node(m, whole);
    char path[64];
    snprintf(path, sizeof(path), "/cluster0/node%d/socket1", n);
    struct st_error err = {{0}};
    ck_assert_msg(match_remove_path(m, path, &err) == 0, "%s", err.text);
    ck_assert(match_job_exists(m, 1));
    ck_assert_int_eq(match_plan_avail(m, mf_core[n][0], 0, 1), 0);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(run(m, MATCH_ALLOCATE, one, 2 + i, &at), 0);
    errno = 0;
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, one, 6, &at), -1);
    ck_assert_int_eq(match_cancel(m, 1, NULL), 0);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, one, 7, &at), 0);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, one, 8, &at), 0);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, one, 9, &at), -1);
    jobspec_destroy(whole);
    jobspec_destroy(one);
    match_destroy(m);
    teardown();
}
END_TEST

static void count_call(const struct mspan *sp, void *arg)
{
    (void) sp;
    (*(int *) arg)++;
}

START_TEST(test_hold_badparam)
{
    build();
    matcher_t *m = make("first");
    ck_assert(!match_vertex_held(NULL, 0, 0, 1));
    ck_assert(!match_vertex_held(m, -1, 0, 1));
    ck_assert(!match_vertex_held(m, graph_vertex_count(mf_g) + 5, 0, 1));
    errno = 0;
    ck_assert_int_eq(match_job_unhold(NULL, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(match_job_unhold(m, NULL), -1);
    ck_assert_int_eq(errno, EINVAL);
    /* foreach on nothing calls nothing */
    int calls = 0;
    match_job_foreach(NULL, NULL, count_call, &calls);
    match_job_foreach(m, NULL, count_call, &calls);
    ck_assert_int_eq(calls, 0);
    match_destroy(m);
    teardown();
}
END_TEST

static Suite *hold_suite(void)
{
    Suite *s = suite_create("match_hold");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_hold_one_span);
    tcase_add_test(tc, test_hold_blocks_others);
    tcase_add_loop_test(tc, test_hold_update, 0, 2);
    tcase_add_test(tc, test_hold_partial_cancel);
    tcase_add_test(tc, test_unhold);
    tcase_add_test(tc, test_hold_vertex_list);
    tcase_add_test(tc, test_hold_remove);
    tcase_add_test(tc, test_hold_badparam);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(hold_suite());
}
