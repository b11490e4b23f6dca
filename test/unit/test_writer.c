/* Unit tests for resource/writer: every format on a small hand-built graph,
 * compared with golden strings, plus the empty writer and bad parameters. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "resource/graph.h"
#include "resource/writer.h"
#include "test/unit/testlib.h"

/* tiny0 -> node0 (rank 0, class=1) -> core1, core2
 *       -> node1 (rank 1)          -> core0, core1, gpu0, memory0 (16 GB)
 *       -> fluke7 (node 2, rank 2) -> core0, core1, gpu0 */
enum {
    V_CLUSTER,
    V_N0,
    V_N0C1,
    V_N0C2,
    V_N1,
    V_N1C0,
    V_N1C1,
    V_N1G0,
    V_N1M0,
    V_N2,
    V_N2C0,
    V_N2C1,
    V_N2G0,
    NV
};

static graph_t *g;

static vtx_t add(const char *type, const char *basename, const char *name, int64_t id,
                 int32_t rank, int64_t size, const char *unit, const char *path)
{
    struct vtx_init in = {.type = type,
                          .basename = basename,
                          .name = name,
                          .id = id,
                          .uniq_id = graph_vertex_count(g),
                          .rank = rank,
                          .size = size,
                          .unit = unit};
    vtx_t v = graph_add_vertex(g, &in);
    ck_assert_int_ne(v, VTX_NONE);
    ck_assert_int_eq(graph_set_path(g, v, "containment", path), 0);
    return v;
}

static void edge(vtx_t a, vtx_t b)
{
    ck_assert_int_eq(graph_add_edge(g, a, b, "containment"), 0);
}

static void setup(void)
{
    struct st_error err = {{0}};
    g = graph_create();
    ck_assert_ptr_nonnull(g);
    add("cluster", "tiny", NULL, 0, -1, 1, NULL, "/tiny0");
    add("node", NULL, NULL, 0, 0, 1, NULL, "/tiny0/node0");
    add("core", NULL, NULL, 1, -1, 1, NULL, "/tiny0/node0/core1");
    add("core", NULL, NULL, 2, -1, 1, NULL, "/tiny0/node0/core2");
    add("node", NULL, NULL, 1, 1, 1, NULL, "/tiny0/node1");
    add("core", NULL, NULL, 0, -1, 1, NULL, "/tiny0/node1/core0");
    add("core", NULL, NULL, 1, -1, 1, NULL, "/tiny0/node1/core1");
    add("gpu", NULL, NULL, 0, -1, 1, NULL, "/tiny0/node1/gpu0");
    add("memory", NULL, NULL, 0, -1, 16, "GB", "/tiny0/node1/memory0");
    add("node", NULL, "fluke7", 2, 2, 1, NULL, "/tiny0/fluke7");
    add("core", NULL, NULL, 0, -1, 1, NULL, "/tiny0/fluke7/core0");
    add("core", NULL, NULL, 1, -1, 1, NULL, "/tiny0/fluke7/core1");
    add("gpu", NULL, NULL, 0, -1, 1, NULL, "/tiny0/fluke7/gpu0");
    ck_assert_int_eq(graph_set_property(g, V_N0, "class", "1"), 0);
    edge(V_CLUSTER, V_N0);
    edge(V_N0, V_N0C1);
    edge(V_N0, V_N0C2);
    edge(V_CLUSTER, V_N1);
    edge(V_N1, V_N1C0);
    edge(V_N1, V_N1C1);
    edge(V_N1, V_N1G0);
    edge(V_N1, V_N1M0);
    edge(V_CLUSTER, V_N2);
    edge(V_N2, V_N2C0);
    edge(V_N2, V_N2C1);
    edge(V_N2, V_N2G0);
    ck_assert_int_eq(graph_finalize(g, &err), 0);
}

static void teardown(void)
{
    graph_destroy(g);
    g = NULL;
}

/* Emit a selection the way the matcher does: post-order vertices, then the
 * edges between them, then the window. */
