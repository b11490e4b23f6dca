/* strata proxy and strata tree: reaching and showing nested instances
 * (docs/nested.md).
 *
 *   strata proxy JOBID[/JOBID...]|URI [COMMAND [ARGS...]]
 *   strata tree [-a] [-d DEPTH]
 *   strata tree-run [-T FxG...] [-J NJOBS] [-c CORES] [--noexec] COMMAND...
 *
 * A job path "3/2" is job 2 of the instance that job 3 of this instance
 * runs; each step asks the enclosing instance for the child's URI, which
 * the child registered when it started.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jobspec/jobspec.h"
#include "resource/st_time.h"
#include "tools/strata.h"

/* The registered URI of job id in the instance at uri (a new string), or
 * NULL with a message. */
static char *child_uri(const struct strata_global *g, const char *uri, int64_t id)
{
    struct st_error err = {{0}};
    strata_client_t *c = strata_client_open(uri, g->timeout_ms, &err);
    json_t *info = NULL;
    char *out = NULL;
    if (c && strata_job_info(c, id, &info, &err) == 0) {
        const char *u = json_string_value(json_object_get(info, "uri"));
        const char *st = json_string_value(json_object_get(info, "state"));
        if (u && st && strcmp(st, "run") == 0)
            out = strdup(u);
        else
            fprintf(stderr, "strata: job %lld is not a running instance\n", (long long)id);
    } else {
        fprintf(stderr, "strata: %s\n", err.text);
    }
    json_decref(info);
    strata_client_close(c);
    return out;
}

char *strata_resolve_path(const struct strata_global *g, const char *path)
{
    if (!path) {
        errno = EINVAL;
        return NULL;
    }
    if (strstr(path, "://"))
        return strdup(path);
    struct st_error err = {{0}};
    const char *base = strata_uri_resolve(g->uri, &err);
    if (!base) {
        fprintf(stderr, "strata: %s\n", err.text);
        return NULL;
    }
    char *uri = strdup(base);
    const char *p = path;
    while (uri && *p) {
        char *end;
        errno = 0;
        long long id = strtoll(p, &end, 10);
        if (errno || end == p || id < 1 || (*end && *end != '/')) {
            fprintf(stderr, "strata: '%s' is not a job id path (JOBID[/JOBID...])\n", path);
            free(uri);
            errno = EINVAL;
            return NULL;
        }
        char *next = child_uri(g, uri, id);
        free(uri);
        uri = next;
        p = *end ? end + 1 : end;
    }
    return uri;
}

int strata_cmd_proxy(const struct strata_global *g, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "Usage: strata proxy JOBID[/JOBID...]|URI [COMMAND [ARGS...]]\n"
                "Run COMMAND (default $SHELL) with STRATA_URI set to the instance that job\n"
                "JOBID runs (a path descends through nested instances).\n");
        return argc < 2 ? 2 : 0;
    }
    char *uri = strata_resolve_path(g, argv[1]);
    if (!uri)
        return 1;
    setenv("STRATA_URI", uri, 1);
    free(uri);
    const char *shell = getenv("SHELL");
    char *sh[] = {(char *)(shell && *shell ? shell : "/bin/sh"), NULL};
    char **cmd = argc > 2 ? argv + 2 : sh;
    execvp(cmd[0], cmd);
    fprintf(stderr, "strata proxy: %s: %s\n", cmd[0], strerror(errno));
    return 127;
}

struct tree_opts {
    bool all;
    int depth;
};

/* Counts of a level's jobs by state abbreviation. */
static void print_counts(json_t *jobs, int indent)
{
    size_t i, run = 0, pend = 0, done = 0, other = 0;
    json_t *j;
    json_array_foreach(jobs, i, j)
    {
        const char *st = json_string_value(json_object_get(j, "state"));
        if (st && strcmp(st, "run") == 0)
            run++;
        else if (st && strcmp(st, "pending") == 0)
            pend++;
        else if (st && strcmp(st, "inactive") == 0)
            done++;
        else
            other++;
    }
    printf("%*sjobs: %zu (run %zu, pending %zu, inactive %zu, other %zu)\n", indent, "",
           json_array_size(jobs), run, pend, done, other);
}

