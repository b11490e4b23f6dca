/* jobs: the job table and the job lifecycle. */
#include <errno.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/instance.h"
#include "daemon/instance_live.h"
#include "daemon/stratad.h"
#include "resource/idset.h"

#define JOB_STATE_NAME_(e, s, a) s,
#define JOB_STATE_ABBREV_(e, s, a) a,
#define JOB_RESULT_NAME_(e, s) s,
static const char *const state_names[] = {JOB_STATES(JOB_STATE_NAME_)};
static const char *const state_abbrevs[] = {JOB_STATES(JOB_STATE_ABBREV_)};
static const char *const result_names[] = {JOB_RESULTS(JOB_RESULT_NAME_)};
_Static_assert(sizeof state_names / sizeof *state_names == JOB_STATE_COUNT, "state names");
_Static_assert(sizeof result_names / sizeof *result_names == JOB_RESULT_COUNT, "result names");

const char *job_state_name(enum job_state s)
{
    return (unsigned)s < JOB_STATE_COUNT ? state_names[s] : "?";
}

const char *job_state_abbrev(enum job_state s)
{
    return (unsigned)s < JOB_STATE_COUNT ? state_abbrevs[s] : "?";
}

const char *job_result_name(enum job_result r)
{
    return (unsigned)r < JOB_RESULT_COUNT ? result_names[r] : "?";
}

int job_state_parse(const char *s, enum job_state *st)
{
    for (int i = 0; s && i < JOB_STATE_COUNT; i++)
        if (strcasecmp(s, state_names[i]) == 0 || strcasecmp(s, state_abbrevs[i]) == 0) {
            *st = (enum job_state)i;
            return 0;
        }
    errno = EINVAL;
    return -1;
}

int job_result_parse(const char *s, enum job_result *r)
{
    for (int i = 1; s && i < JOB_RESULT_COUNT; i++)
        if (strcasecmp(s, result_names[i]) == 0) {
            *r = (enum job_result)i;
            return 0;
        }
    errno = EINVAL;
    return -1;
}

double inst_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct job *inst_job(struct instance *inst, int64_t id)
{
    if (id < 1 || id > inst->njobs)
        return NULL;
    return inst->jobs[id];
}

static int table_reserve(struct instance *inst, int64_t id)
{
    if (id < inst->jobs_cap)
        return 0;
    int64_t cap = inst->jobs_cap ? inst->jobs_cap : 1024;
    while (cap <= id)
        cap *= 2;
    struct job **nj = realloc(inst->jobs, (size_t)cap * sizeof *nj);
    if (!nj)
        return -1;
    memset(nj + inst->jobs_cap, 0, (size_t)(cap - inst->jobs_cap) * sizeof *nj);
    inst->jobs = nj;
    inst->jobs_cap = cap;
    return 0;
}

/* Tasks of a job: a total count, or a count per slot times the slots
 * (the product of the counts from the top of the tree down to the slot). */
static int64_t slots_below(const struct js_resource *r, size_t n, const char *label)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(r[i].type, "slot") == 0 && (!label || !r[i].label ||
                                               strcmp(r[i].label, label) == 0))
            return (int64_t)r[i].count.min;
        int64_t below = slots_below(r[i].with, r[i].nwith, label);
        if (below > 0)
            return (int64_t)r[i].count.min * below;
    }
    return 0;
}

static int job_ntasks(const jobspec_t *js)
{
    if (js->ntasks == 0)
        return 1;
    const struct js_task *t = &js->tasks[0];
    int64_t n = (int64_t)t->count;
    if (t->count_kind == JS_TASK_PER_SLOT) {
        int64_t slots = slots_below(js->resources, js->nresources, t->slot);
        n *= slots > 0 ? slots : 1;
    }
    return n < 1 ? 1 : n > 100000 ? 100000 : (int)n;
}

static const char *job_name(const jobspec_t *js)
{
    json_t *n = json_object_get(json_object_get(js->attributes, "system"), "job");
    n = json_object_get(n, "name");
    if (json_is_string(n))
        return json_string_value(n);
    if (js->ntasks > 0 && js->tasks[0].ncommand > 0) {
        const char *c = js->tasks[0].command[0];
        const char *slash = strrchr(c, '/');
        return slash ? slash + 1 : c;
    }
    return "job";
}

double inst_plan_duration(const struct instance *inst, jobspec_t *js)
{
    double d = js->duration;
    if (d <= 0 && inst->opts.default_duration > 0)
        js->duration = (double)inst->opts.default_duration;
    return d;
}

