/* resource-query: explore resource matching against a machine description.
 *
 * Command-line and interactive compatible with Fluxion's resource-query:
 * load a graph (-L/-f), build a matcher (-S/-P/-T/-p), then read commands
 * from stdin one line at a time until `quit` or end of input.  See
 * docs/man/resource-query.1.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jobspec/jobspec.h"
#include "policy/policy.h"
#include "resource/reader.h"
#include "resource/st_array.h"
#include "tools/rq.h"

#define DEFAULT_LOAD_FILE "conf/default"
#define DEFAULT_PRUNE_FILTERS "ALL:core,ALL:node"
#define PROMPT "resource-query> "

enum { RESERVE_VTX_MAX = 2000000 };

struct options {
    const char *load_file; /* NULL: not given */
    const char *load_format;
    const char *allowlist;
    const char *subsystems;
    const char *policy;
    enum match_traverser traverser;
    enum writer_format fmt;
    const char *graph_format;
    const char *graph_output;
    char *prune_filters; /* comma-joined -p values, or NULL */
    const char *test_output;
    long reserve_vtx;
    bool elapse;
    bool no_prompt;
};

static const struct option long_options[] = {
    {"help", no_argument, 0, 'h'},
    {"load-file", required_argument, 0, 'L'},
    {"load-format", required_argument, 0, 'f'},
    {"load-allowlist", required_argument, 0, 'W'},
    {"match-subsystems", required_argument, 0, 'S'},
    {"match-policy", required_argument, 0, 'P'},
    {"traverser-policy", required_argument, 0, 'T'},
    {"match-format", required_argument, 0, 'F'},
    {"graph-format", required_argument, 0, 'g'},
    {"graph-output", required_argument, 0, 'o'},
    {"prune-filters", required_argument, 0, 'p'},
    {"test-output", required_argument, 0, 't'},
    {"reserve-vtx-vec", required_argument, 0, 'r'},
    {"elapse-time", no_argument, 0, 'e'},
    {"disable-prompt", no_argument, 0, 'd'},
    {0, 0, 0, 0},
};

/* -S names (Fluxion's matcher names); lower case is accepted too. */
static const char *const subsystem_names[] = {
    "CA",       "IBA",  "IBBA",    "PFS1BA",  "PA", "C+IBA",    "C+IBBA",
    "C+PFS1BA", "C+PA", "IB+IBBA", "C+P+IBA", "VA", "V+PFS1BA", "ALL",
};

static void usage(int code)
{
    FILE *f = code ? stderr : stdout;
    fprintf(
        f, "usage: resource-query [OPTIONS...]\n"
           "\n"
           "Command-line tool to explore matching of job requests (jobspecs) against a\n"
           "resource graph.  Commands are read from standard input, one per line, until\n"
           "`quit` or end of input; `help` lists them.\n"
           "\n"
           "OPTIONS:\n"
           "  -h, --help                   Print this message and exit\n"
           "  -L, --load-file=FILE         Resource graph to load (default: " DEFAULT_LOAD_FILE
           ";\n"
           "                               without it, or with -f hwloc and no -L: this\n"
           "                               host's live hwloc topology)\n"
           "  -f, --load-format=FORMAT     grug | hwloc | jgf | jgf_shorthand | rv1exec |\n"
           "                               rv1exec_force (default: grug)\n"
           "  -W, --load-allowlist=TYPES   Resource types to keep (hwloc only), e.g.\n"
           "                               node,socket,core,gpu\n"
           "  -S, --match-subsystems=NAME  CA | IBA | IBBA | PFS1BA | PA | C+IBA | C+IBBA |\n"
           "                               C+PFS1BA | C+PA | IB+IBBA | C+P+IBA | VA |\n"
           "                               V+PFS1BA | ALL (default: CA)\n"
           "  -P, --match-policy=POLICY    low | high | lonode | hinode | lonodex | hinodex |\n"
           "                               first | firstnodex | locality | variation, or\n"
           "                               \"policy=high node_centric=true ...\" (default: "
           "first)\n"
           "  -T, --traverser-policy=NAME  simple | flexible (default: simple)\n"
           "  -F, --match-format=FORMAT    simple | pretty_simple | jgf | jgf_shorthand |\n"
           "                               rlite | rv1 | rv1_nosched | rv1_shorthand\n"
           "                               (default: simple)\n"
           "  -p, --prune-filters=HL:LL[,HL:LL...]\n"
           "                               Aggregate pruning filters; ALL means any type\n"
           "                               (default: " DEFAULT_PRUNE_FILTERS ")\n"
           "  -g, --graph-format=FORMAT    dot | graphml: format for -o (default: dot)\n"
           "  -o, --graph-output=BASENAME  Write the loaded graph to BASENAME.{dot,graphml}\n"
           "  -t, --test-output=FILE       Write command output to FILE instead of stdout\n"
           "  -r, --reserve-vtx-vec=N      Vertex count hint, 1.."
           "2000000\n"
           "  -e, --elapse-time            Print load statistics and per-match timings\n"
           "  -d, --disable-prompt         Do not print the prompt\n");
    exit(code);
}