static int tree_level(const struct strata_global *g, const struct tree_opts *o, const char *uri,
                      int level)
{
    struct st_error err = {{0}};
    strata_client_t *c = strata_client_open(uri, g->timeout_ms, &err);
    json_t *res = NULL;
    int indent = 2 * level;
    if (!c || strata_client_call(c, "jobs", NULL, &res, &err) < 0) {
        printf("%*s%s: unreachable (%s)\n", indent, "", uri, err.text);
        strata_client_close(c);
        return 1;
    }
    strata_client_close(c);
    json_t *jobs = json_object_get(res, "jobs");
    printf("%*s%s\n", indent, "", uri);
    print_counts(jobs, indent + 2);
    int rc = 0;
    size_t i;
    json_t *j;
    json_array_foreach(jobs, i, j)
    {
        const char *cu = json_string_value(json_object_get(j, "uri"));
        bool inst = json_is_true(json_object_get(j, "instance"));
        if (!o->all && !inst)
            continue;
        const char *st = json_string_value(json_object_get(j, "state"));
        printf("%*s%lld %s %s ranks=%s%s%s\n", indent + 2, "",
               (long long)json_integer_value(json_object_get(j, "id")), st ? st : "?",
               json_string_value(json_object_get(j, "name")),
               json_string_value(json_object_get(j, "ranks")), inst ? " instance " : "",
               cu ? cu : "");
        if (cu && st && strcmp(st, "run") == 0 && level + 1 < o->depth)
            rc |= tree_level(g, o, cu, level + 1);
    }
    json_decref(res);
    return rc;
}

