/* Unit tests for the whole consumption of exclusive vertices inside a slot
 * (match/traverse.c, choose_best_k with whole_excl): everything a slot
 * holds is exclusive, and an exclusive vertex chosen there is taken at its
 * whole available amount, whether it is one of the slot's own members or
 * sits deeper (below a socket the slot holds).  Outside a slot a pool gives
 * only what is asked.  (Fluxion's node-local storage tests, t3026: one unit
 * of a 1562 GB disk under a slot's socket is emitted as storage0[1562:x].)
 *
 * Graph (JGF built here): two nodes, each with one socket holding two cores,
 * a 100 GB disk and two 8 GB memory pools, and a 100 GB burst buffer:
 *
 *   cluster0 -> node0 -> socket0 -> core0, core1, storage0[100], memory0[8], memory1[8]
 *            -> node1 -> socket1 -> core2, core3, storage1[100], memory2[8], memory3[8]
 *            -> bb0[100]
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec/jobspec.h"
#include "match/match.h"
#include "resource/graph.h"
#include "resource/reader.h"
#include "resource/writer.h"
#include "test/unit/match_fixture.h"
#include "test/unit/testlib.h"

static graph_t *g;
static matcher_t *m;

/* The graph above, as JGF text (static storage). */
static const char *graph_jgf(void)
{
    static char v[8192], e[4096], all[12288];
    char p[128];
    snprintf(v, sizeof(v), "[");
    snprintf(e, sizeof(e), "[");
    mf_jgf_pool(v, sizeof(v), 0, "cluster", 0, -1, 1, "", "/cluster0");
    int id = 1;
    for (int n = 0; n < 2; n++) {
        int node = id++, sock = id++;
        snprintf(p, sizeof(p), "/cluster0/node%d", n);
        mf_jgf_pool(v, sizeof(v), node, "node", n, -1, 1, "", p);
        mf_jgf_edge(e, sizeof(e), 0, node);
        snprintf(p, sizeof(p), "/cluster0/node%d/socket%d", n, n);
        mf_jgf_pool(v, sizeof(v), sock, "socket", n, -1, 1, "", p);
        mf_jgf_edge(e, sizeof(e), node, sock);
        for (int c = 0; c < 2; c++) {
            snprintf(p, sizeof(p), "/cluster0/node%d/socket%d/core%d", n, n, 2 * n + c);
            mf_jgf_pool(v, sizeof(v), id, "core", 2 * n + c, -1, 1, "", p);
            mf_jgf_edge(e, sizeof(e), sock, id++);
        }
        snprintf(p, sizeof(p), "/cluster0/node%d/socket%d/storage%d", n, n, n);
        mf_jgf_pool(v, sizeof(v), id, "storage", n, -1, 100, "GB", p);
        mf_jgf_edge(e, sizeof(e), sock, id++);
        for (int k = 0; k < 2; k++) {
            snprintf(p, sizeof(p), "/cluster0/node%d/socket%d/memory%d", n, n, 2 * n + k);
            mf_jgf_pool(v, sizeof(v), id, "memory", 2 * n + k, -1, 8, "GB", p);
            mf_jgf_edge(e, sizeof(e), sock, id++);
        }
    }
    mf_jgf_pool(v, sizeof(v), id, "bb", 0, -1, 100, "GB", "/cluster0/bb0");
    mf_jgf_edge(e, sizeof(e), 0, id);
    int len = snprintf(all, sizeof(all), "{\"graph\": {\"nodes\": %s], \"edges\": %s]}}", v, e);
    ck_assert_int_lt(len, (int) sizeof(all));
    return all;
}

