/* stratad internals: the instance and the pieces that share it.
 *
 *   backend.c   the queue manager's backend over the matcher, keeping each
 *               allocation's R (rv1) for the job that got it;
 *   jobs.c      the job table and the lifecycle NEW -> PENDING -> RUN ->
 *               CLEANUP -> INACTIVE;
 *   methods.c   one function per protocol method (docs/protocol.md);
 *   exec.c      running a job's tasks on this host, timeouts, reaping;
 *   journal.c   the append-only journal and its replay after a restart;
 *   server.c    nng: the REP context pool and the PUB event socket;
 *   events.c    recent events for "events.poll" (events over TLS);
 *   config.c    the YAML configuration file (--config);
 *   props.c     drain and property changes, journaled and replayed;
 *   stratad.c   options and the main loop.
 *
 * Threading: nng's callbacks and the main loop share the instance under one
 * mutex (inst->lock).  Only the main thread forks and reaps children: it
 * sleeps in sigtimedwait() on SIGCHLD, SIGTERM, SIGINT and SIGUSR1, and
 * request handlers wake it with SIGUSR1 (inst_kick()) after changing what
 * the scheduler must look at.
 */
#ifndef STRATA_DAEMON_STRATAD_H
#define STRATA_DAEMON_STRATAD_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include <jansson.h>

#include "daemon/proto.h"
#include "jobspec/jobspec.h"
#include "match/match.h"
#include "policy/queue.h"
#include "resource/graph.h"
#include "resource/idset.h"

#define JOB_STATES(X)                                                                        \
    X(JOB_NEW, "new", "N")                                                                   \
    X(JOB_PENDING, "pending", "PD")                                                          \
    X(JOB_RUN, "run", "R")                                                                   \
    X(JOB_CLEANUP, "cleanup", "C")                                                           \
    X(JOB_INACTIVE, "inactive", "I")

#define JOB_RESULTS(X)                                                                       \
    X(JOB_RESULT_NONE, "")                                                                   \
    X(JOB_RESULT_COMPLETED, "completed")                                                     \
    X(JOB_RESULT_FAILED, "failed")                                                           \
    X(JOB_RESULT_CANCELED, "canceled")                                                       \
    X(JOB_RESULT_TIMEOUT, "timeout")

#define JOB_STATE_ENUM_(e, s, a) e,
#define JOB_RESULT_ENUM_(e, s) e,
enum job_state { JOB_STATES(JOB_STATE_ENUM_) JOB_STATE_COUNT };
enum job_result { JOB_RESULTS(JOB_RESULT_ENUM_) JOB_RESULT_COUNT };
#undef JOB_STATE_ENUM_
#undef JOB_RESULT_ENUM_

/* A request parked until a job becomes inactive (protocol "wait"). */
struct waiter {
    struct waiter *next;
    void *worker; /* server.c's context */
};

struct job {
    int64_t id;
    uint32_t uid;
    char *name;
    jobspec_t *js;
    json_t *spec; /* the jobspec as JSON (owned) */
    enum job_state state;
    enum job_result result;
    double t[JOB_STATE_COUNT]; /* wall time of entering each state, 0 if never */
    bool noexec;
    int64_t duration; /* seconds from the jobspec, 0: unlimited */
    int ntasks;
    char *R;     /* rv1 JSON text while running and after, or NULL */
    char *ranks; /* idset of the allocated ranks */
    char *cores; /* cores allocated on this host (idset), or NULL */
    int nnodes;
    pid_t *pids; /* ntasks entries; 0 once reaped */
    int nlive;
    int exitcode; /* highest task exit code; 128+sig for a signal */
    double deadline; /* end of a noexec hold, or the time limit; 0 none */
    double kill_at;  /* SIGKILL time after a SIGTERM, 0 none */
    bool cancel_requested;
    bool restored; /* allocation replayed into the matcher after a restart */
    bool timed_out;
    bool purge; /* to be forgotten by the compaction under way */
    char *reason;
    const char *how; /* queue_start_name(): immediate, backfill, reservation */
    char *out_path;
    char *err_path;
    struct waiter *waiters;
};