struct job *inst_job_new(struct instance *inst, int64_t id, uint32_t uid, jobspec_t *js,
                         json_t *spec, bool noexec)
{
    if (id < 1 || inst_job(inst, id)) {
        errno = id < 1 ? EINVAL : EEXIST;
        return NULL;
    }
    if (table_reserve(inst, id) < 0)
        return NULL;
    struct job *j = calloc(1, sizeof *j);
    if (!j || !(j->name = strdup(job_name(js)))) {
        free(j);
        return NULL;
    }
    j->id = id;
    j->uid = uid;
    j->js = js;
    j->spec = json_incref(spec);
    j->noexec = noexec;
    j->duration = jobspec_duration_seconds(js);
    inst_plan_duration(inst, js);
    j->ntasks = job_ntasks(js);
    j->state = JOB_NEW;
    inst->jobs[id] = j;
    if (id > inst->njobs)
        inst->njobs = id;
    inst->count[JOB_NEW]++;
    return j;
}

static void job_free(struct job *j)
{
    if (!j)
        return;
    while (j->waiters) {
        struct waiter *w = j->waiters;
        j->waiters = w->next;
        free(w);
    }
    jobspec_destroy(j->js);
    json_decref(j->spec);
    free(j->name);
    free(j->R);
    free(j->ranks);
    free(j->cores);
    free(j->pids);
    free(j->reason);
    free(j->out_path);
    free(j->err_path);
    free(j);
}

/* Sanitizer builds free everything at exit, so that a leak shows. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_LEAK__)
#define JOBS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define JOBS_SANITIZED 1
#endif
#endif
#ifndef JOBS_SANITIZED
#define JOBS_SANITIZED 0
#endif

bool inst_exit_frees(void)
{
    if (JOBS_SANITIZED)
        return true;
    const char *e = getenv("STRATAD_FULL_FREE");
    return e && *e && strcmp(e, "0") != 0;
}

void inst_jobs_free(struct instance *inst)
{
    for (int64_t i = 1; i <= inst->njobs; i++)
        job_free(inst->jobs[i]);
    free(inst->jobs);
    free(inst->running);
    inst->jobs = NULL;
    inst->running = NULL;
}

int inst_jobs_reserve_ids(struct instance *inst, int64_t n)
{
    if (n <= inst->njobs)
        return 0;
    if (n >= INT64_MAX / 2 || table_reserve(inst, n) < 0) {
        errno = ENOMEM;
        return -1;
    }
    inst->njobs = n;
    return 0;
}

void inst_job_discard(struct instance *inst, struct job *j)
{
    if (!j || inst_job(inst, j->id) != j || j->state != JOB_NEW)
        return;
    inst->jobs[j->id] = NULL;
    inst->count[JOB_NEW]--;
    job_free(j);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int64_t inst_jobs_mark_purge(struct instance *inst, int64_t keep)
{
    int64_t n = inst->count[JOB_INACTIVE];
    if (keep < 0 || n <= keep)
        return 0;
    /* The end time of the keep-th newest inactive job: older ones go. */
    double *t = malloc((size_t)n * sizeof *t);
    if (!t)
        return 0;
    int64_t k = 0;
    for (int64_t id = 1; id <= inst->njobs && k < n; id++) {
        struct job *j = inst->jobs[id];
        if (j && j->state == JOB_INACTIVE)
            t[k++] = j->t[JOB_INACTIVE];
    }
    qsort(t, (size_t)k, sizeof *t, cmp_double);
    int64_t drop = k - keep, marked = 0;
    double cut = drop > 0 ? t[drop - 1] : -1;
    free(t);
    for (int64_t id = 1; id <= inst->njobs && marked < drop; id++) {
        struct job *j = inst->jobs[id];
        if (j && j->state == JOB_INACTIVE && j->t[JOB_INACTIVE] <= cut) {
            j->purge = true;
            marked++;
        }
    }
    return marked;
}

void inst_jobs_purge_marked(struct instance *inst, bool drop)
{
    for (int64_t id = 1; id <= inst->njobs; id++) {
        struct job *j = inst->jobs[id];
        if (!j || !j->purge)
            continue;
        j->purge = false;
        if (drop) {
            inst->jobs[id] = NULL;
            inst->count[JOB_INACTIVE]--;
            job_free(j);
        }
    }
}

