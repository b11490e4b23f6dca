/* Unit tests for partial cancel (match/cancel.c) and what find reports
 * after it, on two racks of two ranked nodes (MF_RACKS in
 * match_fixture.h: each node has a socket with two cores and a gpu).
 *
 * The rule checked (docs/matching.md, "Partial cancel"): a released
 * vertex loses the job's tag and spans; an ancestor's filter span shrinks
 * by what was released in its own subtree, and its tag goes when that span
 * drops to nothing; an ancestor without a filter span keeps a bare tag
 * (no spans) when nothing of the job is left below it; the job ends when
 * the root loses its tag.  A failed partial cancel leaves every planner as
 * it was.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match_private.h"
#include "test/unit/match_fixture.h"
#include "test/unit/testlib.h"

/* Two nodes per rack on both racks: nodes 0-1 and 2-3 under `low`. */
static jobspec_t *cross_rack(void)
{
    return mf_spec(
        "  - type: rack\n    count: 2\n    with:\n"
        "      - type: slot\n        count: 2\n        label: default\n        with:\n"
        "          - type: node\n            count: 1\n            with:\n"
        "              - type: socket\n                count: 1\n                with:\n"
        "                  - type: core\n                    count: 1\n"
        "                  - type: gpu\n                    count: 1",
        100);
}

/* slot[n]->node[1]: whole nodes, nothing below them asked for. */
static jobspec_t *bare_nodes(int n)
{
    return mf_slots(n, "node", 1, 100);
}

/* rack[n] (exclusive) -> slot[1] -> node[2]: whole racks of two nodes. */
static jobspec_t *whole_racks(int n, int duration)
{
    char r[256];
    snprintf(r, sizeof(r),
             "  - type: rack\n    count: %d\n    exclusive: true\n    with:\n"
             "      - type: slot\n        count: 1\n        label: default\n"
             "        with:\n          - type: node\n            count: 2",
             n);
    return mf_spec(r, duration);
}

static void allocate(matcher_t *m, jobspec_t *js, int64_t id)
{
    struct st_error err = {{0}};
    int64_t at = 0;
    ck_assert_msg(match_run(m, MATCH_ALLOCATE, js, id, &at, NULL, NULL, &err) == 0, "%s",
                  err.text);
    ck_assert_int_eq(at, 0);
}

/* MF_RACKS under policy low with cross_rack() allocated now as job 1: the
 * matcher, and the jobspec in *js (the caller destroys both). */
static matcher_t *cross_rack_job(jobspec_t **js)
{
    mf_build(MF_RACKS);
    matcher_t *m = mf_make("low", NULL);
    *js = cross_rack();
    allocate(m, *js, 1);
    return m;
}

/* An rv1exec R releasing the ranks in `ranks` (an idset text). */
static char *rv1(const char *ranks)
{
    char *s = malloc(256);
    ck_assert_ptr_nonnull(s);
    snprintf(s, 256,
             "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"%s\", \"children\": "
             "{\"core\": \"0-1\", \"gpu\": \"0\"}}], \"starttime\": 0, \"expiration\": 100}}",
             ranks);
    return s;
}

static int pcancel(matcher_t *m, int64_t id, const char *reader, const char *r, bool *full,
                   struct match_stats *st)
{
    struct st_error err = {{0}};
    return match_partial_cancel(m, id, reader, r, full, st, &err);
}

/* Every planner answer of every vertex at a few times: plans, x_checker,
 * each filter type.  Two snapshots are equal iff no planner changed in a
 * way a match could see. */
static int64_t *snapshot(const matcher_t *m)
{
    static const int64_t t[] = {0, 50, 99, 100, 1000};
    size_t nt = sizeof(t) / sizeof(t[0]), per = (size_t) (2 + m->nf) * nt;
    int64_t *s = calloc((size_t) m->nv * per + 1, sizeof(*s));
    ck_assert_ptr_nonnull(s);
    for (vtx_t v = 0; v < m->nv; v++) {
        int64_t *o = s + (size_t) v * per;
        for (size_t i = 0; i < nt; i++) {
            *o++ = match_plan_avail(m, v, t[i], 1);
            *o++ = match_xchk_free(m, v, t[i], 1);
            for (int k = 0; k < m->nf; k++)
                *o++ = match_filter_avail(m, v, k, t[i], 1);
        }
    }
    return s;
}

