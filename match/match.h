/* match: match jobspec requests against a resource graph over time.
 *
 * A matcher holds the scheduling state of one graph: per-vertex planners,
 * aggregate pruning filters, and the spans each job holds.  match_run()
 * performs one depth-first-and-up traversal (Fluxion's DFU semantics) of the
 * dominant subsystem for the window [at, at + duration), ordered and scored
 * by the match policy, and on success commits spans and emits the selection
 * to a writer.
 *
 * Ops (resource-query `match <op>`):
 *   ALLOCATE                   now (at = 0) or fail with EBUSY
 *   ALLOCATE_ORELSE_RESERVE    now, else the earliest future time
 *   ALLOCATE_WITH_SAT          now; EBUSY if it could fit later, ENODEV never
 *   SATISFIABILITY             only check; ENODEV if it can never fit
 *   WITHOUT_ALLOCATING[_FUTURE] like ALLOCATE[_ORELSE_RESERVE], commit nothing
 *
 * errno on failure: EBUSY (no fit now / in the window), ENODEV or ENOENT
 * (unsatisfiable), EINVAL (bad jobspec for this graph: err says why),
 * EEXIST (job id in use).  A failed call leaves every planner unchanged.
 */
#ifndef STRATA_MATCH_H
#define STRATA_MATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "jobspec/jobspec.h"
#include "resource/graph.h"
#include "resource/st_error.h"
#include "resource/writer.h"

typedef struct matcher matcher_t;

#define MATCH_OPS(X)                                                                         \
    X(MATCH_ALLOCATE, "allocate")                                                            \
    X(MATCH_ALLOCATE_ORELSE_RESERVE, "allocate_orelse_reserve")                              \
    X(MATCH_ALLOCATE_WITH_SATISFIABILITY, "allocate_with_satisfiability")                    \
    X(MATCH_SATISFIABILITY, "satisfiability")                                                \
    X(MATCH_WITHOUT_ALLOCATING, "without_allocating")                                        \
    X(MATCH_WITHOUT_ALLOCATING_FUTURE, "without_allocating_future")

#define MATCH_OP_ENUM_(e, s) e,
enum match_op { MATCH_OPS(MATCH_OP_ENUM_) MATCH_OP_COUNT };
#undef MATCH_OP_ENUM_

int match_op_parse(const char *name, enum match_op *op);
const char *match_op_name(enum match_op op);

enum match_traverser { MATCH_TRAVERSER_SIMPLE, MATCH_TRAVERSER_FLEXIBLE };

struct match_params {
    const char *policy;        /* "first" (default), "high", ..., or a custom string */
    const char *subsystems;    /* -S name: "CA" (default), "PA", "C+PA", ... */
    const char *prune_filters; /* "ALL:core,ALL:node" (default) */
    enum match_traverser traverser;
    int64_t graph_start;       /* default 0 */
    int64_t graph_duration;    /* default 3153600000 (100 years) */
    /* Reference-compatible reservation search after an attach or remove
     * beside jobs: the root's search keys of the jobs' time points keep
     * their former free amounts until a span over them changes, so a
     * reservation can start later than the earliest free time, as
     * Fluxion's does (docs/matching.md, t3028 009).  resource-query sets
     * it to be a drop-in; off (the default: stratad, strata-sim), every
     * search uses the true free amounts. */
    bool stale_search_keys;
};

/* Visit counts of the last traversal (resource-query -e, cancel stats). */
struct match_stats {
    int64_t preorder;
    int64_t postorder;
};

/* Create a matcher over g (borrowed; the matcher may change vertex status
 * and grow/shrink g through the calls below).  NULL with err filled on a bad
 * policy ("can't create matcher"), subsystem name or prune-filter spec. */
matcher_t *match_create(graph_t *g, const struct match_params *params, struct st_error *err);
void match_destroy(matcher_t *m);

/* Run one match for job `jobid`.  On entry *at is "now" (resource-query
 * always passes 0; the daemon and simulator pass their clock); on success it
 * receives the scheduled time (== now for an allocation, > now for a
 * reservation).
 * On success the selection is emitted to w (may be NULL).  Returns 0 or -1
 * with errno as above; err gets jobspec-vs-graph errors (unknown type...). */
int match_run(matcher_t *m, enum match_op op, const jobspec_t *js, int64_t jobid, int64_t *at,
              writer_t *w, struct match_stats *stats, struct st_error *err);

/* Cancel all of a job's spans.  ENOENT if unknown. */
int match_cancel(matcher_t *m, int64_t jobid, struct match_stats *stats);

/* Release the resources named in an R (reader "rv1exec" or "jgf") from a job.
 * *full is set when nothing of the job remains (the job is gone). */
int match_partial_cancel(matcher_t *m, int64_t jobid, const char *reader, const char *r_text,
                         bool *full, struct match_stats *stats, struct st_error *err);

/* Replay an existing allocation/reservation given as R (reader "jgf",
 * "jgf_shorthand" or "rv1exec") for jobid over [at, at + duration). */
int match_update(matcher_t *m, bool reserve, const char *reader, const char *r_text,
                 int64_t jobid, int64_t at, int64_t duration, writer_t *w,
                 struct st_error *err);

/* find EXPR: emit every vertex matching the predicate expression. */
int match_find(matcher_t *m, const char *expr, writer_t *w, struct st_error *err);

/* Grow the graph with a JGF subgraph; re-primes filters. */
int match_attach(matcher_t *m, const char *jgf_text, struct st_error *err);

/* Remove a subgraph by containment path, or the nodes of an idset of ranks. */
int match_remove_path(matcher_t *m, const char *path, struct st_error *err);
int match_remove_ranks(matcher_t *m, const char *ranks, struct st_error *err);

/* Mark a vertex up or down. */
int match_set_status(matcher_t *m, vtx_t v, enum vtx_status st);

/* true if jobid holds spans (allocated or reserved). */
bool match_job_exists(const matcher_t *m, int64_t jobid);

/* Full walk (statistics): when on, a match visits every child it may use
 * instead of stopping once the best-scored ones suffice, as the reference
 * traverser does, so that match_stats counts what the reference prints
 * (resource-query -e).  Selections are the same either way; only slower.
 * 0, or -1 with EINVAL if m is NULL. */
int match_set_full_walk(matcher_t *m, bool on);

#endif