void inst_journal_maintain(struct instance *inst)
{
    struct journal *jn = inst->journal;
    int64_t limit = inst->opts.journal_max_records;
    if (!jn || limit <= 0)
        return;
    int64_t snap = journal_snapshot_records(jn);
    int64_t n = journal_records(jn);
    if (n <= limit || n <= 2 * snap || n <= inst->compact_retry)
        return;
    double t0 = inst_now();
    /* The oldest inactive jobs leave the snapshot, and the job table only
     * once the snapshot is the journal: memory and disk stay alike. */
    int64_t purged = inst_jobs_mark_purge(inst, inst->opts.inactive_limit);
    int rc = journal_compact(jn, inst);
    inst_jobs_purge_marked(inst, rc == 0);
    if (rc < 0)
        purged = 0;
    double ms = (inst_now() - t0) * 1000;
    if (ms > inst->compact_max_ms)
        inst->compact_max_ms = ms;
    if (rc < 0) {
        /* A full disk: try again once as many records again have come. */
        fprintf(stderr, "stratad: journal: compaction failed (the journal is kept as it "
                        "is): %s\n", strerror(errno));
        inst->compact_retry = n + limit;
    } else {
        inst->compactions++;
    }
    inst->purged += purged;
}

static void running_add(struct instance *inst, int64_t id)
{
    if (inst->nrunning == inst->running_cap) {
        size_t cap = inst->running_cap ? inst->running_cap * 2 : 64;
        int64_t *r = realloc(inst->running, cap * sizeof *r);
        if (!r)
            abort(); /* the job table cannot be kept consistent without it */
        inst->running = r;
        inst->running_cap = cap;
    }
    inst->running[inst->nrunning++] = id;
}

static void running_remove(struct instance *inst, int64_t id)
{
    for (size_t i = 0; i < inst->nrunning; i++)
        if (inst->running[i] == id) {
            inst->running[i] = inst->running[--inst->nrunning];
            return;
        }
}

void inst_job_set_state(struct instance *inst, struct job *j, enum job_state st, double t)
{
    inst->count[j->state]--;
    inst->count[st]++;
    if (st == JOB_RUN)
        running_add(inst, j->id);
    if (st == JOB_INACTIVE && (j->state == JOB_RUN || j->state == JOB_CLEANUP))
        running_remove(inst, j->id);
    j->state = st;
    j->t[st] = t;
    json_t *ev = json_pack("{s:I, s:s, s:f}", "id", (json_int_t)j->id, "state",
                           job_state_name(st), "t", t);
    if (ev && st == JOB_INACTIVE)
        json_object_set_new(ev, "result", json_string(job_result_name(j->result)));
    inst_publish(inst, "job.state", ev);
}

int inst_job_enqueue(struct instance *inst, struct job *j, struct st_error *err)
{
    int64_t d = j->duration > 0 ? j->duration : inst->opts.default_duration;
    struct queue_job qj = {
        .id = j->id,
        .priority = 0,
        .submit = (int64_t)j->t[JOB_NEW],
        .duration = d > 0 ? d : 1,
        .size = -1,
        .queue = NULL,
        .js = j->js,
        .shape_class = 0,
        .data = j,
    };
    if (queue_submit(inst->qm, &qj, err) < 0)
        return -1;
    inst_job_set_state(inst, j, JOB_PENDING, inst_now());
    inst->dirty = true;
    return 0;
}

static void notify_waiters(struct instance *inst, struct job *j)
{
    while (j->waiters) {
        struct waiter *w = j->waiters;
        j->waiters = w->next;
        char *reply = proto_reply_ok(inst_job_json(inst, j, false, j->uid));
        if (!reply)
            reply = proto_reply_error(ENOMEM, NULL);
        server_complete(w->worker, reply);
        free(w);
    }
}

void inst_job_finish(struct instance *inst, struct job *j, enum job_result r, const char *reason)
{
    if (j->state == JOB_INACTIVE)
        return;
    double now = inst_now();
    if (j->state == JOB_RUN && j->restored) {
        /* The queue manager never saw it: release the matcher's spans. */
        inst_job_set_state(inst, j, JOB_CLEANUP, now);
        match_cancel(inst->m, j->id, NULL);
    } else if (j->state == JOB_RUN) {
        inst_job_set_state(inst, j, JOB_CLEANUP, now);
        if (queue_finish(inst->qm, j->id) < 0 && errno != ENOENT)
            queue_cancel(inst->qm, j->id);
    } else if (j->state == JOB_PENDING || j->state == JOB_CLEANUP) {
        queue_cancel(inst->qm, j->id);
    }
    instance_job_ended(inst, j); /* a grown instance's extra resources */
    j->result = r;
    if (reason && !j->reason)
        j->reason = strdup(reason);
    inst_job_set_state(inst, j, JOB_INACTIVE, now);
    if (inst->journal)
        journal_append(inst->journal, journal_rec_inactive(j), false);
    inst->dirty = true;
    notify_waiters(inst, j);
}

