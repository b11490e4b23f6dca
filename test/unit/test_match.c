/* Unit tests for match/: the traverser, ops, cancel, find and bad
 * parameters, on a small hand-built graph:
 *
 *   cluster0 -> node0 -> socket0 -> core0, core1
 *                     -> socket1 -> core2, core3
 *            -> node1 -> socket0 -> core4, core5
 *                     -> socket1 -> core6, core7
 *
 * Planner state is observed through `find` (simple writer) so that the
 * invariants "a failed match changes nothing" and "cancel restores the
 * exact free counts" are checked on every vertex.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec/jobspec.h"
#include "match/match.h"
#include "resource/graph.h"
#include "resource/writer.h"
#include "test/unit/match_fixture.h"

/* The shared two-node graph (match_fixture.h, MF_PLAIN: core ids 0..7). */
static void build(void)
{
    mf_build(MF_PLAIN);
}

static void teardown(void)
{
    mf_teardown();
}

static matcher_t *make(const char *policy)
{
    return mf_make(policy, NULL);
}

/* slot[1]->core[n] with an omitted prefix. */
static jobspec_t *cores(int n, int duration)
{
    return mf_slots(1, "core", n, duration);
}

/* Run one match; returns rc and fills out (simple writer text). */
static int run(matcher_t *m, enum match_op op, jobspec_t *js, int64_t id, int64_t *at,
               char **out)
{
    writer_t *w = writer_create(WRITER_SIMPLE, mf_g);
    ck_assert_ptr_nonnull(w);
    struct st_error err = {{0}};
    *at = 0;
    int rc = match_run(m, op, js, id, at, w, NULL, &err);
    int e = errno;
    if (out)
        *out = writer_render(w);
    writer_destroy(w);
    errno = e;
    return rc;
}

/* A match that must fail with errno errnum. */
static void assert_run_fails(matcher_t *m, enum match_op op, jobspec_t *js, int64_t id,
                             int errnum)
{
    int64_t at;
    errno = 0;
    ck_assert_msg(run(m, op, js, id, &at, NULL) == -1, "%s of job %lld did not fail",
                  match_op_name(op), (long long) id);
    ck_assert_msg(errno == errnum, "%s of job %lld: errno %d, want %d", match_op_name(op),
                  (long long) id, errno, errnum);
}

/* Allocate js now as job id; its simple-writer text must hold `want`. */
static void assert_alloc_names(matcher_t *m, jobspec_t *js, int64_t id, const char *want)
{
    int64_t at;
    char *out;
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, js, id, &at, &out), 0);
    ck_assert_msg(strstr(out, want) != NULL, "job %lld: no %s in\n%s", (long long) id, want,
                  out);
    free(out);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

START_TEST(test_high_low_order)
{
    static const struct {
        const char *policy;
        const char *core;
        const char *node;
    } cases[] = {
        {"high", "core7[1:x]", "node1[1:s]"},   {"low", "core0[1:x]", "node0[1:s]"},
        {"hinode", "core7[1:x]", "node1[1:s]"}, {"lonode", "core0[1:x]", "node0[1:s]"},
        {"first", "core7[1:x]", "node1[1:s]"},
    };
    build();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        matcher_t *m = make(cases[i].policy);
        jobspec_t *js = cores(1, 10);
        int64_t at;
        char *out;
        ck_assert_int_eq(run(m, MATCH_ALLOCATE, js, 1, &at, &out), 0);
        ck_assert_msg(strstr(out, cases[i].core) && strstr(out, cases[i].node), "%s: %s",
                      cases[i].policy, out);
        /* post-order: the core comes first, the root last */
        ck_assert_ptr_eq(strstr(out, "core"), strstr(out, "------------core") + 12);
        ck_assert(strstr(out, "---cluster0[1:s]\n") != NULL);
        ck_assert_int_eq(at, 0);
        free(out);
        jobspec_destroy(js);
        match_destroy(m);
    }
    teardown();
}
END_TEST

/* Locality prefers candidates in the longest run of consecutive ids. */
START_TEST(test_locality)
{
    build();
    matcher_t *m = make("locality");
    jobspec_t *js = cores(1, 10);
    assert_alloc_names(m, js, 1, "core7[1:x]");
    assert_alloc_names(m, js, 2, "core6[1:x]");
    ck_assert_int_eq(match_cancel(m, 1, NULL), 0);
    /* free: core0-5 (a run of 6) and core7 (alone): high would take core7 */
    assert_alloc_names(m, js, 3, "core5[1:x]");
    jobspec_destroy(js);
    match_destroy(m);
    teardown();
}
END_TEST

