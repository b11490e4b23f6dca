/* sim: the pieces of strata-sim, the batch simulator (docs/strata-sim.md).
 *
 *   sim_trace.c    workloads: SWF (plain or gzip) and JSON lines, with the
 *                  cleaning rules, into an array of sim_job;
 *   sim_machine.c  the machine: a graph built in memory (flat or nodes x
 *                  cores) or read by any resource reader, and the jobspec of
 *                  each SWF job under a mapping (cores anywhere / whole nodes);
 *   sim_match.c    the queue backend over the real matcher (match/match.h);
 *   sim_run.c      the event-driven simulated clock driving policy/queue.h;
 *   sim_out.c      jobs.csv, summary.json, gnuplot plots, the --compare table.
 *
 * strata-sim.c only parses the command line and calls these.
 */
#ifndef STRATA_TOOLS_SIM_H
#define STRATA_TOOLS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "jobspec/jobspec.h"
#include "match/match.h"
#include "policy/queue.h"
#include "resource/graph.h"
#include "resource/st_error.h"

/* ---- workload --------------------------------------------------------------- */

struct sim_job {
    int64_t id; /* SWF job number, or the JSON "id" (else the line number) */
    int64_t submit;
    int64_t run;   /* actual run time, <= req after cleaning */
    int64_t req;   /* requested time: the allocation's duration */
    int64_t procs; /* SWF processors (0 for JSON jobs with a jobspec) */
    int64_t size;  /* units a counting backend charges, and used for utilization */
    int64_t priority;
    int64_t shape_class; /* see queue_job.shape_class; 0 for free-form jobspecs */
    char *queue;         /* owned, or NULL */
    jobspec_t *js;       /* owned by the workload (shared between jobs) */
    int64_t line;
    /* results of a run */
    int64_t start; /* -1 if it never started */
    int64_t end;
    int64_t cores;    /* cores allocated (for utilization) */
    int how;          /* enum queue_start */
    int reject_errno; /* 0, or why the queue rejected it */
    char *alloc;      /* allocation summary (owned), or NULL */
};

/* Why jobs were dropped while loading (the cleaning rules). */
struct sim_dropped {
    int64_t malformed; /* --lenient only: lines skipped */
    int64_t no_procs;  /* procs <= 0 */
    int64_t too_big;   /* procs > machine size */
    int64_t no_time;   /* run or requested time <= 0 */
    int64_t truncated; /* kept, with run time cut to the requested time */
};

struct sim_workload {
    struct sim_job *jobs;
    size_t n;
    size_t cap;
    int64_t max_procs; /* from "; MaxProcs:" (0 if absent) */
    int64_t max_nodes;
    struct sim_dropped dropped;
    jobspec_t **specs; /* every jobspec the jobs point to (owned) */
    size_t nspecs;
    size_t speccap;
};

struct sim_load_opts {
    bool lenient;          /* skip and count malformed lines instead of failing */
    int64_t machine_procs; /* jobs above this are dropped; 0: use MaxProcs */
    int64_t max_jobs;      /* keep only the first N jobs (0: all) */
};

/* Load a workload: SWF if the path does not end in .jsonl/.json (.gz is
 * read transparently), else JSON lines.  Jobs come out sorted by submit
 * time, then file order.  -1 with err "FILE:LINE: what" on a malformed
 * line (unless lenient) or an unreadable file. */
int sim_workload_load(const char *path, const struct sim_load_opts *o, struct sim_workload *w,
                      struct st_error *err);

/* The processors a trace's header gives: MaxProcs, else MaxNodes (the
 * Lublin model traces give only nodes, one processor each), else 0.  0 for
 * a NULL w. */
int64_t sim_trace_procs(const struct sim_workload *w);

/* Free everything the workload owns (not w itself). */
void sim_workload_fini(struct sim_workload *w);

/* Keep js with the workload (freed by sim_workload_fini()).  -1 ENOMEM. */
int sim_workload_add_spec(struct sim_workload *w, jobspec_t *js);

/* Forget the results of a previous run (start, end, alloc...). */
void sim_workload_reset(struct sim_workload *w);

/* ---- machine and mapping ---------------------------------------------------------- */

enum sim_mapping {
    SIM_MAP_CORES, /* procs cores anywhere: slot[procs] -> core[1] */
    SIM_MAP_NODES, /* ceil(procs / cores_per_node) whole nodes, exclusive */
};

struct sim_machine_spec {
    int64_t procs; /* flat machine: one node holding procs cores */
    int64_t nodes; /* or nodes x cores_per_node */
    int64_t cores_per_node;
    const char *path;   /* or a file read by reader_load() */
    const char *format; /* its reader ("grug", "jgf", "hwloc", ...) */
};

