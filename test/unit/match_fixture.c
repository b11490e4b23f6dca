/* test/unit/match_fixture.c: see match_fixture.h. */
#include "test/unit/match_fixture.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resource/writer.h"

graph_t *mf_g;
vtx_t mf_cluster, mf_rack[2], mf_node[4], mf_core[4][4], mf_gpu[4];

static vtx_t add(const char *type, int64_t id, int32_t rank, const char *path)
{
    struct vtx_init in = {
        .type = type,
        .id = id,
        .uniq_id = graph_vertex_count(mf_g),
        .rank = rank,
        .size = 1,
    };
    vtx_t v = graph_add_vertex(mf_g, &in);
    ck_assert_int_ge(v, 0);
    ck_assert_int_eq(graph_set_path(mf_g, v, "containment", path), 0);
    return v;
}

/* A child of parent (whose path is ppath) at ppath/<type><id>; its path
 * goes to out (at least 160 bytes). */
static vtx_t child(vtx_t parent, const char *ppath, const char *type, int64_t id, int32_t rank,
                   char *out)
{
    ck_assert_int_lt(snprintf(out, 160, "%s/%s%d", ppath, type, (int) id), 160);
    vtx_t v = add(type, id, rank, out);
    ck_assert_int_eq(graph_add_edge(mf_g, parent, v, "containment"), 0);
    return v;
}

/* Two nodes of two sockets of two cores (MF_PLAIN, MF_RANKED). */
static void two_nodes(bool ranked)
{
    char np[160], sp[160], cp[160];
    for (int n = 0; n < 2; n++) {
        int32_t rank = ranked ? n : -1;
        mf_node[n] = child(mf_cluster, "/cluster0", "node", n, rank, np);
        for (int s = 0; s < 2; s++) {
            vtx_t sv = child(mf_node[n], np, "socket", s, rank, sp);
            for (int k = 0; k < 2; k++) {
                int id = (ranked ? 0 : n * 4) + s * 2 + k;
                mf_core[n][s * 2 + k] = child(sv, sp, "core", id, rank, cp);
            }
        }
    }
}

/* Two racks of two nodes of one socket: two cores and a gpu (MF_RACKS). */
static void two_racks(void)
{
    char rp[160], np[160], sp[160], cp[160];
    for (int r = 0; r < 2; r++) {
        mf_rack[r] = child(mf_cluster, "/cluster0", "rack", r, -1, rp);
        for (int i = 0; i < 2; i++) {
            int n = r * 2 + i;
            mf_node[n] = child(mf_rack[r], rp, "node", n, n, np);
            vtx_t sv = child(mf_node[n], np, "socket", 0, n, sp);
            for (int k = 0; k < 2; k++)
                mf_core[n][k] = child(sv, sp, "core", k, n, cp);
            mf_gpu[n] = child(sv, sp, "gpu", 0, n, cp);
        }
    }
}

void mf_build(enum mf_layout layout)
{
    mf_g = graph_create();
    ck_assert_ptr_nonnull(mf_g);
    mf_rack[0] = mf_rack[1] = VTX_NONE;
    for (int n = 0; n < 4; n++) {
        mf_node[n] = mf_gpu[n] = VTX_NONE;
        for (int k = 0; k < 4; k++)
            mf_core[n][k] = VTX_NONE;
    }
    mf_cluster = add("cluster", 0, -1, "/cluster0");
    if (layout == MF_RACKS)
        two_racks();
    else
        two_nodes(layout == MF_RANKED);
    struct st_error err = {{0}};
    ck_assert_msg(graph_finalize(mf_g, &err) == 0, "%s", err.text);
}

void mf_teardown(void)
{
    graph_destroy(mf_g);
    mf_g = NULL;
}

matcher_t *mf_make(const char *policy, const char *filters)
{
    struct match_params p = {.policy = policy, .prune_filters = filters};
    struct st_error err = {{0}};
    matcher_t *m = match_create(mf_g, &p, &err);
    ck_assert_msg(m != NULL, "%s", err.text);
    return m;
}

