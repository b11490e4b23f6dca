/* jobspec/cli.c: the command-line shape options (see cli.h). */
#include <errno.h>
#include <stdlib.h>

#include "jobspec/cli.h"

int jobspec_strv_push(struct jobspec_strv *s, const char *item)
{
    if (!s || !item) {
        errno = EINVAL;
        return -1;
    }
    const char **nv = realloc(s->v, (s->n + 2) * sizeof(*nv));
    if (!nv)
        return -1;
    nv[s->n++] = item;
    nv[s->n] = NULL;
    s->v = nv;
    return 0;
}

void jobspec_strv_clear(struct jobspec_strv *s)
{
    if (!s)
        return;
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

static int count_opt(int opt, const char *arg, int min, int *out, struct st_error *err)
{
    char *end;
    errno = 0;
    long v = arg ? strtol(arg, &end, 10) : 0;
    if (!arg || errno || end == arg || *end || v < 0 || v > JOBSPEC_CLI_MAX_COUNT)
        return st_errorf(err, EINVAL, "-%c: invalid count \"%s\" (a whole number up to %d)",
                         opt, arg ? arg : "", JOBSPEC_CLI_MAX_COUNT);
    if (v < min)
        return st_errorf(err, EINVAL, "-%c: count must be >= %d", opt, min);
    *out = (int) v;
    return 1;
}

static int list_opt(struct jobspec_strv *s, const char *arg, struct st_error *err)
{
    if (jobspec_strv_push(s, arg) < 0)
        return st_errorf(err, errno, "out of memory");
    return 1;
}

int jobspec_cli_option(struct jobspec_cli *c, int opt, const char *arg, struct st_error *err)
{
    struct jobspec_shape *s = &c->shape;
    switch (opt) {
    case 'N': return count_opt(opt, arg, 1, &s->nodes, err);
    case 'n': return count_opt(opt, arg, 1, &s->ntasks, err);
    case 'c': return count_opt(opt, arg, 1, &s->cores_per_task, err);
    case 'g': return count_opt(opt, arg, 0, &s->gpus_per_task, err);
    case 't':
        if (jobspec_parse_duration(arg, &s->duration) < 0)
            return st_errorf(err, EINVAL,
                             "-t: invalid duration \"%s\" (30s, 2m, 1.5h, 1d or seconds)",
                             arg ? arg : "");
        return 1;
    case JOBSPEC_CLI_EXCLUSIVE: s->exclusive = true; return 1;
    case JOBSPEC_CLI_QUEUE: s->queue = arg; return 1;
    case JOBSPEC_CLI_REQUIRES: return list_opt(&c->requires, arg, err);
    case JOBSPEC_CLI_SETATTR: return list_opt(&c->setattr, arg, err);
    case JOBSPEC_CLI_ENV: return list_opt(&c->env, arg, err);
    default: return 0;
    }
}

jobspec_t *jobspec_cli_build(struct jobspec_cli *c, const char *const *argv,
                             const char *const *env, struct st_error *err)
{
    if (!c) {
        st_errorf(err, EINVAL, "no options");
        return NULL;
    }
    struct jobspec_shape s = c->shape;
    s.requires = c->requires.v;
    s.setattr = c->setattr.v;
    s.env = env ? env : c->env.v;
    s.argv = argv;
    return jobspec_from_shape(&s, err);
}

void jobspec_cli_clear(struct jobspec_cli *c)
{
    if (!c)
        return;
    jobspec_strv_clear(&c->requires);
    jobspec_strv_clear(&c->setattr);
    jobspec_strv_clear(&c->env);
    *c = (struct jobspec_cli){0};
}
