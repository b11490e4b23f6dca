/* strata proxy and strata tree: reaching and showing nested instances
 * (docs/nested.md).
 *
 *   strata proxy JOBID[/JOBID...]|URI [COMMAND [ARGS...]]
 *   strata tree [-a] [-d DEPTH]
 *
 * A job path "3/2" is job 2 of the instance that job 3 of this instance
 * runs; each step asks the enclosing instance for the child's URI, which
 * the child registered when it started.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
            o.depth = atoi(argv[++i]);
        } else {
            fprintf(strcmp(argv[i], "--help") == 0 ? stdout : stderr,
                    "Usage: strata tree [-a|--all] [-d DEPTH]\n"
                    "Show this instance and the instances its running jobs run, recursively,\n"
                    "with the job counts of each level (-a: every job, not only instances).\n");
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
