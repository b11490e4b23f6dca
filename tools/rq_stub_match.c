/* rq_stub_match: stand-ins for match/ while match/match.c is still the
 * skeleton's placeholder, so that resource-query links.  tools/meson.build
 * compiles this file only in that case; every call fails with ENOSYS.
 * Delete once the matcher lands. */
#include <errno.h>
#include <string.h>

#include "match/match.h"

#define MATCH_NAME_(e, s) s,
static const char *const op_names[] = {MATCH_OPS(MATCH_NAME_)};
#undef MATCH_NAME_

int match_op_parse(const char *name, enum match_op *op)
{
    for (int i = 0; name && op && i < MATCH_OP_COUNT; i++) {
        if (strcmp(name, op_names[i]) == 0) {
            *op = (enum match_op) i;
            return 0;
        }
    }
    errno = EINVAL;
    return -1;
}

matcher_t *match_create(graph_t *g, const struct match_params *params, struct st_error *err)
{
    (void) g;
    (void) params;
    return st_errorf_null(err, ENOSYS, "the matcher is not built yet");
}

void match_destroy(matcher_t *m)
{
    (void) m;
}

int match_run(matcher_t *m, enum match_op op, const jobspec_t *js, int64_t jobid, int64_t *at,
              writer_t *w, struct match_stats *stats, struct st_error *err)
{
    return st_errorf(err, ENOSYS, "the matcher is not built yet");
}

int match_cancel(matcher_t *m, int64_t jobid, struct match_stats *stats)
{
    errno = ENOSYS;
    return -1;
}

int match_partial_cancel(matcher_t *m, int64_t jobid, const char *reader, const char *r_text,
                         bool *full, struct match_stats *stats, struct st_error *err)
{
    return st_errorf(err, ENOSYS, "the matcher is not built yet");
}

int match_update(matcher_t *m, bool reserve, const char *reader, const char *r_text,
                 int64_t jobid, int64_t at, int64_t duration, writer_t *w, struct st_error *err)
{
    return st_errorf(err, ENOSYS, "the matcher is not built yet");
}

int match_find(matcher_t *m, const char *expr, writer_t *w, struct st_error *err)
{
    return st_errorf(err, ENOSYS, "the matcher is not built yet");
}

int match_attach(matcher_t *m, const char *jgf_text, struct st_error *err)
{
    return st_errorf(err, ENOSYS, "the matcher is not built yet");
}

int match_remove_path(matcher_t *m, const char *path, struct st_error *err)
{
    return st_errorf(err, ENOSYS, "the matcher is not built yet");
}

int match_remove_ranks(matcher_t *m, const char *ranks, struct st_error *err)
{
    return st_errorf(err, ENOSYS, "the matcher is not built yet");
}

int match_set_status(matcher_t *m, vtx_t v, enum vtx_status st)
{
    errno = ENOSYS;
    return -1;
}

bool match_job_exists(const matcher_t *m, int64_t jobid)
{
    return false;
}