/* R's "execution" object (a new reference), or NULL.  The writer's rv1
 * starts with it: parsed alone there (the JSON value after that exact
 * prefix is the key's), so an instance's megabytes of JGF that follow are
 * not parsed back; any other text is parsed whole. */
static json_t *R_execution(const char *R)
{
    static const char prefix[] = "{\"version\": 1, \"execution\": ";
    size_t n = sizeof prefix - 1;
    if (strncmp(R, prefix, n) == 0) {
        json_t *e = json_loads(R + n, JSON_DISABLE_EOF_CHECK, NULL);
        if (json_is_object(e))
            return e;
        json_decref(e);
    }
    json_t *o = json_loads(R, 0, NULL);
    json_t *e = json_incref(json_object_get(o, "execution"));
    json_decref(o);
    return e;
}

/* The allocated ranks and, on this host's graph, the core ids of rank 0. */
void inst_job_take_R(struct instance *inst, struct job *j, char *R)
{
    if (j->R != R)
        free(j->R);
    free(j->cores);
    free(j->ranks);
    j->cores = j->ranks = NULL;
    j->R = R;
    json_t *o = R ? R_execution(R) : NULL;
    json_t *rl = json_object_get(o, "R_lite");
    idset_t *ranks = idset_create();
    size_t i;
    json_t *e;
    json_array_foreach(rl, i, e)
    {
        idset_t *s = idset_decode(json_string_value(json_object_get(e, "rank")), NULL);
        for (int64_t r = s ? idset_first(s) : -1; r >= 0; r = idset_next(s, r))
            idset_add(ranks, r);
        idset_destroy(s);
        json_t *core = json_object_get(json_object_get(e, "children"), "core");
        if (i == 0 && json_is_string(core))
            j->cores = strdup(json_string_value(core));
    }
    j->nnodes = ranks ? (int)idset_count(ranks) : 0;
    j->ranks = ranks ? idset_encode(ranks) : NULL;
    idset_destroy(ranks);
    json_decref(o);
}

int inst_job_restore(struct instance *inst, struct job *j, struct st_error *err)
{
    double now = inst_now();
    double end = j->t[JOB_RUN] + (double)j->duration;
    if (!j->noexec || !j->R || j->state != JOB_RUN || end <= now)
        return st_errorf(err, EINVAL, "job %lld: nothing to restore", (long long)j->id);
    int64_t at = (int64_t)now;
    int64_t dur = (int64_t)(end - (double)at) + 1;
    if (match_update(inst->m, false, "rv1exec", j->R, j->id, at, dur, NULL, err) < 0)
        return -1;
    inst_job_take_R(inst, j, j->R);
    j->restored = true;
    j->deadline = end;
    running_add(inst, j->id);
    return 0;
}

static void job_started(struct instance *inst, struct job *j)
{
    /* Only an instance needs its allocation's JGF (its child loads its
     * graph from it, grow and shrink edit it); other jobs' R is
     * rv1_nosched, Fluxion's default match format.  The JGF was most of a
     * 1-core job's cost: rendered, parsed back, journaled, kept. */
    bool jgf = instance_job_is_instance(j);
    inst_job_take_R(inst, j, backend_take_R(&inst->be, j->id, jgf));
    double now = inst_now();
    inst_job_set_state(inst, j, JOB_RUN, now);
    if (inst->journal)
        journal_append(inst->journal, journal_rec_run(j), false);
    char *reason = NULL;
    if (exec_start(inst, j, &reason) < 0) {
        inst_job_finish(inst, j, JOB_RESULT_FAILED, reason ? reason : "exec failed");
        free(reason);
    }
}