static void bad_value(const char *opt, const char *value)
{
    fprintf(stderr, "[ERROR] unknown value for --%s: %s\n", opt, value);
    usage(1);
}

static bool known_subsystems(const char *s)
{
    for (size_t i = 0; i < sizeof(subsystem_names) / sizeof(subsystem_names[0]); i++)
        if (strcasecmp(s, subsystem_names[i]) == 0)
            return true;
    return false;
}

/* Multiple -p are comma-joined; a blank value adds nothing. */
static void add_prune_filter(struct options *o, const char *arg)
{
    if (arg[strspn(arg, " \t")] == '\0')
        return;
    size_t old = o->prune_filters ? strlen(o->prune_filters) : 0;
    char *p = realloc(o->prune_filters, old + strlen(arg) + 2);
    if (!p) {
        perror("resource-query");
        exit(1);
    }
    if (old)
        strcpy(p + old++, ",");
    strcpy(p + old, arg);
    o->prune_filters = p;
}

static void parse_reserve(struct options *o, const char *arg)
{
    char *end;
    errno = 0;
    long n = strtol(arg, &end, 10);
    if (errno || end == arg || *end)
        bad_value("reserve-vtx-vec", arg);
    if (n < 1 || n > RESERVE_VTX_MAX) {
        fprintf(stderr, "WARN: out of range specified for --reserve-vtx-vec: %ld\n", n);
        n = 0;
    }
    o->reserve_vtx = n;
}

static void parse_options(int argc, char **argv, struct options *o)
{
    int c;
    opterr = 0; /* our own messages: getopt's would name argv[0] */
    while ((c = getopt_long(argc, argv, ":L:f:W:S:P:T:F:g:o:p:t:r:edh", long_options, NULL)) !=
           -1) {
        switch (c) {
        case 'h':
            usage(0);
            break;
        case 'L':
            o->load_file = optarg;
            break;
        case 'f':
            if (!reader_format_valid(optarg))
                bad_value("load-format", optarg);
            o->load_format = optarg;
            break;
        case 'W':
            o->allowlist = optarg;
            break;
        case 'S':
            if (!known_subsystems(optarg))
                bad_value("match-subsystems", optarg);
            o->subsystems = optarg;
            break;
        case 'P':
            o->policy = optarg;
            break;
        case 'T':
            if (strcmp(optarg, "simple") == 0)
                o->traverser = MATCH_TRAVERSER_SIMPLE;
            else if (strcmp(optarg, "flexible") == 0)
                o->traverser = MATCH_TRAVERSER_FLEXIBLE;
            else
                bad_value("traverser-policy", optarg);
            break;
        case 'F':
            if (writer_format_parse(optarg, &o->fmt) < 0)
                bad_value("match-format", optarg);
            break;
        case 'g':
            if (strcmp(optarg, "dot") != 0 && strcmp(optarg, "graphml") != 0)
                bad_value("graph-format", optarg);
            o->graph_format = optarg;
            break;
        case 'o':
            o->graph_output = optarg;
            break;
        case 'p':
            add_prune_filter(o, optarg);
            break;
        case 't':
            o->test_output = optarg;
            break;
        case 'r':
            parse_reserve(o, optarg);
            break;
        case 'e':
            o->elapse = true;
            break;
        case 'd':
            o->no_prompt = true;
            break;
        case ':':
            fprintf(stderr, "[ERROR] option needs a value: %s\n", argv[optind - 1]);
            usage(1);
            break;
        default:
            fprintf(stderr, "[ERROR] unknown option: %s\n", argv[optind - 1]);
            usage(1);
        }
    }
    if (optind < argc) {
        fprintf(stderr, "[ERROR] unexpected argument: %s\n", argv[optind]);
        usage(1);
    }
}