struct instance_opts {
    const char *load;        /* NULL: live hwloc */
    const char *load_format; /* default: by extension / "jgf" */
    const char *allowlist;   /* hwloc levels kept */
    const char *match_policy;
    const char *queue_policy;
    int queue_depth;
    int reservation_depth;
    const char *rundir;
    const char *statedir;
    bool noexec;
    int64_t default_duration;
    double kill_grace;
    size_t max_request;
    int contexts;
    const char *tls_uri;  /* tls+tcp://HOST:PORT, or NULL: no TCP endpoint */
    const char *tls_cert; /* PEM certificate + key file of the endpoint */
    const char *secret_file; /* the shared secret remote clients must send */
    const char **queues; /* --queue specs NAME[:KEY=VALUE,...]; none: one "default" */
    int nqueues;
    int64_t journal_max_records; /* compact beyond this many records */
    int64_t inactive_limit;      /* inactive jobs kept at a compaction */
};

struct instance {
    pthread_mutex_t lock;
    pthread_t main_thread;
    struct instance_opts opts;
    uid_t owner;
    double t_start;
    graph_t *g;
    bool graph_is_host; /* live hwloc: tasks are bound to their cores */
    matcher_t *m;
    struct queue_backend be;
    queue_clock_t *clock;
    queue_mgr_t *qm;
    struct job **jobs; /* indexed by id; ids are dense from 1 */
    int64_t njobs;     /* highest id */
    int64_t jobs_cap;
    int64_t count[JOB_STATE_COUNT];
    int64_t *running; /* ids of jobs in RUN or CLEANUP */
    size_t nrunning;
    size_t running_cap;
    bool dirty;    /* the queue must be looked at */
    bool stopping; /* shutdown requested */
    idset_t *drained;
    char *uri;
    char *event_uri;
    struct journal *journal;
    void *server;
    struct events *events; /* recent events (events.c) */
    int64_t event_seq;
    int64_t requests;
    int64_t request_errors;
    int64_t compactions; /* journal compactions since start */
    int64_t purged;      /* inactive jobs forgotten since start */
    int64_t compact_retry; /* after a failed compaction: not before this many records */
    double compact_max_ms; /* longest purge + compaction */
    char *secret; /* read from opts.secret_file, or NULL */
    json_t *rchanges; /* drain and property changes so far (props.c), or NULL */
};

/* ---- jobs.c ------------------------------------------------------------------ */
const char *job_state_name(enum job_state s);
const char *job_state_abbrev(enum job_state s);
const char *job_result_name(enum job_result r);
int job_state_parse(const char *s, enum job_state *st);
int job_result_parse(const char *s, enum job_result *r);
double inst_now(void);
struct job *inst_job(struct instance *inst, int64_t id);
/* A jobspec without a duration is planned with --default-duration (the
 * matcher would otherwise hold its resources to the end of its window, and
 * a request for one core looks unsatisfiable while every node is held).
 * Sets it on js; returns the duration js had. */
double inst_plan_duration(const struct instance *inst, jobspec_t *js);
/* Create a job from a parsed jobspec (stolen on success) in state NEW; a
 * jobspec without a duration gets the planning one (inst_plan_duration()). */
struct job *inst_job_new(struct instance *inst, int64_t id, uint32_t uid, jobspec_t *js,
                         json_t *spec, bool noexec);
/* Give j its R (rv1 text, stolen; may be j->R itself) and derive its
 * ranks, node count and the cores of its first rank from it. */
void inst_job_take_R(struct instance *inst, struct job *j, char *R);
void inst_job_set_state(struct instance *inst, struct job *j, enum job_state st, double t);
/* Give the job to the queue manager (PENDING).  -1 with err on failure. */
int inst_job_enqueue(struct instance *inst, struct job *j, struct st_error *err);
/* End a job: release its resources, set result, go INACTIVE, notify waiters. */
void inst_job_finish(struct instance *inst, struct job *j, enum job_result r, const char *reason);
/* A noexec job that was running when the daemon died: hold its R again
 * in the matcher for the rest of its duration.  -1 if that cannot be done. */
int inst_job_restore(struct instance *inst, struct job *j, struct st_error *err);
/* The queue manager's start/reject callback. */
void inst_queue_event(void *arg, const struct queue_job *qj, const struct queue_job_status *st);
json_t *inst_job_json(struct instance *inst, const struct job *j, bool full, uint32_t uid);
void inst_jobs_free(struct instance *inst);
/* Whether the ending process frees its state (the job table, events,
 * graph...) before it exits: freeing 25,000 jobs one by one takes a leaf
 * instance ~0.1-0.6 s that its parent job waits for, and the kernel takes
 * the heap back at once.  true in sanitizer builds (leaks must show) and
 * when STRATAD_FULL_FREE is set to anything but "" or "0" (valgrind). */