static void assert_same(const matcher_t *m, const int64_t *a, const int64_t *b)
{
    size_t per = (size_t) (2 + m->nf) * 5;
    for (size_t i = 0; i < (size_t) m->nv * per; i++)
        ck_assert_msg(a[i] == b[i], "vertex %zu, answer %zu: %lld vs %lld", i / per, i % per,
                      (long long) a[i], (long long) b[i]);
}

/* Releasing one rack's nodes of a job on both racks (the reference's
 * t3008 052): that rack's filter span drops to nothing, so it loses its
 * tag; the other rack and the root keep theirs, reduced. */
START_TEST(test_cross_rack)
{
    jobspec_t *js;
    matcher_t *m = cross_rack_job(&js);
    /* before: every touched vertex is tagged; filter spans only where a
     * tracked type (core, node) was consumed below: not on the leaves */
    mf_assert_find(m, "jobid-tag=1",
                "core0[1:x]\ngpu0[1:x]\nsocket0[1:x]\nnode0[1:x]\n"
                "core0[1:x]\ngpu0[1:x]\nsocket0[1:x]\nnode1[1:x]\nrack0[1:x]\n"
                "core0[1:x]\ngpu0[1:x]\nsocket0[1:x]\nnode2[1:x]\n"
                "core0[1:x]\ngpu0[1:x]\nsocket0[1:x]\nnode3[1:x]\nrack1[1:x]\n"
                "cluster0[1:x]\n");
    mf_assert_find(m, "jobid-span=1",
                "socket0[1:x]\nnode0[1:x]\nsocket0[1:x]\nnode1[1:x]\n"
                "rack0[1:x]\nsocket0[1:x]\nnode2[1:x]\nsocket0[1:x]\n"
                "node3[1:x]\nrack1[1:x]\ncluster0[1:x]\n");
    char *r = rv1("2-3");
    bool full = true;
    struct match_stats st = {-1, -1};
    ck_assert_int_eq(pcancel(m, 1, "rv1exec", r, &full, &st), 0);
    ck_assert(!full);
    ck_assert(match_job_exists(m, 1));
    ck_assert_int_eq(st.preorder, 0);
    ck_assert_int_eq(st.postorder, 0);
    mf_assert_find(m, "jobid-tag=1",
                "core0[1:x]\ngpu0[1:x]\nsocket0[1:x]\nnode0[1:x]\n"
                "core0[1:x]\ngpu0[1:x]\nsocket0[1:x]\nnode1[1:x]\nrack0[1:x]\n"
                "cluster0[1:x]\n");
    mf_assert_find(m, "jobid-span=1",
                "socket0[1:x]\nnode0[1:x]\nsocket0[1:x]\nnode1[1:x]\n"
                "rack0[1:x]\ncluster0[1:x]\n");
    /* rack1 holds nothing of the job any more: not allocated, all free */
    char *alloc = mf_find_names(m, "sched-now=allocated");
    ck_assert_ptr_null(strstr(alloc, "rack1"));
    ck_assert_ptr_null(strstr(alloc, "node2"));
    ck_assert_ptr_nonnull(strstr(alloc, "rack0"));
    free(alloc);
    /* the root's filter: 2 cores and 2 nodes of the job left */
    int kc = -1, kn = -1;
    for (int k = 0; k < m->nf; k++) {
        if (strcmp(m->fnames[k], "core") == 0)
            kc = k;
        if (strcmp(m->fnames[k], "node") == 0)
            kn = k;
    }
    ck_assert(kc >= 0 && kn >= 0);
    ck_assert_int_eq(match_filter_avail(m, mf_cluster, kc, 0, 1), 8 - 2);
    ck_assert_int_eq(match_filter_avail(m, mf_cluster, kn, 0, 1), 4 - 2);
    ck_assert_int_eq(match_filter_avail(m, mf_rack[1], kc, 0, 1), 4);
    ck_assert_int_eq(match_filter_avail(m, mf_rack[0], kn, 0, 1), 0);
    /* the released rack takes a new job at once */
    jobspec_t *js2 = whole_racks(1, 10);
    allocate(m, js2, 2);
    /* cancel stats walk the tags left: the root, its two racks, rack0's
     * two nodes, each node's socket, each socket's three children */
    ck_assert_int_eq(match_cancel(m, 1, &st), 0);
    ck_assert_int_eq(st.preorder, 1 + 2 + 2 + 2 + 6);
    ck_assert_int_eq(st.postorder, 10);
    free(r);
    jobspec_destroy(js);
    jobspec_destroy(js2);
    match_destroy(m);
    mf_teardown();
}
END_TEST