static void setup(void)
{
    struct st_error err = {{0}};
    g = reader_jgf_parse(graph_jgf(), "slot-whole", &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    struct match_params p = {.policy = "low"};
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

/* Allocate js as job id; returns the simple writer's text (free() it), or
 * NULL when nothing matches (errno set). */
static char *allocate(const char *resources, int64_t id)
{
    jobspec_t *js = mf_spec(resources, 3600);
    writer_t *w = writer_create(WRITER_SIMPLE, g);
    ck_assert_ptr_nonnull(w);
    struct st_error err = {{0}};
    int64_t at = 0;
    char *out = NULL;
    if (match_run(m, MATCH_ALLOCATE, js, id, &at, w, NULL, &err) == 0)
        out = writer_render(w);
    writer_destroy(w);
    jobspec_destroy(js);
    return out;
}

static void assert_has(const char *out, const char *line)
{
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(strstr(out, line) != NULL, "no \"%s\" in:\n%s", line, out);
}

static void assert_lacks(const char *out, const char *what)
{
    ck_assert_ptr_nonnull(out);
    ck_assert_msg(strstr(out, what) == NULL, "\"%s\" in:\n%s", what, out);
}

static const char *SOCKET_IN_SLOT =
    "  - type: node\n    count: 1\n    with:\n"
    "      - type: slot\n        label: default\n        count: 1\n        with:\n"
    "          - type: socket\n            count: 1\n            with:\n"
    "              - type: core\n                count: 1\n"
    "              - type: storage\n                count: 1\n"
    "              - type: memory\n                count: 3\n";

/* Below a slot's socket: 1 GB of the disk takes the whole disk, 3 GB of
 * memory one whole 8 GB pool (not a part of one). */
START_TEST(test_below_slot_member_whole)
{
    char *out = allocate(SOCKET_IN_SLOT, 1);
    assert_has(out, "storage0[100:x]");
    assert_has(out, "memory0[8:x]");
    assert_lacks(out, "memory1");
    assert_has(out, "core0[1:x]");
    free(out);
    /* node0's socket is held, so a second job goes to node1 whole too */
    out = allocate(SOCKET_IN_SLOT, 2);
    assert_has(out, "storage1[100:x]");
    assert_has(out, "memory2[8:x]");
    free(out);
    /* the disks were consumed whole: nothing is left for a third */
    errno = 0;
    ck_assert_ptr_null(allocate(SOCKET_IN_SLOT, 3));
    ck_assert_int_eq(errno, EBUSY);
}
END_TEST

/* More than one pool's worth takes whole pools, as many as needed. */
START_TEST(test_whole_pools_as_needed)
{
    char *out = allocate("  - type: slot\n    label: default\n    count: 1\n    with:\n"
                         "      - type: socket\n        count: 1\n        with:\n"
                         "          - type: memory\n            count: 9\n",
                         1);
    assert_has(out, "memory0[8:x]");
    assert_has(out, "memory1[8:x]");
    free(out);
}
END_TEST

/* The slot's own members were already whole: 1 GB of a disk in the slot. */
START_TEST(test_slot_member_whole)
{
    char *out = allocate("  - type: socket\n    count: 1\n    with:\n"
                         "      - type: slot\n        label: default\n        count: 1\n"
                         "        with:\n          - type: storage\n            count: 1\n",
                         1);
    assert_has(out, "storage0[100:x]");
    free(out);
}
END_TEST

/* Outside a slot an exclusive pool gives what is asked: 10 GB of bb0 (the
 * slot beside it still takes its socket whole). */
START_TEST(test_outside_slot_partial)
{
    const char *req = "  - type: node\n    count: 1\n    with:\n"
                      "      - type: slot\n        label: default\n        count: 1\n"
                      "        with:\n          - type: socket\n            count: 1\n"
                      "  - type: bb\n    count: 10\n    exclusive: true\n";
    char *out = allocate(req, 1);
    assert_has(out, "bb0[10:x]");
    assert_has(out, "socket0[1:x]");
    free(out);
}
END_TEST

/* Bad parameters of the public calls this path goes through. */
START_TEST(test_bad_params)
{
    struct st_error err = {{0}};
    int64_t at = 0;
    jobspec_t *js = mf_spec(SOCKET_IN_SLOT, 3600);
    errno = 0;
    ck_assert_int_eq(match_run(NULL, MATCH_ALLOCATE, js, 1, &at, NULL, NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(match_run(m, MATCH_ALLOCATE, NULL, 1, &at, NULL, NULL, &err), -1);
    ck_assert_int_eq(errno, EINVAL);
    jobspec_destroy(js);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("match_slot_whole");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_below_slot_member_whole);
    tcase_add_test(tc, test_whole_pools_as_needed);
    tcase_add_test(tc, test_slot_member_whole);
    tcase_add_test(tc, test_outside_slot_partial);
    tcase_add_test(tc, test_bad_params);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
