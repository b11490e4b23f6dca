/* jobspec-validate: check jobspec files, or build one from a command shape.
 *
 *   jobspec-validate [-q|-v] FILE...          exit 0 if all valid, else 1
 *   jobspec-validate --build [opts] -- CMD... print a V1 jobspec (YAML/JSON)
 *
 * Validation prints "FILE:LINE:COL: message" on stderr for each invalid
 * file and goes on with the others, so that a batch shows every problem.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec/jobspec.h"

enum {
    OPT_BUILD = 256,
    OPT_JSON,
    OPT_YAML,
    OPT_EXCLUSIVE,
    OPT_QUEUE,
    OPT_REQUIRES,
    OPT_SETATTR,
    OPT_ENV,
    OPT_EMIT
};

static const char usage_text[] =
    "Usage: jobspec-validate [OPTIONS] FILE...\n"
    "       jobspec-validate --build [SHAPE OPTIONS] [--json] [--] COMMAND [ARGS...]\n"
    "\n"
    "Validate jobspecs (YAML or JSON; \"-\" reads stdin).  Exit 0 if every file\n"
    "is valid, 1 otherwise, printing FILE:LINE:COL: message for each invalid one.\n"
    "\n"
    "Validation options:\n"
    "  -q, --quiet          print nothing, only set the exit status\n"
    "  -v, --verbose        print \"FILE: valid\" for valid files\n"
    "      --emit           print each valid jobspec back (YAML, or JSON with --json)\n"
    "\n"
    "Build options (print a V1 jobspec like `flux submit` would):\n"
    "  -N, --nodes=N        number of nodes\n"
    "  -n, --ntasks=N       number of tasks (default 1, or 1 per node)\n"
    "  -c, --cores-per-task=N  cores per task (default 1)\n"
    "  -g, --gpus-per-task=N   GPUs per task (default 0)\n"
    "  -t, --time-limit=D   duration: 30s, 2m, 1.5h, 1d or plain seconds\n"
    "      --exclusive      allocate whole nodes (with -N)\n"
    "      --queue=NAME     submit to queue NAME\n"
    "      --requires=PROPS required node properties (\"a,^b\"; host:LIST, rank:IDS)\n"
    "      --setattr=K[=V]  set attribute K (dotted; system. is implied); V is JSON\n"
    "                       if it parses as JSON, else a string; default 1\n"
    "      --env=NAME=VALUE add NAME=VALUE to the job environment\n"
    "      --json           print JSON instead of YAML\n"
    "  -h, --help           show this help\n";

struct strv {
    const char **v;
    size_t n;
};

static int strv_push(struct strv *s, const char *item)
{
    const char **nv = realloc(s->v, (s->n + 2) * sizeof(*nv));
    if (!nv)
        return -1;
    nv[s->n++] = item;
    nv[s->n] = NULL;
    s->v = nv;
    return 0;
}

struct options {
    bool build, json, quiet, verbose, emit;
    struct jobspec_shape shape;
    struct strv requires, setattr, env;
};

static int parse_count_arg(const char *opt, const char *s, long min, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > 1000000000) {
        fprintf(stderr, "jobspec-validate: %s: invalid count \"%s\"\n", opt, s);
        return -1;
    }
    if (v < min) {
        fprintf(stderr, "jobspec-validate: %s: count must be >= %ld\n", opt, min);
        return -1;
    }
    *out = (int) v;
    return 0;
}

static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"emit", no_argument, NULL, OPT_EMIT},
    {"build", no_argument, NULL, OPT_BUILD},
    {"json", no_argument, NULL, OPT_JSON},
    {"yaml", no_argument, NULL, OPT_YAML},
    {"nodes", required_argument, NULL, 'N'},
    {"ntasks", required_argument, NULL, 'n'},
    {"cores-per-task", required_argument, NULL, 'c'},
    {"gpus-per-task", required_argument, NULL, 'g'},
    {"time-limit", required_argument, NULL, 't'},
    {"exclusive", no_argument, NULL, OPT_EXCLUSIVE},
    {"queue", required_argument, NULL, OPT_QUEUE},
    {"requires", required_argument, NULL, OPT_REQUIRES},
    {"setattr", required_argument, NULL, OPT_SETATTR},
    {"env", required_argument, NULL, OPT_ENV},
    {NULL, 0, NULL, 0},
};

/* One option; 0 to go on, 1 to exit 0 (help), -1 to exit 2 (usage). */
static int handle_opt(struct options *o, int c, const char *arg)
{
    switch (c) {
    case 'h':
        fputs(usage_text, stdout);
        return 1;
    case 'q':
        o->quiet = true;
        return 0;
    case 'v':
        o->verbose = true;
        return 0;
    case OPT_EMIT:
        o->emit = true;
        return 0;
    case OPT_BUILD:
        o->build = true;
        return 0;
    case OPT_JSON:
        o->json = true;
        return 0;
    case OPT_YAML:
        o->json = false;
        return 0;
    case 'N':
        return parse_count_arg("-N", arg, 1, &o->shape.nodes);
    case 'n':
        return parse_count_arg("-n", arg, 1, &o->shape.ntasks);
    case 'c':
        return parse_count_arg("-c", arg, 1, &o->shape.cores_per_task);
    case 'g':
        return parse_count_arg("-g", arg, 0, &o->shape.gpus_per_task);
    case 't':
        if (jobspec_parse_duration(arg, &o->shape.duration) < 0) {
            fprintf(stderr, "jobspec-validate: -t: invalid duration \"%s\"\n", arg);
            return -1;
        }
        return 0;
    case OPT_EXCLUSIVE:
        o->shape.exclusive = true;
        return 0;
    case OPT_QUEUE:
        o->shape.queue = arg;
        return 0;
    case OPT_REQUIRES:
        return strv_push(&o->requires, arg);
    case OPT_SETATTR:
        return strv_push(&o->setattr, arg);
    case OPT_ENV:
        return strv_push(&o->env, arg);
    default:
        fputs(usage_text, stderr);
        return -1;
    }
}

