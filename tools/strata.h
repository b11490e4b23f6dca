/* strata: the client CLI's pieces.
 *
 *   strata.c         command dispatch, jobs/cancel/info/resource/queue/stats...
 *   strata_submit.c  submit and run: the CLI shape or a jobspec file
 *   strata_start.c   start: a new instance, for a command or in the foreground
 */
#ifndef STRATA_TOOLS_STRATA_H
#define STRATA_TOOLS_STRATA_H

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

/* strata start [STRATAD-OPTIONS] [-- COMMAND...] (strata_start.c). */
int strata_cmd_start(const struct strata_global *g, int argc, char **argv);

int strata_cmd_submit(const struct strata_global *g, int argc, char **argv, int run);

#endif
