/* strata submit / strata run: build a jobspec and submit it.
 *
 * The shape options mirror flux submit (-N -n -c -g -t --exclusive --queue
 * --requires --setattr --env); a jobspec file can be given instead with
 * --jobspec.  The command's environment and working directory go with the
 * job, as with Flux.  --cc N or --cc A-B submits that many copies in one
 * request.  run waits for the job and prints its output.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jobspec/jobspec.h"
#include "tools/strata.h"

extern char **environ;

static const char submit_usage[] =
    "Usage: strata %s [OPTIONS] [--] COMMAND [ARGS...]\n"
    "       strata %s [OPTIONS] --jobspec=FILE\n"
    "%s"
    "\n"
    "  -N, --nodes=N            number of nodes\n"
    "  -n, --ntasks=N           number of tasks (default 1, or 1 per node)\n"
    "  -c, --cores-per-task=N   cores per task (default 1)\n"
    "  -g, --gpus-per-task=N    GPUs per task (default 0)\n"
    "  -t, --time-limit=D       time limit: 30s, 2m, 1.5h, 1d or seconds\n"
    "      --exclusive          whole nodes\n"
    "      --queue=NAME         queue\n"
    "      --requires=PROPS     node properties (\"a,^b\", host:LIST, rank:IDS)\n"
    "      --setattr=K[=V]      set a jobspec attribute (system. implied)\n"
    "      --env=NAME=VALUE     add to the job environment\n"
    "      --no-env             do not send this environment with the job\n"
    "      --name=NAME          job name\n"
    "      --noexec             hold the allocation for -t, run nothing\n"
    "      --jobspec=FILE       submit FILE (YAML or JSON) instead of a shape\n"
    "      --cc=N|A-B           submit N (or B-A+1) copies in one request\n"
    "  -q, --quiet              print nothing\n"
    "  -h, --help               this help\n";

enum { O_EXCL = 256, O_QUEUE, O_REQ, O_SETATTR, O_ENV, O_NOENV, O_NAME, O_NOEXEC, O_JOBSPEC, O_CC };

static const struct option opts[] = {
    {"nodes", required_argument, NULL, 'N'},
    {"ntasks", required_argument, NULL, 'n'},
    {"cores-per-task", required_argument, NULL, 'c'},
    {"gpus-per-task", required_argument, NULL, 'g'},
    {"time-limit", required_argument, NULL, 't'},
    {"exclusive", no_argument, NULL, O_EXCL},
    {"queue", required_argument, NULL, O_QUEUE},
    {"requires", required_argument, NULL, O_REQ},
    {"setattr", required_argument, NULL, O_SETATTR},
    {"env", required_argument, NULL, O_ENV},
    {"no-env", no_argument, NULL, O_NOENV},
    {"name", required_argument, NULL, O_NAME},
    {"noexec", no_argument, NULL, O_NOEXEC},
    {"jobspec", required_argument, NULL, O_JOBSPEC},
    {"cc", required_argument, NULL, O_CC},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

struct strv {
    const char **v;
    size_t n;
};

static int strv_push(struct strv *s, const char *x)
{
    const char **v = realloc(s->v, (s->n + 2) * sizeof *v);
    if (!v)
        return -1;
    v[s->n++] = x;
    v[s->n] = NULL;
    s->v = v;
    return 0;
}

struct submit_opts {
    struct jobspec_shape shape;
    struct strv requires, setattr, env;
    char **owned; /* strings made here */
    size_t nowned;
    bool no_env, noexec, quiet;
    const char *jobspec_file;
    int count;
};

