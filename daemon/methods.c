/* methods: one handler per protocol method (docs/protocol.md).
 *
 * Each handler validates everything before it changes anything, so that a
 * refused request leaves the instance as it was.  Handlers run under the
 * instance lock.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/instance.h"
#include "daemon/instance_live.h"
#include "daemon/stratad.h"
#include "jobspec/jobspec.h"
#include "resource/hostlist.h"
#include "resource/idset.h"

typedef int (*method_f)(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                        json_t **result, struct st_error *err);

static int64_t param_int(json_t *params, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(params, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

static int m_ping(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                  json_t **result, struct st_error *err)
{
    *result = json_pack("{s:i, s:i, s:I}", "version", PROTO_VERSION, "uid", (int)uid, "pid",
                        (json_int_t)getpid());
    return 0;
}

/* ---- submit ---------------------------------------------------------------------- */

struct pending_sub {
    jobspec_t *js;
    json_t *spec;
    bool noexec;
};

/* The first resource type of r[0..n) that this instance's graph has no
 * vertex of, or NULL.  Inside an xor_slot an unknown type only rules that
 * alternative out (the matcher's rule), so those are not looked at. */
static const char *unknown_type(const graph_t *g, const struct js_resource *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(r[i].type, "xor_slot") == 0)
            continue;
        int count = 0;
        atom_t a = graph_atom_find(g, r[i].type);
        if (strcmp(r[i].type, "slot") != 0 &&
            (a == ATOM_NONE || !graph_by_type(g, a, &count) || count == 0))
            return r[i].type;
        const char *t = unknown_type(g, r[i].with, r[i].nwith);
        if (t)
            return t;
    }
    return NULL;
}

static int parse_one(struct instance *inst, json_t *v, size_t idx, bool noexec,
                     struct pending_sub *out, struct st_error *err)
{
    char *text = json_is_string(v) ? strdup(json_string_value(v))
                                   : json_is_object(v) ? json_dumps(v, JSON_COMPACT) : NULL;
    if (!text)
        return st_errorf(err, EINVAL, "jobspec[%zu]: must be an object or a string", idx);
    char name[32];
    snprintf(name, sizeof name, "jobspec[%zu]", idx);
    jobspec_t *js = jobspec_parse_string(text, strlen(text), name, err);
    free(text);
    if (!js)
        return -1;
    char *canon = jobspec_to_json(js);
    json_t *spec = canon ? json_loads(canon, 0, NULL) : NULL;
    free(canon);
    json_t *sys = json_object_get(js->attributes, "system");
    out->js = js;
    out->spec = spec;
    out->noexec = noexec || inst->opts.noexec || json_is_true(json_object_get(sys, "noexec"));
    if (!spec) {
        jobspec_destroy(js);
        return st_errorf(err, ENOMEM, "out of memory");
    }
    /* The matcher's words for this are the reference's ("... known to
     * fluxion", which resource-query must print): say it for strata. */
    const char *bad_type = unknown_type(inst->g, js->resources, js->nresources);
    if (bad_type) {
        st_errorf(err, EINVAL,
                  "jobspec[%zu]: unsatisfiable: this instance has no resource of type \"%s\"",
                  idx, bad_type);
        jobspec_destroy(js);
        json_decref(spec);
        return -1;
    }
    /* A request the graph can never satisfy is refused now, as Flux's
     * feasibility check does, rather than failing later in the queue. */
    int64_t at = (int64_t)inst_now();
    double given = inst_plan_duration(inst, js);
    int sat = match_run(inst->m, MATCH_SATISFIABILITY, js, inst->njobs + 1, &at, NULL, NULL, err);
    js->duration = given; /* copies of it and the job's own record keep what was asked */
    if (sat < 0 && errno != EBUSY) {
        int e = errno;
        char msg[ST_ERROR_MAX];
        /* Words for the user rather than strerror(ENODEV): "No such device". */
        snprintf(msg, sizeof msg, "%s",
                 err && err->text[0] ? err->text
                 : e == ENODEV       ? "this instance's resources can never satisfy it"
                                     : strerror(e));
        jobspec_destroy(js);
        json_decref(spec);
        return st_errorf(err, e == ENOENT ? ENODEV : e, "jobspec[%zu]: unsatisfiable: %s", idx,
                         msg);
    }
    if (js->queue) {
        bool known = false;
        char names[512] = "";
        for (int q = 0; q < queue_mgr_queue_count(inst->qm); q++) {
            const char *qn = queue_mgr_queue_name(inst->qm, q);
            known |= strcmp(qn, js->queue) == 0;
            size_t len = strlen(names);
            snprintf(names + len, sizeof names - len, "%s%s", q ? ", " : "", qn);
        }
        if (!known) {
            st_errorf(err, ENOENT, "jobspec[%zu]: no queue named \"%s\" (queues: %s)", idx,
                      js->queue, names);
            jobspec_destroy(js);
            json_decref(spec);
            return -1;
        }
    }
    return 0;
}

