/* jobspec/cli.h: the shape options of a command line, shared by every tool
 * that builds a jobspec from one (`strata submit/run/batch/alloc`,
 * `jobspec-validate --build`).
 *
 * A tool adds JOBSPEC_CLI_SHORTOPTS to its getopt string and
 * JOBSPEC_CLI_LONGOPTS to its option table (both need <getopt.h>), hands
 * every option to jobspec_cli_option() first, and builds with
 * jobspec_cli_build().  So -N/-n/-c/-g/-t/--exclusive/--queue/--requires/
 * --setattr/--env have one meaning, one set of bounds and one error text
 * everywhere.
 */
#ifndef STRATA_JOBSPEC_CLI_H
#define STRATA_JOBSPEC_CLI_H

#include <stddef.h>

#include "jobspec/jobspec.h"
#include "resource/st_error.h"

/* Largest count -N/-n/-c/-g accept. */
#define JOBSPEC_CLI_MAX_COUNT 1000000000

/* getopt values of the long-only shape options; tools number their own
 * long-only options below JOBSPEC_CLI_OPT_BASE. */
enum {
    JOBSPEC_CLI_OPT_BASE = 0x4000,
    JOBSPEC_CLI_EXCLUSIVE = JOBSPEC_CLI_OPT_BASE,
    JOBSPEC_CLI_QUEUE,
    JOBSPEC_CLI_REQUIRES,
    JOBSPEC_CLI_SETATTR,
    JOBSPEC_CLI_ENV,
};

#define JOBSPEC_CLI_SHORTOPTS "N:n:c:g:t:"

#define JOBSPEC_CLI_LONGOPTS                                                 \
    {"nodes", required_argument, NULL, 'N'},                                 \
        {"ntasks", required_argument, NULL, 'n'},                            \
        {"cores-per-task", required_argument, NULL, 'c'},                    \
        {"gpus-per-task", required_argument, NULL, 'g'},                     \
        {"time-limit", required_argument, NULL, 't'},                        \
        {"exclusive", no_argument, NULL, JOBSPEC_CLI_EXCLUSIVE},             \
        {"queue", required_argument, NULL, JOBSPEC_CLI_QUEUE},               \
        {"requires", required_argument, NULL, JOBSPEC_CLI_REQUIRES},         \
        {"setattr", required_argument, NULL, JOBSPEC_CLI_SETATTR},           \
    {                                                                        \
        "env", required_argument, NULL, JOBSPEC_CLI_ENV                      \
    }

/* The help lines of those options, for a tool's usage text. */
#define JOBSPEC_CLI_HELP                                                                   \
    "  -N, --nodes=N        number of nodes\n"                                             \
    "  -n, --ntasks=N       number of tasks (default 1, or 1 per node)\n"                  \
    "  -c, --cores-per-task=N  cores per task (default 1)\n"                               \
    "  -g, --gpus-per-task=N   GPUs per task (default 0)\n"                                \
    "  -t, --time-limit=D   duration: 30s, 2m, 1.5h, 1d or plain seconds\n"                \
    "      --exclusive      allocate whole nodes (with -N)\n"                              \
    "      --queue=NAME     submit to queue NAME\n"                                        \
    "      --requires=PROPS required node properties (\"a,^b\"; host:LIST, rank:IDS)\n"    \
    "      --setattr=K[=V]  set attribute K (dotted; system. is implied); V is JSON\n"     \
    "                       if it parses as JSON, else a string; default 1\n"             \
    "      --env=NAME=VALUE add NAME=VALUE to the job environment\n"

/* A growable NULL-terminated list of borrowed strings ({0} is empty). */
struct jobspec_strv {
    const char **v;
    size_t n;
};

/* Append item (borrowed, not copied).  0, or -1 with ENOMEM (s unchanged)
 * or EINVAL (NULL s or item). */
int jobspec_strv_push(struct jobspec_strv *s, const char *item);

/* Free the list (not the strings); the list is empty again. */
void jobspec_strv_clear(struct jobspec_strv *s);

/* The options seen so far ({0} before the first). */
struct jobspec_cli {
    struct jobspec_shape shape;
    struct jobspec_strv requires, setattr, env;
};

/* Take one getopt result.  1 if opt is a shape option and arg was good;
 * 0 if opt is not a shape option (the tool handles it); -1 with err filled
 * (EINVAL: "-c: invalid count \"x\" ...", "-n: count must be >= 1",
 * "-t: invalid duration ..."; ENOMEM) and c unchanged.  Counts are whole numbers, at
 * least 1 (-g: 0) and at most JOBSPEC_CLI_MAX_COUNT. */
int jobspec_cli_option(struct jobspec_cli *c, int opt, const char *arg, struct st_error *err);

/* Build the jobspec of command argv (NULL-terminated, non-empty) from the
 * options taken.  env: the job environment, NULL-terminated; NULL means the
 * --env entries alone.  As jobspec_from_shape(). */
jobspec_t *jobspec_cli_build(struct jobspec_cli *c, const char *const *argv,
                             const char *const *env, struct st_error *err);

/* Free the lists c holds (not the strings); c is {0} again. */
void jobspec_cli_clear(struct jobspec_cli *c);

#endif