static bool is_regular_file(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Decide what to load.  Fluxion's default is conf/default (a GRUG file
 * relative to the working directory); when no -L is given and that file
 * is absent, strata loads this host's live hwloc topology instead, so that
 * `resource-query` alone explores the machine it runs on. */
static graph_t *load_graph(const struct options *o, struct st_error *err)
{
    const char *fmt = o->load_format ? o->load_format : "grug";
    const char *path = o->load_file;
    char *allow = NULL;

    if (!path) {
        bool grug_default = !o->load_format || strcmp(fmt, "grug") == 0;
        if (grug_default && is_regular_file(DEFAULT_LOAD_FILE)) {
            path = DEFAULT_LOAD_FILE;
        } else if (grug_default || strcmp(fmt, "hwloc") == 0) {
            fmt = "hwloc";
        } else {
            fprintf(stderr, "[ERROR] --load-format=%s needs --load-file\n", fmt);
            usage(1);
        }
    } else if (!is_regular_file(path)) {
        fprintf(stderr, "[ERROR] file does not exist or is not a regular file: %s\n", path);
        usage(1);
    }
    /* Fluxion always keeps the cluster root: it prepends it to -W. */
    if (o->allowlist && strcmp(fmt, "hwloc") == 0 &&
        asprintf(&allow, "cluster,%s", o->allowlist) < 0) {
        allow = NULL;
        errno = ENOMEM;
        return NULL;
    }
    graph_t *g = reader_load(fmt, path, allow, err);
    free(allow);
    return g;
}

static void print_load_stats(const graph_t *g, double load_time)
{
    struct graph_stats st;
    graph_get_stats(g, &st);
    printf("INFO: Graph Load Time: %g\n", load_time);
    printf("INFO: Vertex Count: %" PRId64 "\n", st.vertices);
    printf("INFO: Edge Count: %" PRId64 "\n", st.edges);
    printf("INFO: by_type Key-Value Pairs: %" PRId64 "\n", st.by_type_keys);
    printf("INFO: by_name Key-Value Pairs: %" PRId64 "\n", st.by_name_keys);
    printf("INFO: by_path Key-Value Pairs: %" PRId64 "\n", st.by_path_keys);
    int n = graph_rank_count(g);
    for (int i = 0; i < n; i++) {
        int32_t rank;
        int64_t count;
        graph_rank_at(g, i, &rank, &count);
        printf("INFO: number of vertices with rank %" PRId32 ": %" PRId64 "\n", rank, count);
    }
    fflush(stdout);
}

/* Split line on whitespace in place; returns the token count. */
static int tokenize(char *line, char ***argvp, size_t *cap)
{
    int argc = 0;
    char *save = NULL;
    for (char *t = strtok_r(line, " \t\r\n\v\f", &save); t;
         t = strtok_r(NULL, " \t\r\n\v\f", &save)) {
        /* Room for this token and the NULL after the last. */
        if (st_grow(argvp, cap, (size_t) argc + 2, sizeof(**argvp), 16) < 0)
            return -1;
        (*argvp)[argc++] = t;
    }
    if (*argvp)
        (*argvp)[argc] = NULL;
    return argc;
}