/* No filter tracks what a node-only job holds (the reference's t3008 029
 * with leaf-only filters): releasing all of its ranks leaves bare tags on
 * the racks and the root, which hold nothing; the job goes on until it is
 * cancelled. */
START_TEST(test_bare_tags)
{
    mf_build(MF_RACKS);
    matcher_t *m = mf_make("low", "ALL:core,ALL:gpu");
    int64_t *fresh = snapshot(m);
    jobspec_t *js = bare_nodes(3);
    allocate(m, js, 1);
    mf_assert_find(m, "jobid-tag=1",
                "node0[1:x]\nnode1[1:x]\nrack0[1:x]\nnode2[1:x]\nrack1[1:x]\n"
                "cluster0[1:x]\n");
    mf_assert_find(m, "jobid-span=1", "");
    char *r = rv1("0-3");
    bool full = true;
    ck_assert_int_eq(pcancel(m, 1, "rv1exec", r, &full, NULL), 0);
    ck_assert(!full);
    ck_assert(match_job_exists(m, 1));
    mf_assert_find(m, "jobid-tag=1", "rack0[1:x]\nrack1[1:x]\ncluster0[1:x]\n");
    mf_assert_find(m, "jobid-span=1", "");
    mf_assert_find(m, "jobid-alloc=1", "");
    mf_assert_find(m, "sched-now=allocated", "");
    /* nothing is held: every planner is as before the job */
    int64_t *now = snapshot(m);
    assert_same(m, fresh, now);
    /* a whole rack is free for another job */
    jobspec_t *js2 = whole_racks(2, 10);
    allocate(m, js2, 2);
    ck_assert_int_eq(match_cancel(m, 2, NULL), 0);
    /* cancel walks the bare tags: root, 2 racks, 2 x 2 nodes looked at */
    struct match_stats st = {-1, -1};
    ck_assert_int_eq(match_cancel(m, 1, &st), 0);
    ck_assert_int_eq(st.preorder, 1 + 2 + 4);
    ck_assert_int_eq(st.postorder, 3);
    ck_assert(!match_job_exists(m, 1));
    free(now);
    free(fresh);
    free(r);
    jobspec_destroy(js);
    jobspec_destroy(js2);
    match_destroy(m);
    mf_teardown();
}
END_TEST

/* Both racks taken whole (exclusive) under a filter that tracks nothing
 * below a rack (memory: the machine has none; its cores and gpus are
 * tracked at the root only): releasing rack0's nodes leaves rack0 a bare
 * exclusive tag, which is no allocation any more (jobid-alloc, sched-now)
 * and does not keep rack0 from the next job; rack1 stays the job's. */
