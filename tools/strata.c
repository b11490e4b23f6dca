/* strata: the client CLI of a running stratad (docs/stratad.md, strata(1)).
 *
 * Each command is one function that parses its own options, makes one or
 * a few protocol calls (daemon/client.h) and prints.  The instance comes
 * from --uri or $STRATA_URI.
 */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec/jobspec.h"
#include "resource/st_opt.h"
#include "tools/strata.h"

static const char main_usage[] =
    "Usage: strata [--uri=URI] [--timeout=MS] COMMAND [ARGS...]\n"
    "Talk to a strata instance (stratad).  The instance is --uri, else $STRATA_URI;\n"
    "--timeout: milliseconds to wait to connect and for a reply (default 30000, 0: no limit).\n"
    "\n"
    "Commands:\n"
    "  start [OPTS] [-- CMD...]   start an instance (for CMD only, if given)\n"
    "  submit [SHAPE] CMD...      submit a job, print its id (--cc N for many)\n"
    "  run [SHAPE] CMD...         submit, wait, print the output, exit with its code\n"
    "  jobs [-a] [-s STATES]      list jobs (default: active ones)\n"
    "  cancel ID...               cancel jobs\n"
    "  job info|R|wait ID         a job's details, its R, or wait for it\n"
    "  resource list|status       resources by state (free, allocated, down)\n"
    "  resource drain|undrain T   take nodes (ranks 0-3 or hosts) out of / back into service\n"
    "  resource property set|get|rm T [K=V]  node/vertex properties (for --requires)\n"
    "  queue [--json]             the queues: policy, depths, pending and running jobs\n"
    "  stats                      instance statistics\n"
    "  ping                       check the instance answers\n"
    "  shutdown                   stop the instance\n"
    "  jobspec validate|build     check jobspec files, or print the jobspec of a shape\n"
    "  events [COUNT]             print events (job state changes) as they happen\n"
    "  call METHOD [JSON]         call any protocol method (--raw TEXT: send TEXT as is)\n"
    "  batch [OPTS] SCRIPT        submit SCRIPT to run in a new instance (nested)\n"
    "  alloc [OPTS] CMD           run CMD in a new instance, wait, print its output\n"
    "  proxy JOBID[/JOBID] [CMD]  run CMD (or a shell) against the job's instance\n"
    "  instance grow|shrink JOBID resize a running instance job (nested)\n"
    "  tree [-a]                  this instance and its nested instances\n"
    "  tree-run -T 4x8 -J N CMD   run N jobs over a hierarchy of instances (flux-tree)\n"
    "\n"
    "Every command takes --help.\n";

strata_client_t *strata_cli_open(const struct strata_global *g)
{
    struct st_error err = {{0}};
    strata_client_t *c = strata_client_open(g->uri, g->timeout_ms, &err);
    if (!c)
        fprintf(stderr, "strata: %s\n", err.text);
    return c;
}

int strata_cli_fail(const char *cmd, const struct st_error *err)
{
    const char *text = err->text[0] ? err->text : strerror(errno);
    /* The daemon's errors often start with the method ("jobs: ..."): once. */
    size_t n = strlen(cmd);
    if (strncmp(text, cmd, n) == 0 && strncmp(text + n, ": ", 2) == 0)
        text += n + 2;
    fprintf(stderr, "strata %s: %s\n", cmd, text);
    return 1;
}

bool strata_cli_bad_long_option(const char *cmd, int c, char *const *argv,
                                const struct option *longs)
{
    char msg[256];
    if (!st_opt_error(c, argv, longs, msg, sizeof msg))
        return false;
    fprintf(stderr, "strata%s%s: %s\n", cmd ? " " : "", cmd ? cmd : "", msg);
    return true;
}

bool strata_cli_bad_option(const char *cmd, int c, char *const *argv)
{
    return strata_cli_bad_long_option(cmd, c, argv, NULL);
}