jobspec_t *mf_spec(const char *resources, int duration)
{
    char buf[2048];
    snprintf(buf, sizeof(buf),
             "version: 9999\nresources:\n%s\nattributes:\n  system:\n    duration: %d\n"
             "tasks:\n  - command: [ app ]\n    slot: default\n    count:\n      per_slot: 1\n",
             resources, duration);
    struct st_error err = {{0}};
    jobspec_t *js = jobspec_parse_string(buf, strlen(buf), "test", &err);
    ck_assert_msg(js != NULL, "%s", err.text);
    return js;
}

jobspec_t *mf_slots(int nslots, const char *type, int count, int duration)
{
    char r[256];
    snprintf(r, sizeof(r),
             "  - type: slot\n    count: %d\n    label: default\n    with:\n"
             "      - type: %s\n        count: %d",
             nslots, type, count);
    return mf_spec(r, duration);
}

jobspec_t *mf_whole_nodes(int nnodes, int ncores, int duration)
{
    char r[512];
    snprintf(r, sizeof(r),
             "  - type: node\n    count: %d\n    exclusive: true\n    with:\n"
             "      - type: slot\n        count: 1\n        label: default\n        with:\n"
             "          - type: core\n            count: %d",
             nnodes, ncores);
    return mf_spec(r, duration);
}

char *mf_find_as(matcher_t *m, graph_t *g, enum writer_format fmt, const char *expr)
{
    writer_t *w = writer_create(fmt, g);
    ck_assert_ptr_nonnull(w);
    struct st_error err = {{0}};
    ck_assert_msg(match_find(m, expr, w, &err) == 0, "%s", err.text);
    char *s = writer_render(w);
    writer_destroy(w);
    return s;
}

char *mf_find(matcher_t *m, const char *expr)
{
    return mf_find_as(m, mf_g, WRITER_SIMPLE, expr);
}

char *mf_find_names(matcher_t *m, const char *expr)
{
    char *s = mf_find(m, expr);
    char *o = malloc(strlen(s) + 1);
    ck_assert_ptr_nonnull(o);
    char *w = o;
    for (const char *p = s; *p;) {
        while (*p == ' ' || *p == '-')
            p++;
        while (*p && *p != '\n')
            *w++ = *p++;
        if (*p == '\n')
            *w++ = *p++;
    }
    *w = '\0';
    free(s);
    return o;
}

void mf_assert_find(matcher_t *m, const char *expr, const char *want)
{
    char *got = mf_find_names(m, expr);
    ck_assert_msg(strcmp(got, want) == 0, "find %s:\n%s\nwanted:\n%s", expr, got, want);
    free(got);
}

void mf_jgf_pool(char *buf, size_t n, int id, const char *type, int vid, int rank, int size,
                 const char *unit, const char *path)
{
    const char *base = strrchr(path, '/') + 1;
    size_t len = strlen(buf);
    snprintf(buf + len, n - len,
             "%s{\"id\": \"%d\", \"metadata\": {\"type\": \"%s\", \"basename\": \"%s\", "
             "\"name\": \"%s\", \"id\": %d, \"uniq_id\": %d, \"rank\": %d, \"exclusive\": "
             "false, \"unit\": \"%s\", \"size\": %d, \"paths\": {\"containment\": \"%s\"}}}",
             buf[len - 1] != '[' ? ", " : "", id, type, type, base, vid, id, rank, unit, size,
             path);
}

void mf_jgf_vertex(char *buf, size_t n, int id, const char *type, int vid, int rank,
                   const char *path)
{
    mf_jgf_pool(buf, n, id, type, vid, rank, 1, "", path);
}

void mf_jgf_edge(char *buf, size_t n, int src, int dst)
{
    size_t len = strlen(buf);
    snprintf(buf + len, n - len,
             "%s{\"source\": \"%d\", \"target\": \"%d\", \"metadata\": {\"subsystem\": "
             "\"containment\"}}",
             buf[len - 1] != '[' ? ", " : "", src, dst);
}