START_TEST(test_bare_exclusive)
{
    mf_build(MF_RACKS);
    matcher_t *m = mf_make("low", "ALL:memory");
    jobspec_t *js = whole_racks(2, 100);
    allocate(m, js, 1);
    char *r = rv1("0-1");
    bool full = true;
    ck_assert_int_eq(pcancel(m, 1, "rv1exec", r, &full, NULL), 0);
    ck_assert(!full);
    char *tags = mf_find_names(m, "jobid-tag=1");
    ck_assert_ptr_nonnull(strstr(tags, "rack0[1:x]"));
    ck_assert_ptr_nonnull(strstr(tags, "node2[1:x]"));
    ck_assert_ptr_null(strstr(tags, "node0"));
    free(tags);
    char *alloc = mf_find_names(m, "jobid-alloc=1");
    ck_assert_ptr_null(strstr(alloc, "rack0"));
    ck_assert_ptr_nonnull(strstr(alloc, "rack1[1:x]"));
    free(alloc);
    char *busy = mf_find_names(m, "sched-now=allocated");
    ck_assert_ptr_null(strstr(busy, "rack0"));
    ck_assert_ptr_nonnull(strstr(busy, "rack1[1:x]"));
    free(busy);
    jobspec_t *js2 = whole_racks(1, 100);
    allocate(m, js2, 2);
    alloc = mf_find_names(m, "jobid-alloc=2");
    ck_assert_ptr_nonnull(strstr(alloc, "rack0[1:x]"));
    free(alloc);
    free(r);
    jobspec_destroy(js);
    jobspec_destroy(js2);
    match_destroy(m);
    mf_teardown();
}
END_TEST

/* Releasing everything through the filters ends the job, in one step or
 * in two, and leaves every planner as it was before the job. */
START_TEST(test_full)
{
    mf_build(MF_RACKS);
    matcher_t *m = mf_make("low", NULL);
    int64_t *fresh = snapshot(m);
    jobspec_t *js = cross_rack();
    allocate(m, js, 1);
    bool full = false;
    char *r = rv1(_i ? "0-3" : "0-1");
    ck_assert_int_eq(pcancel(m, 1, "rv1exec", r, &full, NULL), 0);
    if (!_i) {
        ck_assert(!full);
        free(r);
        r = rv1("2-3");
        ck_assert_int_eq(pcancel(m, 1, "rv1exec", r, &full, NULL), 0);
    }
    ck_assert(full);
    ck_assert(!match_job_exists(m, 1));
    mf_assert_find(m, "jobid-tag=1", "");
    int64_t *now = snapshot(m);
    assert_same(m, fresh, now);
    /* the job is gone: another partial cancel or a cancel finds nothing */
    TL_ASSERT_ERRNO(pcancel(m, 1, "rv1exec", r, &full, NULL), ENOENT);
    TL_ASSERT_ERRNO(match_cancel(m, 1, NULL), ENOENT);
    free(now);
    free(fresh);
    free(r);
    jobspec_destroy(js);
    match_destroy(m);
    mf_teardown();
}
END_TEST

/* A whole node held at its root (lonodex) has no records below it, yet
 * find jobid-span/-tag/-alloc list what they would with a record and spans
 * on every vertex: the same as once the hold is expanded. */
START_TEST(test_find_under_hold)
{
    mf_build(MF_RACKS);
    matcher_t *m = mf_make("lonodex", NULL);
    jobspec_t *js = bare_nodes(1);
    allocate(m, js, 1);
    const struct mjob *j = match_job_find(m, 1);
    bool held = false;
    for (size_t i = 0; i < j->nspans; i++)
        held = held || j->spans[i].hold;
    ck_assert(held);
    static const char *const exprs[] = {"jobid-span=1", "jobid-tag=1", "jobid-alloc=1",
                                        "sched-now=allocated"};
    char *before[4];
    for (int i = 0; i < 4; i++)
        before[i] = mf_find_names(m, exprs[i]);
    /* the socket tracks cores below it: it has a (virtual) filter span */
    ck_assert_str_eq(before[0], "socket0[1:x]\nnode0[1:x]\nrack0[1:x]\ncluster0[1:x]\n");
    ck_assert_int_eq(match_job_unhold(m, match_job_find(m, 1)), 0);
    for (int i = 0; i < 4; i++) {
        char *after = mf_find_names(m, exprs[i]);
        ck_assert_msg(strcmp(before[i], after) == 0, "%s:\n%s\nvs\n%s", exprs[i], before[i],
                      after);
        free(after);
        free(before[i]);
    }
    jobspec_destroy(js);
    match_destroy(m);
    mf_teardown();
}
END_TEST

