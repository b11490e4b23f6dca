/* strata-sim: batch simulation of queue and match policies over a workload
 * trace, on simulated time, with the real matcher (docs/strata-sim.md).
 *
 * This file only parses the command line and calls tools/sim_*.c.  The
 * interface used by outside scripts is fixed:
 *   strata-sim --trace T.swf[.gz] --procs N --queue-policy fcfs|easy|hybrid|conservative
 *              --semantics pyss --jobs-out jobs.csv --summary-out summary.json
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy/policy.h"
#include "resource/reader.h"
#include "resource/st_opt.h"
#include "tools/sim.h"

enum { MAX_RUNS = 64, MAX_QUEUES = 32 };

struct options {
    const char *trace;
    struct sim_machine_spec machine;
    enum sim_mapping mapping;
    char *queue_policies; /* --queue-policy or --compare list */
    char *match_policies;
    char *queues; /* --queues name:policy,... */
    bool compare;
    int queue_depth;
    int reservation_depth;
    int floating; /* -1: by semantics */
    enum sim_semantics semantics;
    enum sim_backend_kind backend;
    const char *jobs_out;
    const char *summary_out;
    const char *plot_dir;
    const char *plot_format;
    bool lenient;
    int progress; /* -1: when stderr is a terminal */
    bool quiet;
    int64_t max_jobs;
};

static void usage(FILE *f)
{
    fputs("Usage: strata-sim --trace FILE [options]\n"
          "Simulate queue and match policies over a workload on simulated time.\n"
          "\n"
          "Workload:\n"
          "  --trace FILE            SWF trace (.swf or .swf.gz) or JSON lines (.jsonl)\n"
          "  --lenient               skip and count malformed lines instead of failing\n"
          "  --max-jobs N            simulate only the first N jobs\n"
          "Machine (default: a flat machine of the trace's MaxProcs, else MaxNodes, cores):\n"
          "  --procs N               flat machine: N cores anywhere\n"
          "  --nodes N               N nodes ...\n"
          "  --cores-per-node C      ... of C cores each (default 1)\n"
          "  --machine FILE          any reader's input, with --format grug|jgf|hwloc|rv1exec\n"
          "  --mapping cores|nodes   SWF procs as cores anywhere (default) or whole nodes\n"
          "Scheduling:\n"
          "  --queue-policy P        fcfs (default), easy, hybrid or conservative\n"
          "  --queues Q:P[,Q:P...]   several named queues (jobs routed by their queue)\n"
          "  --queue-depth N         jobs considered per pass (default 32; pyss: all)\n"
          "  --reservation-depth N   reservations per pass (default: the policy's)\n"
          "  --reservations R        pinned (fluxion default) or floating (pyss default)\n"
          "                          EASY reservation: resources held, or a promised time\n"
          "  --match-policy P        match policy (default first)\n"
          "  --semantics S           fluxion (default) or pyss event semantics\n"
          "  --backend B             match (default: the real matcher) or count\n"
          "  --compare P1,P2,...     run each queue policy (x each --match-policy in a\n"
          "                          comma list) and print a side-by-side table\n"
          "Outputs:\n"
          "  --jobs-out FILE         per-job CSV\n"
          "  --summary-out FILE      summary JSON\n"
          "  --plot-dir DIR          gnuplot plots (utilization, queue length, waits)\n"
          "  --plot-format F         png (default) or svg\n"
          "  --progress, --no-progress, -q/--quiet, -h/--help\n",
          f);
}

static int parse_int64(const char *s, int64_t *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || end == s || *end || x < 0)
        return -1;
    *v = x;
    return 0;
}

enum opt_id {
    OPT_TRACE = 256,
    OPT_PROCS,
    OPT_NODES,
    OPT_CPN,
    OPT_MACHINE,
    OPT_FORMAT,
    OPT_MAPPING,
    OPT_QPOLICY,
    OPT_QUEUES,
    OPT_QDEPTH,
    OPT_RDEPTH,
    OPT_MPOLICY,
    OPT_SEMANTICS,
    OPT_BACKEND,
    OPT_COMPARE,
    OPT_JOBS,
    OPT_SUMMARY,
    OPT_PLOTDIR,
    OPT_PLOTFMT,
    OPT_LENIENT,
    OPT_PROGRESS,
    OPT_NOPROGRESS,
    OPT_MAXJOBS,
    OPT_RESERVATIONS,
};