static int count_arg(const char *opt, const char *s, int min, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > 1000000) {
        fprintf(stderr, "strata: %s: '%s' is not a count >= %d\n", opt, s, min);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int cc_arg(const char *s, int *count)
{
    long a, b;
    char *end;
    a = strtol(s, &end, 10);
    if (*end == '-') {
        b = strtol(end + 1, &end, 10);
        if (*end || a < 0 || b < a || b - a + 1 > 1000000)
            goto bad;
        *count = (int)(b - a + 1);
        return 0;
    }
    if (*end || a < 1 || a > 1000000)
        goto bad;
    *count = (int)a;
    return 0;
bad:
    fprintf(stderr, "strata: --cc: '%s' is not N or A-B (at most 1000000 jobs)\n", s);
    return -1;
}

static char *own(struct submit_opts *o, char *s)
{
    char **v = s ? realloc(o->owned, (o->nowned + 1) * sizeof *v) : NULL;
    if (!v) {
        free(s);
        return NULL;
    }
    o->owned = v;
    o->owned[o->nowned++] = s;
    return s;
}

static int parse_one_opt(struct submit_opts *o, int c, const char *arg)
{
    char *s;
    switch (c) {
    case 'N': return count_arg("-N", arg, 1, &o->shape.nodes);
    case 'n': return count_arg("-n", arg, 1, &o->shape.ntasks);
    case 'c': return count_arg("-c", arg, 1, &o->shape.cores_per_task);
    case 'g': return count_arg("-g", arg, 0, &o->shape.gpus_per_task);
    case 't':
        if (jobspec_parse_duration(arg, &o->shape.duration) == 0)
            return 0;
        fprintf(stderr, "strata: -t: '%s' is not a duration (30s, 2m, 1.5h, 1d)\n", arg);
        return -1;
    case O_EXCL: o->shape.exclusive = true; return 0;
    case O_QUEUE: o->shape.queue = arg; return 0;
    case O_REQ: return strv_push(&o->requires, arg);
    case O_SETATTR: return strv_push(&o->setattr, arg);
    case O_ENV: return strv_push(&o->env, arg);
    case O_NOENV: o->no_env = true; return 0;
    case O_NAME:
        if (asprintf(&s, "system.job.name=\"%s\"", arg) < 0 || !own(o, s))
            return -1;
        return strv_push(&o->setattr, s);
    case O_NOEXEC: o->noexec = true; return 0;
    case O_JOBSPEC: o->jobspec_file = arg; return 0;
    case O_CC: return cc_arg(arg, &o->count);
    case 'q': o->quiet = true; return 0;
    default: return -1;
    }
}

/* Environment first, so that explicit --env entries win. */
static int add_environment(struct submit_opts *o, struct strv *env)
{
    for (char **e = environ; !o->no_env && *e; e++)
        if (strv_push(env, *e) < 0)
            return -1;
    for (size_t i = 0; i < o->env.n; i++)
        if (strv_push(env, o->env.v[i]) < 0)
            return -1;
    char cwd[4096], *s;
    if (getcwd(cwd, sizeof cwd) && asprintf(&s, "system.cwd=\"%s\"", cwd) >= 0 && own(o, s))
        return strv_push(&o->setattr, s);
    return 0;
}

static jobspec_t *build(struct submit_opts *o, int argc, char **argv, struct st_error *err)
{
    if (o->jobspec_file)
        return jobspec_parse_file(o->jobspec_file, err);
    if (argc == 0)
        return st_errorf_null(err, EINVAL, "no command given (or use --jobspec=FILE)");
    struct strv env = {0};
    if (add_environment(o, &env) < 0)
        return st_errorf_null(err, ENOMEM, "out of memory");
    o->shape.requires = o->requires.v;
    o->shape.setattr = o->setattr.v;
    o->shape.env = env.v;
    o->shape.argv = (const char *const *)argv;
    jobspec_t *js = jobspec_from_shape(&o->shape, err);
    free(env.v);
    return js;
}

static void opts_free(struct submit_opts *o)
{
    free(o->requires.v);
    free(o->setattr.v);
    free(o->env.v);
    for (size_t i = 0; i < o->nowned; i++)
        free(o->owned[i]);
    free(o->owned);
}

static void cat_file(const char *path, FILE *to)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    char buf[65536];
    size_t n;
    while (f && (n = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, n, to);
    if (f)
        fclose(f);
    fflush(to);
}

/* run: wait, print the output, exit like the job (Flux's convention). */
static int run_wait(strata_client_t *c, int64_t id)
{
    struct st_error err = {{0}};
    json_t *info = NULL;
    if (strata_wait(c, id, NULL, &err) < 0 || strata_job_info(c, id, &info, &err) < 0)
        return strata_cli_fail("run", &err);
    cat_file(json_string_value(json_object_get(info, "stdout")), stdout);
    cat_file(json_string_value(json_object_get(info, "stderr")), stderr);
    const char *result = json_string_value(json_object_get(info, "result"));
    int code = (int)json_integer_value(json_object_get(info, "exitcode"));
    const char *reason = json_string_value(json_object_get(info, "reason"));
    if (result && strcmp(result, "completed") != 0)
        fprintf(stderr, "strata: job %lld %s%s%s\n", (long long)id, result,
                reason ? ": " : "", reason ? reason : "");
    if (code == 0 && result && strcmp(result, "completed") != 0)
        code = 1;
    json_decref(info);
    return code;
}

static int submit_and_print(const struct strata_global *g, struct submit_opts *o,
                            jobspec_t *js, int run)
{
    struct st_error err = {{0}};
    char *text = jobspec_to_json(js);
    json_t *spec = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    strata_client_t *c = spec ? strata_cli_open(g) : NULL;
    json_t *res = NULL;
    int rc = 1;
    if (c && strata_client_call(c, "submit",
                                json_pack("{s:o, s:i, s:b}", "jobspec", spec, "count",
                                          o->count, "noexec", o->noexec),
                                &res, &err) == 0) {
        spec = NULL;
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(res, "ids"), i, v)
            if (!o->quiet && !run)
                printf("%lld\n", (long long)json_integer_value(v));
        rc = run ? run_wait(c, json_integer_value(json_array_get(json_object_get(res, "ids"), 0)))
                 : 0;
    } else if (c) {
        spec = NULL;
        rc = strata_cli_fail(run ? "run" : "submit", &err);
    }
    json_decref(spec);
    json_decref(res);
    strata_client_close(c);
    return rc;
}