/* One call, result printed as JSON (for commands without a table). */
static int call_print(const struct strata_global *g, const char *cmd, const char *method,
                      json_t *params, json_t **keep)
{
    strata_client_t *c = strata_cli_open(g);
    if (!c) {
        json_decref(params);
        return 1;
    }
    struct st_error err = {{0}};
    json_t *res;
    int rc = strata_client_call(c, method, params, &res, &err);
    strata_client_close(c);
    if (rc < 0)
        return strata_cli_fail(cmd, &err);
    if (keep) {
        *keep = res;
        return 0;
    }
    char *s = json_dumps(res, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (s)
        puts(s);
    free(s);
    json_decref(res);
    return 0;
}

static bool want_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* A whole number in [lo, hi] for option opt, or a one-line error (-1). */
static int parse_count(const char *cmd, const char *opt, const char *s, long lo, long hi,
                       long *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (errno || end == s || *end || x < lo || x > hi) {
        fprintf(stderr, "strata%s%s: %s: '%s' is not a whole number from %ld to %ld\n",
                cmd ? " " : "", cmd ? cmd : "", opt, s, lo, hi);
        return -1;
    }
    *v = x;
    return 0;
}

/* A user name or a numeric uid, as flux jobs -u takes it. */
static int parse_user(const char *s, json_int_t *uid)
{
    struct passwd *pw = getpwnam(s);
    if (pw) {
        *uid = (json_int_t) pw->pw_uid;
        return 0;
    }
    long v;
    char *end;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0) {
        fprintf(stderr, "strata jobs: -u: no user '%s'\n", s);
        return -1;
    }
    *uid = v;
    return 0;
}

static int parse_id(const char *s, int64_t *id)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 1) {
        fprintf(stderr, "strata: '%s' is not a job id\n", s);
        return -1;
    }
    *id = v;
    return 0;
}

/* ---- jobs ------------------------------------------------------------------------ */

static const char jobs_usage[] =
    "Usage: strata jobs [-a] [-s STATES] [-u UID] [-q QUEUE] [-n N] [--json]\n"
    "List jobs, newest first: JOBID USER NAME ST NTASKS NNODES RUNTIME RANKS\n"
    "(and QUEUE after NAME when a listed job is in a queue other than \"default\").\n"
    "  -a, --all           all jobs (default: active ones: new, pending, run, cleanup)\n"
    "  -s, --states=LIST   comma-separated: new,pending,run,cleanup,inactive,active\n"
    "  -u, --user=USER     only this user's jobs (a name or a uid)\n"
    "  -q, --queue=QUEUE   only the jobs of this queue\n"
    "  -n, --count=N       at most N jobs (0: all)\n"
    "      --json          print the reply as JSON\n";