START_TEST(test_nodex_whole_node)
{
    build();
    matcher_t *m = make("lonodex");
    jobspec_t *js = cores(1, 10);
    int64_t at;
    char *out;
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, js, 1, &at, &out), 0);
    /* the whole node0 subtree, exclusively, and the cluster */
    ck_assert_int_eq(count_lines(out), 8);
    ck_assert(strstr(out, "node0[1:x]") != NULL);
    free(out);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, js, 2, &at, &out), 0);
    ck_assert(strstr(out, "node1[1:x]") != NULL);
    free(out);
    assert_run_fails(m, MATCH_ALLOCATE, js, 3, EBUSY);
    jobspec_destroy(js);
    match_destroy(m);
    teardown();
}
END_TEST

START_TEST(test_failed_match_changes_nothing)
{
    build();
    matcher_t *m = make("high");
    jobspec_t *three = cores(2, 10), *two = cores(2, 10), *big = cores(3, 10);
    int64_t at;
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, three, 1, &at, NULL), 0);
    char *before = mf_find(m, "sched-now=allocated");
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, two, 2, &at, NULL), 0);
    ck_assert_int_eq(match_cancel(m, 2, NULL), 0);
    char *mid = mf_find(m, "sched-now=allocated");
    ck_assert_str_eq(before, mid);
    /* 3 cores never fit one socket of 2: slots do not span sockets */
    assert_run_fails(m, MATCH_ALLOCATE, big, 3, EBUSY);
    assert_run_fails(m, MATCH_ALLOCATE_ORELSE_RESERVE, big, 3, ENODEV);
    char *after = mf_find(m, "sched-now=allocated");
    ck_assert_str_eq(before, after);
    ck_assert(!match_job_exists(m, 3));
    free(before);
    free(mid);
    free(after);
    jobspec_destroy(three);
    jobspec_destroy(two);
    jobspec_destroy(big);
    match_destroy(m);
    teardown();
}
END_TEST

START_TEST(test_cancel_restores)
{
    build();
    matcher_t *m = make("low");
    jobspec_t *js = cores(1, 100);
    int64_t at;
    char *empty = mf_find(m, "sched-now=allocated");
    ck_assert_str_eq(empty, "");
    for (int i = 1; i <= 8; i++)
        ck_assert_int_eq(run(m, MATCH_ALLOCATE, js, i, &at, NULL), 0);
    char *full = mf_find(m, "sched-now=free");
    /* only the shared vertices (cluster, nodes, sockets) are still free */
    ck_assert_int_eq(count_lines(full), 7);
    assert_run_fails(m, MATCH_ALLOCATE, js, 9, EBUSY);
    struct match_stats st = {0};
    ck_assert_int_eq(match_cancel(m, 5, &st), 0);
    ck_assert_int_gt(st.preorder, 0);
    ck_assert_int_gt(st.postorder, 0);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, js, 10, &at, NULL), 0);
    for (int i = 1; i <= 10; i++)
        if (i != 5 && i != 9)
            ck_assert_int_eq(match_cancel(m, i, NULL), 0);
    char *again = mf_find(m, "sched-now=allocated");
    ck_assert_str_eq(again, "");
    free(empty);
    free(full);
    free(again);
    jobspec_destroy(js);
    match_destroy(m);
    teardown();
}
END_TEST

