/* Unit tests for update's rv1exec replay: an R_lite that names every
 * resource of a node holds the node exclusively (node[1:x], the node is no
 * longer free), one that names part of it shares the node with other jobs,
 * and an R naming a resource the node lacks (an unknown type, an id past
 * the last) fails without committing anything.
 *
 * The machine is built from an R: cluster0 -> n0, n1 (ranks 0, 1), each
 * with core0, core1 and gpu0.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/match.h"
#include "resource/graph.h"
#include "resource/reader.h"
#include "resource/writer.h"
#include "test/unit/testlib.h"

static const char machine[] =
    "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"0-1\", \"children\": "
    "{\"core\": \"0-1\", \"gpu\": \"0\"}}], \"nodelist\": [\"n[0-1]\"], \"starttime\": 0, "
    "\"expiration\": 0}}";

struct fx {
    graph_t *g;
    matcher_t *m;
    writer_t *w;
};

static void fx_init(struct fx *f)
{
    struct st_error err = {{0}};
    f->g = reader_rv1exec_parse(machine, "R", &err);
    ck_assert_msg(f->g != NULL, "%s", err.text);
    struct match_params p = {.policy = "high"};
    f->m = match_create(f->g, &p, &err);
    ck_assert_msg(f->m != NULL, "%s", err.text);
    f->w = writer_create(WRITER_SIMPLE, f->g);
    ck_assert_ptr_nonnull(f->w);
}

static void fx_fini(struct fx *f)
{
    writer_destroy(f->w);
    match_destroy(f->m);
    graph_destroy(f->g);
}

/* An R of one rank with the given children object text. */
static char *r_of(int rank, const char *children)
{
    char *s = NULL;
    int n = asprintf(&s,
                     "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"%d\", "
                     "\"children\": {%s}}], \"starttime\": 0, \"expiration\": 0}}",
                     rank, children);
    ck_assert_int_gt(n, 0);
    return s;
}

/* Replay R for jobid; the simple writer's text (caller frees) or NULL with
 * errno set when the update failed. */
static char *replay(struct fx *f, int64_t jobid, int rank, const char *children)
{
    struct st_error err = {{0}};
    char *r = r_of(rank, children);
    writer_reset(f->w);
    int rc = match_update(f->m, false, "rv1exec", r, jobid, 0, 100, f->w, &err);
    int e = errno;
    free(r);
    if (rc < 0) {
        errno = e;
        return NULL;
    }
    return writer_render(f->w);
}

/* `find expr` through the simple writer. */
static char *find(struct fx *f, const char *expr)
{
    struct st_error err = {{0}};
    writer_reset(f->w);
    ck_assert_msg(match_find(f->m, expr, f->w, &err) == 0, "%s", err.text);
    return writer_render(f->w);
}

START_TEST(test_whole_node_exclusive)
{
    struct fx f;
    fx_init(&f);
    char *s = replay(&f, 1, 0, "\"core\": \"0-1\", \"gpu\": \"0\"");
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(s, "n0[1:x]") != NULL, "%s", s);
    free(s);
    /* n0 is held: only n1 (and the root above it) is free */
    s = find(&f, "sched-now=free");
    ck_assert_msg(strstr(s, "n0") == NULL && strstr(s, "n1[1:") != NULL, "%s", s);
    free(s);
    fx_fini(&f);
}
END_TEST

/* Part of a node: the node is shared, a second job takes the rest. */
START_TEST(test_part_of_node_shared)
{
    struct fx f;
    fx_init(&f);
    char *s = replay(&f, 1, 1, "\"core\": \"0\"");
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(s, "n1[1:s]") != NULL, "%s", s);
    free(s);
    s = replay(&f, 2, 1, "\"core\": \"1\", \"gpu\": \"0\"");
    ck_assert_msg(s != NULL, "second job on n1: %s", strerror(errno));
    ck_assert_msg(strstr(s, "n1[1:s]") != NULL, "%s", s);
    free(s);
    fx_fini(&f);
}
END_TEST

/* Resources the node lacks: ENOENT, nothing committed, and the same node
 * is then replayed whole by another job. */
START_TEST(test_missing_resource_fails)
{
    struct fx f;
    fx_init(&f);
    errno = 0;
    ck_assert_ptr_null(replay(&f, 1, 0, "\"core\": \"0-1\", \"gpu\": \"0\", \"asic\": \"0\""));
    ck_assert_int_eq(errno, ENOENT);
    errno = 0;
    ck_assert_ptr_null(replay(&f, 2, 0, "\"core\": \"0-2\""));
    ck_assert_int_eq(errno, ENOENT);
    ck_assert(!match_job_exists(f.m, 1) && !match_job_exists(f.m, 2));
    char *s = find(&f, "sched-now=allocated");
    ck_assert_str_eq(s, "");
    free(s);
    s = replay(&f, 3, 0, "\"core\": \"0-1\", \"gpu\": \"0\"");
    ck_assert_ptr_nonnull(s);
    ck_assert_msg(strstr(s, "n0[1:x]") != NULL, "%s", s);
    free(s);
    fx_fini(&f);
}
END_TEST

/* A duration past the graph's end is clipped to it (the reference clips
 * as a match does), whatever its size: INT64_MAX from a start after 0 must
 * not overflow into a refusal. */
START_TEST(test_long_duration_clipped)
{
    struct fx f;
    fx_init(&f);
    struct st_error err = {{0}};
    char *r = r_of(0, "\"core\": \"0\"");
    writer_reset(f.w);
    ck_assert_msg(match_update(f.m, false, "rv1exec", r, 1, 5, INT64_MAX, f.w, &err) == 0, "%s",
                  err.text);
    ck_assert(match_job_exists(f.m, 1));
    free(r);
    /* the job ends at the graph's end: core0 is held, core1 still free */
    char *s = find(&f, "sched-future=reserved or sched-now=allocated");
    ck_assert_msg(strstr(s, "core0") != NULL && strstr(s, "core1") == NULL, "%s", s);
    free(s);
    fx_fini(&f);
}
END_TEST

START_TEST(test_bad_arguments)
{
    struct fx f;
    fx_init(&f);
    struct st_error err = {{0}};
    char *r = r_of(0, "\"core\": \"0\"");
    TL_ASSERT_ERRNO(match_update(NULL, false, "rv1exec", r, 1, 0, 100, NULL, &err), EINVAL);
    TL_ASSERT_ERRNO(match_update(f.m, false, NULL, r, 1, 0, 100, NULL, &err), EINVAL);
    TL_ASSERT_ERRNO(match_update(f.m, false, "rv1exec", NULL, 1, 0, 100, NULL, &err), EINVAL);
    TL_ASSERT_ERRNO(match_update(f.m, false, "rv1exec", r, 1, 0, 0, NULL, &err), EINVAL);
    TL_ASSERT_ERRNO(match_update(f.m, false, "grug", r, 1, 0, 100, NULL, &err), EINVAL);
    /* a rank the graph lacks */
    free(r);
    r = r_of(7, "\"core\": \"0\"");
    TL_ASSERT_ERRNO(match_update(f.m, false, "rv1exec", r, 1, 0, 100, NULL, &err), ENOENT);
    ck_assert(!match_job_exists(f.m, 1));
    free(r);
    fx_fini(&f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("update_rv1");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_whole_node_exclusive);
    tcase_add_test(tc, test_part_of_node_shared);
    tcase_add_test(tc, test_missing_resource_fails);
    tcase_add_test(tc, test_long_duration_clipped);
    tcase_add_test(tc, test_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tl_run(suite());
}
