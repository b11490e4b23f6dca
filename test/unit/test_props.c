/* Unit tests for daemon/props (drain and property changes kept across a
 * restart) with the journal they are written to: a change is journaled
 * before it is made, replayed into a fresh instance over the same graph,
 * carried by a compaction, refused whole when the write fails; paths the
 * graph lacks are skipped; bad parameters.
 *
 * props.c and journal.c are compiled in alone; this file provides the
 * jobs.c functions the journal's replay and compaction call (no jobs here).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/stratad.h"
#include "resource/reader.h"
#include "test/unit/testlib.h"

/* ---- the jobs.c side the journal calls: an instance without jobs ---------- */
struct job *inst_job(struct instance *inst, int64_t id)
{
    (void)inst;
    (void)id;
    return NULL;
}

struct job *inst_job_new(struct instance *inst, int64_t id, uint32_t uid, jobspec_t *js,
                         json_t *spec, bool noexec)
{
    (void)inst, (void)id, (void)uid, (void)js, (void)spec, (void)noexec;
    return NULL;
}

void inst_job_take_R(struct instance *inst, struct job *j, char *R)
{
    (void)inst, (void)j;
    free(R);
}

int inst_jobs_reserve_ids(struct instance *inst, int64_t n)
{
    inst->njobs = n > inst->njobs ? n : inst->njobs;
    return 0;
}

const char *job_result_name(enum job_result r)
{
    (void)r;
    return "";
}

int job_result_parse(const char *s, enum job_result *r)
{
    (void)s;
    *r = JOB_RESULT_NONE;
    return 0;
}

/* ---- fixtures ---------------------------------------------------------------- */
static char dir[] = "/tmp/test_props.XXXXXX";

static void inst_open(struct instance *inst)
{
    memset(inst, 0, sizeof *inst);
    struct st_error err = {{0}};
    inst->g = reader_load("grug", tl_conformance_path("grugs/tiny.graphml"), NULL, &err);
    ck_assert_msg(inst->g, "%s", err.text);
    struct match_params p = {.policy = "first", .subsystems = "CA",
                             .prune_filters = "ALL:core,ALL:node",
                             .traverser = MATCH_TRAVERSER_SIMPLE,
                             .graph_duration = 3153600000LL};
    inst->m = match_create(inst->g, &p, &err);
    ck_assert_msg(inst->m, "%s", err.text);
    inst->journal = journal_open(dir, &err);
    ck_assert_msg(inst->journal, "%s", err.text);
}

static void inst_close(struct instance *inst)
{
    props_free(inst);
    journal_close(inst->journal);
    match_destroy(inst->m);
    graph_destroy(inst->g);
}

/* A fresh instance over the same graph, replaying the journal. */
static void inst_reopen(struct instance *inst)
{
    inst_close(inst);
    inst_open(inst);
    struct st_error err = {{0}};
    ck_assert_int_eq(journal_replay(inst->journal, inst, &err), 0);
}

static vtx_t at(const struct instance *inst, const char *path)
{
    vtx_t v = graph_find_path(inst->g, path);
    ck_assert(v != VTX_NONE);
    return v;
}

static const char *N0 = "/tiny0/rack0/node0", *N1 = "/tiny0/rack0/node1";

static int journal_lines(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/journal", dir);
    FILE *f = fopen(path, "r");
    int n = 0, c;
    while (f && (c = fgetc(f)) != EOF)
        n += c == '\n';
    if (f)
        fclose(f);
    return n;
}