static int print_jobspec(const jobspec_t *js, bool json)
{
    char *s = json ? jobspec_to_json(js) : jobspec_to_yaml(js);
    if (!s) {
        perror("jobspec-validate: emit");
        return -1;
    }
    fputs(s, stdout);
    if (json)
        putchar('\n');
    free(s);
    return 0;
}

static int run_build(struct options *o, char **argv, int argc)
{
    if (argc == 0) {
        fprintf(stderr, "jobspec-validate: --build needs a command\n");
        return 2;
    }
    struct strv cmd = {0};
    for (int i = 0; i < argc; i++) {
        if (strv_push(&cmd, argv[i]) < 0)
            return 1;
    }
    o->shape.argv = cmd.v;
    o->shape.requires = o->requires.v;
    o->shape.setattr = o->setattr.v;
    o->shape.env = o->env.v;
    struct st_error err;
    jobspec_t *js = jobspec_from_shape(&o->shape, &err);
    int rc = 0;
    if (!js) {
        fprintf(stderr, "jobspec-validate: %s\n", err.text);
        rc = 1;
    } else if (print_jobspec(js, o->json) < 0) {
        rc = 1;
    }
    jobspec_destroy(js);
    free(cmd.v);
    return rc;
}

static int run_validate(const struct options *o, char **files, int nfiles)
{
    if (nfiles == 0) {
        fputs(usage_text, stderr);
        return 2;
    }
    int rc = 0;
    for (int i = 0; i < nfiles; i++) {
        struct st_error err;
        jobspec_t *js = jobspec_parse_file(files[i], &err);
        if (!js) {
            if (!o->quiet)
                fprintf(stderr, "%s\n", err.text);
            rc = 1;
            continue;
        }
        if (o->verbose && !o->quiet)
            printf("%s: valid\n", files[i]);
        if (o->emit && print_jobspec(js, o->json) < 0)
            rc = 1;
        jobspec_destroy(js);
    }
    return rc;
}

/* --build anywhere before "--" selects the build mode. */
static bool wants_build(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--build") == 0)
            return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    /* Counts left at 0 are "not given": the builder then runs one task per
     * node with -N (as flux submit does), else one task, with one core. */
    struct options o = {0};
    int c, rc = 0;
    /* When building, "+" stops at the first non-option so that the command
     * keeps its own options without needing "--"; when validating, options
     * may follow the file names. */
    const char *optstring = wants_build(argc, argv) ? "+hqvN:n:c:g:t:" : "hqvN:n:c:g:t:";
    while ((c = getopt_long(argc, argv, optstring, long_opts, NULL)) != -1) {
        if ((rc = handle_opt(&o, c, optarg)) != 0)
            break;
    }
    if (rc == 0)
        rc = o.build ? run_build(&o, argv + optind, argc - optind)
                     : run_validate(&o, argv + optind, argc - optind);
    else
        rc = rc > 0 ? 0 : 2;
    free(o.requires.v);
    free(o.setattr.v);
    free(o.env.v);
    return rc;
}
