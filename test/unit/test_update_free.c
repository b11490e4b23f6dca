/* Unit tests for update's "free_ranks": a JGF R (full or jgf_shorthand)
 * whose top-level "free_ranks" idset names ranks a partial release already
 * gave back is replayed without the vertices on those ranks.
 *
 * The machine is built from an R: cluster0 -> n0, n1, n2 (ranks 0..2),
 * each with core0 and core1.  A three-node job is matched on one matcher,
 * its R rendered and replayed on a fresh matcher with free_ranks added.
 * What the replay holds is read with `find jobid-alloc=ID` through the
 * rlite writer ([{"rank": ..., "children": {"core": ...}}]).
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

static const char machine[] =
    "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"0-2\", \"children\": "
    "{\"core\": \"0-1\"}}], \"nodelist\": [\"n[0-2]\"], \"starttime\": 0, \"expiration\": 0}}";

static const char three_nodes[] =
    "version: 9999\nresources:\n  - type: node\n    count: 3\n    with:\n"
    "      - type: slot\n        count: 1\n        label: default\n        with:\n"
    "          - type: core\n            count: 2\n"
    "attributes:\n  system:\n    duration: 100\n"
    "tasks:\n  - command: [ app ]\n    slot: default\n    count:\n      per_slot: 1\n";

static graph_t *load(void)
{
    struct st_error err = {{0}};
    graph_t *g = reader_rv1exec_parse(machine, "R", &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    return g;
}

static matcher_t *make(graph_t *g, const char *policy)
{
    struct match_params p = {.policy = policy};
    struct st_error err = {{0}};
    matcher_t *m = match_create(g, &p, &err);
    ck_assert_msg(m != NULL, "%s", err.text);
    return m;
}

/* The R of a three-node job matched with `policy`, written by `fmt`, with
 * `"free_ranks": freed` added at the top level when freed is not NULL. */
static char *job_r(graph_t *g, const char *policy, enum writer_format fmt, const char *freed)
{
    struct st_error err = {{0}};
    jobspec_t *js = jobspec_parse_string(three_nodes, strlen(three_nodes), "js", &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    matcher_t *m = make(g, policy);
    writer_t *w = writer_create(fmt, g);
    ck_assert_ptr_nonnull(w);
    int64_t at = 0;
    ck_assert_msg(match_run(m, MATCH_ALLOCATE, js, 1, &at, w, NULL, &err) == 0, "%s", err.text);
    char *r = writer_render(w);
    ck_assert_ptr_nonnull(r);
    writer_destroy(w);
    match_destroy(m);
    jobspec_destroy(js);
    if (!freed)
        return r;
    char *end = strrchr(r, '}');
    ck_assert_ptr_nonnull(end);
    *end = '\0';
    size_t n = strlen(r) + strlen(freed) + 32;
    char *o = malloc(n);
    ck_assert_ptr_nonnull(o);
    snprintf(o, n, "%s, \"free_ranks\": \"%s\"}", r, freed);
    free(r);
    return o;
}

/* What `find expr` lists, through the rlite writer; free() it. */
static char *find_rlite(matcher_t *m, graph_t *g, const char *expr)
{
    return mf_find_as(m, g, WRITER_RLITE, expr);
}

static void check_replay(enum writer_format fmt, const char *reader, const char *policy)
{
    graph_t *g = load();
    char *r = job_r(g, policy, fmt, "0,2");
    matcher_t *m = make(g, "high");
    struct st_error err = {{0}};
    ck_assert_msg(match_update(m, false, reader, r, 5, 0, 100, NULL, &err) == 0, "%s", err.text);
    char *held = find_rlite(m, g, "jobid-alloc=5");
    ck_assert_str_eq(held, "[{\"rank\": \"1\", \"children\": {\"core\": \"0-1\"}}]");
    /* the released nodes are free: a one-node job fits on each of them */
    char *free_now = find_rlite(m, g, "sched-now=free");
    ck_assert_str_eq(free_now, "[{\"rank\": \"0,2\", \"children\": {\"core\": \"0-1\"}}]");
    free(free_now);
    free(held);
    free(r);
    match_destroy(m);
    graph_destroy(g);
}

START_TEST(test_free_ranks_jgf)
{
    check_replay(WRITER_JGF, "jgf", "high");
}
END_TEST

START_TEST(test_free_ranks_shorthand)
{
    /* lonodex: exclusive nodes, so the shorthand R lists no cores and the
     * replay expands each kept node's subtree */
    check_replay(WRITER_JGF_SHORTHAND, "jgf_shorthand", "lonodex");
}
END_TEST

/* Without free_ranks the replay holds all three nodes (the rule is what
 * drops ranks 0 and 2 above). */
START_TEST(test_no_free_ranks)
{
    graph_t *g = load();
    char *r = job_r(g, "high", WRITER_JGF, NULL);
    matcher_t *m = make(g, "high");
    struct st_error err = {{0}};
    ck_assert_msg(match_update(m, false, "jgf", r, 5, 0, 100, NULL, &err) == 0, "%s", err.text);
    char *held = find_rlite(m, g, "jobid-alloc=5");
    ck_assert_str_eq(held, "[{\"rank\": \"0-2\", \"children\": {\"core\": \"0-1\"}}]");
    free(held);
    free(r);
    match_destroy(m);
    graph_destroy(g);
}
END_TEST

/* The R of a job shrunk before the graph lost the freed ranks (a remove
 * after the partial release): the vertices on free_ranks are not looked up,
 * so their absence is no error. */
static void check_replay_after_remove(enum writer_format fmt, const char *reader,
                                      const char *policy)
{
    graph_t *g = load();
    char *r = job_r(g, policy, fmt, "2");
    matcher_t *m = make(g, "high");
    struct st_error err = {{0}};
    ck_assert_msg(match_remove_ranks(m, "2", &err) == 0, "%s", err.text);
    ck_assert_msg(match_update(m, false, reader, r, 5, 0, 100, NULL, &err) == 0, "%s", err.text);
    char *held = find_rlite(m, g, "jobid-alloc=5");
    ck_assert_str_eq(held, "[{\"rank\": \"0-1\", \"children\": {\"core\": \"0-1\"}}]");
    free(held);
    free(r);
    match_destroy(m);
    graph_destroy(g);
}

START_TEST(test_freed_rank_removed)
{
    check_replay_after_remove(WRITER_JGF, "jgf", "high");
    check_replay_after_remove(WRITER_JGF_SHORTHAND, "jgf_shorthand", "lonodex");
}
END_TEST

/* A free_ranks that is not an idset fails with EINVAL and changes nothing. */
START_TEST(test_bad_free_ranks)
{
    graph_t *g = load();
    char *r = job_r(g, "high", WRITER_JGF, "x-");
    matcher_t *m = make(g, "high");
    struct st_error err = {{0}};
    TL_ASSERT_ERRNO(match_update(m, false, "jgf", r, 5, 0, 100, NULL, &err), EINVAL);
    ck_assert_ptr_nonnull(strstr(err.text, "free_ranks"));
    ck_assert(!match_job_exists(m, 5));
    char *held = find_rlite(m, g, "sched-now=allocated");
    ck_assert_str_eq(held, "");
    free(held);
    free(r);
    match_destroy(m);
    graph_destroy(g);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("update_free");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_free_ranks_jgf);
    tcase_add_test(tc, test_free_ranks_shorthand);
    tcase_add_test(tc, test_no_free_ranks);
    tcase_add_test(tc, test_bad_free_ranks);
    tcase_add_test(tc, test_freed_rank_removed);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(suite());
}