static void subs_free(struct pending_sub *subs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        jobspec_destroy(subs[i].js);
        json_decref(subs[i].spec);
    }
    free(subs);
}

/* Collect the jobspecs: "jobspec" (+ "count") or "jobspecs". */
static int submit_collect(struct instance *inst, json_t *params, struct pending_sub **out,
                          size_t *nout, struct st_error *err)
{
    json_t *one = json_object_get(params, "jobspec");
    json_t *many = json_object_get(params, "jobspecs");
    int64_t count = param_int(params, "count", 1);
    bool noexec = json_is_true(json_object_get(params, "noexec"));
    if ((one != NULL) == (many != NULL))
        return st_errorf(err, EINVAL, "submit: give exactly one of \"jobspec\" or \"jobspecs\"");
    if (many && !json_is_array(many))
        return st_errorf(err, EINVAL, "submit: \"jobspecs\" must be an array");
    if (count < 1 || count > 1000000)
        return st_errorf(err, EINVAL, "submit: \"count\" must be 1..1000000");
    size_t n = many ? json_array_size(many) : (size_t)count;
    if (n == 0)
        return st_errorf(err, EINVAL, "submit: no jobspec given");
    struct pending_sub *subs = calloc(n, sizeof *subs);
    if (!subs)
        return st_errorf(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        int rc;
        if (one && i > 0) {
            /* Copies of the first: same text, so no second parse error. */
            char *text = jobspec_to_json(subs[0].js);
            subs[i].js = text ? jobspec_parse_string(text, strlen(text), "copy", err) : NULL;
            free(text);
            subs[i].spec = json_incref(subs[0].spec);
            subs[i].noexec = subs[0].noexec;
            rc = subs[i].js ? 0 : -1;
        } else {
            rc = parse_one(inst, one ? one : json_array_get(many, i), i, noexec, &subs[i], err);
        }
        if (rc < 0) {
            int e = errno;
            subs_free(subs, i);
            errno = e;
            return -1;
        }
    }
    *out = subs;
    *nout = n;
    return 0;
}

/* Validate, then mutate: the jobs are made (no event, not queued), their
 * records written and synced; only then do they exist for anyone else.  A
 * failed write discards them again, so a refused submit leaves nothing:
 * no job, no id taken, no event, nothing in the journal. */
static int m_submit(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                    json_t **result, struct st_error *err)
{
    struct pending_sub *subs = NULL;
    size_t n = 0;
    if (submit_collect(inst, params, &subs, &n, err) < 0)
        return -1;
    json_t *ids = json_array();
    json_t **recs = calloc(n, sizeof *recs);
    double now = inst_now();
    int64_t first = inst->njobs + 1;
    size_t made = 0;
    for (; ids && recs && made < n; made++) {
        int64_t id = first + (int64_t)made;
        recs[made] = journal_rec_submit(id, uid, now, subs[made].noexec, subs[made].spec);
        struct job *j = recs[made] ? inst_job_new(inst, id, uid, subs[made].js,
                                                  subs[made].spec, subs[made].noexec)
                                   : NULL;
        if (j && json_array_append_new(ids, json_integer(id)) < 0) {
            inst_job_discard(inst, j);
            j = NULL;
        }
        if (!j)
            break;
        subs[made].js = NULL; /* the job owns it now */
        j->t[JOB_NEW] = now;
    }
    int e = made == n ? 0 : ENOMEM;
    if (e == 0 && inst->journal && journal_append_many(inst->journal, recs, n) < 0)
        e = errno ? errno : EIO;
    for (size_t i = 0; recs && i < n; i++)
        json_decref(recs[i]);
    free(recs);
    for (size_t i = 0; e != 0 && i < made; i++)
        inst_job_discard(inst, inst_job(inst, first + (int64_t)i));
    if (e != 0)
        inst->njobs = first - 1; /* the ids were never given: free again */
    subs_free(subs, n);
    if (e != 0) {
        json_decref(ids);
        return st_errorf(err, e, "submit: the job%s could not be recorded in the journal (%s); "
                                 "nothing was submitted", n > 1 ? "s" : "", strerror(e));
    }
    for (size_t i = 0; i < n; i++) {
        struct job *j = inst_job(inst, first + (int64_t)i);
        inst_publish(inst, "job.submit",
                     json_pack("{s:I, s:i}", "id", (json_int_t)j->id, "uid", (int)uid));
        if (inst_job_enqueue(inst, j, err) < 0)
            inst_job_finish(inst, j, JOB_RESULT_FAILED, "could not be queued");
    }
    inst_kick(inst);
    /* Where the jobs' output files will be (exec.c), so that strata run
     * can follow them without asking for each job's record. */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/out", inst->opts.statedir);
    *result = json_pack("{s:o, s:s}", "ids", ids, "output_dir", dir);
    return 0;
}