static const struct option long_opts[] = {
    {"trace", required_argument, NULL, OPT_TRACE},
    {"procs", required_argument, NULL, OPT_PROCS},
    {"nodes", required_argument, NULL, OPT_NODES},
    {"cores-per-node", required_argument, NULL, OPT_CPN},
    {"machine", required_argument, NULL, OPT_MACHINE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"mapping", required_argument, NULL, OPT_MAPPING},
    {"queue-policy", required_argument, NULL, OPT_QPOLICY},
    {"queues", required_argument, NULL, OPT_QUEUES},
    {"queue-depth", required_argument, NULL, OPT_QDEPTH},
    {"reservation-depth", required_argument, NULL, OPT_RDEPTH},
    {"match-policy", required_argument, NULL, OPT_MPOLICY},
    {"semantics", required_argument, NULL, OPT_SEMANTICS},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"compare", required_argument, NULL, OPT_COMPARE},
    {"jobs-out", required_argument, NULL, OPT_JOBS},
    {"summary-out", required_argument, NULL, OPT_SUMMARY},
    {"plot-dir", required_argument, NULL, OPT_PLOTDIR},
    {"plot-format", required_argument, NULL, OPT_PLOTFMT},
    {"lenient", no_argument, NULL, OPT_LENIENT},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NOPROGRESS},
    {"max-jobs", required_argument, NULL, OPT_MAXJOBS},
    {"reservations", required_argument, NULL, OPT_RESERVATIONS},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

#define QPOLICIES "fcfs, easy, hybrid or conservative"

static int bad(const char *what, const char *arg, const char *choices)
{
    fprintf(stderr, "strata-sim: invalid %s '%s' (%s)\n", what, arg, choices);
    return -1;
}

/* Options that pick one of a few words. */
static int parse_word(int id, const char *arg, struct options *o)
{
    switch (id) {
    case OPT_MAPPING:
        if (strcmp(arg, "cores") && strcmp(arg, "nodes"))
            return bad("--mapping", arg, "cores or nodes");
        o->mapping = strcmp(arg, "cores") == 0 ? SIM_MAP_CORES : SIM_MAP_NODES;
        return 0;
    case OPT_SEMANTICS:
        if (strcmp(arg, "pyss") && strcmp(arg, "fluxion"))
            return bad("--semantics", arg, "fluxion or pyss");
        o->semantics = strcmp(arg, "pyss") == 0 ? SIM_SEM_PYSS : SIM_SEM_FLUXION;
        return 0;
    case OPT_RESERVATIONS:
        if (strcmp(arg, "pinned") && strcmp(arg, "floating"))
            return bad("--reservations", arg, "pinned or floating");
        o->floating = strcmp(arg, "floating") == 0;
        return 0;
    case OPT_BACKEND:
        if (strcmp(arg, "match") && strcmp(arg, "count"))
            return bad("--backend", arg, "match or count");
        o->backend = strcmp(arg, "match") == 0 ? SIM_BACKEND_MATCH : SIM_BACKEND_COUNT;
        return 0;
    default:
        return -1;
    }
}

/* A whole number in [lo, hi] for option name, or a one-line error. */
static int parse_bounded(const char *name, const char *arg, int64_t lo, int64_t hi, int64_t *v)
{
    int64_t x;
    if (parse_int64(arg, &x) < 0 || x < lo || x > hi) {
        fprintf(stderr, "strata-sim: %s: '%s' is not a whole number from %lld to %lld\n", name,
                arg, (long long) lo, (long long) hi);
        return -1;
    }
    *v = x;
    return 0;
}

/* The machine's sizes are bounded as sim_machine_create() builds them. */
enum { SIM_MAX_SIZE = 1000000 };