static void emit_all(writer_t *w, bool node0_exclusive)
{
    static const struct {
        vtx_t v;
        int depth;
        int64_t needs;
        bool x;
    } sel[] = {
        {V_N0C1, 3, 1, true},     {V_N0C2, 3, 1, true}, {V_N0, 2, 1, false},
        {V_N1C0, 3, 1, true},     {V_N1C1, 3, 1, true}, {V_N1G0, 3, 1, true},
        {V_N1M0, 3, 8, true},     {V_N1, 2, 1, false},  {V_N2C0, 3, 1, true},
        {V_N2C1, 3, 1, true},     {V_N2G0, 3, 1, true}, {V_N2, 2, 1, false},
        {V_CLUSTER, 1, 1, false},
    };
    static const vtx_t edges[][2] = {
        {V_CLUSTER, V_N0}, {V_N0, V_N0C1}, {V_N0, V_N0C2}, {V_CLUSTER, V_N1},
        {V_N1, V_N1C0},    {V_N1, V_N1C1}, {V_N1, V_N1G0}, {V_N1, V_N1M0},
        {V_CLUSTER, V_N2}, {V_N2, V_N2C0}, {V_N2, V_N2C1}, {V_N2, V_N2G0},
    };
    atom_t cont = graph_atom_find(g, "containment");
    for (size_t i = 0; i < sizeof(sel) / sizeof(sel[0]); i++) {
        bool x = sel[i].x || (node0_exclusive && sel[i].v == V_N0);
        ck_assert_int_eq(
            writer_emit_vertex(w, sel[i].v, sel[i].depth, sel[i].needs, x, NULL, NULL), 0);
    }
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
        ck_assert_int_eq(writer_emit_edge(w, edges[i][0], edges[i][1], cont), 0);
    writer_emit_time(w, 0, 3600);
}

static char *render_all(enum writer_format fmt, bool node0_exclusive)
{
    writer_t *w = writer_create(fmt, g);
    ck_assert_ptr_nonnull(w);
    emit_all(w, node0_exclusive);
    ck_assert(!writer_empty(w));
    char *s = writer_render(w);
    ck_assert_ptr_nonnull(s);
    writer_destroy(w);
    return s;
}

static void check_render(enum writer_format fmt, bool node0_exclusive, const char *want)
{
    char *got = render_all(fmt, node0_exclusive);
    ck_assert_str_eq(got, want);
    free(got);
}

START_TEST(test_format_names)
{
    for (int f = 0; f < WRITER_FORMAT_COUNT; f++) {
        enum writer_format back;
        const char *name = writer_format_name((enum writer_format) f);
        ck_assert_ptr_nonnull(name);
        ck_assert_int_eq(writer_format_parse(name, &back), 0);
        ck_assert_int_eq(back, f);
    }
    ck_assert(!writer_format_is_json(WRITER_SIMPLE));
    ck_assert(!writer_format_is_json(WRITER_PRETTY_SIMPLE));
    ck_assert(writer_format_is_json(WRITER_JGF));
    ck_assert(writer_format_is_json(WRITER_RLITE));
    ck_assert(writer_format_is_json(WRITER_RV1_NOSCHED));
    ck_assert_str_eq(writer_format_name(WRITER_RV1_SHORTHAND), "rv1_shorthand");
}
END_TEST

START_TEST(test_simple)
{
    check_render(WRITER_SIMPLE, false,
                 "      ---------core1[1:x]\n"
                 "      ---------core2[1:x]\n"
                 "      ------node0[1:s]\n"
                 "      ---------core0[1:x]\n"
                 "      ---------core1[1:x]\n"
                 "      ---------gpu0[1:x]\n"
                 "      ---------memory0[8:x]\n"
                 "      ------node1[1:s]\n"
                 "      ---------core0[1:x]\n"
                 "      ---------core1[1:x]\n"
                 "      ---------gpu0[1:x]\n"
                 "      ------fluke7[1:s]\n"
                 "      ---tiny0[1:s]\n");
}
END_TEST