bool inst_exit_frees(void);
/* Ids up to n are taken (a compacted journal's snapshot): the next job is
 * at least n + 1.  -1 with ENOMEM. */
int inst_jobs_reserve_ids(struct instance *inst, int64_t n);
/* Remove a NEW job that was never acknowledged (its submit could not be
 * journaled): no trace is left.  The caller gives its id back (njobs). */
void inst_job_discard(struct instance *inst, struct job *j);
/* Mark the oldest inactive jobs (by end time) beyond keep to be forgotten
 * (job->purge: a compaction leaves them out).  Returns how many. */
int64_t inst_jobs_mark_purge(struct instance *inst, int64_t keep);
/* Forget the marked jobs (drop) or unmark them (the compaction failed). */
void inst_jobs_purge_marked(struct instance *inst, bool drop);
/* Purge and compact the journal when it has grown past its limit. */
void inst_journal_maintain(struct instance *inst);
/* The name of the queue a job was routed to (its jobspec's, else the
 * first queue's). */
const char *inst_job_queue(const struct instance *inst, const struct job *j);
void inst_kick(struct instance *inst);
void inst_publish(struct instance *inst, const char *event, json_t *body);
/* One turn of the main loop's work; returns seconds until the next deadline. */
double inst_tick(struct instance *inst);

/* ---- events.c ---------------------------------------------------------------- */
/* The store of recent events (inst->events).  -1 with ENOMEM. */
int events_init(struct instance *inst);
/* Free it; parked polls are dropped (their workers are the server's). */
void events_fini(struct instance *inst);
/* Keep event (a new reference is taken) as number inst->event_seq and
 * answer the parked polls. */
void events_record(struct instance *inst, json_t *event);
/* Answer the polls whose timeout passed; seconds until the next one's. */
double events_tick(struct instance *inst, double now);
/* The "events.poll" method: params {"after": SEQ (-1: from now), "timeout":
 * ms, "max": N}; result {"events": [...], "last", "oldest"}.  Returns 1 when
 * the request was parked until an event comes or the timeout passes. */
int events_method_poll(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                       json_t **result, struct st_error *err);

/* ---- backend.c --------------------------------------------------------------- */
int backend_create(graph_t *g, matcher_t *m, struct queue_backend *be);
void backend_destroy(struct queue_backend *be);
/* The R of the last allocation of jobid (caller frees), or NULL: rv1 with
 * the JGF "scheduling" key when jgf is true, else rv1_nosched. */
char *backend_take_R(struct queue_backend *be, int64_t jobid, bool jgf);

/* ---- methods.c --------------------------------------------------------------- */
/* Handle one request from uid (remote: it came over the TLS endpoint and
 * must carry the shared secret; it then acts as the instance owner).  Returns 0 with *reply set (caller frees) or 1
 * when the reply is deferred (w was parked; server_complete() answers). */
int methods_dispatch(struct instance *inst, const char *buf, size_t len, uint32_t uid,
                     bool remote, void *worker, char **reply);
/* Cancel a job as the "cancel" method does (no permission check): a
 * queued one ends at once; a running one gets SIGTERM, then SIGKILL after
 * --kill-grace (a noexec hold ends at the next tick); asked once only.
 * Nothing for NULL or an inactive job. */
void methods_cancel_job(struct instance *inst, struct job *j);

/* ---- exec.c ------------------------------------------------------------------ */
/* Start a job's tasks (or its noexec hold). -1 with errno, reason filled. */
int exec_start(struct instance *inst, struct job *j, char **reason);
/* Collect exited children and act on deadlines. */
void exec_reap(struct instance *inst);
/* Signal a running job's tasks (cancel, timeout). */
void exec_signal(struct instance *inst, struct job *j, int sig);

/* ---- journal.c --------------------------------------------------------------- */
struct journal;
struct journal *journal_open(const char *dir, struct st_error *err);
void journal_close(struct journal *jn);
/* Append a record (stolen).  sync: fsync before returning. */
int journal_append(struct journal *jn, json_t *rec, bool sync);
/* Append many records with one write and one fsync: all or nothing (on
 * failure, -1 with errno and the journal as it was). */
int journal_append_many(struct journal *jn, json_t **recs, size_t n);
/* Records (new references, NULL on ENOMEM): a submit from its fields, a
 * job's run (with its R) and its end. */
