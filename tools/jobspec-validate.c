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

#include "jobspec/cli.h"
#include "jobspec/jobspec.h"

enum { OPT_BUILD = 256, OPT_JSON, OPT_YAML, OPT_EMIT };

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
    "Build options (print a V1 jobspec like `flux submit` would):\n" JOBSPEC_CLI_HELP
    "      --json           print JSON instead of YAML\n"
    "      --yaml           print YAML (the default; undoes an earlier --json)\n"
    "  -h, --help           show this help\n";

struct options {
    bool build, json, quiet, verbose, emit;
    bool shape_given; /* a shape option (-N, -n, ...) was seen */
    struct jobspec_cli cli;
};

static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"emit", no_argument, NULL, OPT_EMIT},
    {"build", no_argument, NULL, OPT_BUILD},
    {"json", no_argument, NULL, OPT_JSON},
    {"yaml", no_argument, NULL, OPT_YAML},
    JOBSPEC_CLI_LONGOPTS,
    {NULL, 0, NULL, 0},
};

/* One option; 0 to go on, 1 to exit 0 (help), -1 to exit 2 (usage). */
static int handle_opt(struct options *o, int c, const char *arg)
{
    struct st_error err;
    int rc = jobspec_cli_option(&o->cli, c, arg, &err);
    if (rc != 0) {
        if (rc < 0)
            fprintf(stderr, "jobspec-validate: %s\n", err.text);
        o->shape_given = true;
        return rc < 0 ? -1 : 0;
    }
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
    default: /* getopt has said which option */
        return -1;
    }
}

/* After a one-line usage error: where to read more.  Exit status 2. */
static int try_help(void)
{
    fputs("Try 'jobspec-validate --help'.\n", stderr);
    return 2;
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
        return try_help();
    }
    struct st_error err; /* argv is main's, NULL-terminated */
    jobspec_t *js = jobspec_cli_build(&o->cli, (const char *const *) argv, NULL, &err);
    int rc = 0;
    if (!js) {
        fprintf(stderr, "jobspec-validate: %s\n", err.text);
        rc = 1;
    } else if (print_jobspec(js, o->json) < 0) {
        rc = 1;
    }
    jobspec_destroy(js);
    return rc;
}

static int run_validate(const struct options *o, char **files, int nfiles)
{
    if (nfiles == 0) {
        fputs("jobspec-validate: give one or more jobspec files (\"-\" reads stdin), or "
              "--build\n",
              stderr);
        return try_help();
    }
    if (o->shape_given) { /* silently ignored, they would hide a missing --build */
        fputs("jobspec-validate: -N, -n, -c, -g, -t and the other shape options need "
              "--build\n",
              stderr);
        return try_help();
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
    const char *optstring =
        wants_build(argc, argv) ? "+hqv" JOBSPEC_CLI_SHORTOPTS : "hqv" JOBSPEC_CLI_SHORTOPTS;
    while ((c = getopt_long(argc, argv, optstring, long_opts, NULL)) != -1) {
        if ((rc = handle_opt(&o, c, optarg)) != 0)
            break;
    }
    if (rc == 0)
        rc = o.build ? run_build(&o, argv + optind, argc - optind)
                     : run_validate(&o, argv + optind, argc - optind);
    else
        rc = rc > 0 ? 0 : try_help();
    jobspec_cli_clear(&o.cli);
    return rc;
}