START_TEST(test_reserve_and_sat)
{
    build();
    matcher_t *m = make("high");
    /* a whole node's cores, as one slot of two sockets; and three sockets */
    static const char node_r[] = "  - type: slot\n    count: 1\n    label: default\n"
                                 "    with:\n      - type: socket\n        count: %d\n"
                                 "        with:\n          - type: core\n"
                                 "            count: 2";
    char r[512];
    snprintf(r, sizeof(r), node_r, 2);
    jobspec_t *all = mf_spec(r, 100);
    snprintf(r, sizeof(r), node_r, 3);
    jobspec_t *huge = mf_spec(r, 100);
    int64_t at;
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, all, 1, &at, NULL), 0);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, all, 2, &at, NULL), 0);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE_ORELSE_RESERVE, all, 3, &at, NULL), 0);
    ck_assert_int_eq(at, 100);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE_ORELSE_RESERVE, all, 4, &at, NULL), 0);
    ck_assert_int_eq(at, 100);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE_ORELSE_RESERVE, all, 5, &at, NULL), 0);
    ck_assert_int_eq(at, 200);
    /* without_allocating_future finds the slot but commits nothing */
    ck_assert_int_eq(run(m, MATCH_WITHOUT_ALLOCATING_FUTURE, all, 6, &at, NULL), 0);
    ck_assert_int_eq(at, 200);
    ck_assert(!match_job_exists(m, 6));
    assert_run_fails(m, MATCH_ALLOCATE_WITH_SATISFIABILITY, all, 7, EBUSY);
    assert_run_fails(m, MATCH_ALLOCATE_ORELSE_RESERVE, huge, 8, ENODEV);
    ck_assert_int_eq(run(m, MATCH_SATISFIABILITY, all, 9, &at, NULL), 0);
    assert_run_fails(m, MATCH_SATISFIABILITY, huge, 9, ENODEV);
    char *resv = mf_find(m, "sched-future=reserved");
    ck_assert_int_gt(count_lines(resv), 0);
    free(resv);
    jobspec_destroy(all);
    jobspec_destroy(huge);
    match_destroy(m);
    teardown();
}
END_TEST

START_TEST(test_status_down)
{
    build();
    matcher_t *m = make("high");
    jobspec_t *js = mf_spec("  - type: node\n    count: 2\n    with:\n      - type: slot\n"
                            "        count: 1\n        label: default\n        with:\n"
                            "          - type: core\n            count: 1",
                            10);
    vtx_t n1 = graph_find_path(mf_g, "/cluster0/node1");
    ck_assert_int_ge(n1, 0);
    ck_assert_int_eq(match_set_status(m, n1, VTX_DOWN), 0);
    int64_t at;
    assert_run_fails(m, MATCH_ALLOCATE, js, 1, EBUSY);
    assert_run_fails(m, MATCH_ALLOCATE_WITH_SATISFIABILITY, js, 1, ENODEV);
    char *down = mf_find(m, "status=down");
    ck_assert_int_eq(count_lines(down), 8); /* node1 subtree + cluster0 */
    free(down);
    ck_assert_int_eq(match_set_status(m, n1, VTX_UP), 0);
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, js, 1, &at, NULL), 0);
    jobspec_destroy(js);
    match_destroy(m);
    teardown();
}
END_TEST

START_TEST(test_find_expressions)
{
    build();
    matcher_t *m = make("low");
    jobspec_t *js = cores(1, 10);
    int64_t at;
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, js, 1, &at, NULL), 0);
    static const struct {
        const char *expr;
        int lines;
    } cases[] = {
        {"sched-now=allocated", 4}, /* core0 socket0 node0 cluster0 */
        {"jobid-alloc=1", 4},       /* core0 and its ancestors */
        {"jobid-tag=1", 4},
        {"jobid-span=2", 0},
        {"names=node[0-1]", 3},
        {"names=node1 or names=core0", 5},
        {"names=node1 and names=core0", 0},
        {"(names=node0 or names=node1) sched-now=allocated", 2},
        {"agfilter=true", 7}, /* cluster, nodes and sockets track cores */
        {"status=up", 15},
        {"status=UP", 15}, /* values are case-insensitive */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *s = mf_find(m, cases[i].expr);
        ck_assert_msg(count_lines(s) == cases[i].lines, "%s: %s", cases[i].expr, s);
        free(s);
    }
    static const char *const bad[] = {
        "", "names", "bogus=1", "(status=up", "status=sideways", "jobid-tag=x", "status=up )"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct st_error err = {{0}};
        errno = 0;
        ck_assert_int_eq(match_find(m, bad[i], NULL, &err), -1);
        ck_assert_int_eq(errno, EINVAL);
    }
    jobspec_destroy(js);
    match_destroy(m);
    teardown();
}
END_TEST