int strata_cmd_tree(const struct strata_global *g, int argc, char **argv)
{
    struct tree_opts o = {.all = false, .depth = 16};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "--all") == 0) {
            o.all = true;
        } else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
            char *end;
            long d = strtol(argv[++i], &end, 10);
            if (end == argv[i] || *end || d < 1 || d > 1000) {
                fprintf(stderr, "strata tree: -d: '%s' is not a depth from 1 to 1000\n",
                        argv[i]);
                return 2;
            }
            o.depth = (int)d;
        } else {
            fprintf(strcmp(argv[i], "--help") == 0 ? stdout : stderr,
                    "Usage: strata tree [-a|--all] [-d DEPTH]\n"
                    "Show this instance and the instances its running jobs run, recursively,\n"
                    "with the job counts of each level (-a: every job, not only instances;\n"
                    "-d: at most DEPTH levels, default 16).\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    struct st_error err = {{0}};
    const char *uri = strata_uri_resolve(g->uri, &err);
    if (!uri) {
        fprintf(stderr, "strata tree: %s\n", err.text);
        return 1;
    }
    return tree_level(g, &o, uri, 0);
}

/* ---- tree-run: the flux-tree analogue --------------------------------------- */

extern char **environ;

struct tree_run {
    const char *topo; /* "4x8", or "" for the leaves */
    long njobs;
    int cores;
    bool noexec;
    int level;
    char **cmd;
};

static void nap(void)
{
    struct timespec ts = {0, 20 * 1000000L};
    nanosleep(&ts, NULL);
}

/* Submit count copies of a jobspec built from shape; ids appended to
 * *ids (may be NULL when the caller does not need them). */
static int submit_shape(strata_client_t *c, const struct jobspec_shape *shape, long count,
                        bool noexec, json_t *ids)
{
    struct st_error err = {{0}};
    jobspec_t *js = jobspec_from_shape(shape, &err);
    char *text = js ? jobspec_to_json(js) : NULL;
    jobspec_destroy(js);
    json_t *spec = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    while (spec && count > 0) {
        long n = count > 1000000 ? 1000000 : count;
        json_t *res = NULL;
        if (strata_client_call(c, "submit",
                               json_pack("{s:O, s:I, s:b}", "jobspec", spec, "count",
                                         (json_int_t)n, "noexec", noexec),
                               &res, &err) < 0)
            break;
        if (ids)
            json_array_extend(ids, json_object_get(res, "ids"));
        json_decref(res);
        count -= n;
    }
    json_decref(spec);
    if (count > 0 || err.text[0]) {
        int e = errno;
        fprintf(stderr, "strata tree-run: submit: %s\n", err.text[0] ? err.text : "failed");
        errno = e;
        return -1;
    }
    return 0;
}

/* Bounded only by the jobs' own durations: poll until nothing is active. */
static int wait_idle(strata_client_t *c)
{
    struct st_error err = {{0}};
    for (;;) {
        json_t *res = NULL;
        if (strata_client_call(c, "stats", NULL, &res, &err) < 0) {
            fprintf(stderr, "strata tree-run: %s\n", err.text);
            return -1;
        }
        json_t *n = json_object_get(res, "jobs");
        json_int_t active = 0;
        const char *states[] = {"new", "pending", "run", "cleanup"};
        for (size_t i = 0; i < 4; i++)
            active += json_integer_value(json_object_get(n, states[i]));
        json_decref(res);
        if (active == 0)
            return 0;
        nap();
    }
}

static int tree_leaf(strata_client_t *c, const struct tree_run *t, const char *uri,
                     double *elapsed)
{
    double t0 = st_mono_seconds();
    /* No environment in the jobspec: the jobs get the instance's (which
     * is ours), and each job's journal record stays small (a copy of the
     * environment was ~3.5 KB of every one of thousands of records). */
    struct jobspec_shape shape = {.ntasks = 1, .cores_per_task = t->cores,
                                  .argv = (const char *const *)t->cmd};
    if (submit_shape(c, &shape, t->njobs, t->noexec, NULL) < 0 || wait_idle(c) < 0)
        return 1;
    double dt = st_mono_seconds() - t0;
    *elapsed = dt;
    printf("level %d leaf %s: %ld jobs in %.3f s (%.0f jobs/s)\n", t->level, uri, t->njobs, dt,
           dt > 0 ? (double)t->njobs / dt : 0.0);
    return 0;
}

/* The share of this instance each of fanout children asks for: whole
 * nodes when there are enough, else part of one node's cores. */
static void child_share(strata_client_t *c, int fanout, struct jobspec_shape *s)
{
    json_t *res = NULL;
    struct st_error err = {{0}};
    long nnodes = 1, ncores = 1;
    if (strata_client_call(c, "resource.list", NULL, &res, &err) == 0) {
        json_t *f = json_object_get(res, "free");
        nnodes = (long)json_integer_value(json_object_get(f, "nnodes"));
        ncores = (long)json_integer_value(json_object_get(f, "ncores"));
        json_decref(res);
    }
    long cpn = nnodes > 0 ? ncores / nnodes : 1;
    if (nnodes >= fanout) {
        s->nodes = (int)(nnodes / fanout);
        s->exclusive = true; /* whole nodes, whatever their shape */
    } else {
        long per_node = (fanout + nnodes - 1) / (nnodes > 0 ? nnodes : 1);
        s->ntasks = 1;
        s->cores_per_task = (int)(cpn / per_node > 0 ? cpn / per_node : 1);
    }
}

static void relay_file(const char *path, FILE *to)
{
    FILE *f = path ? fopen(path, "r") : NULL;
    char line[1024];
    while (f && fgets(line, sizeof line, f))
        fprintf(to, "  %s", line);
    if (f)
        fclose(f);
}

/* Relay a finished child's report, indented (and its stderr if it did not
 * complete).  0 if it completed, else -1. */
static int relay_output(strata_client_t *c, int64_t id)
{
    json_t *info = NULL;
    struct st_error err = {{0}};
    if (strata_job_info(c, id, &info, &err) < 0)
        return -1;
    relay_file(json_string_value(json_object_get(info, "stdout")), stdout);
    const char *res = json_string_value(json_object_get(info, "result"));
    int rc = res && strcmp(res, "completed") == 0 ? 0 : -1;
    if (rc < 0) {
        printf("  job %lld: %s\n", (long long)id, res ? res : "?");
        relay_file(json_string_value(json_object_get(info, "stderr")), stderr);
    }
    json_decref(info);
    return rc;
}

/* *elapsed: seconds from the first submit until the last instance ended. */
static int tree_inner(strata_client_t *c, const struct tree_run *t, const char *uri,
                      double *elapsed)
{
    char *end;
    long fanout = strtol(t->topo, &end, 10);
    if (fanout < 1 || (*end && *end != 'x')) {
        fprintf(stderr, "strata tree-run: bad topology '%s' (e.g. 4x8)\n", t->topo);
        return 2;
    }
    const char *rest = *end ? end + 1 : "";
    char self[PATH_MAX], jobs[32], cores[16], level[16];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    self[n > 0 ? n : 0] = '\0';
    snprintf(cores, sizeof cores, "%d", t->cores);
    snprintf(level, sizeof level, "%d", t->level + 1);
    int ncmd = 0;
    while (t->cmd[ncmd])
        ncmd++;
    const char **argv = calloc((size_t)ncmd + 16, sizeof *argv);
    json_t *ids = json_array();
    if (!argv || !ids || !self[0])
        return 1;
    const char *attr[] = {"system.instance=true", NULL};
    struct jobspec_shape shape = {.setattr = attr, .env = (const char *const *)environ,
                                  .argv = argv};
    child_share(c, (int)fanout, &shape);
    double t0 = st_mono_seconds();
    int rc = 0;
    for (long i = 0; i < fanout && rc == 0; i++) {
        long nj = t->njobs / fanout + (i < t->njobs % fanout);
        snprintf(jobs, sizeof jobs, "%ld", nj);
        int k = 0;
        const char *fixed[] = {self, "tree-run", "-T", *rest ? rest : "-", "-J", jobs,
                               "-c", cores, "--level", level};
        for (size_t f = 0; f < sizeof fixed / sizeof *fixed; f++)
            argv[k++] = fixed[f];
        if (t->noexec)
            argv[k++] = "--noexec";
        argv[k++] = "--";
        for (int m = 0; m < ncmd; m++)
            argv[k++] = t->cmd[m];
        argv[k] = NULL;
        rc = submit_shape(c, &shape, 1, false, ids);
        /* A share of one node's cores may not fit one task slot (sockets):
         * ask for less until it does. */
        while (rc < 0 && errno == ENODEV && !shape.exclusive && shape.cores_per_task > 1) {
            shape.cores_per_task /= 2;
            rc = submit_shape(c, &shape, 1, false, ids);
        }
    }
    if (rc < 0)
        rc = 1;
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
    {
        json_t *info = NULL;
        struct st_error err = {{0}};
        if (strata_wait(c, json_integer_value(v), &info, &err) < 0)
            rc = 1;
        json_decref(info);
    }
    /* The work ends with the last instance; relaying the reports (an info
     * call each, which carries the instance's whole R) is not part of it. */
    double dt = st_mono_seconds() - t0;
    *elapsed = dt;
    json_array_foreach(ids, i, v)
        if (relay_output(c, json_integer_value(v)) < 0)
            rc = 1;
    printf("level %d %s: %ld instances, %ld jobs in %.3f s (%.0f jobs/s)\n", t->level, uri,
           fanout, t->njobs, dt, dt > 0 ? (double)t->njobs / dt : 0.0);
    json_decref(ids);
    free(argv);
    return rc;
}

/* "F" or "FxGx...", each count >= 1; "" (no hierarchy) is valid too. */
static bool topo_valid(const char *topo)
{
    while (*topo) {
        char *end;
        long n = strtol(topo, &end, 10);
        if (end == topo || n < 1 || *topo == '-' || *topo == '+' || (*end && *end != 'x') ||
            (*end == 'x' && !end[1]))
            return false;
        topo = *end ? end + 1 : end;
    }
    return true;
}

/* Levels of a topology: this instance, plus one per "x"-separated count. */
static int levels(const char *topo)
{
    int n = 1;
    if (*topo)
        n++;
    for (; *topo; topo++)
        n += *topo == 'x';
    return n;
}

int strata_cmd_tree_run(const struct strata_global *g, int argc, char **argv)
{
    static const char usage[] =
        "Usage: strata tree-run [-T FxGx...] [-J NJOBS] [-c CORES] [--noexec] [--]"
        " COMMAND...\n"
        "Build a hierarchy of instances (F instances here, G in each of them...),\n"
        "spread NJOBS jobs of COMMAND (CORES cores each, zero duration) over the\n"
        "leaves, run them and report the throughput of each level and the total.\n"
        "Without -T the jobs run in this instance (one level).\n";
    struct tree_run t = {.topo = "", .njobs = 1, .cores = 1, .noexec = false, .level = 1};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (strcmp(a, "--noexec") == 0) {
            t.noexec = true;
        } else if (i + 1 < argc && strcmp(a, "-T") == 0) {
            t.topo = strcmp(argv[++i], "-") == 0 ? "" : argv[i];
        } else if (i + 1 < argc && strcmp(a, "-J") == 0) {
            t.njobs = atol(argv[++i]);
        } else if (i + 1 < argc && strcmp(a, "-c") == 0) {
            t.cores = atoi(argv[++i]);
        } else if (i + 1 < argc && strcmp(a, "--level") == 0) {
            t.level = atoi(argv[++i]);
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        } else {
            /* Not taken as the command: "--help" or a typo would run as jobs. */
            fprintf(stderr,
                    "strata tree-run: unknown option '%s' (a command starting "
                    "with '-' goes after --)\n",
                    a);
            return 2;
        }
    }
    if (i >= argc || t.njobs < 1 || t.cores < 1 || t.level < 1 || !topo_valid(t.topo)) {
        fputs(usage, stderr);
        return 2;
    }
    t.cmd = argv + i;
    struct st_error err = {{0}};
    const char *uri = strata_uri_resolve(g->uri, &err);
    strata_client_t *c = strata_cli_open(g);
    if (!c || !uri)
        return 1;
    double dt = 0;
    int rc = t.topo[0] ? tree_inner(c, &t, uri, &dt) : tree_leaf(c, &t, uri, &dt);
    if (t.level == 1)
        printf("total: %ld jobs, %d level(s), %.3f s, %.0f jobs/s\n", t.njobs, levels(t.topo),
               dt, dt > 0 ? (double)t.njobs / dt : 0.0);
    strata_client_close(c);
    return rc;
}
