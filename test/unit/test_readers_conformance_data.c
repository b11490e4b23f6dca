/* Every JGF and R file of the conformance data loads (test/unit for the
 * readers against real data).
 *
 * Files are found by walking $STRATA_CONFORMANCE/data/resource/{jgfs,rv1exec}
 * and classified by content, not by name: an R has "version" and
 * "execution"; a JGF has "graph".  A JGF that has a root vertex (a path with
 * a single '/') must load as a whole graph; one without is a partial graph
 * meant for attach or partial-cancel and must parse into records.  An R with
 * a "scheduling" JGF must parse both ways.
 */
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "resource/reader.h"
#include "test/unit/testlib.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t) n + 1);
    size_t got = fread(buf, 1, (size_t) n, f);
    buf[got] = '\0';
    fclose(f);
    return buf;
}

static bool doc_has_root(const struct reader_jgf_doc *doc)
{
    for (size_t i = 0; i < doc->nvertices; i++) {
        for (int k = 0; k < doc->vertices[i].npaths; k++) {
            if (!strchr(doc->vertices[i].paths[k].value + 1, '/'))
                return true;
        }
    }
    return false;
}

static int nfull, npartial, nr;

static void check_jgf(const char *path, const char *text)
{
    struct st_error err = { { 0 } };
    struct reader_jgf_doc *doc = reader_jgf_doc_parse(text, path, &err);
    ck_assert_msg(doc != NULL, "%s", err.text);
    ck_assert_uint_gt(doc->nvertices, 0);
    if (doc_has_root(doc)) {
        graph_t *g = reader_jgf_load(path, &err);
        ck_assert_msg(g != NULL, "%s", err.text);
        ck_assert_int_eq(graph_live_vertex_count(g), (int32_t) doc->nvertices);
        ck_assert_int_eq(graph_edge_count(g), (int64_t) doc->nedges);
        graph_destroy(g);
        nfull++;
    } else {
        npartial++;
    }
    reader_jgf_doc_destroy(doc);
}

static void check_r(const char *path, const char *text)
{
    struct st_error err = { { 0 } };
    struct reader_rv1 *r = reader_rv1_parse(text, path, &err);
    ck_assert_msg(r != NULL, "%s", err.text);
    graph_t *g = reader_rv1exec_load(path, &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    /* cluster0 + one node per rank + one vertex per child id */
    int32_t want = 1 + (int32_t) idset_count(r->all_ranks);
    for (int i = 0; i < r->nentries; i++) {
        for (int k = 0; k < r->entries[i].nchildren; k++)
            want += (int32_t) (idset_count(r->entries[i].ranks) *
                               idset_count(r->entries[i].child_ids[k]));
    }
    ck_assert_int_eq(graph_live_vertex_count(g), want);
    graph_destroy(g);
    if (r->has_scheduling) {
        struct reader_jgf_doc *doc = reader_jgf_doc_parse(text, path, &err);
        ck_assert_msg(doc != NULL, "%s", err.text);
        reader_jgf_doc_destroy(doc);
    }
    reader_rv1_destroy(r);
    nr++;
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    size_t len = strlen(path);
    if (flag != FTW_F || len < 5 || strcmp(path + len - 5, ".json") != 0)
        return 0;
    char *text = slurp(path);
    ck_assert_ptr_nonnull(text);
    json_t *o = json_loads(text, 0, NULL);
    ck_assert_msg(o != NULL, "%s is not JSON", path);
    bool is_r = json_object_get(o, "execution") != NULL;
    bool is_jgf = json_object_get(o, "graph") != NULL;
    json_decref(o);
    if (is_r)
        check_r(path, text);
    else if (is_jgf)
        check_jgf(path, text);
    free(text);
    return 0;
}

START_TEST(test_all_files)
{
    nfull = npartial = nr = 0;
    ck_assert_int_eq(nftw(tl_conformance_path("jgfs"), visit, 16, FTW_PHYS), 0);
    ck_assert_int_eq(nftw(tl_conformance_path("rv1exec"), visit, 16, FTW_PHYS), 0);
    /* The shared data has 3 whole JGFs, 1 partial one and 6 Rs; more is fine. */
    ck_assert_int_ge(nfull, 3);
    ck_assert_int_ge(npartial, 1);
    ck_assert_int_ge(nr, 6);
}
END_TEST

/* tiny.json is tiny.graphml written out by Fluxion: the same 100 vertices
 * with the same names, ids, ranks, sizes and uniq_ids at the same paths. */
START_TEST(test_tiny_matches_grug)
{
    struct st_error err = { { 0 } };
    graph_t *j = reader_jgf_load(tl_conformance_path("jgfs/tiny.json"), &err);
    ck_assert_msg(j != NULL, "%s", err.text);
    graph_t *g = reader_grug_load(tl_conformance_path("grugs/tiny.graphml"), &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    ck_assert_int_eq(graph_live_vertex_count(j), 100);
    ck_assert_int_eq(graph_edge_count(j), 99);
    ck_assert_int_eq(graph_live_vertex_count(g), 100);
    ck_assert_int_eq(graph_edge_count(g), 99);
    atom_t cj = graph_atom_find(j, "containment");
    for (vtx_t v = 0; v < graph_vertex_count(j); v++) {
        const char *path = graph_path(j, v, cj);
        vtx_t w = graph_find_path(g, path);
        ck_assert_msg(w != VTX_NONE, "%s not in tiny.graphml", path);
        ck_assert_str_eq(graph_name(j, v), graph_name(g, w));
        ck_assert_str_eq(graph_atom_str(j, graph_type(j, v)), graph_atom_str(g, graph_type(g, w)));
        ck_assert_int_eq(graph_id(j, v), graph_id(g, w));
        ck_assert_int_eq(graph_rank(j, v), graph_rank(g, w));
        ck_assert_int_eq(graph_size(j, v), graph_size(g, w));
        ck_assert_int_eq(graph_uniq_id(j, v), graph_uniq_id(g, w));
    }
    graph_destroy(g);
    graph_destroy(j);
}
END_TEST

/* power.json has a second subsystem; both trees are rooted. */
START_TEST(test_power)
{
    struct st_error err = { { 0 } };
    graph_t *g = reader_jgf_load(tl_conformance_path("jgfs/power.json"), &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    ck_assert_int_eq(graph_live_vertex_count(g), 4042);
    ck_assert_int_ge(graph_subsystem_count(g), 2);
    for (int i = 0; i < graph_subsystem_count(g); i++)
        ck_assert_int_ne(graph_root(g, graph_subsystem_at(g, i)), VTX_NONE);
    graph_destroy(g);
}
END_TEST

/* The R of the partial-cancel cases through reader_load, as resource-query
 * -f rv1exec does. */
START_TEST(test_rv1exec_tiny_via_load)
{
    struct st_error err = { { 0 } };
    graph_t *g = reader_load("rv1exec", tl_conformance_path("rv1exec/tiny_rv1exec.json"), NULL, &err);
    ck_assert_msg(g != NULL, "%s", err.text);
    ck_assert_int_eq(graph_live_vertex_count(g), 43);
    ck_assert_int_ne(graph_find_path(g, "/cluster0/node1/core15"), VTX_NONE);
    graph_destroy(g);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("readers_conformance_data");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_all_files);
    tcase_add_test(tc, test_tiny_matches_grug);
    tcase_add_test(tc, test_power);
    tcase_add_test(tc, test_rv1exec_tiny_via_load);
    suite_add_tcase(su, tc);
    return tl_run(su);
}