/* Read and run commands until quit or end of input. */
static void command_loop(struct rq *rq, bool prompt)
{
    char *line = NULL;
    size_t linecap = 0;
    char **argv = NULL;
    size_t argcap = 0;

    for (;;) {
        if (prompt) {
            fputs(PROMPT, stdout);
            fflush(stdout);
        }
        if (getline(&line, &linecap, stdin) < 0)
            break;
        int argc = tokenize(line, &argv, &argcap);
        if (argc < 0) {
            fprintf(stderr, "ERROR: out of memory\n");
            break;
        }
        if (argc > 0 && rq_command(rq, argc, argv) == RQ_QUIT)
            break;
    }
    if (prompt && feof(stdin))
        putchar('\n');
    free(argv);
    free(line);
}

static matcher_t *create_matcher(const struct options *o, graph_t *g, struct st_error *err)
{
    struct match_params params = {
        .policy = o->policy ? o->policy : "first",
        .subsystems = o->subsystems ? o->subsystems : "CA",
        .prune_filters = o->prune_filters ? o->prune_filters : DEFAULT_PRUNE_FILTERS,
        .traverser = o->traverser,
        .graph_start = 0,
        .graph_duration = 3153600000,
        .stale_search_keys = true, /* a drop-in for Fluxion's, t3028 */
    };
    return match_create(g, &params, err);
}

/* Whether -e must count visits with a dry full walk: only a policy whose
 * matches stop best-first (not first, whose early stop is the reference's
 * own, nor locality, which walks every candidate) visits fewer vertices
 * than the reference prints. */
static bool needs_full_walk(const struct options *o)
{
    policy_t *p = policy_create(o->policy ? o->policy : "first", NULL);
    const struct match_policy *ops = policy_ops(p);
    bool full = ops && !ops->stop_on_first && !ops->locality;
    policy_destroy(p);
    return full;
}

int main(int argc, char **argv)
{
    struct options o = {.fmt = WRITER_SIMPLE, .traverser = MATCH_TRAVERSER_SIMPLE};
    struct st_error err = {{0}};
    struct rq rq = {.jobid = 1, .out = stdout};
    int rc = 1;

    parse_options(argc, argv, &o);
    rq.fmt = o.fmt;
    rq.elapse = o.elapse;

    double t0 = rq_now();
    if (!(rq.g = load_graph(&o, &err))) {
        fprintf(stderr, "resource-query: Runtime error: can't load resource graph: %s\n",
                err.text[0] ? err.text : strerror(errno));
        goto done;
    }
    double load_time = rq_now() - t0;
    if (!(rq.m = create_matcher(&o, rq.g, &err))) {
        fprintf(stderr, "resource-query: Runtime error: can't create matcher: %s\n",
                err.text[0] ? err.text : strerror(errno));
        goto done;
    }
    if (!(rq.w = writer_create(o.fmt, rq.g))) {
        perror("resource-query: writer");
        goto done;
    }
    if (o.test_output && !(rq.out = fopen(o.test_output, "w"))) {
        fprintf(stderr, "resource-query: can't open %s: %s\n", o.test_output, strerror(errno));
        rq.out = stdout;
        goto done;
    }
    rq.full_walk = o.elapse && needs_full_walk(&o);
    if (o.elapse)
        print_load_stats(rq.g, load_time);
    command_loop(&rq, !o.no_prompt && isatty(STDIN_FILENO));
    rc = 0;
    if (o.graph_output && rq_graph_write(rq.g, o.graph_output, o.graph_format) < 0)
        rc = 1;
done:
    if (rq.out && rq.out != stdout && fclose(rq.out) != 0) {
        perror("resource-query: closing the test output");
        rc = 1;
    }
    writer_destroy(rq.w);
    match_destroy(rq.m);
    graph_destroy(rq.g);
    rq_jobs_free(&rq);
    rq_jscache_free(&rq);
    free(o.prune_filters);
    return rc;
}
