/* rq: resource-query's session state, shared by its source files.
 *
 * resource-query.c parses the command line, loads the graph, creates the
 * matcher and runs the command loop; rq_cmds.c implements the interactive
 * commands (one function each, looked up in a table by name or
 * abbreviation); rq_jobs.c keeps the job table and match-time statistics.
 *
 * Streams follow Fluxion's resource-query: command results go to `out` (the
 * -t file, else stdout); list/info/stat/cat/help and every -e timing line go
 * to stdout; errors go to stderr.
 */
#ifndef STRATA_TOOLS_RQ_H
#define STRATA_TOOLS_RQ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "jobspec/jobspec.h"
#include "match/match.h"
#include "resource/graph.h"
#include "resource/writer.h"

enum rq_job_state { RQ_INIT, RQ_ALLOCATED, RQ_RESERVED, RQ_CANCELED, RQ_ERROR };

struct rq_job {
    int64_t id;
    enum rq_job_state state;
    bool live;        /* still holds (or may hold) resources: cancel allowed */
    int64_t at;       /* scheduled time */
    const char *jobspec_fn; /* as given on the command line (in rq.fnames) */
    double overhead;  /* seconds spent matching */
};

struct rq_perf {
    int64_t njobs;
    double min;
    double max;
    double accum;
};

/* The last jobspec file parsed, kept while the file is unchanged (same
 * device, inode, size and modification time): benchmarks and scripts send
 * the same file thousands of times, and parsing it cost more than matching
 * it. */
struct rq_jscache {
    char *fn;
    jobspec_t *js;
    uint64_t dev, ino;
    int64_t size, mtime_sec, mtime_nsec;
};

struct rq {
    graph_t *g;
    matcher_t *m;
    writer_t *w;
    enum writer_format fmt;
    FILE *out;           /* -t file or stdout */
    bool elapse;         /* -e */
    bool full_walk;      /* -e counts need a dry full walk (best-first policies) */
    int64_t jobid;       /* next job id */
    struct rq_job *jobs; /* sorted by id */
    size_t njobs;
    size_t jobs_cap;
    /* the jobs' jobspec file names, each once in a row: a session matches
     * the same file again and again (2,000 copies of one name on bench1000) */
    char **fnames;
    size_t nfnames, fnames_cap;
    struct rq_perf perf;
    struct rq_jscache jscache;
};

/* Result of one command: keep reading, or stop (quit). */
enum rq_next { RQ_CONTINUE, RQ_QUIT };

/* Run one command line, already split into argc tokens (argc >= 1). */
enum rq_next rq_command(struct rq *rq, int argc, char **argv);

/* Monotonic seconds, for elapsed-time figures. */
double rq_now(void);

/* ---- job table (rq_jobs.c) ----------------------------------------------- */

/* The job with this id, or NULL. */
struct rq_job *rq_job_find(struct rq *rq, int64_t id);

/* Add (or replace) a job record; jobspec_fn is copied (shared with the
 * previous job's when equal).  -1 on ENOMEM. */
int rq_job_add(struct rq *rq, int64_t id, enum rq_job_state st, int64_t at,
               const char *jobspec_fn, double overhead);

/* Print the `list`/`info` line of a job on stdout. */
void rq_job_print(const struct rq_job *job);

/* Account one successful match taking `elapsed` seconds. */
void rq_perf_add(struct rq *rq, double elapsed);

/* ---- graph output (rq_graphout.c) ----------------------------------------- */

/* -o/-g: write g's live vertices and edges to BASENAME.dot or
 * BASENAME.graphml (format "dot" or "graphml"; NULL = dot).  -1 with errno
 * (and a message on stderr) on failure. */
int rq_graph_write(const graph_t *g, const char *basename, const char *format);

/* Free the job table and its file names. */
void rq_jobs_free(struct rq *rq);

/* Free the cached jobspec (rq_cmds.c).  Safe on an empty cache. */
void rq_jscache_free(struct rq *rq);

#endif