/* A JGF R names vertices (with the graph's ranks): node1's subtree. */
static char *jgf_node1(int node_rank)
{
    char *s = malloc(4096);
    ck_assert_ptr_nonnull(s);
    const char *names[] = {"node1", "socket0", "core0", "core1", "gpu0"};
    const char *paths[] = {"/cluster0/rack0/node1", "/cluster0/rack0/node1/socket0",
                           "/cluster0/rack0/node1/socket0/core0",
                           "/cluster0/rack0/node1/socket0/core1",
                           "/cluster0/rack0/node1/socket0/gpu0"};
    const char *types[] = {"node", "socket", "core", "core", "gpu"};
    const int ids[] = {1, 0, 0, 1, 0};
    int off = snprintf(s, 4096, "{\"graph\": {\"nodes\": [");
    for (int i = 0; i < 5; i++)
        off +=
            snprintf(s + off, (size_t) (4096 - off),
                     "%s{\"id\": \"%d\", \"metadata\": {\"type\": \"%s\", \"name\": \"%s\", "
                     "\"id\": %d, \"rank\": %d, \"size\": 1, \"paths\": {\"containment\": "
                     "\"%s\"}}}",
                     i ? ", " : "", i, types[i], names[i], ids[i], i ? 1 : node_rank, paths[i]);
    snprintf(s + off, (size_t) (4096 - off),
             "], \"edges\": [{\"source\": \"0\", \"target\": \"1\"}, {\"source\": \"1\", "
             "\"target\": \"2\"}, {\"source\": \"1\", \"target\": \"3\"}, {\"source\": \"1\", "
             "\"target\": \"4\"}]}}");
    return s;
}

START_TEST(test_jgf)
{
    jobspec_t *js;
    matcher_t *m = cross_rack_job(&js);
    bool full = true;
    char *r = jgf_node1(1);
    ck_assert_int_eq(pcancel(m, 1, "jgf", r, &full, NULL), 0);
    ck_assert(!full);
    mf_assert_find(m, "jobid-tag=1",
                "core0[1:x]\ngpu0[1:x]\nsocket0[1:x]\nnode0[1:x]\nrack0[1:x]\n"
                "core0[1:x]\ngpu0[1:x]\nsocket0[1:x]\nnode2[1:x]\n"
                "core0[1:x]\ngpu0[1:x]\nsocket0[1:x]\nnode3[1:x]\nrack1[1:x]\n"
                "cluster0[1:x]\n");
    free(r);
    jobspec_destroy(js);
    match_destroy(m);
    mf_teardown();
}
END_TEST

/* A partial cancel that fails (a malformed R, a rank the idset syntax
 * refuses, a JGF vertex whose rank is not the graph's) changes nothing:
 * every planner, the job's tags and spans. */