json_t *journal_rec_submit(int64_t id, uint32_t uid, double t, bool noexec, json_t *spec);
json_t *journal_rec_run(const struct job *j);
json_t *journal_rec_inactive(const struct job *j);
/* Rewrite the journal as the records of inst's jobs (crash-safe: temp
 * file, fsync, rename, fsync of the directory).  -1 with errno, the old
 * journal kept. */
int journal_compact(struct journal *jn, struct instance *inst);
/* Records written by the last compaction (0 before the first). */
int64_t journal_snapshot_records(const struct journal *jn);
/* Replay into inst (jobs rebuilt); reports a corrupt tail on stderr. */
int journal_replay(struct journal *jn, struct instance *inst, struct st_error *err);
const char *journal_path(const struct journal *jn);
const char *journal_error(const struct journal *jn);
int64_t journal_records(const struct journal *jn);

/* ---- config.c ---------------------------------------------------------------- */
/* Read a YAML config file into "--key=value" arguments (caller frees with
 * config_free()).  A "queues" key maps queue names to their parameters
 * (policy, queue-depth, reservation-depth) and becomes one
 * "--queue=NAME:key=value,..." per queue.  -1 with err "FILE:LINE:COL:
 * what" on a bad file. */
int config_load(const char *path, char ***args, int *nargs, struct st_error *err);
void config_free(char **args, int n);
/* A whole decimal number in [lo, hi] (an option's value).  -1 with EINVAL
 * (not a number, out of range, NULL arguments, lo > hi) or ERANGE. */
int config_number(const char *s, long long lo, long long hi, long long *out);
/* The value of stratad's numeric option key (without "--": queue-depth,
 * reservation-depth, default-duration, kill-grace, contexts, max-request,
 * journal-max-records, inactive-limit), checked against its range: the
 * one table the command line and the config file share.  0 with *out; -1
 * with *what the words after "'VALUE' is " ("not 1..1000000"; EINVAL
 * also for NULL arguments); 1 when key is not a numeric option. */
int config_number_option(const char *key, const char *value, long long *out, const char **what);
/* Parse a --queue spec "NAME[:policy=P,queue-depth=N,reservation-depth=N]"
 * into *qp (name copied into name, n bytes; unset fields 0/NULL; policy
 * points into spec, up to the next ',').  The policy name is not checked
 * here.  -1 with err (EINVAL) on a malformed spec or NULL arguments. */
int config_queue_spec(const char *spec, char *name, size_t n, struct queue_params *qp,
                      struct st_error *err);

/* ---- props.c ----------------------------------------------------------------- */
/* Journal records (new references) of a change on n vertices, named by
 * their containment paths: drain (down) or undrain; set a property (value)
 * or remove it (value NULL).  NULL with EINVAL (bad arguments, a vertex
 * without a containment path) or ENOMEM. */
json_t *props_rec_status(struct instance *inst, const vtx_t *v, int n, bool down);
json_t *props_rec_property(struct instance *inst, const vtx_t *v, int n, const char *key,
                           const char *value);
/* Journal rec (stolen; NULL: fails with the errno its maker left) with an
 * fsync, then make the change and remember it for compactions.  A failed
 * write changes nothing: -1 with err.  -1 with err also if the change was
 * recorded but could only partly be made (ENOMEM). */
int props_record(struct instance *inst, json_t *rec, struct st_error *err);
/* true for the record types props_apply() takes: status, property, and a
 * compaction's resources. */
bool props_is_record(const json_t *rec);
/* Make the change a record describes and remember it (replay, and
 * props_record()).  Paths the graph does not have are skipped and counted
 * in *missing (may be NULL).  -1 with EINVAL (not such a record, or
 * malformed) or ENOMEM; what was applied before the failure stays. */
int props_apply(struct instance *inst, json_t *rec, int64_t *missing);
/* The "resources" record a compaction writes (a new reference): every
 * change so far.  NULL with errno 0 when there is none, EINVAL, ENOMEM. */
json_t *props_snapshot(const struct instance *inst);
/* Forget the changes (inst->rchanges); NULL-safe. */
void props_free(struct instance *inst);

/* ---- server.c ---------------------------------------------------------------- */
int server_start(struct instance *inst, struct st_error *err);
void server_stop(struct instance *inst);
/* Answer a deferred request (reply stolen). */
void server_complete(void *worker, char *reply);
int server_publish(struct instance *inst, const char *text);
/* ipc:// listeners restarted by the endpoint watch since start (server.c's
 * top comment: nng 1.5.2 stops accepting after a client left during its
 * handshake); 0 without a server. */
int64_t server_listener_restarts(const struct instance *inst);

#endif