START_TEST(test_unknown_type)
{
    build();
    matcher_t *m = make("high");
    jobspec_t *js = mf_spec("  - type: gpu\n    count: 1", 10);
    struct st_error err = {{0}};
    int64_t at = 0;
    errno = 0;
    ck_assert_int_eq(match_run(m, MATCH_ALLOCATE, js, 1, &at, NULL, NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(strstr(err.text, "must be a resource type known") != NULL);
    jobspec_destroy(js);
    match_destroy(m);
    teardown();
}
END_TEST

START_TEST(test_badparam)
{
    build();
    struct st_error err = {{0}};
    errno = 0;
    ck_assert_ptr_null(match_create(NULL, NULL, &err));
    ck_assert_int_eq(errno, EINVAL);
    struct match_params p = {.policy = "nosuch"};
    errno = 0;
    ck_assert_ptr_null(match_create(mf_g, &p, &err));
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(strstr(err.text, "unknown match policy") != NULL);
    p.policy = NULL;
    p.subsystems = "XYZA";
    errno = 0;
    ck_assert_ptr_null(match_create(mf_g, &p, &err));
    ck_assert_int_eq(errno, EINVAL);
    p.subsystems = "PA"; /* no power subsystem in this graph */
    ck_assert_ptr_null(match_create(mf_g, &p, &err));
    p.subsystems = NULL;
    p.prune_filters = "core";
    errno = 0;
    ck_assert_ptr_null(match_create(mf_g, &p, &err));
    ck_assert_int_eq(errno, EINVAL);

    matcher_t *m = make(NULL);
    jobspec_t *js = cores(1, 10);
    int64_t at = 0;
    errno = 0;
    ck_assert_int_eq(match_run(NULL, MATCH_ALLOCATE, js, 1, &at, NULL, NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(match_run(m, MATCH_ALLOCATE, NULL, 1, &at, NULL, NULL, &err), -1);
    ck_assert_int_eq(match_run(m, MATCH_ALLOCATE, js, 1, NULL, NULL, NULL, &err), -1);
    ck_assert_int_eq(match_run(m, MATCH_OP_COUNT, js, 1, &at, NULL, NULL, &err), -1);
    at = -5;
    ck_assert_int_eq(match_run(m, MATCH_ALLOCATE, js, 1, &at, NULL, NULL, &err), -1);
    at = 0;
    ck_assert_int_eq(match_run(m, MATCH_ALLOCATE, js, 1, &at, NULL, NULL, &err), 0);
    errno = 0;
    ck_assert_int_eq(match_run(m, MATCH_ALLOCATE, js, 1, &at, NULL, NULL, &err), -1);
    ck_assert_int_eq(errno, EEXIST);

    enum match_op op;
    errno = 0;
    ck_assert_int_eq(match_op_parse("allocate_sometimes", &op), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(match_op_parse(NULL, &op), -1);
    ck_assert_int_eq(match_op_parse("satisfiability", &op), 0);
    ck_assert_int_eq(op, MATCH_SATISFIABILITY);
    ck_assert_str_eq(match_op_name(MATCH_ALLOCATE_ORELSE_RESERVE), "allocate_orelse_reserve");
    ck_assert_ptr_null(match_op_name(MATCH_OP_COUNT));

    errno = 0;
    ck_assert_int_eq(match_cancel(m, 99, NULL), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(match_cancel(NULL, 1, NULL), -1);
    bool full;
    errno = 0;
    ck_assert_int_eq(match_partial_cancel(m, 1, "foo", "{}", &full, NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(match_partial_cancel(m, 42, "rv1exec", "{}", &full, NULL, &err), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(match_partial_cancel(NULL, 1, "rv1exec", "{}", &full, NULL, &err), -1);
    errno = 0;
    ck_assert_int_eq(match_find(NULL, "status=up", NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(match_set_status(m, 9999, VTX_DOWN), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(match_set_status(NULL, 0, VTX_DOWN), -1);
    ck_assert(!match_job_exists(NULL, 1));
    ck_assert(match_job_exists(m, 1));
    errno = 7;
    match_destroy(NULL);
    ck_assert_int_eq(errno, 7);
    jobspec_destroy(js);
    match_destroy(m);
    teardown();
}
END_TEST

/* update replays a JGF R: the state after it equals the state after the
 * match that produced the R. */
START_TEST(test_update_replay)
{
    build();
    matcher_t *a = make("high"), *b = make("high");
    jobspec_t *js = cores(2, 50);
    writer_t *w = writer_create(WRITER_JGF, mf_g);
    struct st_error err = {{0}};
    int64_t at = 0;
    ck_assert_int_eq(match_run(a, MATCH_ALLOCATE, js, 1, &at, w, NULL, &err), 0);
    char *r = writer_render(w);
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(match_update(b, false, "jgf", r, 7, 0, 50, NULL, &err) == 0, "%s", err.text);
    char *fa = mf_find(a, "sched-now=allocated"), *fb = mf_find(b, "sched-now=allocated");
    ck_assert_str_eq(fa, fb);
    ck_assert(match_job_exists(b, 7));
    /* the same R again: its cores are taken */
    errno = 0;
    ck_assert_int_eq(match_update(b, false, "jgf", r, 8, 0, 50, NULL, &err), -1);
    char *fb2 = mf_find(b, "sched-now=allocated");
    ck_assert_str_eq(fb, fb2);
    ck_assert(!match_job_exists(b, 8));
    free(r);
    free(fa);
    free(fb);
    free(fb2);
    writer_destroy(w);
    jobspec_destroy(js);
    match_destroy(a);
    match_destroy(b);
    teardown();
}
END_TEST

START_TEST(test_remove_path)
{
    build();
    matcher_t *m = make("high");
    jobspec_t *js = cores(1, 10);
    int64_t at;
    struct st_error err = {{0}};
    ck_assert_int_eq(run(m, MATCH_ALLOCATE, js, 1, &at, NULL), 0); /* core7 on node1 */
    ck_assert_msg(match_remove_path(m, "/cluster0/node1", &err) == 0, "%s", err.text);
    ck_assert(!match_job_exists(m, 1)); /* it held nothing else */
    char *all = mf_find(m, "status=up");
    ck_assert_int_eq(count_lines(all), 8); /* cluster + node0's 7 */
    free(all);
    for (int i = 2; i <= 5; i++)
        ck_assert_int_eq(run(m, MATCH_ALLOCATE, js, i, &at, NULL), 0);
    assert_run_fails(m, MATCH_ALLOCATE, js, 6, EBUSY);
    jobspec_destroy(js);
    match_destroy(m);
    teardown();
}
END_TEST

/* node2 (3 cores in one socket) under the existing cluster0. */
static const char node2_jgf[] =
    "{\"graph\": {\"nodes\": ["
    "{\"id\": \"0\", \"metadata\": {\"type\": \"cluster\", \"id\": 0,"
    " \"paths\": {\"containment\": \"/cluster0\"}}},"
    "{\"id\": \"100\", \"metadata\": {\"type\": \"node\", \"id\": 2,"
    " \"paths\": {\"containment\": \"/cluster0/node2\"}}},"
    "{\"id\": \"101\", \"metadata\": {\"type\": \"socket\", \"id\": 0,"
    " \"paths\": {\"containment\": \"/cluster0/node2/socket0\"}}},"
    "{\"id\": \"102\", \"metadata\": {\"type\": \"core\", \"id\": 8,"
    " \"paths\": {\"containment\": \"/cluster0/node2/socket0/core8\"}}},"
    "{\"id\": \"103\", \"metadata\": {\"type\": \"core\", \"id\": 9,"
    " \"paths\": {\"containment\": \"/cluster0/node2/socket0/core9\"}}},"
    "{\"id\": \"104\", \"metadata\": {\"type\": \"core\", \"id\": 10,"
    " \"paths\": {\"containment\": \"/cluster0/node2/socket0/core10\"}}}],"
    "\"edges\": ["
    "{\"source\": \"0\", \"target\": \"100\", \"metadata\": {\"subsystem\": \"containment\"}},"
    "{\"source\": \"100\", \"target\": \"101\", \"metadata\": {\"subsystem\": "
    "\"containment\"}},"
    "{\"source\": \"101\", \"target\": \"102\", \"metadata\": {\"subsystem\": "
    "\"containment\"}},"
    "{\"source\": \"101\", \"target\": \"103\", \"metadata\": {\"subsystem\": "
    "\"containment\"}},"
    "{\"source\": \"101\", \"target\": \"104\", \"metadata\": {\"subsystem\": \"containment\"}}"
    "]}}";

/* One allocation of n cores (n slots of one core: anywhere) as job id: its
 * simple-writer text ("FAIL" if none). */
static char *alloc_cores(matcher_t *m, int n, int64_t id)
{
    jobspec_t *js = mf_slots(n, "core", 1, 10);
    int64_t at;
    char *out = NULL;
    int rc = run(m, MATCH_ALLOCATE, js, id, &at, &out);
    jobspec_destroy(js);
    if (rc < 0) {
        free(out);
        return strdup("FAIL");
    }
    return out;
}

/* The filters follow attach and remove: an allocation sees the new cores
 * and not the removed ones, and the in-place update (only the changed
 * subtree, its ancestors and the jobs in it) answers as a full re-prime
 * does. */
START_TEST(test_attach_remove_filters)
{
    char *seen[2][9];
    for (int full = 0; full < 2; full++) {
        build();
        ck_assert_int_eq(graph_set_full_rebuild(mf_g, full), 0);
        matcher_t *m = make("high");
        struct st_error err = {{0}};
        char **o = seen[full];
        ck_assert_msg(match_remove_path(m, "/cluster0/node1", &err) == 0, "%s", err.text);
        o[0] = alloc_cores(m, 5, 1); /* 4 cores left */
        o[1] = alloc_cores(m, 4, 2);
        ck_assert_int_eq(match_cancel(m, 2, NULL), 0);
        ck_assert_msg(match_attach(m, node2_jgf, &err) == 0, "%s", err.text);
        o[2] = alloc_cores(m, 8, 3); /* 7 cores now */
        o[3] = alloc_cores(m, 7, 4);
        ck_assert_int_eq(match_cancel(m, 4, NULL), 0);
        /* job 5 on node2 only, job 6 on node2's last core and node0's
         * four: node2 goes, job 5 with it, job 6 keeps node0 */
        o[4] = alloc_cores(m, 2, 5);
        o[5] = alloc_cores(m, 5, 6);
        ck_assert_msg(match_remove_path(m, "/cluster0/node2", &err) == 0, "%s", err.text);
        ck_assert(!match_job_exists(m, 5));
        ck_assert(match_job_exists(m, 6));
        o[6] = alloc_cores(m, 1, 7); /* node0's 4 cores: all held by job 6 */
        ck_assert_int_eq(match_cancel(m, 6, NULL), 0);
        o[7] = alloc_cores(m, 4, 8);
        o[8] = mf_find(m, "sched-now=allocated");
        match_destroy(m);
        teardown();
    }
    const char *const expect_fail[9] = {"FAIL", NULL, "FAIL", NULL, NULL, NULL, "FAIL", NULL};
    for (int i = 0; i < 9; i++) {
        if (expect_fail[i])
            ck_assert_str_eq(seen[0][i], "FAIL");
        else if (i < 8)
            ck_assert_str_ne(seen[0][i], "FAIL");
        ck_assert_str_eq(seen[0][i], seen[1][i]);
    }
    ck_assert_ptr_nonnull(strstr(seen[0][3], "core10"));
    ck_assert_ptr_nonnull(strstr(seen[0][4], "core10")); /* high: node2 first */
    ck_assert_ptr_nonnull(strstr(seen[0][5], "core8"));
    ck_assert_ptr_nonnull(strstr(seen[0][5], "core0"));
    ck_assert_ptr_null(strstr(seen[0][7], "node2"));
    ck_assert_ptr_null(strstr(seen[0][7], "node1"));
    for (int f = 0; f < 2; f++)
        for (int i = 0; i < 9; i++)
            free(seen[f][i]);
}
END_TEST

START_TEST(test_badparam_elastic)
{
    build();
    matcher_t *m = make(NULL);
    struct st_error err = {{0}};
    errno = 0;
    ck_assert_int_eq(match_update(NULL, false, "jgf", "{}", 1, 0, 10, NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(match_update(m, false, "yaml", "{}", 1, 0, 10, NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(match_update(m, false, "jgf", "{}", 1, -1, 10, NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(match_update(m, false, "jgf", "{}", 1, 0, 0, NULL, &err), -1);
    ck_assert_int_eq(match_update(m, false, "jgf", "not json", 1, 0, 10, NULL, &err), -1);
    ck_assert(!match_job_exists(m, 1));
    errno = 0;
    ck_assert_int_eq(match_attach(NULL, "{}", &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(match_attach(m, "not json", &err), -1);
    errno = 0;
    ck_assert_int_eq(match_remove_path(m, "/cluster0/nosuch", &err), -1);
    ck_assert_int_eq(errno, ENOENT);
    errno = 0;
    ck_assert_int_eq(match_remove_path(m, "/cluster0", &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(match_remove_path(NULL, "/cluster0/node0", &err), -1);
    errno = 0;
    ck_assert_int_eq(match_remove_ranks(m, "x-y", &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(match_remove_ranks(NULL, "0", &err), -1);
    /* nothing changed */
    char *all = mf_find(m, "status=up");
    ck_assert_int_eq(count_lines(all), 15);
    free(all);
    match_destroy(m);
    teardown();
}
END_TEST

/* The full walk (statistics) visits every vertex a best-first early stop
 * skips and selects the same resources. */
START_TEST(test_full_walk)
{
    build();
    matcher_t *m = make("high");
    jobspec_t *js = mf_spec("  - type: node\n    count: 1\n    with:\n"
                            "      - type: socket\n        count: 1\n        with:\n"
                            "          - type: slot\n            count: 1\n"
                            "            label: default\n            with:\n"
                            "              - type: core\n                count: 1",
                            3600);
    char *fast = NULL, *full = NULL;
    int64_t at = 0;
    struct match_stats st1 = {0}, st2 = {0};
    struct st_error err = {{0}};
    writer_t *w = writer_create(WRITER_SIMPLE, mf_g);
    ck_assert_int_eq(match_run(m, MATCH_WITHOUT_ALLOCATING, js, 1, &at, w, &st1, &err), 0);
    fast = writer_render(w);
    writer_reset(w);
    ck_assert_int_eq(match_set_full_walk(m, true), 0);
    ck_assert_int_eq(match_run(m, MATCH_WITHOUT_ALLOCATING, js, 1, &at, w, &st2, &err), 0);
    full = writer_render(w);
    ck_assert_int_lt(st1.preorder, 15);
    ck_assert_int_eq(st2.preorder, 15); /* every vertex of the graph */
    ck_assert_str_eq(fast, full);
    ck_assert_int_eq(match_set_full_walk(m, false), 0);
    errno = 0;
    ck_assert_int_eq(match_set_full_walk(NULL, true), -1);
    ck_assert_int_eq(errno, EINVAL);
    free(fast);
    free(full);
    writer_destroy(w);
    jobspec_destroy(js);
    match_destroy(m);
    teardown();
}
END_TEST

/* The node-count pre-check counts a node request times its slots only:
 * cluster[3]->node[1] on a 1-cluster, 2-node graph is not cut short as
 * "busy" (3 > 2) but found unsatisfiable by the filters (ENODEV) for an
 * allocate_orelse_reserve, as the reference does; node[3] is still busy. */
START_TEST(test_node_precheck)
{
    build();
    matcher_t *m = make("low");
    jobspec_t *racked = mf_spec("  - type: cluster\n    count: 3\n    with:\n"
                                "      - type: node\n        count: 1\n        with:\n"
                                "          - type: slot\n            count: 1\n"
                                "            label: default\n            with:\n"
                                "              - type: core\n                count: 1",
                                60);
    jobspec_t *flat = mf_spec("  - type: node\n    count: 3\n    with:\n"
                              "      - type: slot\n        count: 1\n"
                              "        label: default\n        with:\n"
                              "          - type: core\n            count: 1",
                              60);
    assert_run_fails(m, MATCH_ALLOCATE_ORELSE_RESERVE, racked, 1, ENODEV);
    assert_run_fails(m, MATCH_ALLOCATE_ORELSE_RESERVE, flat, 2, EBUSY);
    assert_run_fails(m, MATCH_ALLOCATE_WITH_SATISFIABILITY, flat, 3, ENODEV);
    ck_assert(!match_job_exists(m, 1) && !match_job_exists(m, 2));
    jobspec_destroy(racked);
    jobspec_destroy(flat);
    match_destroy(m);
    teardown();
}
END_TEST

/* The root's agfilter text of `find agfilter=t` (JGF writer): the last
 * vertex written is the root. */
static char *root_agfilter(matcher_t *m)
{
    writer_t *w = writer_create(WRITER_JGF, mf_g);
    ck_assert_ptr_nonnull(w);
    struct st_error err = {{0}};
    ck_assert_int_eq(match_find(m, "agfilter=t", w, &err), 0);
    char *s = writer_render(w);
    writer_destroy(w);
    char *last = NULL;
    for (char *p = strstr(s, "\"agfilter\""); p; p = strstr(p + 1, "\"agfilter\""))
        last = p;
    ck_assert_ptr_nonnull(last);
    char *end = strchr(last, '}');
    ck_assert_ptr_nonnull(end);
    char *out = strndup(last, (size_t) (end - last + 1));
    free(s);
    return out;
}

/* Leaf types the filters do not list are tracked at the root (the
 * reference's cluster anchor), after the listed ones; a listed leaf type
 * is not added twice, and nothing is added below the root. */
START_TEST(test_anchor_leaf_types)
{
    mf_build(MF_RACKS);
    matcher_t *m = make("low");
    char *a = root_agfilter(m);
    ck_assert_str_eq(a, "\"agfilter\": {\"core\": \"used:0, total:8\", \"gpu\": "
                        "\"used:0, total:4\", \"node\": \"used:0, total:4\"}");
    free(a);
    /* a rack tracks what its entries say only */
    writer_t *w = writer_create(WRITER_JGF, mf_g);
    struct st_error err = {{0}};
    ck_assert_int_eq(match_find(m, "agfilter=t and names=rack0", w, &err), 0);
    char *s = writer_render(w);
    ck_assert_ptr_nonnull(strstr(s, "\"agfilter\": {\"core\": \"used:0, total:4\", \"node\": "
                                    "\"used:0, total:2\"}"));
    free(s);
    writer_destroy(w);
    /* a socket reports node with nothing of it below; a node does not
     * report its own type (remove/009) */
    w = writer_create(WRITER_JGF, mf_g);
    ck_assert_int_eq(match_find(m, "agfilter=t and names=node0", w, &err), 0);
    s = writer_render(w);
    ck_assert_ptr_nonnull(strstr(s, "\"type\": \"node\""));
    ck_assert_ptr_nonnull(strstr(s, "\"agfilter\": {\"core\": \"used:0, total:2\"}"));
    free(s);
    writer_destroy(w);
    w = writer_create(WRITER_JGF, mf_g);
    ck_assert_int_eq(match_find(m, "agfilter=t and names=socket0", w, &err), 0);
    s = writer_render(w);
    ck_assert_ptr_nonnull(strstr(s, "\"agfilter\": {\"core\": \"used:0, total:2\", \"node\": "
                                    "\"used:0, total:0\"}"));
    free(s);
    writer_destroy(w);
    /* a job's gpus count at the root */
    jobspec_t *js = mf_slots(3, "gpu", 1, 10);
    int64_t at = 0;
    ck_assert_int_eq(match_run(m, MATCH_ALLOCATE, js, 1, &at, NULL, NULL, &err), 0);
    a = root_agfilter(m);
    ck_assert_ptr_nonnull(strstr(a, "\"gpu\": \"used:3, total:4\""));
    free(a);
    /* more gpus than the machine has left: busy now, satisfiable later */
    jobspec_t *js2 = mf_slots(2, "gpu", 1, 10);
    errno = 0;
    ck_assert_int_eq(match_run(m, MATCH_ALLOCATE, js2, 2, &at, NULL, NULL, &err), -1);
    ck_assert_int_eq(errno, EBUSY);
    at = 0;
    ck_assert_int_eq(match_run(m, MATCH_ALLOCATE_ORELSE_RESERVE, js2, 2, &at, NULL, NULL, &err),
                     0);
    ck_assert_int_eq(at, 10);
    jobspec_destroy(js);
    jobspec_destroy(js2);
    match_destroy(m);
    /* listed leaf types: nothing added */
    struct match_params p = {.policy = "low", .prune_filters = "ALL:gpu,ALL:core"};
    m = match_create(mf_g, &p, &err);
    ck_assert_ptr_nonnull(m);
    a = root_agfilter(m);
    ck_assert_str_eq(a, "\"agfilter\": {\"core\": \"used:0, total:8\", \"gpu\": "
                        "\"used:0, total:4\"}");
    free(a);
    match_destroy(m);
    teardown();
}
END_TEST

static Suite *match_suite(void)
{
    Suite *s = suite_create("match");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_high_low_order);
    tcase_add_test(tc, test_locality);
    tcase_add_test(tc, test_nodex_whole_node);
    tcase_add_test(tc, test_failed_match_changes_nothing);
    tcase_add_test(tc, test_cancel_restores);
    tcase_add_test(tc, test_reserve_and_sat);
    tcase_add_test(tc, test_status_down);
    tcase_add_test(tc, test_find_expressions);
    tcase_add_test(tc, test_unknown_type);
    tcase_add_test(tc, test_badparam);
    tcase_add_test(tc, test_update_replay);
    tcase_add_test(tc, test_remove_path);
    tcase_add_test(tc, test_attach_remove_filters);
    tcase_add_test(tc, test_badparam_elastic);
    tcase_add_test(tc, test_full_walk);
    tcase_add_test(tc, test_node_precheck);
    tcase_add_test(tc, test_anchor_leaf_types);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(match_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