START_TEST(test_failed_changes_nothing)
{
    jobspec_t *js;
    matcher_t *m = cross_rack_job(&js);
    int64_t *before = snapshot(m);
    char *tags = mf_find_names(m, "jobid-tag=1"), *spans = mf_find_names(m, "jobid-span=1");
    size_t nspans = match_job_find(m, 1)->nspans;
    char *bad_rank = rv1("-1");
    char *bad_jgf = jgf_node1(-1);
    const struct {
        const char *reader, *r;
    } bad[] = {
        {"rv1exec", "{\"version\": 1, \"execution\": "},
        {"rv1exec", bad_rank},
        {"rv1exec", "{\"version\": 2, \"execution\": {\"R_lite\": []}}"},
        {"jgf", "{\"graph\": {\"nodes\": [{\"id\": 1}]}}"},
        {"jgf", bad_jgf},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bool full = true;
        struct st_error err = {{0}};
        errno = 0;
        ck_assert_int_eq(match_partial_cancel(m, 1, bad[i].reader, bad[i].r, &full, NULL, &err),
                         -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert_msg(err.text[0] != '\0', "case %zu: no message", i);
        int64_t *after = snapshot(m);
        assert_same(m, before, after);
        free(after);
        ck_assert_uint_eq(match_job_find(m, 1)->nspans, nspans);
        char *t = mf_find_names(m, "jobid-tag=1"), *s = mf_find_names(m, "jobid-span=1");
        ck_assert_str_eq(t, tags);
        ck_assert_str_eq(s, spans);
        free(t);
        free(s);
    }
    /* ranks the job does not hold: nothing released, no error */
    char *other = rv1("7");
    bool full = true;
    ck_assert_int_eq(pcancel(m, 1, "rv1exec", other, &full, NULL), 0);
    ck_assert(!full);
    int64_t *after = snapshot(m);
    assert_same(m, before, after);
    free(after);
    free(other);
    free(bad_rank);
    free(bad_jgf);
    free(tags);
    free(spans);
    free(before);
    jobspec_destroy(js);
    match_destroy(m);
    mf_teardown();
}
END_TEST

/* Bad parameters of match_partial_cancel, each with its errno. */
START_TEST(test_badparam)
{
    jobspec_t *js;
    matcher_t *m = cross_rack_job(&js);
    struct st_error err = {{0}};
    int64_t at = 0;
    ck_assert_int_eq(match_run(m, MATCH_ALLOCATE_ORELSE_RESERVE, js, 2, &at, NULL, NULL, &err),
                     0);
    ck_assert_int_gt(at, 0); /* job 2 is a reservation */
    char *r = rv1("0");
    bool full;
    TL_ASSERT_ERRNO(match_partial_cancel(NULL, 1, "rv1exec", r, &full, NULL, &err), EINVAL);
    TL_ASSERT_ERRNO(match_partial_cancel(m, 1, NULL, r, &full, NULL, &err), EINVAL);
    TL_ASSERT_ERRNO(match_partial_cancel(m, 1, "rv1exec", NULL, &full, NULL, &err), EINVAL);
    TL_ASSERT_ERRNO(match_partial_cancel(m, 1, "rv1exec", r, NULL, NULL, &err), EINVAL);
    TL_ASSERT_ERRNO(match_partial_cancel(m, 1, "yaml", r, &full, NULL, &err), EINVAL);
    TL_ASSERT_ERRNO(match_partial_cancel(m, 9, "rv1exec", r, &full, NULL, &err), ENOENT);
    TL_ASSERT_ERRNO(match_partial_cancel(m, 2, "rv1exec", r, &full, NULL, &err), EINVAL);
    ck_assert_ptr_nonnull(strstr(err.text, "reservations"));
    /* a NULL err is allowed */
    TL_ASSERT_ERRNO(match_partial_cancel(m, 9, "rv1exec", r, &full, NULL, NULL), ENOENT);
    /* nothing of job 1 was released by any of these */
    char *t = mf_find_names(m, "jobid-tag=1");
    ck_assert_ptr_nonnull(strstr(t, "node0"));
    free(t);
    free(r);
    jobspec_destroy(js);
    match_destroy(m);
    mf_teardown();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cancel");
    TCase *tc = tcase_create("partial");
    tcase_add_test(tc, test_cross_rack);
    tcase_add_test(tc, test_bare_tags);
    tcase_add_test(tc, test_bare_exclusive);
    tcase_add_loop_test(tc, test_full, 0, 2);
    tcase_add_test(tc, test_find_under_hold);
    tcase_add_test(tc, test_jgf);
    tcase_add_test(tc, test_failed_changes_nothing);
    tcase_add_test(tc, test_badparam);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