static void setup(void)
{
    strcpy(dir, "/tmp/test_props.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    unsetenv("STRATAD_FAULT");
}

static void teardown(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    unsetenv("STRATAD_FAULT");
}

/* The changes a test makes: node0 drained, node1 "fast" and "tmp" set then
 * "tmp" removed, node1 drained and undrained. */
static void make_changes(struct instance *inst)
{
    struct st_error err = {{0}};
    vtx_t n0 = at(inst, N0), n1 = at(inst, N1);
    ck_assert_int_eq(props_record(inst, props_rec_status(inst, &n0, 1, true), &err), 0);
    vtx_t both[2] = {n0, n1};
    ck_assert_int_eq(props_record(inst, props_rec_property(inst, &n1, 1, "fast", ""), &err), 0);
    ck_assert_int_eq(props_record(inst, props_rec_property(inst, both, 2, "tmp", "1"), &err), 0);
    ck_assert_int_eq(props_record(inst, props_rec_property(inst, &n1, 1, "tmp", NULL), &err), 0);
    ck_assert_int_eq(props_record(inst, props_rec_status(inst, &n1, 1, true), &err), 0);
    ck_assert_int_eq(props_record(inst, props_rec_status(inst, &n1, 1, false), &err), 0);
}

static void assert_changed(const struct instance *inst)
{
    vtx_t n0 = at(inst, N0), n1 = at(inst, N1);
    ck_assert_int_eq(graph_status(inst->g, n0), VTX_DOWN);
    ck_assert_int_eq(graph_status(inst->g, n1), VTX_UP);
    ck_assert_str_eq(graph_property(inst->g, n1, "fast"), "");
    ck_assert_ptr_null(graph_property(inst->g, n1, "tmp"));
    ck_assert_str_eq(graph_property(inst->g, n0, "tmp"), "1");
    ck_assert_ptr_null(graph_property(inst->g, n0, "fast"));
}

START_TEST(test_record_and_replay)
{
    struct instance inst;
    inst_open(&inst);
    make_changes(&inst);
    assert_changed(&inst);
    ck_assert_int_eq(journal_lines(), 6); /* one record a change */
    inst_reopen(&inst);
    assert_changed(&inst);
    inst_close(&inst);
}
END_TEST

START_TEST(test_compaction_carries_changes)
{
    struct instance inst;
    inst_open(&inst);
    make_changes(&inst);
    ck_assert_int_eq(journal_compact(inst.journal, &inst), 0);
    ck_assert_int_eq(journal_lines(), 2); /* the head and one resources record */
    json_t *snap = props_snapshot(&inst);
    ck_assert_ptr_nonnull(snap);
    ck_assert_str_eq(json_string_value(json_object_get(snap, "type")), "resources");
    json_decref(snap);
    inst_reopen(&inst);
    assert_changed(&inst);
    /* a change after the compaction goes to the tail and wins */
    struct st_error err = {{0}};
    vtx_t n0 = at(&inst, N0);
    ck_assert_int_eq(props_record(&inst, props_rec_status(&inst, &n0, 1, false), &err), 0);
    inst_reopen(&inst);
    ck_assert_int_eq(graph_status(inst.g, n0), VTX_UP);
    ck_assert_str_eq(graph_property(inst.g, n0, "tmp"), "1");
    inst_close(&inst);
}
END_TEST

START_TEST(test_failed_write_changes_nothing)
{
    setenv("STRATAD_FAULT", "journal-submit=1", 1);
    struct instance inst;
    inst_open(&inst);
    struct st_error err = {{0}};
    vtx_t n0 = at(&inst, N0);
    TL_ASSERT_ERRNO(props_record(&inst, props_rec_property(&inst, &n0, 1, "fast", "x"), &err),
                    ENOSPC);
    ck_assert_ptr_nonnull(strstr(err.text, "nothing was changed"));
    ck_assert_ptr_null(graph_property(inst.g, n0, "fast"));
    errno = 0;
    ck_assert_ptr_null(props_snapshot(&inst));
    ck_assert_int_eq(errno, 0); /* no change kept for a compaction either */
    ck_assert_int_eq(props_record(&inst, props_rec_status(&inst, &n0, 1, true), &err), 0);
    unsetenv("STRATAD_FAULT");
    inst_reopen(&inst);
    ck_assert_ptr_null(graph_property(inst.g, n0, "fast"));
    ck_assert_int_eq(graph_status(inst.g, n0), VTX_DOWN);
    inst_close(&inst);
}
END_TEST

START_TEST(test_missing_paths_skipped)
{
    struct instance inst;
    inst_open(&inst);
    json_t *rec = json_pack("{s:s, s:s, s:[s,s]}", "type", "status", "status", "down", "paths",
                            "/tiny0/rack0/node9", N1);
    int64_t missing = 0;
    ck_assert_int_eq(props_apply(&inst, rec, &missing), 0);
    ck_assert_int_eq(missing, 1);
    ck_assert_int_eq(graph_status(inst.g, at(&inst, N1)), VTX_DOWN);
    json_decref(rec);
    rec = json_pack("{s:s, s:{s:{s:s}}}", "type", "resources", "properties", "/nosuch", "k", "v");
    ck_assert_int_eq(props_apply(&inst, rec, &missing), 0);
    ck_assert_int_eq(missing, 2);
    json_decref(rec);
    inst_close(&inst);
}
END_TEST

START_TEST(test_bad_params)
{
    struct instance inst;
    inst_open(&inst);
    struct st_error err = {{0}};
    vtx_t n0 = at(&inst, N0);
    TL_ASSERT_NULL_ERRNO(props_rec_status(NULL, &n0, 1, true), EINVAL);
    TL_ASSERT_NULL_ERRNO(props_rec_status(&inst, NULL, 1, true), EINVAL);
    TL_ASSERT_NULL_ERRNO(props_rec_status(&inst, &n0, -1, true), EINVAL);
    TL_ASSERT_NULL_ERRNO(props_rec_property(NULL, &n0, 1, "k", "v"), EINVAL);
    TL_ASSERT_NULL_ERRNO(props_rec_property(&inst, &n0, 1, NULL, "v"), EINVAL);
    TL_ASSERT_NULL_ERRNO(props_rec_property(&inst, &n0, 1, "", "v"), EINVAL);
    TL_ASSERT_ERRNO(props_record(NULL, json_object(), &err), EINVAL);
    errno = ENOMEM; /* what a failed record maker leaves */
    ck_assert_int_eq(props_record(&inst, NULL, &err), -1);
    ck_assert_int_eq(errno, ENOMEM);
    ck_assert(!props_is_record(NULL));
    json_t *sub = json_pack("{s:s}", "type", "submit");
    ck_assert(!props_is_record(sub));
    TL_ASSERT_ERRNO(props_apply(&inst, sub, NULL), EINVAL);
    TL_ASSERT_ERRNO(props_apply(NULL, sub, NULL), EINVAL);
    json_decref(sub);
    json_t *bad[] = {
        json_pack("{s:s, s:s, s:s}", "type", "status", "status", "down", "paths", "/x"),
        json_pack("{s:s, s:s, s:[s]}", "type", "status", "status", "sideways", "paths", N0),
        json_pack("{s:s, s:[s]}", "type", "property", "paths", N0),
        json_pack("{s:s, s:s, s:i, s:[s]}", "type", "property", "key", "k", "value", 3, "paths", N0),
        json_pack("{s:s, s:[]}", "type", "resources", "status"),
        json_pack("{s:s, s:{s:i}}", "type", "resources", "status", N0, 1),
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        TL_ASSERT_ERRNO(props_apply(&inst, bad[i], NULL), EINVAL);
        json_decref(bad[i]);
    }
    ck_assert_int_eq(graph_status(inst.g, n0), VTX_UP); /* none got as far as a change */
    TL_ASSERT_NULL_ERRNO(props_snapshot(NULL), EINVAL);
    props_free(NULL);
    ck_assert_int_eq(journal_lines(), 0); /* nothing reached the journal */
    inst_close(&inst);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("props");
    TCase *tc = tcase_create("props");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_record_and_replay);
    tcase_add_test(tc, test_compaction_carries_changes);
    tcase_add_test(tc, test_failed_write_changes_nothing);
    tcase_add_test(tc, test_missing_paths_skipped);
    tcase_add_test(tc, test_bad_params);
    suite_add_tcase(s, tc);
    return tl_run(s);
}