/* Build (or read) the machine.  NULL with err filled. */
graph_t *sim_machine_create(const struct sim_machine_spec *spec, struct st_error *err);

/* Cores of the machine (sum of core vertex sizes) and nodes. */
int64_t sim_machine_cores(const graph_t *g);
int64_t sim_machine_nodes(const graph_t *g);

/* Give every SWF job (procs > 0, no jobspec yet) a jobspec under the
 * mapping, sharing one jobspec between jobs with the same shape and
 * requested time, and set job->size.  -1 with err filled. */
int sim_workload_map(struct sim_workload *w, enum sim_mapping map, int64_t cores_per_node,
                     struct st_error *err);

/* ---- backends ------------------------------------------------------------------ */

/* A queue backend over the real matcher on g with the match policy.  The
 * backend keeps a writer to summarise allocations. */
int sim_match_backend_create(graph_t *g, const char *match_policy, struct queue_backend *be,
                             struct st_error *err);
void sim_match_backend_destroy(struct queue_backend *be);

/* Summary of what the matcher allocated for jobid in its last successful
 * allocation at now ("16 core on node[0-1]") on graph g; malloc'd, NULL if
 * none.  *cores receives the number of cores in it (left alone when NULL is
 * returned). */
char *sim_match_backend_last_alloc(struct queue_backend *be, const graph_t *g, int64_t jobid,
                                   int64_t *cores);

/* ---- the run --------------------------------------------------------------------- */

enum sim_semantics {
    SIM_SEM_FLUXION, /* all events of an instant, then one pass */
    SIM_SEM_PYSS,    /* pyss: submissions (pass if the job fits), then each end */
};

enum sim_backend_kind { SIM_BACKEND_MATCH, SIM_BACKEND_COUNT };

struct sim_queue_spec {
    const char *name;
    const char *policy;
};

struct sim_config {
    struct sim_queue_spec *queues; /* at least one */
    int nqueues;
    int queue_depth;       /* 0: default (unlimited under pyss) */
    int reservation_depth; /* 0: the policy's */
    int floating;          /* -1: under pyss only; else 0/1 (queue_params) */
    enum sim_semantics semantics;
    enum sim_backend_kind backend;
    const char *match_policy; /* "first" ... */
    graph_t *graph;           /* the machine (match backend) */
    int64_t machine_cores;    /* units of the count backend, utilization */
    bool progress;            /* print a progress line on stderr */
};

/* One sample of the machine after the events of an instant. */
struct sim_sample {
    int64_t t;
    int64_t busy;    /* units in use by running jobs */
    int64_t pending; /* jobs waiting */
};

struct sim_result {
    struct sim_sample *samples;
    size_t nsamples;
    size_t samplecap;
    struct queue_pass_stats passes;
    double wall_seconds;
    int64_t started;
    int64_t rejected;
};

/* Run the workload to completion.  Job results are written into w->jobs.
 * -1 with err filled on a setup or backend failure. */
int sim_run(const struct sim_config *cfg, struct sim_workload *w, struct sim_result *r,
            struct st_error *err);
void sim_result_fini(struct sim_result *r);

/* ---- outputs ----------------------------------------------------------------------- */

struct sim_summary {
    int64_t jobs;
    int64_t started;
    int64_t rejected;
    double utilization;
    double wait_mean;
    double wait_median;
    double wait_p95;
    double wait_max;
    double bsld_mean; /* bounded slowdown, tau = 10 s */
    int64_t makespan;
    double throughput; /* jobs per hour over the makespan */
    double pass_mean_us;
    double pass_max_us;
    int64_t passes;
    int64_t backend_calls;
    int64_t skipped_calls;
    double wall_seconds;
};

void sim_summarize(const struct sim_workload *w, const struct sim_result *r,
                   int64_t machine_cores, struct sim_summary *s);

/* Write jobs.csv / summary.json (labels: the run's settings).  -1 with err. */
int sim_write_jobs(const char *path, const struct sim_workload *w, struct st_error *err);
int sim_write_summary(const char *path, const struct sim_summary *s, const char *const *labels,
                      const struct sim_workload *w, struct st_error *err);

/* Write DIR/series.dat, DIR/waits.dat, DIR/plots.gp and run gnuplot for
 * utilization.FMT, queue.FMT and waits.FMT (FMT "png" or "svg").  -1 with err
 * if a file cannot be written; gnuplot missing is reported, not fatal. */
int sim_write_plots(const char *dir, const char *fmt, const struct sim_workload *w,
                    const struct sim_result *r, int64_t machine_cores, struct st_error *err);

/* Print the --compare table: one column per run. */
void sim_print_compare(FILE *f, const char *const *names, const struct sim_summary *s, int n);

#endif