int strata_cmd_submit(const struct strata_global *g, int argc, char **argv, int run)
{
    struct submit_opts o = {.count = 1};
    const char *cmd = run == STRATA_SUBMIT_PRINT ? "jobspec build" : run ? "run" : "submit";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+N:n:c:g:t:qh", opts, NULL)) != -1) {
        if (c == 'h') {
            printf(submit_usage, cmd, cmd,
                   run ? "Submit a job, wait for it, print its output and exit with its code.\n"
                       : "Submit a job and print its id (one per line with --cc).\n");
            opts_free(&o);
            return 0;
        }
        if (parse_one_opt(&o, c, optarg) < 0) {
            fprintf(stderr, "Try 'strata %s --help'.\n", cmd);
            opts_free(&o);
            return 2;
        }
    }
    if (run && o.count != 1) {
        fprintf(stderr, "strata run: --cc is for submit\n");
        opts_free(&o);
        return 2;
    }
    struct st_error err = {{0}};
    jobspec_t *js = build(&o, argc - optind, argv + optind, &err);
    if (js && run == STRATA_SUBMIT_PRINT) {
        /* strata jobspec build: the jobspec submit would send, as JSON. */
        char *text = jobspec_to_json(js);
        if (text)
            puts(text);
        free(text);
        jobspec_destroy(js);
        opts_free(&o);
        return text ? 0 : 1;
    }
    int rc = js ? submit_and_print(g, &o, js, run) : strata_cli_fail(cmd, &err);
    jobspec_destroy(js);
    opts_free(&o);
    return rc;
}