START_TEST(test_pretty_simple)
{
    check_render(WRITER_PRETTY_SIMPLE, false,
                 "      ---tiny0[1:shared]\n"
                 "      ------fluke7[1:shared]\n"
                 "      ---------gpu0[1:exclusive]\n"
                 "      ---------core1[1:exclusive]\n"
                 "      ---------core0[1:exclusive]\n"
                 "      ------node1[1:shared]\n"
                 "      ---------memory0[8:exclusive]\n"
                 "      ---------gpu0[1:exclusive]\n"
                 "      ---------core1[1:exclusive]\n"
                 "      ---------core0[1:exclusive]\n"
                 "      ------node0[1:shared]\n"
                 "      ---------core2[1:exclusive]\n"
                 "      ---------core1[1:exclusive]\n");
}
END_TEST

/* JGF of a small selection: defaults left out (basename == type, name ==
 * basename + id, size 1, no unit), properties, unit, size, ephemeral
 * labels, agfilter, and a non-containment edge with its subsystem. */
START_TEST(test_jgf)
{
    writer_t *w = writer_create(WRITER_JGF, g);
    atom_t cont = graph_atom_find(g, "containment");
    atom_t power = graph_atom(g, "power");
    ck_assert_ptr_nonnull(w);
    ck_assert_int_eq(writer_emit_vertex(w, V_N1M0, 3, 8, true, "{\"label\": \"task\"}", NULL),
                     0);
    ck_assert_int_eq(writer_emit_vertex(w, V_N2, 2, 1, false, NULL, NULL), 0);
    ck_assert_int_eq(
        writer_emit_vertex(w, V_N0, 2, 1, false, NULL, "{\"core\": \"used:0, total:2\"}"), 0);
    ck_assert_int_eq(writer_emit_vertex(w, V_CLUSTER, 1, 1, false, NULL, NULL), 0);
    ck_assert_int_eq(writer_emit_edge(w, V_CLUSTER, V_N0, cont), 0);
    ck_assert_int_eq(writer_emit_edge(w, V_CLUSTER, V_N2, power), 0);
    char *s = writer_render(w);
    ck_assert_str_eq(
        s,
        "{\"graph\": {\"nodes\": ["
        "{\"id\": \"8\", \"metadata\": {\"type\": \"memory\", \"id\": 0, \"rank\": -1, "
        "\"unit\": \"GB\", \"exclusive\": true, \"size\": 8, "
        "\"paths\": {\"containment\": \"/tiny0/node1/memory0\"}, "
        "\"ephemeral\": {\"label\": \"task\"}}}, "
        "{\"id\": \"9\", \"metadata\": {\"type\": \"node\", \"name\": \"fluke7\", \"id\": 2, "
        "\"rank\": 2, \"paths\": {\"containment\": \"/tiny0/fluke7\"}}}, "
        "{\"id\": \"1\", \"metadata\": {\"type\": \"node\", \"id\": 0, \"rank\": 0, "
        "\"properties\": {\"class\": \"1\"}, \"paths\": {\"containment\": \"/tiny0/node0\"}, "
        "\"agfilter\": {\"core\": \"used:0, total:2\"}}}, "
        "{\"id\": \"0\", \"metadata\": {\"type\": \"cluster\", \"basename\": \"tiny\", "
        "\"id\": 0, \"rank\": -1, \"paths\": {\"containment\": \"/tiny0\"}}}], "
        "\"edges\": [{\"source\": \"0\", \"target\": \"1\"}, "
        "{\"source\": \"0\", \"target\": \"9\", \"metadata\": {\"subsystem\": \"power\"}}]}}");
    free(s);
    writer_destroy(w);
}
END_TEST

/* Descendants of an exclusive vertex are left out, and so are their edges. */
START_TEST(test_jgf_shorthand)
{
    char *full = render_all(WRITER_JGF, true);
    char *sh = render_all(WRITER_JGF_SHORTHAND, true);
    ck_assert_ptr_null(strstr(sh, "/tiny0/node0/core"));
    ck_assert_ptr_null(strstr(sh, "\"target\": \"2\""));
    ck_assert_ptr_nonnull(
        strstr(sh, "{\"id\": \"1\", \"metadata\": {\"type\": \"node\", \"id\": 0, "
                   "\"rank\": 0, \"properties\": {\"class\": \"1\"}, "
                   "\"exclusive\": true, "));
    ck_assert_ptr_nonnull(strstr(sh, "/tiny0/node1/core0"));
    size_t n = strlen(sh);
    const char *tail = "]}, \"writer\": \"fluxion:jgf_shorthand\"}";
    ck_assert_uint_gt(n, strlen(tail));
    ck_assert_str_eq(sh + n - strlen(tail), tail);
    ck_assert_ptr_null(strstr(full, "writer"));
    ck_assert_ptr_nonnull(strstr(full, "/tiny0/node0/core1"));
    free(full);
    free(sh);
    /* Nothing below an exclusive vertex: the shorthand is the plain JGF. */
    full = render_all(WRITER_JGF, false);
    sh = render_all(WRITER_JGF_SHORTHAND, false);
    ck_assert_str_eq(sh, full);
    free(full);
    free(sh);
}
END_TEST