static int parse_number(int id, const char *arg, struct options *o)
{
    int64_t v = 0;
    switch (id) {
    case OPT_PROCS:
        return parse_bounded("--procs", arg, 1, SIM_MAX_SIZE, &o->machine.procs);
    case OPT_NODES:
        return parse_bounded("--nodes", arg, 1, SIM_MAX_SIZE, &o->machine.nodes);
    case OPT_CPN:
        return parse_bounded("--cores-per-node", arg, 1, SIM_MAX_SIZE,
                             &o->machine.cores_per_node);
    case OPT_QDEPTH:
        if (parse_bounded("--queue-depth", arg, 1, QUEUE_MAX_QUEUE_DEPTH, &v) < 0)
            return -1;
        o->queue_depth = (int) v;
        return 0;
    case OPT_RDEPTH:
        if (parse_bounded("--reservation-depth", arg, 1, QUEUE_MAX_RESERVATION_DEPTH, &v) < 0)
            return -1;
        o->reservation_depth = (int) v;
        return 0;
    case OPT_MAXJOBS:
        return parse_bounded("--max-jobs", arg, 1, INT64_MAX, &o->max_jobs);
    default:
        return -1;
    }
}

static int parse_opt(int id, const char *arg, struct options *o)
{
    switch (id) {
    case OPT_TRACE:
        o->trace = arg;
        return 0;
    case OPT_MACHINE:
        o->machine.path = arg;
        return 0;
    case OPT_FORMAT:
        o->machine.format = arg;
        return 0;
    case OPT_QPOLICY:
        o->queue_policies = (char *) arg;
        return 0;
    case OPT_COMPARE:
        o->queue_policies = (char *) arg;
        o->compare = true;
        return 0;
    case OPT_QUEUES:
        o->queues = (char *) arg;
        return 0;
    case OPT_MPOLICY:
        o->match_policies = (char *) arg;
        return 0;
    case OPT_JOBS:
        o->jobs_out = arg;
        return 0;
    case OPT_SUMMARY:
        o->summary_out = arg;
        return 0;
    case OPT_PLOTDIR:
        o->plot_dir = arg;
        return 0;
    case OPT_PLOTFMT:
        o->plot_format = arg;
        return 0;
    case OPT_LENIENT:
        o->lenient = true;
        return 0;
    case OPT_PROGRESS:
        o->progress = 1;
        return 0;
    case OPT_NOPROGRESS:
        o->progress = 0;
        return 0;
    case 'q':
        o->quiet = true;
        return 0;
    case OPT_MAPPING:
    case OPT_SEMANTICS:
    case OPT_RESERVATIONS:
    case OPT_BACKEND:
        return parse_word(id, arg, o);
    default:
        return parse_number(id, arg, o);
    }
}

/* Each name of a comma list passes ok(), or a one-line error naming it. */
static int check_list(const char *what, const char *list, bool (*ok)(const char *),
                      const char *hint)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    int n = 0;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save), n++) {
        if (!ok(t)) {
            fprintf(stderr, "strata-sim: unknown %s '%s' (%s)\n", what, t, hint);
            return -1;
        }
    }
    if (n == 0) {
        fprintf(stderr, "strata-sim: empty %s list\n", what);
        return -1;
    }
    return 0;
}

static bool queue_policy_ok(const char *name)
{
    return queue_policy_exists(name);
}

/* The built-in match policy names, for an error message. */
static const char *policy_hint(void)
{
    static char buf[512];
    size_t n = 0;
    for (const char *const *p = policy_names(); p && *p && n < sizeof buf; p++)
        n += (size_t) snprintf(buf + n, sizeof buf - n, "%s%s", n ? ", " : "", *p);
    if (n < sizeof buf)
        snprintf(buf + n, sizeof buf - n, " or key=value words");
    return buf;
}

/* What the matcher would refuse, found before a long trace is read. */
static bool match_policy_ok(const char *spec)
{
    struct st_error err;
    policy_t *p = policy_create(spec, &err);
    policy_destroy(p);
    return p != NULL;
}

/* The --queues items: NAME or NAME:POLICY, each policy known. */
static int check_queues(const char *list)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", list);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(t, ':');
        if (colon == t || (colon && !queue_policy_exists(colon + 1))) {
            fprintf(stderr,
                    "strata-sim: --queues: bad item '%s' (NAME[:fcfs|easy|hybrid|"
                    "conservative])\n",
                    t);
            return -1;
        }
    }
    return 0;
}

/* An output file's directory must exist and be writable, and the file must
 * not be a directory: found now, not after a long simulation. */
