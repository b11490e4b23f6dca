/* strata: the client CLI's pieces.
 *
 *   strata.c         command dispatch, jobs/cancel/info/resource/queue/stats...
 *   strata_submit.c  submit and run: the CLI shape or a jobspec file
 *   strata_start.c   start: a new instance, for a command or in the foreground
 *   strata_instance.c instance-run (an instance job's task), batch, alloc
 *   strata_tree.c    proxy, tree: reaching and showing nested instances
 */
#ifndef STRATA_TOOLS_STRATA_H
#define STRATA_TOOLS_STRATA_H

#include <stdbool.h>

#include "daemon/client.h"

/* Global options, parsed before the command. */
struct strata_global {
    const char *uri;
    int timeout_ms;
};

/* Open the instance or print why not (returns NULL). */
strata_client_t *strata_cli_open(const struct strata_global *g);

/* Print "strata CMD: message" on stderr and return 1. */
int strata_cli_fail(const char *cmd, const struct st_error *err);

/* After getopt_long with opterr = 0 and a ':' leading the short options:
 * for its '?' (unknown option) or ':' (missing argument) print getopt's
 * message as "strata CMD: ..." ("strata: ..." if cmd is NULL) rather than
 * with argv[0], and return true; false for any other c. */
bool strata_cli_bad_option(const char *cmd, int c, char *const *argv);

struct option;
/* strata_cli_bad_option() knowing the command's long options (may be
 * NULL), so that one given a value it takes none of ("--all=1") is said to
 * be so rather than an invalid short option. */
bool strata_cli_bad_long_option(const char *cmd, int c, char *const *argv,
                                const struct option *longs);

/* strata start [STRATAD-OPTIONS] [-- COMMAND...] (strata_start.c). */
int strata_cmd_start(const struct strata_global *g, int argc, char **argv);

/* submit (run 0), run (1) or print the jobspec (STRATA_SUBMIT_PRINT). */
enum { STRATA_SUBMIT_PRINT = 2 };
int strata_cmd_submit(const struct strata_global *g, int argc, char **argv, int run);

/* Nested instances (strata_instance.c, strata_tree.c; docs/nested.md).
 * Each returns the process exit code. */
int strata_cmd_instance_run(const struct strata_global *g, int argc, char **argv);
int strata_cmd_batch(const struct strata_global *g, int argc, char **argv);
int strata_cmd_alloc(const struct strata_global *g, int argc, char **argv);
/* strata instance grow|shrink JOBID ...: resize a running instance job. */
int strata_cmd_instance(const struct strata_global *g, int argc, char **argv);
int strata_cmd_proxy(const struct strata_global *g, int argc, char **argv);
int strata_cmd_tree(const struct strata_global *g, int argc, char **argv);
int strata_cmd_tree_run(const struct strata_global *g, int argc, char **argv);

/* The URI of the instance a job path names: "3/2" is job 2 of the instance
 * job 3 runs (relative to g's instance); a URI is returned as is.  A new
 * string, or NULL with a message on stderr (errno EINVAL for a malformed
 * path or NULL). */
char *strata_resolve_path(const struct strata_global *g, const char *path);

/* The stratad to start (strata_start.c): $STRATAD, else the one beside this
 * strata (build tree or install), else "stratad" for a PATH search.  May
 * return buf (n bytes), filled; with no buf, only $STRATAD or "stratad". */
const char *strata_find_stratad(char *buf, size_t n);

#endif