/* Ranks with the same children merge; entries are ordered by their
 * children text (rank 0's "1-2" sorts after "0-1"). */
START_TEST(test_rlite)
{
    check_render(WRITER_RLITE, false,
                 "[{\"rank\": \"1-2\", \"children\": {\"core\": \"0-1\", \"gpu\": \"0\"}}, "
                 "{\"rank\": \"0\", \"children\": {\"core\": \"1-2\"}}]");
}
END_TEST

/* A rank reached twice (two node vertices, or one emitted twice) is one
 * entry holding the union of its children; a selection without nodes has
 * no entry. */
START_TEST(test_rlite_same_rank)
{
    writer_t *w = writer_create(WRITER_RLITE, g);
    const vtx_t order[] = {V_N1C0, V_N1, V_N2C1, V_N2, V_N1C1, V_N1G0, V_N1};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        ck_assert_int_eq(writer_emit_vertex(w, order[i], 2, 1, true, NULL, NULL), 0);
    char *s = writer_render(w);
    ck_assert_str_eq(s,
                     "[{\"rank\": \"1\", \"children\": {\"core\": \"0-1\", \"gpu\": \"0\"}}, "
                     "{\"rank\": \"2\", \"children\": {\"core\": \"1\"}}]");
    free(s);
    writer_reset(w);
    ck_assert_int_eq(writer_emit_vertex(w, V_CLUSTER, 1, 1, false, NULL, NULL), 0);
    s = writer_render(w);
    ck_assert_str_eq(s, "[]");
    free(s);
    writer_destroy(w);
}
END_TEST

#define EXECUTION                                                                              \
    "\"execution\": {\"R_lite\": [{\"rank\": \"1-2\", \"children\": {\"core\": \"0-1\", "      \
    "\"gpu\": \"0\"}}, {\"rank\": \"0\", \"children\": {\"core\": \"1-2\"}}], "                \
    "\"nodelist\": [\"node[0-1],fluke7\"], \"properties\": {\"class\": \"0\"}, "               \
    "\"starttime\": 0, \"expiration\": 3600}"

START_TEST(test_rv1_nosched)
{
    check_render(WRITER_RV1_NOSCHED, false, "{\"version\": 1, " EXECUTION "}");
}
END_TEST

/* nodelist follows rank order, not emission order. */
START_TEST(test_rv1_nodelist_rank_order)
{
    writer_t *w = writer_create(WRITER_RV1_NOSCHED, g);
    const vtx_t order[] = {V_N2C0, V_N2, V_N1C0, V_N1, V_N0C1, V_N0, V_CLUSTER};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        ck_assert_int_eq(writer_emit_vertex(w, order[i], 2, 1, false, NULL, NULL), 0);
    writer_emit_time(w, 10, 20);
    char *s = writer_render(w);
    ck_assert_str_eq(s, "{\"version\": 1, \"execution\": {\"R_lite\": [{\"rank\": \"1-2\", "
                        "\"children\": {\"core\": \"0\"}}, {\"rank\": \"0\", \"children\": "
                        "{\"core\": \"1\"}}], \"nodelist\": [\"node[0-1],fluke7\"], "
                        "\"properties\": {\"class\": \"0\"}, \"starttime\": 10, "
                        "\"expiration\": 20}}");
    free(s);
    writer_destroy(w);
}
END_TEST