/* ---- cancel ------------------------------------------------------------------------ */

static int collect_ids(json_t *params, int64_t **ids, size_t *n, struct st_error *err)
{
    json_t *one = json_object_get(params, "id");
    json_t *many = json_object_get(params, "ids");
    if (json_is_integer(one)) {
        *ids = malloc(sizeof **ids);
        if (!*ids)
            return st_errorf(err, ENOMEM, "out of memory");
        (*ids)[0] = json_integer_value(one);
        *n = 1;
        return 0;
    }
    if (!json_is_array(many) || json_array_size(many) == 0)
        return st_errorf(err, EINVAL, "give an integer \"id\" or a non-empty array \"ids\"");
    *n = json_array_size(many);
    *ids = calloc(*n, sizeof **ids);
    if (!*ids)
        return st_errorf(err, ENOMEM, "out of memory");
    for (size_t i = 0; i < *n; i++) {
        json_t *v = json_array_get(many, i);
        if (!json_is_integer(v)) {
            free(*ids);
            return st_errorf(err, EINVAL, "ids[%zu]: not an integer", i);
        }
        (*ids)[i] = json_integer_value(v);
    }
    return 0;
}

static int check_cancel(struct instance *inst, int64_t id, uint32_t uid, struct st_error *err)
{
    struct job *j = inst_job(inst, id);
    if (!j)
        return st_errorf(err, ENOENT, "job %lld: no such job", (long long)id);
    if (uid != j->uid && uid != inst->owner)
        return st_errorf(err, EPERM, "job %lld: belongs to uid %u; only its owner or the "
                                     "instance owner may cancel it", (long long)id, j->uid);
    if (j->state == JOB_INACTIVE)
        return st_errorf(err, EINVAL, "job %lld: already inactive", (long long)id);
    return 0;
}

void methods_cancel_job(struct instance *inst, struct job *j)
{
    if (!inst || !j || j->state == JOB_INACTIVE)
        return;
    if (j->state == JOB_PENDING || j->state == JOB_NEW) {
        inst_job_finish(inst, j, JOB_RESULT_CANCELED, "canceled");
        return;
    }
    if (j->cancel_requested)
        return;
    j->cancel_requested = true;
    if (j->noexec) {
        j->deadline = inst_now();
    } else {
        exec_signal(inst, j, SIGTERM);
        j->kill_at = inst_now() + inst->opts.kill_grace;
    }
}