void inst_queue_event(void *arg, const struct queue_job *qj, const struct queue_job_status *st)
{
    struct instance *inst = arg;
    struct job *j = qj->data;
    if (!j || j->state != JOB_PENDING)
        return;
    if (st->state == QUEUE_JOB_RUNNING) {
        j->how = queue_start_name(st->how);
        job_started(inst, j);
    } else if (st->state == QUEUE_JOB_REJECTED) {
        char msg[128];
        /* ENODEV: the resources changed (drain, shrink) so that it never fits. */
        snprintf(msg, sizeof msg, "unsatisfiable: %s",
                 st->reject_errno == ENODEV ? "this instance's resources can never satisfy it"
                                            : strerror(st->reject_errno));
        inst_job_finish(inst, j, JOB_RESULT_FAILED, msg);
    }
}

static json_t *times_json(const struct job *j)
{
    json_t *o = json_object();
    for (int s = 0; o && s < JOB_STATE_COUNT; s++)
        if (j->t[s] > 0)
            json_object_set_new(o, job_state_name((enum job_state)s), json_real(j->t[s]));
    return o;
}

json_t *inst_job_json(struct instance *inst, const struct job *j, bool full, uint32_t uid)
{
    double end = j->state == JOB_INACTIVE ? j->t[JOB_INACTIVE] : inst_now();
    double runtime = j->t[JOB_RUN] > 0 ? end - j->t[JOB_RUN] : 0;
    json_t *o = json_pack("{s:I, s:i, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:f, s:o, s:b}", "id",
                          (json_int_t)j->id, "uid", (int)j->uid, "name", j->name, "state",
                          job_state_name(j->state), "st", job_state_abbrev(j->state), "result",
                          job_result_name(j->result), "ntasks", j->ntasks, "nnodes", j->nnodes,
                          "ranks", j->ranks ? j->ranks : "", "runtime", runtime, "t",
                          times_json(j), "noexec", j->noexec);
    if (!o)
        return NULL;
    if (j->state == JOB_INACTIVE)
        json_object_set_new(o, "exitcode", json_integer(j->exitcode));
    if (j->reason)
        json_object_set_new(o, "reason", json_string(j->reason));
    if (j->how)
        json_object_set_new(o, "start", json_string(j->how));
    json_object_set_new(o, "queue", json_string(inst_job_queue(inst, j)));
    if (!full)
        return o;
    json_object_set_new(o, "duration", json_integer(j->duration));
    json_object_set(o, "jobspec", j->spec);
    json_t *R = j->R ? json_loads(j->R, 0, NULL) : NULL;
    json_object_set_new(o, "R", R ? R : json_null());
    bool may_read = uid == j->uid || uid == inst->owner;
    if (may_read && j->out_path) {
        json_object_set_new(o, "stdout", json_string(j->out_path));
        json_object_set_new(o, "stderr", json_string(j->err_path));
    }
    return o;
}

const char *inst_job_queue(const struct instance *inst, const struct job *j)
{
    const char *q = j->js->queue ? j->js->queue : queue_mgr_queue_name(inst->qm, 0);
    return q ? q : "";
}

void inst_kick(struct instance *inst)
{
    pthread_kill(inst->main_thread, SIGUSR1);
}

void inst_publish(struct instance *inst, const char *event, json_t *body)
{
    if (!body)
        return;
    json_object_set_new(body, "version", json_integer(PROTO_VERSION));
    json_object_set_new(body, "seq", json_integer(++inst->event_seq));
    json_object_set_new(body, "event", json_string(event));
    events_record(inst, body);
    char *s = inst->server ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (s)
        server_publish(inst, s);
    free(s);
}

double inst_tick(struct instance *inst)
{
    exec_reap(inst);
    for (int pass = 0; inst->dirty && pass < 64; pass++) {
        inst->dirty = false;
        queue_schedule(inst->qm);
        exec_reap(inst);
    }
    double now = inst_now();
    double next = queue_pending_count(inst->qm) > 0 ? 1.0 : 10.0;
    for (size_t i = 0; i < inst->nrunning; i++) {
        struct job *j = inst_job(inst, inst->running[i]);
        double d = j->kill_at > 0 ? j->kill_at : j->deadline;
        if (d > 0 && d - now < next)
            next = d - now;
    }
    double watch = instance_tick(inst); /* adopted instance jobs (daemon/instance_live.h) */
    if (watch < next)
        next = watch;
    double polls = events_tick(inst, now);
    if (polls < next)
        next = polls;
    inst_journal_maintain(inst);
    if (inst->dirty)
        next = 0;
    return next < 0 ? 0 : next;
}
