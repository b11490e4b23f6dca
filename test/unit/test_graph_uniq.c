/* Unit tests for resource/graph's uniq_ids: kept implicitly while every
 * vertex's uniq_id is its index, explicitly from the first that is not. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "resource/graph.h"
#include "test/unit/testlib.h"

static vtx_t add_uniq(graph_t *g, int64_t uniq)
{
    struct vtx_init in = {.type = "core", .id = 0, .uniq_id = uniq, .rank = -1, .size = 1};
    vtx_t v = graph_add_vertex(g, &in);
    ck_assert_int_ne(v, VTX_NONE);
    return v;
}

/* uniq_id == index (the GRUG numbering): every vertex reads it back, and
 * the graph holds 8 bytes a vertex less than with any other numbering. */
START_TEST(test_identity)
{
    graph_t *a = graph_create(), *b = graph_create();
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    for (int i = 0; i < 1000; i++) {
        add_uniq(a, i);
        add_uniq(b, i + 1);
    }
    for (vtx_t v = 0; v < 1000; v++) {
        ck_assert_int_eq(graph_uniq_id(a, v), v);
        ck_assert_int_eq(graph_uniq_id(b, v), v + 1);
    }
    ck_assert_uint_eq(graph_memory_bytes(b) - graph_memory_bytes(a),
                      1024 * sizeof(int64_t)); /* vcap 1024 */
    graph_destroy(a);
    graph_destroy(b);
}
END_TEST

/* A vertex off the index numbering after 70 on it (past the first array
 * growth): the 70 keep their indexes, it and the later ones their own. */
START_TEST(test_switch)
{
    graph_t *g = graph_create();
    ck_assert_ptr_nonnull(g);
    for (int i = 0; i < 70; i++)
        add_uniq(g, i);
    add_uniq(g, 5000);
    add_uniq(g, 71); /* its index, but the numbering is explicit now */
    for (int i = 0; i < 200; i++)
        add_uniq(g, 9000 - i);
    for (vtx_t v = 0; v < 70; v++)
        ck_assert_int_eq(graph_uniq_id(g, v), v);
    ck_assert_int_eq(graph_uniq_id(g, 70), 5000);
    ck_assert_int_eq(graph_uniq_id(g, 71), 71);
    for (int i = 0; i < 200; i++)
        ck_assert_int_eq(graph_uniq_id(g, 72 + i), 9000 - i);
    graph_destroy(g);
}
END_TEST

START_TEST(test_bad_params)
{
    graph_t *g = graph_create();
    ck_assert_ptr_nonnull(g);
    errno = 0;
    ck_assert_int_eq(graph_uniq_id(NULL, 0), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(graph_uniq_id(g, 0), -1); /* no vertex yet */
    ck_assert_int_eq(errno, EINVAL);
    add_uniq(g, 0);
    errno = 0;
    ck_assert_int_eq(graph_uniq_id(g, 1), -1);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_int_eq(graph_uniq_id(g, -1), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(graph_uniq_id(g, 0), 0);
    graph_destroy(g);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("graph_uniq");
    TCase *tc = tcase_create("uniq");
    tcase_add_test(tc, test_identity);
    tcase_add_test(tc, test_switch);
    tcase_add_test(tc, test_bad_params);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