static int m_cancel(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                    json_t **result, struct st_error *err)
{
    int64_t *ids = NULL;
    size_t n = 0;
    if (collect_ids(params, &ids, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (check_cancel(inst, ids[i], uid, err) < 0) {
            free(ids);
            return -1;
        }
    for (size_t i = 0; i < n; i++)
        methods_cancel_job(inst, inst_job(inst, ids[i]));
    free(ids);
    inst_kick(inst);
    *result = json_pack("{s:i}", "canceled", (int)n);
    return 0;
}

/* ---- jobs, info, wait --------------------------------------------------------------- */

static int state_mask(json_t *states, unsigned *mask, struct st_error *err)
{
    *mask = 0;
    if (!states) {
        *mask = ~0u;
        return 0;
    }
    if (!json_is_array(states))
        return st_errorf(err, EINVAL, "jobs: \"states\" must be an array of state names");
    size_t i;
    json_t *v;
    json_array_foreach(states, i, v)
    {
        const char *s = json_string_value(v);
        enum job_state st;
        if (s && strcmp(s, "active") == 0)
            *mask |= ~(1u << JOB_INACTIVE);
        else if (s && job_state_parse(s, &st) == 0)
            *mask |= 1u << st;
        else
            return st_errorf(err, EINVAL, "jobs: unknown state \"%s\"", s ? s : "(not a string)");
    }
    return 0;
}

static int m_jobs(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                  json_t **result, struct st_error *err)
{
    unsigned mask;
    if (state_mask(json_object_get(params, "states"), &mask, err) < 0)
        return -1;
    int64_t user = param_int(params, "uid", -1);
    int64_t limit = param_int(params, "limit", 0);
    json_t *qv = json_object_get(params, "queue");
    const char *queue = json_string_value(qv);
    if (limit < 0)
        return st_errorf(err, EINVAL, "jobs: \"limit\" must be >= 0");
    if (qv && !queue)
        return st_errorf(err, EINVAL, "jobs: \"queue\" must be a queue name");
    json_t *list = json_array();
    for (int64_t id = inst->njobs; list && id >= 1; id--) {
        struct job *j = inst_job(inst, id);
        if (!j || !(mask & (1u << j->state)) || (user >= 0 && j->uid != (uint32_t)user) ||
            (queue && strcmp(inst_job_queue(inst, j), queue) != 0))
            continue;
        json_t *o = inst_job_json(inst, j, false, uid);
        instance_job_annotate(j, o);
        json_array_append_new(list, o);
        if (limit > 0 && (int64_t)json_array_size(list) >= limit)
            break;
    }
    *result = json_pack("{s:o}", "jobs", list);
    return 0;
}

static struct job *job_param(struct instance *inst, json_t *params, struct st_error *err)
{
    json_t *id = json_object_get(params, "id");
    if (!json_is_integer(id))
        return st_errorf_null(err, EINVAL, "missing integer \"id\"");
    struct job *j = inst_job(inst, json_integer_value(id));
    if (!j)
        return st_errorf_null(err, ENOENT, "job %lld: no such job",
                              (long long)json_integer_value(id));
    return j;
}

static int m_info(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                  json_t **result, struct st_error *err)
{
    struct job *j = job_param(inst, params, err);
    if (!j)
        return -1;
    *result = inst_job_json(inst, j, true, uid);
    instance_job_annotate(j, *result);
    return 0;
}

static int m_wait(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                  json_t **result, struct st_error *err)
{
    struct job *j = job_param(inst, params, err);
    if (!j)
        return -1;
    if (j->state == JOB_INACTIVE || !worker) {
        *result = inst_job_json(inst, j, false, uid);
        return 0;
    }
    struct waiter *w = calloc(1, sizeof *w);
    if (!w)
        return st_errorf(err, ENOMEM, "out of memory");
    w->worker = worker;
    w->next = j->waiters;
    j->waiters = w;
    return 1;
}

/* ---- resources ------------------------------------------------------------------------ */

static const vtx_t *nodes_of(struct instance *inst, int *n)
{
    atom_t node = graph_atom_find(inst->g, "node");
    *n = 0;
    return node >= 0 ? graph_by_type(inst->g, node, n) : NULL;
}

static idset_t *allocated_ranks(struct instance *inst)
{
    idset_t *s = idset_create();
    for (size_t i = 0; s && i < inst->nrunning; i++) {
        struct job *j = inst_job(inst, inst->running[i]);
        idset_t *r = j->ranks ? idset_decode(j->ranks, NULL) : NULL;
        for (int64_t k = r ? idset_first(r) : -1; k >= 0; k = idset_next(r, k))
            idset_add(s, k);
        idset_destroy(r);
    }
    return s;
}

static json_t *state_entry(idset_t *ranks, hostlist_t *hosts, int64_t cores)
{
    char *r = idset_encode(ranks);
    char *h = hostlist_count(hosts) ? hostlist_encode(hosts) : strdup("");
    json_t *o = json_pack("{s:i, s:I, s:s, s:s}", "nnodes", (int)idset_count(ranks), "ncores",
                          (json_int_t)cores, "ranks", r ? r : "", "nodelist", h ? h : "");
    free(r);
    free(h);
    return o;
}

/* Cores in the containment subtree of v (readers do not all give cores
 * their node's rank, so the tree is walked). */
static int64_t cores_under(struct instance *inst, vtx_t v)
{
    atom_t core = graph_atom_find(inst->g, "core");
    atom_t cont = graph_atom_find(inst->g, "containment");
    if (graph_type(inst->g, v) == core)
        return 1;
    int n = 0;
    const vtx_t *kids = graph_children(inst->g, cont, v, &n);
    int64_t c = 0;
    for (int i = 0; i < n; i++)
        c += cores_under(inst, kids[i]);
    return c;
}

static int m_resource_list(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                           json_t **result, struct st_error *err)
{
    int n;
    const vtx_t *nodes = nodes_of(inst, &n);
    idset_t *alloc = allocated_ranks(inst);
    idset_t *ranks[3] = {idset_create(), idset_create(), idset_create()};
    hostlist_t *hosts[3] = {hostlist_create(), hostlist_create(), hostlist_create()};
    int64_t cores[3] = {0, 0, 0};
    for (int i = 0; i < n; i++) {
        int32_t r = graph_rank(inst->g, nodes[i]);
        int k = graph_status(inst->g, nodes[i]) == VTX_DOWN ? 2 : idset_test(alloc, r) ? 1 : 0;
        idset_add(ranks[k], r);
        hostlist_append(hosts[k], graph_name(inst->g, nodes[i]));
        cores[k] += cores_under(inst, nodes[i]);
    }
    *result = json_pack("{s:o, s:o, s:o}", "free", state_entry(ranks[0], hosts[0], cores[0]),
                        "allocated", state_entry(ranks[1], hosts[1], cores[1]), "down",
                        state_entry(ranks[2], hosts[2], cores[2]));
    for (int k = 0; k < 3; k++) {
        idset_destroy(ranks[k]);
        hostlist_destroy(hosts[k]);
    }
    idset_destroy(alloc);
    return 0;
}

/* Nodes named by "targets": an idset of ranks or a hostlist. */
static int target_nodes(struct instance *inst, json_t *params, vtx_t **out, int *nout,
                        struct st_error *err)
{
    const char *t = json_string_value(json_object_get(params, "targets"));
    if (!t || !*t)
        return st_errorf(err, EINVAL, "missing string \"targets\" (ranks like 0-3 or hosts)");
    idset_t *ids = idset_decode(t, NULL);
    hostlist_t *hl = ids ? NULL : hostlist_decode(t, NULL);
    if (!ids && !hl)
        return st_errorf(err, EINVAL, "targets \"%s\": neither an idset nor a hostlist", t);
    int n;
    const vtx_t *nodes = nodes_of(inst, &n);
    vtx_t *sel = calloc((size_t)n + 1, sizeof *sel);
    int k = 0;
    for (int i = 0; sel && i < n; i++) {
        bool hit = ids ? idset_test(ids, graph_rank(inst->g, nodes[i]))
                       : hostlist_find(hl, graph_name(inst->g, nodes[i])) > 0;
        if (hit)
            sel[k++] = nodes[i];
    }
    size_t want = ids ? idset_count(ids) : hostlist_count(hl);
    idset_destroy(ids);
    hostlist_destroy(hl);
    if (!sel)
        return st_errorf(err, ENOMEM, "out of memory");
    if ((size_t)k != want) {
        free(sel);
        return st_errorf(err, ENOENT, "targets \"%s\": %zu of them are not nodes of this instance",
                         t, want - (size_t)k);
    }
    *out = sel;
    *nout = k;
    return 0;
}

static int set_status(struct instance *inst, json_t *params, enum vtx_status st, json_t **result,
                      uint32_t uid, struct st_error *err)
{
    if (uid != inst->owner)
        return st_errorf(err, EPERM, "only the instance owner may drain or undrain nodes");
    vtx_t *sel = NULL;
    int n;
    if (target_nodes(inst, params, &sel, &n, err) < 0)
        return -1;
    /* Journaled first (props.c): a drain the client was told about
     * survives a restart, and one that cannot be recorded is not made. */
    int rc = props_record(inst, props_rec_status(inst, sel, n, st == VTX_DOWN), err);
    free(sel);
    if (rc < 0)
        return -1;
    inst->dirty = true;
    inst_kick(inst);
    inst_publish(inst, "resource.status",
                 json_pack("{s:s, s:s}", "targets",
                           json_string_value(json_object_get(params, "targets")), "status",
                           st == VTX_DOWN ? "down" : "up"));
    *result = json_pack("{s:i}", "nodes", n);
    return 0;
}

static int m_drain(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                   json_t **result, struct st_error *err)
{
    return set_status(inst, params, VTX_DOWN, result, uid, err);
}

static int m_undrain(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                     json_t **result, struct st_error *err)
{
    return set_status(inst, params, VTX_UP, result, uid, err);
}

/* match: a dry run.  Would the jobspec fit now, and if not, when could it
 * start given the running jobs (pending jobs are not counted)?  Nothing
 * is committed. */
static int m_match(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                   json_t **result, struct st_error *err)
{
    struct pending_sub sub = {0};
    json_t *spec = json_object_get(params, "jobspec");
    if (!spec)
        return st_errorf(err, EINVAL, "match: missing \"jobspec\"");
    if (parse_one(inst, spec, 0, false, &sub, err) < 0)
        return -1;
    int64_t now = (int64_t)inst_now();
    int64_t at = now;
    inst_plan_duration(inst, sub.js);
    /* An id no job can have: nothing is committed by this op anyway. */
    int rc = match_run(inst->m, MATCH_WITHOUT_ALLOCATING_FUTURE, sub.js, INT64_MAX - 1, &at, NULL,
                       NULL, err);
    int e = errno;
    jobspec_destroy(sub.js);
    json_decref(sub.spec);
    if (rc < 0 && e != EBUSY)
        return st_errorf(err, e, "match: %s", err && err->text[0] ? err->text : strerror(e));
    *result = rc == 0 ? json_pack("{s:b, s:b, s:I}", "satisfiable", 1, "now", at <= now, "at",
                                  (json_int_t)at)
                      : json_pack("{s:b, s:b, s:n}", "satisfiable", 1, "now", 0, "at");
    return 0;
}

/* ---- properties --------------------------------------------------------------------- */

/* The vertices a properties request names: "path" (one vertex of any type,
 * as resource-query's set-property) or "targets" (nodes by rank or host). */
static int prop_vertices(struct instance *inst, json_t *params, vtx_t **out, int *n,
                         struct st_error *err)
{
    json_t *path = json_object_get(params, "path");
    if (path && json_object_get(params, "targets"))
        return st_errorf(err, EINVAL, "properties: give \"path\" or \"targets\", not both");
    if (!path)
        return target_nodes(inst, params, out, n, err);
    const char *p = json_string_value(path);
    if (!p || p[0] != '/')
        return st_errorf(err, EINVAL, "properties: \"path\" must be a vertex path like /cluster0/node0");
    vtx_t v = graph_find_path(inst->g, p);
    if (v == VTX_NONE)
        return st_errorf(err, ENOENT, "properties: no vertex at path %s", p);
    if (!(*out = malloc(sizeof **out)))
        return st_errorf(err, ENOMEM, "out of memory");
    (*out)[0] = v;
    *n = 1;
    return 0;
}

static json_t *vertex_props(struct instance *inst, vtx_t v)
{
    json_t *props = json_object();
    int n = graph_property_count(inst->g, v);
    for (int i = 0; props && i < n; i++) {
        const char *k, *val;
        if (graph_property_at(inst->g, v, i, &k, &val) == 0)
            json_object_set_new(props, k, json_string(val));
    }
    atom_t cont = graph_atom_find(inst->g, "containment");
    const char *path = cont >= 0 ? graph_path(inst->g, v, cont) : NULL;
    return json_pack("{s:s, s:s?, s:i, s:o}", "name", graph_name(inst->g, v), "path", path,
                     "rank", (int)graph_rank(inst->g, v), "properties", props);
}

/* "KEY" or "KEY=VALUE"; a key a --requires could name (not empty, no '=',
 * no leading '^', which means "not", none of RFC 31's operator characters). */
static int prop_split(const char *s, char *key, size_t n, const char **value,
                      struct st_error *err)
{
    size_t k = s ? strcspn(s, "=") : 0;
    if (k > 0 && k < n) {
        memcpy(key, s, k);
        key[k] = '\0';
    }
    if (!s || k == 0 || k >= n || strcspn(s, ", \t") < k || !jobspec_property_name_valid(key))
        return st_errorf(err, EINVAL,
                         "properties: \"%s\" is not KEY[=VALUE] (a key without "
                         "',', blanks, a leading '^' or any of !&'\"^`|())",
                         s ? s : "(missing)");
    *value = s[k] ? s + k + 1 : "";
    return 0;
}

/* A parsed properties request: what to do, with which key. */
struct prop_req {
    const char *op; /* get, set, remove */
    const char *arg; /* "KEY[=VALUE]" as given */
    char key[256];
    const char *value;
};

static int prop_parse(struct instance *inst, json_t *params, uint32_t uid, struct prop_req *r,
                      struct st_error *err)
{
    r->op = json_string_value(json_object_get(params, "op"));
    r->op = r->op ? r->op : "get";
    bool get = strcmp(r->op, "get") == 0, rm = strcmp(r->op, "remove") == 0;
    if (!get && !rm && strcmp(r->op, "set") != 0)
        return st_errorf(err, EINVAL, "properties: \"op\" must be get, set or remove");
    if (get)
        return 0;
    if (uid != inst->owner)
        return st_errorf(err, EPERM, "only the instance owner may change properties");
    r->arg = json_string_value(json_object_get(params, "property"));
    if (prop_split(r->arg, r->key, sizeof r->key, &r->value, err) < 0)
        return -1;
    if (rm && *r->value)
        return st_errorf(err, EINVAL, "properties: remove takes a KEY, not KEY=VALUE");
    return 0;
}

/* A removal needs the property on every target, or nothing is removed. */
static int prop_check_remove(struct instance *inst, const vtx_t *sel, int n, const char *key,
                             struct st_error *err)
{
    for (int i = 0; i < n; i++)
        if (!graph_property(inst->g, sel[i], key))
            return st_errorf(err, ENOENT, "properties: %s has no property %s",
                             graph_name(inst->g, sel[i]), key);
    return 0;
}

/* resource.properties: get, set or remove a property on vertices.  The
 * matcher reads properties when it matches, so --requires sees a change at
 * the next pass.  Changes are the instance owner's; they are journaled
 * before they are made (props.c), so they survive a restart. */
static int m_properties(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                        json_t **result, struct st_error *err)
{
    struct prop_req r = {0};
    vtx_t *sel = NULL;
    int n = 0;
    if (prop_parse(inst, params, uid, &r, err) < 0 ||
        prop_vertices(inst, params, &sel, &n, err) < 0)
        return -1;
    bool set = strcmp(r.op, "set") == 0, rm = strcmp(r.op, "remove") == 0;
    if ((rm && prop_check_remove(inst, sel, n, r.key, err) < 0) ||
        ((set || rm) &&
         props_record(inst, props_rec_property(inst, sel, n, r.key, set ? r.value : NULL),
                      err) < 0)) {
        free(sel);
        return -1;
    }
    json_t *list = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(list, vertex_props(inst, sel[i]));
    free(sel);
    if (set || rm) {
        inst->dirty = true;
        inst_kick(inst);
        inst_publish(inst, "resource.property", json_pack("{s:s, s:s, s:i}", "op", r.op,
                                                          "property", r.arg, "vertices", n));
    }
    *result = json_pack("{s:o}", "vertices", list);
    return 0;
}

/* ---- queue, stats, shutdown ------------------------------------------------------------ */

static int m_queue(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                   json_t **result, struct st_error *err)
{
    json_t *qs = json_array();
    struct queue_info qi = {0};
    for (int i = 0; qs && queue_mgr_queue_info(inst->qm, i, &qi) == 0; i++) {
        int64_t running = 0; /* RUN and CLEANUP jobs routed to this queue */
        for (size_t k = 0; k < inst->nrunning; k++)
            running += strcmp(inst_job_queue(inst, inst_job(inst, inst->running[k])),
                              qi.name) == 0;
        json_array_append_new(qs, json_pack("{s:s, s:s, s:i, s:i, s:I, s:I}", "name", qi.name,
                                            "policy", qi.policy, "queue_depth", qi.queue_depth,
                                            "reservation_depth", qi.reservation_depth,
                                            "pending", (json_int_t)qi.pending, "running",
                                            (json_int_t)running));
    }
    queue_mgr_queue_info(inst->qm, 0, &qi);
    /* "policy" is the first queue's (the only one's, without --queue). */
    *result = json_pack("{s:o, s:s, s:s, s:I, s:I}", "queues", qs, "policy",
                        qi.policy ? qi.policy : inst->opts.queue_policy, "match_policy",
                        inst->opts.match_policy, "pending",
                        (json_int_t)queue_pending_count(inst->qm), "running",
                        (json_int_t)inst->nrunning);
    return 0;
}

static int m_stats(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                   json_t **result, struct st_error *err)
{
    json_t *counts = json_object();
    for (int s = 0; counts && s < JOB_STATE_COUNT; s++)
        json_object_set_new(counts, job_state_name((enum job_state)s),
                            json_integer(inst->count[s]));
    struct queue_pass_stats ps = {0};
    queue_mgr_pass_stats(inst->qm, &ps);
    const char *jerr = inst->journal ? journal_error(inst->journal) : NULL;
    *result = json_pack(
        "{s:o, s:I, s:f, s:I, s:I, s:{s:I, s:I, s:I}, s:{s:s?, s:I, s:s?}, s:I, s:I}", "jobs",
        counts, "submitted", (json_int_t)inst->njobs, "uptime", inst_now() - inst->t_start,
        "vertices", (json_int_t)graph_vertex_count(inst->g), "event_seq",
        (json_int_t)inst->event_seq, "passes", "count", (json_int_t)ps.passes, "total_ns",
        (json_int_t)ps.total_ns, "max_ns", (json_int_t)ps.max_ns, "journal", "path",
        inst->journal ? journal_path(inst->journal) : NULL, "records",
        (json_int_t)(inst->journal ? journal_records(inst->journal) : 0), "error", jerr,
        "requests", (json_int_t)inst->requests, "request_errors",
        (json_int_t)inst->request_errors);
    json_t *jo = json_object_get(*result, "journal");
    json_object_set_new(jo, "compactions", json_integer(inst->compactions));
    json_object_set_new(jo, "purged", json_integer(inst->purged));
    json_object_set_new(jo, "compact_max_ms", json_real(inst->compact_max_ms));
    json_object_set_new(*result, "listener_restarts",
                        json_integer(server_listener_restarts(inst)));
    return 0;
}

static int m_shutdown(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                      json_t **result, struct st_error *err)
{
    if (uid != inst->owner)
        return st_errorf(err, EPERM, "only the instance owner (uid %u) may shut it down",
                         (unsigned)inst->owner);
    inst->stopping = true;
    inst_kick(inst);
    *result = json_object();
    return 0;
}

static const struct {
    const char *name;
    method_f fn;
} methods[] = {
    {"ping", m_ping},
    {"submit", m_submit},
    {"cancel", m_cancel},
    {"jobs", m_jobs},
    {"info", m_info},
    {"wait", m_wait},
    {"resource.list", m_resource_list},
    {"resource.status", m_resource_list},
    {"resource.drain", m_drain},
    {"resource.undrain", m_undrain},
    {"resource.properties", m_properties},
    {"events.poll", events_method_poll}, /* daemon/events.c */
    {"match", m_match},
    {"queue", m_queue},
    {"stats", m_stats},
    {"shutdown", m_shutdown},
    {"instance.register", instance_method_register}, /* daemon/instance.h */
    {"instance.R", instance_method_R},
    {"instance.grow", instance_method_grow},         /* daemon/instance_live.h */
    {"instance.shrink", instance_method_shrink},
    {"instance.end", instance_method_end},
    {"resource.attach", instance_method_attach},
    {"resource.shrink", instance_method_detach},
};

/* Constant-time comparison, so that the reply time says nothing about how
 * much of a guessed secret was right. */
static bool secret_ok(const char *want, const char *got)
{
    if (!want || !got)
        return false;
    size_t n = strlen(want), m = strlen(got);
    unsigned diff = (unsigned)(n ^ m);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned)(unsigned char)want[i] ^ (unsigned)(unsigned char)(i < m ? got[i] : 0);
    return diff == 0;
}

int methods_dispatch(struct instance *inst, const char *buf, size_t len, uint32_t uid,
                     bool remote, void *worker, char **reply)
{
    struct proto_request req;
    struct st_error err = {{0}};
    json_t *result = NULL;
    int rc = -1;
    inst->requests++;
    if (proto_request_parse(buf, len, inst->opts.max_request, &req, &err) == 0 && remote &&
        !secret_ok(inst->secret, json_string_value(json_object_get(req.root, "secret")))) {
        st_errorf(&err, EACCES, "this endpoint needs the instance's shared secret");
    } else if (req.root) {
        if (remote)
            uid = (uint32_t)inst->owner; /* the secret's holder acts as the owner */
        method_f fn = NULL;
        for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
            if (strcmp(methods[i].name, req.method) == 0)
                fn = methods[i].fn;
        rc = fn ? fn(inst, req.params, uid, worker, &result, &err)
                : st_errorf(&err, ENOSYS, "unknown method \"%s\"", req.method);
        if (rc == 0 && !result)
            rc = st_errorf(&err, ENOMEM, "out of memory");
    }
    int e = errno;
    proto_request_fini(&req);
    if (rc == 1)
        return 1;
    if (rc < 0) {
        inst->request_errors++;
        *reply = proto_reply_error(e, err.text[0] ? err.text : NULL);
    } else {
        *reply = proto_reply_ok(result);
    }
    return 0;
}