static void fmt_runtime(double s, char *buf, size_t n)
{
    if (s < 60)
        snprintf(buf, n, "%.3fs", s);
    else if (s < 3600)
        snprintf(buf, n, "%dm%02ds", (int)s / 60, (int)s % 60);
    else
        snprintf(buf, n, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
}

static const char *user_name(int uid, char *buf, size_t n)
{
    struct passwd *pw = getpwuid((uid_t)uid);
    if (pw)
        return pw->pw_name;
    snprintf(buf, n, "%d", uid);
    return buf;
}

/* A QUEUE column only matters once there is more than the default queue. */
static bool show_queue(json_t *jobs)
{
    size_t i;
    json_t *j;
    json_array_foreach(jobs, i, j)
    {
        const char *q = json_string_value(json_object_get(j, "queue"));
        if (q && strcmp(q, "default") != 0)
            return true;
    }
    return false;
}

static void print_jobs(json_t *jobs)
{
    bool queue = show_queue(jobs);
    printf("%8s %-8s %-10s ", "JOBID", "USER", "NAME");
    if (queue)
        printf("%-8s ", "QUEUE");
    printf("%-2s %6s %6s %8s %s\n", "ST", "NTASKS", "NNODES", "RUNTIME", "RANKS");
    size_t i;
    json_t *j;
    json_array_foreach(jobs, i, j)
    {
        char rt[32], ub[32];
        fmt_runtime(json_number_value(json_object_get(j, "runtime")), rt, sizeof rt);
        const char *st = json_string_value(json_object_get(j, "st"));
        const char *res = json_string_value(json_object_get(j, "result"));
        /* Inactive jobs show their result, as flux jobs does (CD, F, CA, TO). */
        if (st && strcmp(st, "I") == 0 && res)
            st = strcmp(res, "completed") == 0 ? "CD" : strcmp(res, "failed") == 0 ? "F"
                 : strcmp(res, "canceled") == 0 ? "CA" : "TO";
        printf("%8lld %-8s %-10.10s ", (long long)json_integer_value(json_object_get(j, "id")),
               user_name((int)json_integer_value(json_object_get(j, "uid")), ub, sizeof ub),
               json_string_value(json_object_get(j, "name")));
        if (queue)
            printf("%-8.8s ", json_string_value(json_object_get(j, "queue")));
        printf("%-2s %6lld %6lld %8s %s\n", st ? st : "?",
               (long long)json_integer_value(json_object_get(j, "ntasks")),
               (long long)json_integer_value(json_object_get(j, "nnodes")), rt,
               json_string_value(json_object_get(j, "ranks")));
        const char *uri = json_string_value(json_object_get(j, "uri"));
        if (uri) /* an instance job: where its child instance listens */
            printf("%8s -> %s\n", "", uri);
    }
}

static json_t *split_states(const char *s)
{
    json_t *a = json_array();
    char *dup = strdup(s), *save = NULL;
    for (char *t = dup ? strtok_r(dup, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
        json_array_append_new(a, json_string(t));
    free(dup);
    return a;
}

/* -u USER (name or uid) and -n N (0 or more) into the jobs request. */
static int jobs_number(json_t *params, int opt, const char *arg)
{
    json_int_t uid;
    long n;
    if (opt == 'u') {
        if (parse_user(arg, &uid) < 0)
            return -1;
        return json_object_set_new(params, "uid", json_integer(uid));
    }
    if (parse_count("jobs", "-n", arg, 0, 1000000000, &n) < 0)
        return -1;
    return json_object_set_new(params, "limit", json_integer(n));
}

static int cmd_jobs(const struct strata_global *g, int argc, char **argv)
{
    static const struct option o[] = {
        {"all", no_argument, NULL, 'a'},     {"states", required_argument, NULL, 's'},
        {"user", required_argument, NULL, 'u'}, {"count", required_argument, NULL, 'n'},
        {"queue", required_argument, NULL, 'q'},
        {"json", no_argument, NULL, 'j'},   {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    json_t *params = json_pack("{s:[s]}", "states", "active");
    bool as_json = false;
    int c;
    optind = 1;
    opterr = 0; /* strata_cli_bad_option() says it */
    while ((c = getopt_long(argc, argv, ":as:u:n:q:h", o, NULL)) != -1) {
        switch (c) {
        case 'a': json_object_del(params, "states"); break;
        case 's': json_object_set_new(params, "states", split_states(optarg)); break;
        case 'u':
        case 'n':
            if (jobs_number(params, c, optarg) < 0) {
                json_decref(params);
                return 2;
            }
            break;
        case 'q': json_object_set_new(params, "queue", json_string(optarg)); break;
        case 'j': as_json = true; break;
        case 'h': fputs(jobs_usage, stdout); json_decref(params); return 0;
        default:
            strata_cli_bad_long_option("jobs", c, argv, o);
            fputs(jobs_usage, stderr);
            json_decref(params);
            return 2;
        }
    }
    if (as_json)
        return call_print(g, "jobs", "jobs", params, NULL);
    json_t *res = NULL;
    if (call_print(g, "jobs", "jobs", params, &res) != 0)
        return 1;
    print_jobs(json_object_get(res, "jobs"));
    json_decref(res);
    return 0;
}

/* ---- cancel, job ----------------------------------------------------------------------- */

static int cmd_cancel(const struct strata_global *g, int argc, char **argv)
{
    if (want_help(argc, argv) || argc < 2) {
        fputs("Usage: strata cancel ID...\nCancel jobs (pending ones at once, running ones "
              "by SIGTERM then SIGKILL).\n",
              want_help(argc, argv) ? stdout : stderr);
        return want_help(argc, argv) ? 0 : 2;
    }
    json_t *ids = json_array();
    for (int i = 1; i < argc; i++) {
        int64_t id;
        if (parse_id(argv[i], &id) < 0) {
            json_decref(ids);
            return 2;
        }
        json_array_append_new(ids, json_integer(id));
    }
    json_t *res = NULL;
    int rc = call_print(g, "cancel", "cancel", json_pack("{s:o}", "ids", ids), &res);
    json_decref(res);
    return rc;
}

static int cmd_job(const struct strata_global *g, int argc, char **argv)
{
    int64_t id;
    bool help = want_help(argc, argv);
    if (help || argc != 3) {
        fputs("Usage: strata job info|R|wait ID\n"
              "  info  the job's record (JSON, with its jobspec and R)\n"
              "  R     the job's R (rv1)\n"
              "  wait  wait until the job is inactive; exit 0 if it completed\n",
              help ? stdout : stderr);
        return help ? 0 : 2;
    }
    if (parse_id(argv[2], &id) < 0)
        return 2;
    json_t *params = json_pack("{s:I}", "id", (json_int_t)id);
    if (strcmp(argv[1], "info") == 0)
        return call_print(g, "job info", "info", params, NULL);
    json_t *res = NULL;
    if (strcmp(argv[1], "R") == 0) {
        if (call_print(g, "job R", "info", params, &res) != 0)
            return 1;
        char *s = json_dumps(json_object_get(res, "R"), JSON_COMPACT | JSON_ENCODE_ANY);
        puts(s ? s : "null");
        free(s);
        json_decref(res);
        return 0;
    }
    if (strcmp(argv[1], "wait") == 0) {
        if (call_print(g, "job wait", "wait", params, &res) != 0)
            return 1;
        const char *r = json_string_value(json_object_get(res, "result"));
        int rc = r && strcmp(r, "completed") == 0 ? 0 : 1;
        if (rc)
            fprintf(stderr, "strata: job %lld %s\n", (long long)id, r ? r : "?");
        json_decref(res);
        return rc;
    }
    json_decref(params);
    fprintf(stderr, "strata job: unknown subcommand '%s' (info, R, wait)\n", argv[1]);
    return 2;
}

/* ---- resource ---------------------------------------------------------------------------- */

/* resource property set|get|rm TARGET [KEY[=VALUE]]: TARGET is a vertex
 * path (/cluster0/node1) or nodes (ranks or hosts). */
static int cmd_property(const struct strata_global *g, int argc, char **argv)
{
    static const char usage[] =
        "Usage: strata resource property set TARGET KEY[=VALUE]\n"
        "       strata resource property get TARGET\n"
        "       strata resource property rm TARGET KEY\n"
        "TARGET is a vertex path (/cluster0/node1) or nodes: ranks (0-3) or hosts\n"
        "(node[0-3]).  Jobs can then ask for the property with --requires=KEY.\n"
        "Only the instance owner may set or remove properties.\n";
    const char *sub = argc > 1 ? argv[1] : "";
    bool get = strcmp(sub, "get") == 0;
    bool set = strcmp(sub, "set") == 0, rm = strcmp(sub, "rm") == 0;
    if (want_help(argc, argv) || (!get && !set && !rm) || argc != (get ? 3 : 4)) {
        fputs(usage, want_help(argc, argv) ? stdout : stderr);
        return want_help(argc, argv) ? 0 : 2;
    }
    json_t *params = json_pack("{s:s, s:s}", "op", get ? "get" : set ? "set" : "remove",
                               argv[2][0] == '/' ? "path" : "targets", argv[2]);
    if (!get)
        json_object_set_new(params, "property", json_string(argv[3]));
    json_t *res = NULL;
    if (call_print(g, "resource property", "resource.properties", params, &res) != 0)
        return 1;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(res, "vertices"), i, v)
    {
        const char *path = json_string_value(json_object_get(v, "path"));
        printf("%s", path ? path : json_string_value(json_object_get(v, "name")));
        const char *k;
        json_t *val;
        json_object_foreach(json_object_get(v, "properties"), k, val)
        {
            const char *s = json_string_value(val);
            printf(" %s%s%s", k, s && *s ? "=" : "", s ? s : "");
        }
        putchar('\n');
    }
    json_decref(res);
    return 0;
}

static int cmd_resource(const struct strata_global *g, int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "property") == 0)
        return cmd_property(g, argc - 1, argv + 1);
    if (want_help(argc, argv) || argc < 2) {
        fputs("Usage: strata resource list|status\n"
              "       strata resource drain|undrain TARGETS\n"
              "       strata resource property set|get|rm TARGET [KEY[=VALUE]]\n"
              "TARGETS are ranks (0-3,7) or hosts (node[0-3]).  Only the instance owner\n"
              "may drain or undrain.\n",
              want_help(argc, argv) ? stdout : stderr);
        return want_help(argc, argv) ? 0 : 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "drain") == 0 || strcmp(sub, "undrain") == 0) {
        if (argc != 3) {
            fprintf(stderr, "strata resource %s: give TARGETS (ranks or hosts)\n", sub);
            return 2;
        }
        json_t *res = NULL;
        char method[32];
        snprintf(method, sizeof method, "resource.%s", sub);
        int rc = call_print(g, sub, method, json_pack("{s:s}", "targets", argv[2]), &res);
        json_decref(res);
        return rc;
    }
    if (strcmp(sub, "list") != 0 && strcmp(sub, "status") != 0) {
        fprintf(stderr, "strata resource: unknown subcommand '%s'\n", sub);
        return 2;
    }
    json_t *res = NULL;
    if (call_print(g, "resource", "resource.list", NULL, &res) != 0)
        return 1;
    printf("%10s %6s %6s %-12s %s\n", "STATE", "NNODES", "NCORES", "RANKS", "NODELIST");
    const char *states[] = {"free", "allocated", "down"};
    for (int i = 0; i < 3; i++) {
        json_t *e = json_object_get(res, states[i]);
        printf("%10s %6lld %6lld %-12s %s\n", states[i],
               (long long)json_integer_value(json_object_get(e, "nnodes")),
               (long long)json_integer_value(json_object_get(e, "ncores")),
               json_string_value(json_object_get(e, "ranks")),
               json_string_value(json_object_get(e, "nodelist")));
    }
    json_decref(res);
    return 0;
}

/* queue: one line per queue. */
static int cmd_queue(const struct strata_global *g, int argc, char **argv)
{
    bool as_json = argc == 2 && strcmp(argv[1], "--json") == 0;
    if (want_help(argc, argv) || (argc > 1 && !as_json)) {
        fputs("Usage: strata queue [--json]\n"
              "Show the instance's queues: policy, queue and reservation depths, pending\n"
              "and running jobs.  The first queue takes jobs that name no queue.\n",
              want_help(argc, argv) ? stdout : stderr);
        return want_help(argc, argv) ? 0 : 2;
    }
    if (as_json)
        return call_print(g, "queue", "queue", NULL, NULL);
    json_t *res = NULL;
    if (call_print(g, "queue", "queue", NULL, &res) != 0)
        return 1;
    printf("%-12s %-12s %6s %6s %8s %8s\n", "QUEUE", "POLICY", "DEPTH", "RDEPTH", "PENDING",
           "RUNNING");
    size_t i;
    json_t *q;
    json_array_foreach(json_object_get(res, "queues"), i, q)
        printf("%-12s %-12s %6lld %6lld %8lld %8lld\n",
               json_string_value(json_object_get(q, "name")),
               json_string_value(json_object_get(q, "policy")),
               (long long)json_integer_value(json_object_get(q, "queue_depth")),
               (long long)json_integer_value(json_object_get(q, "reservation_depth")),
               (long long)json_integer_value(json_object_get(q, "pending")),
               (long long)json_integer_value(json_object_get(q, "running")));
    printf("match policy: %s\n", json_string_value(json_object_get(res, "match_policy")));
    json_decref(res);
    return 0;
}

static int cmd_simple(const struct strata_global *g, int argc, char **argv, const char *method,
                      const char *help)
{
    if (want_help(argc, argv)) {
        printf("Usage: strata %s\n%s\n", argv[0], help);
        return 0;
    }
    if (argc != 1) {
        fprintf(stderr, "strata %s: no arguments expected\n", argv[0]);
        return 2;
    }
    return call_print(g, argv[0], method, NULL, NULL);
}

/* 1 if a raw reply is an error ("ok": false, or not a reply at all), so that
 * scripts can tell a refused request from an answered one. */
static int raw_reply_failed(const char *reply)
{
    json_t *r = json_loads(reply, 0, NULL);
    int failed = !json_is_true(json_object_get(r, "ok"));
    json_decref(r);
    return failed;
}

/* call: any method, or raw bytes (for testing the daemon's error replies). */
static int cmd_call(const struct strata_global *g, int argc, char **argv)
{
    if (want_help(argc, argv) || argc < 2 || argc > 3) {
        fputs("Usage: strata call METHOD [PARAMS-JSON]\n"
              "       strata call --raw TEXT     send TEXT as the request, print the reply\n"
              "                                  (exit 1 if the reply is not ok)\n"
              "Call any protocol method (docs/protocol.md); prints the result as JSON.\n",
              argc < 2 || argc > 3 ? stderr : stdout);
        return argc < 2 || argc > 3 ? 2 : 0;
    }
    if (strcmp(argv[1], "--raw") == 0) {
        strata_client_t *c = argc == 3 ? strata_cli_open(g) : NULL;
        struct st_error err = {{0}};
        char *reply = c ? strata_client_call_raw(c, argv[2], strlen(argv[2]), &err) : NULL;
        int rc = reply ? (puts(reply), raw_reply_failed(reply))
                 : c   ? strata_cli_fail("call", &err)
                       : 1;
        free(reply);
        strata_client_close(c);
        return rc;
    }
    json_t *params = NULL;
    if (argc == 3) {
        json_error_t jerr;
        params = json_loads(argv[2], 0, &jerr);
        if (!json_is_object(params)) {
            fprintf(stderr, "strata call: PARAMS must be a JSON object (%s)\n", jerr.text);
            json_decref(params);
            return 2;
        }
    }
    return call_print(g, "call", argv[1], params, NULL);
}

/* events: print the instance's events, one JSON object a line. */
static int cmd_events(const struct strata_global *g, int argc, char **argv)
{
    if (want_help(argc, argv)) {
        fputs("Usage: strata events [COUNT]\n"
              "Print the instance's events (job state changes, resource changes) as JSON\n"
              "lines with their sequence numbers; stop after COUNT events if given.\n",
              stdout);
        return 0;
    }
    long count = -1;
    if (argc > 2) {
        fputs("Usage: strata events [COUNT]\n", stderr);
        return 2;
    }
    if (argc == 2 && parse_count("events", "COUNT", argv[1], 1, 1000000000, &count) < 0)
        return 2;
    struct st_error err = {{0}};
    strata_events_t *e = strata_events_open(g->uri, &err);
    if (!e)
        return strata_cli_fail("events", &err);
    printf("subscribed\n");
    fflush(stdout);
    for (long n = 0; count < 0 || n < count; n++) {
        json_t *ev = strata_events_next(e, -1);
        char *s = ev ? json_dumps(ev, JSON_COMPACT) : NULL;
        json_decref(ev);
        if (!s)
            break;
        puts(s);
        fflush(stdout);
        free(s);
    }
    strata_events_close(e);
    return 0;
}

/* jobspec validate FILE... | jobspec build [SHAPE] CMD... (no instance needed) */
static int cmd_jobspec(const struct strata_global *g, int argc, char **argv)
{
    bool help = want_help(argc, argv) && (argc < 2 || strcmp(argv[1], "build") != 0);
    if (help || argc < 2 ||
        (strcmp(argv[1], "validate") != 0 && strcmp(argv[1], "build") != 0)) {
        fputs("Usage: strata jobspec validate FILE...\n"
              "       strata jobspec build [SHAPE OPTIONS] CMD...   (see strata submit --help)\n"
              "Check jobspec files (FILE:LINE:COL: message for each problem), or print the\n"
              "jobspec strata submit would send, as JSON.\n",
              help ? stdout : stderr);
        return help ? 0 : 2;
    }
    if (strcmp(argv[1], "build") == 0)
        return strata_cmd_submit(g, argc - 1, argv + 1, STRATA_SUBMIT_PRINT);
    int bad = 0;
    for (int i = 2; i < argc; i++) {
        struct st_error err = {{0}};
        jobspec_t *js = jobspec_parse_file(argv[i], &err);
        if (!js) {
            fprintf(stderr, "%s\n", err.text);
            bad++;
        }
        jobspec_destroy(js);
    }
    if (argc == 2) {
        fputs("strata jobspec validate: give one or more files\n", stderr);
        return 2;
    }
    return bad ? 1 : 0;
}

static int dispatch(const struct strata_global *g, int argc, char **argv)
{
    const char *cmd = argv[0];
    if (strcmp(cmd, "start") == 0)
        return strata_cmd_start(g, argc, argv);
    if (strcmp(cmd, "submit") == 0)
        return strata_cmd_submit(g, argc, argv, 0);
    if (strcmp(cmd, "run") == 0)
        return strata_cmd_submit(g, argc, argv, 1);
    if (strcmp(cmd, "jobs") == 0)
        return cmd_jobs(g, argc, argv);
    if (strcmp(cmd, "instance-run") == 0)
        return strata_cmd_instance_run(g, argc, argv);
    if (strcmp(cmd, "instance") == 0)
        return strata_cmd_instance(g, argc, argv);
    if (strcmp(cmd, "batch") == 0)
        return strata_cmd_batch(g, argc, argv);
    if (strcmp(cmd, "alloc") == 0)
        return strata_cmd_alloc(g, argc, argv);
    if (strcmp(cmd, "proxy") == 0)
        return strata_cmd_proxy(g, argc, argv);
    if (strcmp(cmd, "tree") == 0)
        return strata_cmd_tree(g, argc, argv);
    if (strcmp(cmd, "tree-run") == 0)
        return strata_cmd_tree_run(g, argc, argv);
    if (strcmp(cmd, "cancel") == 0)
        return cmd_cancel(g, argc, argv);
    if (strcmp(cmd, "job") == 0)
        return cmd_job(g, argc, argv);
    if (strcmp(cmd, "resource") == 0)
        return cmd_resource(g, argc, argv);
    if (strcmp(cmd, "jobspec") == 0)
        return cmd_jobspec(g, argc, argv);
    if (strcmp(cmd, "events") == 0)
        return cmd_events(g, argc, argv);
    if (strcmp(cmd, "call") == 0)
        return cmd_call(g, argc, argv);
    if (strcmp(cmd, "queue") == 0)
        return cmd_queue(g, argc, argv);
    if (strcmp(cmd, "stats") == 0)
        return cmd_simple(g, argc, argv, "stats", "Show instance statistics (JSON).");
    if (strcmp(cmd, "ping") == 0)
        return cmd_simple(g, argc, argv, "ping", "Check that the instance answers.");
    if (strcmp(cmd, "shutdown") == 0)
        return cmd_simple(g, argc, argv, "shutdown",
                          "Stop the instance (owner only); running jobs are canceled.");
    fprintf(stderr, "strata: unknown command '%s'\nTry 'strata --help'.\n", cmd);
    return 2;
}

int main(int argc, char **argv)
{
    struct strata_global g = {.uri = NULL, .timeout_ms = 30000};
    static const struct option o[] = {{"uri", required_argument, NULL, 'u'},
                                      {"timeout", required_argument, NULL, 'T'},
                                      {"help", no_argument, NULL, 'h'},
                                      {NULL, 0, NULL, 0}};
    int c;
    opterr = 0; /* strata_cli_bad_option() says it, not with argv[0]'s path */
    while ((c = getopt_long(argc, argv, "+:h", o, NULL)) != -1) {
        switch (c) {
        case 'u': g.uri = optarg; break;
        case 'T': {
            long ms;
            if (parse_count(NULL, "--timeout", optarg, 0, 86400000, &ms) < 0)
                return 2;
            g.timeout_ms = (int) ms;
            break;
        }
        case 'h': fputs(main_usage, stdout); return 0;
        default:
            strata_cli_bad_long_option(NULL, c, argv, o);
            fputs(main_usage, stderr);
            return 2;
        }
    }
    if (optind >= argc) {
        fputs(main_usage, stderr);
        return 2;
    }
    return dispatch(&g, argc - optind, argv + optind);
}