static int check_output(const char *opt, const char *path, bool is_dir)
{
    if (!path)
        return 0;
    struct stat st;
    if (stat(path, &st) == 0) {
        if (is_dir != S_ISDIR(st.st_mode) || access(path, W_OK) < 0) {
            fprintf(stderr, "strata-sim: %s %s: %s\n", opt, path,
                    is_dir != S_ISDIR(st.st_mode)
                        ? (is_dir ? "not a directory" : "is a directory")
                        : strerror(errno));
            return -1;
        }
        return 0;
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    const char *parent = !slash ? "." : slash == dir ? "/" : (*slash = '\0', dir);
    if (access(parent, W_OK | X_OK) < 0) {
        fprintf(stderr, "strata-sim: %s %s: %s\n", opt, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Options that only make sense together, and names checked up front so a
 * typo is reported at once, not after a large trace has been read. */
static int check_args(const struct options *o)
{
    const struct sim_machine_spec *m = &o->machine;
    if ((m->procs > 0) + (m->nodes > 0) + (m->path != NULL) > 1) {
        fputs("strata-sim: give only one of --procs, --nodes and --machine\n", stderr);
        return -1;
    }
    if (m->format && !m->path) {
        fputs("strata-sim: --format needs --machine FILE\n", stderr);
        return -1;
    }
    if (m->format && !reader_format_valid(m->format)) {
        fprintf(stderr,
                "strata-sim: unknown --format '%s' (grug, jgf, jgf_shorthand, hwloc, "
                "rv1exec)\n",
                m->format);
        return -1;
    }
    if (strcmp(o->plot_format, "png") != 0 && strcmp(o->plot_format, "svg") != 0) {
        fprintf(stderr, "strata-sim: unknown --plot-format '%s' (png or svg)\n",
                o->plot_format);
        return -1;
    }
    if (!o->compare && (strchr(o->queue_policies, ',') || strchr(o->match_policies, ','))) {
        fputs("strata-sim: a comma list of policies needs --compare\n", stderr);
        return -1;
    }
    if (check_list("queue policy", o->queue_policies, queue_policy_ok, QPOLICIES) < 0 ||
        check_list("match policy", o->match_policies, match_policy_ok, policy_hint()) < 0)
        return -1;
    if (o->queues && check_queues(o->queues) < 0)
        return -1;
    if (check_output("--jobs-out", o->jobs_out, false) < 0 ||
        check_output("--summary-out", o->summary_out, false) < 0 ||
        check_output("--plot-dir", o->plot_dir, true) < 0)
        return -1;
    return 0;
}

/* After a one-line error: where to read more.  -1. */
static int try_help(void)
{
    fputs("Try 'strata-sim --help'.\n", stderr);
    return -1;
}

static int parse_args(int argc, char **argv, struct options *o)
{
    *o = (struct options){.progress = -1,
                          .floating = -1,
                          .plot_format = "png",
                          .queue_policies = "fcfs",
                          .match_policies = "first"};
    int c;
    char msg[256];
    opterr = 0; /* st_opt_error() says it: getopt's words name argv[0]'s path */
    while ((c = getopt_long(argc, argv, ":qh", long_opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            exit(0);
        }
        if (st_opt_error(c, argv, long_opts, msg, sizeof msg)) {
            fprintf(stderr, "strata-sim: %s\n", msg);
            return try_help();
        }
        if (parse_opt(c, optarg, o) < 0)
            return try_help();
    }
    if (argc == 1) {
        usage(stderr);
        return -1;
    }
    if (optind < argc) {
        fprintf(stderr, "strata-sim: unexpected argument '%s'\n", argv[optind]);
        return try_help();
    }
    if (!o->trace) {
        fputs("strata-sim: --trace FILE is required\n", stderr);
        return try_help();
    }
    if (check_args(o) < 0)
        return try_help();
    if (o->machine.nodes > 0 && o->machine.cores_per_node == 0)
        o->machine.cores_per_node = 1;
    if (o->progress < 0)
        o->progress = isatty(STDERR_FILENO) && !o->quiet;
    return 0;
}

/* Split a comma list in place (the strings point into s). */
static int split(char *s, char **out, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(s, ",", &save); t && n < max; t = strtok_r(NULL, ",", &save))
        out[n++] = t;
    return n;
}

/* list: --queues "batch:easy,debug:fcfs" (split in place), or NULL for one
 * queue "default" with the policy. */
static int make_queues(char *list, char *policy, struct sim_queue_spec *qs)
{
    if (!list) {
        qs[0] = (struct sim_queue_spec){"default", policy};
        return queue_policy_exists(policy) ? 1 : bad("queue policy", policy, QPOLICIES);
    }
    char *items[MAX_QUEUES];
    int n = split(list, items, MAX_QUEUES);
    for (int i = 0; i < n; i++) {
        char *colon = strchr(items[i], ':');
        if (colon)
            *colon = '\0';
        qs[i] = (struct sim_queue_spec){items[i], colon ? colon + 1 : policy};
        if (!queue_policy_exists(qs[i].policy))
            return bad("queue policy", qs[i].policy, QPOLICIES);
    }
    return n > 0 ? n : bad("--queues", "", "NAME:POLICY,...");
}

/* ---- the program ------------------------------------------------------------------------ */

struct program {
    struct options o;
    struct sim_workload w;
    graph_t *g;
    int64_t cores;
};

static int load(struct program *p)
{
    struct st_error err = {{0}};
    struct options *o = &p->o;
    bool have_machine = o->machine.path || o->machine.procs > 0 || o->machine.nodes > 0;
    if (have_machine && !(p->g = sim_machine_create(&o->machine, &err)))
        goto fail;
    struct sim_load_opts lo = {.lenient = o->lenient,
                               .machine_procs = p->g ? sim_machine_cores(p->g) : 0,
                               .max_jobs = o->max_jobs};
    if (sim_workload_load(o->trace, &lo, &p->w, &err) < 0)
        goto fail;
    if (!p->g && sim_trace_procs(&p->w) <= 0) {
        fprintf(stderr,
                "strata-sim: %s: no '; MaxProcs:' or '; MaxNodes:' header: give "
                "--procs N, --nodes N [--cores-per-node C] or --machine FILE\n",
                o->trace);
        return -1;
    }
    if (!p->g && p->w.max_procs <= 0 && !o->quiet)
        fprintf(stderr,
                "strata-sim: %s has no MaxProcs: a flat machine of its MaxNodes "
                "(%lld) cores\n",
                o->trace, (long long) p->w.max_nodes);
    if (!p->g) {
        o->machine.procs = sim_trace_procs(&p->w);
        if (!(p->g = sim_machine_create(&o->machine, &err)))
            goto fail;
    }
    p->cores = sim_machine_cores(p->g);
    int64_t cpn = o->machine.cores_per_node > 0 ? o->machine.cores_per_node : 1;
    if (o->machine.path && o->mapping == SIM_MAP_NODES) {
        int64_t nodes = sim_machine_nodes(p->g);
        cpn = nodes > 0 ? p->cores / nodes : 1;
    }
    if (sim_workload_map(&p->w, o->mapping, cpn > 0 ? cpn : 1, &err) < 0)
        goto fail;
    if (!o->quiet && o->lenient && p->w.dropped.malformed)
        fprintf(stderr, "strata-sim: skipped %lld malformed line(s)\n",
                (long long) p->w.dropped.malformed);
    return 0;
fail:
    fprintf(stderr, "strata-sim: %s\n", err.text);
    return -1;
}

static void print_summary(const struct sim_summary *s)
{
    printf("jobs %lld (started %lld, rejected %lld)\n", (long long) s->jobs,
           (long long) s->started, (long long) s->rejected);
    printf("utilization %.3f\nwait mean %.2f s, median %.0f s, p95 %.0f s\n", s->utilization,
           s->wait_mean, s->wait_median, s->wait_p95);
    printf("bounded slowdown mean %.2f (tau 10 s)\nmakespan %lld s, throughput %.2f jobs/h\n",
           s->bsld_mean, (long long) s->makespan, s->throughput);
    printf("scheduler: %lld passes, %.1f us mean, %.1f us max, %lld backend calls "
           "(%lld skipped); wall %.2f s\n",
           (long long) s->passes, s->pass_mean_us, s->pass_max_us, (long long) s->backend_calls,
           (long long) s->skipped_calls, s->wall_seconds);
}

static int outputs(struct program *p, const struct sim_result *r, const struct sim_summary *s,
                   const char *qpolicy, const char *mpolicy)
{
    struct options *o = &p->o;
    struct st_error err = {{0}};
    const char *labels[] = {"trace",
                            o->trace,
                            "queue_policy",
                            qpolicy,
                            "match_policy",
                            mpolicy,
                            "semantics",
                            o->semantics == SIM_SEM_PYSS ? "pyss" : "fluxion",
                            "backend",
                            o->backend == SIM_BACKEND_MATCH ? "match" : "count",
                            "mapping",
                            o->mapping == SIM_MAP_CORES ? "cores" : "nodes",
                            NULL};
    if (o->jobs_out && sim_write_jobs(o->jobs_out, &p->w, &err) < 0)
        goto fail;
    if (o->summary_out && sim_write_summary(o->summary_out, s, labels, &p->w, &err) < 0)
        goto fail;
    if (o->plot_dir &&
        sim_write_plots(o->plot_dir, o->plot_format, &p->w, r, p->cores, &err) < 0)
        goto fail;
    return 0;
fail:
    fprintf(stderr, "strata-sim: %s\n", err.text);
    return -1;
}

static int run_one(struct program *p, char *qpolicy, const char *mpolicy, struct sim_summary *s,
                   bool write)
{
    struct sim_queue_spec qs[MAX_QUEUES];
    char qbuf[4096]; /* make_queues() splits --queues in place: work on a copy */
    snprintf(qbuf, sizeof qbuf, "%s", p->o.queues ? p->o.queues : "");
    int nq = make_queues(p->o.queues ? qbuf : NULL, qpolicy, qs);
    if (nq < 0)
        return -1;
    struct sim_config cfg = {.queues = qs,
                             .nqueues = nq,
                             .queue_depth = p->o.queue_depth,
                             .reservation_depth = p->o.reservation_depth,
                             .floating = p->o.floating,
                             .semantics = p->o.semantics,
                             .backend = p->o.backend,
                             .match_policy = mpolicy,
                             .graph = p->g,
                             .machine_cores = p->cores,
                             .progress = p->o.progress};
    struct sim_result r;
    struct st_error err = {{0}};
    if (sim_run(&cfg, &p->w, &r, &err) < 0) {
        fprintf(stderr, "strata-sim: %s\n", err.text);
        sim_result_fini(&r);
        return -1;
    }
    sim_summarize(&p->w, &r, p->cores, s);
    int rc = write ? outputs(p, &r, s, qpolicy, mpolicy) : 0;
    sim_result_fini(&r);
    return rc;
}

static int run_grid(struct program *p)
{
    char *qp[MAX_RUNS], *mp[MAX_RUNS];
    char qbuf[1024], mbuf[1024];
    snprintf(qbuf, sizeof qbuf, "%s", p->o.queue_policies);
    snprintf(mbuf, sizeof mbuf, "%s", p->o.match_policies);
    int nq = split(qbuf, qp, MAX_RUNS);
    int nm = split(mbuf, mp, MAX_RUNS);
    if (nq < 1 || nm < 1 || nq * nm > MAX_RUNS)
        return bad("--compare list", p->o.queue_policies, "at most 64 runs");
    struct sim_summary s[MAX_RUNS];
    char names[MAX_RUNS][64];
    const char *labels[MAX_RUNS];
    int n = 0;
    for (int i = 0; i < nq; i++) {
        for (int k = 0; k < nm; k++, n++) {
            if (run_one(p, qp[i], mp[k], &s[n], false) < 0)
                return -1;
            snprintf(names[n], sizeof names[n], nm > 1 ? "%s/%s" : "%s", qp[i], mp[k]);
            labels[n] = names[n];
        }
    }
    sim_print_compare(stdout, labels, s, n);
    return 0;
}

int main(int argc, char **argv)
{
    struct program p = {0};
    if (parse_args(argc, argv, &p.o) < 0)
        return 2;
    int rc = load(&p);
    if (rc == 0 && p.o.compare) {
        rc = run_grid(&p);
    } else if (rc == 0) {
        struct sim_summary s;
        rc = run_one(&p, p.o.queue_policies, p.o.match_policies, &s, true);
        if (rc == 0 && !p.o.quiet)
            print_summary(&s);
    }
    sim_workload_fini(&p.w);
    graph_destroy(p.g);
    return rc < 0 ? 1 : 0;
}