/* rv1 = rv1_nosched + "scheduling": the JGF (shorthand for rv1_shorthand). */
START_TEST(test_rv1)
{
    for (int sh = 0; sh < 2; sh++) {
        char *jgf = render_all(sh ? WRITER_JGF_SHORTHAND : WRITER_JGF, true);
        char *rv1 = render_all(sh ? WRITER_RV1_SHORTHAND : WRITER_RV1, true);
        char *want = NULL;
        ck_assert_int_ge(
            asprintf(&want, "{\"version\": 1, " EXECUTION ", \"scheduling\": %s}", jgf), 0);
        ck_assert_str_eq(rv1, want);
        free(want);
        free(rv1);
        free(jgf);
    }
}
END_TEST

/* One emission rendered in another format of the same kind equals a
 * writer of that format; the writer's own format is kept. */
START_TEST(test_render_as)
{
    const enum writer_format pairs[][2] = {{WRITER_RV1, WRITER_RV1_NOSCHED},
                                           {WRITER_RV1_NOSCHED, WRITER_RV1},
                                           {WRITER_RV1, WRITER_JGF},
                                           {WRITER_SIMPLE, WRITER_PRETTY_SIMPLE}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        writer_t *w = writer_create(pairs[i][0], g);
        emit_all(w, true);
        char *as = writer_render_as(w, pairs[i][1]);
        char *want = render_all(pairs[i][1], true);
        ck_assert_str_eq(as, want);
        char *own = writer_render(w);
        char *own_want = render_all(pairs[i][0], true);
        ck_assert_str_eq(own, own_want);
        free(as);
        free(want);
        free(own);
        free(own_want);
        writer_destroy(w);
    }
    writer_t *w = writer_create(WRITER_RV1, g);
    emit_all(w, true);
    /* bad parameters: NULL, out of range, the other kind */
    TL_ASSERT_NULL_ERRNO(writer_render_as(NULL, WRITER_RV1), EINVAL);
    TL_ASSERT_NULL_ERRNO(writer_render_as(w, (enum writer_format) -1), EINVAL);
    TL_ASSERT_NULL_ERRNO(writer_render_as(w, WRITER_FORMAT_COUNT), EINVAL);
    TL_ASSERT_NULL_ERRNO(writer_render_as(w, WRITER_SIMPLE), EINVAL);
    writer_destroy(w);
}
END_TEST

/* A jobspec queue lands in attributes.system.scheduler.queue (rv1 only). */
START_TEST(test_rv1_queue)
{
    writer_t *w = writer_create(WRITER_RV1, g);
    ck_assert_ptr_nonnull(w);
    emit_all(w, false);
    writer_emit_queue(w, "batch");
    char *s = writer_render(w);
    const char *tail =
        ", \"attributes\": {\"system\": {\"scheduler\": {\"queue\": \"batch\"}}}}";
    ck_assert_str_eq(s + strlen(s) - strlen(tail), tail);
    free(s);
    /* reset forgets the queue and the selection */
    writer_reset(w);
    ck_assert(writer_empty(w));
    emit_all(w, false);
    s = writer_render(w);
    ck_assert_ptr_null(strstr(s, "attributes"));
    free(s);
    writer_destroy(w);

    w = writer_create(WRITER_RV1_NOSCHED, g);
    emit_all(w, false);
    writer_emit_queue(w, "batch");
    s = writer_render(w);
    ck_assert_ptr_null(strstr(s, "attributes"));
    free(s);
    writer_destroy(w);
}
END_TEST

/* Every format renders an empty selection as "" (resource-query then
 * prints nothing, as Fluxion does for a find that matches nothing). */
START_TEST(test_empty)
{
    for (int f = 0; f < WRITER_FORMAT_COUNT; f++) {
        writer_t *w = writer_create((enum writer_format) f, g);
        ck_assert_ptr_nonnull(w);
        ck_assert(writer_empty(w));
        char *s = writer_render(w);
        ck_assert_str_eq(s, "");
        free(s);
        writer_destroy(w);
    }
}
END_TEST

/* Reuse after reset gives the same text as a fresh writer. */
START_TEST(test_reset_reuse)
{
    writer_t *w = writer_create(WRITER_SIMPLE, g);
    emit_all(w, true);
    writer_reset(w);
    emit_all(w, false);
    char *s = writer_render(w);
    char *fresh = render_all(WRITER_SIMPLE, false);
    ck_assert_str_eq(s, fresh);
    free(s);
    free(fresh);
    writer_destroy(w);
}
END_TEST

START_TEST(test_badparam)
{
    enum writer_format fmt = WRITER_JGF;
    atom_t cont = graph_atom_find(g, "containment");

    TL_ASSERT_ERRNO(writer_format_parse(NULL, &fmt), EINVAL);
    TL_ASSERT_ERRNO(writer_format_parse("simple", NULL), EINVAL);
    TL_ASSERT_ERRNO(writer_format_parse("JGF", &fmt), EINVAL);
    ck_assert_int_eq(fmt, WRITER_JGF); /* unchanged on failure */
    ck_assert_ptr_null(writer_format_name(WRITER_FORMAT_COUNT));
    ck_assert_ptr_null(writer_format_name((enum writer_format) - 1));
    ck_assert(!writer_format_is_json(WRITER_FORMAT_COUNT));

    TL_ASSERT_NULL_ERRNO(writer_create(WRITER_SIMPLE, NULL), EINVAL);
    TL_ASSERT_NULL_ERRNO(writer_create(WRITER_FORMAT_COUNT, g), EINVAL);

    writer_destroy(NULL);
    writer_reset(NULL);
    writer_emit_time(NULL, 0, 1);
    writer_emit_queue(NULL, "q");
    ck_assert(writer_empty(NULL));
    TL_ASSERT_NULL_ERRNO(writer_render(NULL), EINVAL);

    writer_t *w = writer_create(WRITER_JGF, g);
    ck_assert_ptr_nonnull(w);
    struct {
        writer_t *w;
        vtx_t v;
        int depth;
        int64_t needs;
        const char *eph;
        const char *agf;
    } bad[] = {
        {NULL, V_N0, 1, 1, NULL, NULL},  {w, VTX_NONE, 1, 1, NULL, NULL},
        {w, NV, 1, 1, NULL, NULL},       {w, V_N0, -1, 1, NULL, NULL},
        {w, V_N0, 1, -1, NULL, NULL},    {w, V_N0, 1, 1, "{not json", NULL},
        {w, V_N0, 1, 1, "[1, 2]", NULL}, {w, V_N0, 1, 1, NULL, "\"text\""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        errno = 0;
        ck_assert_int_eq(writer_emit_vertex(bad[i].w, bad[i].v, bad[i].depth, bad[i].needs,
                                            false, bad[i].eph, bad[i].agf),
                         -1);
        ck_assert_int_eq(errno, EINVAL);
        ck_assert(writer_empty(w)); /* a failed emit records nothing */
    }
    TL_ASSERT_ERRNO(writer_emit_edge(NULL, V_CLUSTER, V_N0, cont), EINVAL);
    TL_ASSERT_ERRNO(writer_emit_edge(w, V_CLUSTER, NV, cont), EINVAL);
    TL_ASSERT_ERRNO(writer_emit_edge(w, -5, V_N0, cont), EINVAL);
    TL_ASSERT_ERRNO(writer_emit_edge(w, V_CLUSTER, V_N0, ATOM_NONE), EINVAL);
    char *s = writer_render(w);
    ck_assert_str_eq(s, "");
    free(s);
    writer_destroy(w);

    /* Simple formats ignore annotations: they never show them. */
    w = writer_create(WRITER_SIMPLE, g);
    ck_assert_int_eq(writer_emit_vertex(w, V_N0, 1, 1, false, "{not json", NULL), 0);
    writer_destroy(w);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("writer");
    TCase *tc = tcase_create("formats");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_format_names);
    tcase_add_test(tc, test_simple);
    tcase_add_test(tc, test_pretty_simple);
    tcase_add_test(tc, test_jgf);
    tcase_add_test(tc, test_jgf_shorthand);
    tcase_add_test(tc, test_rlite);
    tcase_add_test(tc, test_rlite_same_rank);
    tcase_add_test(tc, test_rv1_nosched);
    tcase_add_test(tc, test_rv1_nodelist_rank_order);
    tcase_add_test(tc, test_rv1);
    tcase_add_test(tc, test_rv1_queue);
    tcase_add_test(tc, test_render_as);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_reset_reuse);
    tcase_add_test(tc, test_badparam);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
