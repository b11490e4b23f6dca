/* instance_live: grow, shrink and adoption of running instance jobs
 * (daemon/instance_live.h, docs/nested.md). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/client.h"
#include "daemon/instance.h"
#include "daemon/instance_live.h"
#include "match/instance_grow.h"
#include "resource/idset.h"
#include "resource/writer.h"

/* ---- R (rv1 + JGF) as JSON -------------------------------------------------
 *
 * An instance job's R grows by the grants and shrinks by released ranks.
 * A GRUG graph gives only nodes a rank, so a vertex belongs to the rank of
 * the node its containment path runs through. */

static json_t *jgf_nodes(json_t *R)
{
    return json_object_get(json_object_get(json_object_get(R, "scheduling"), "graph"), "nodes");
}

static json_t *jgf_edges(json_t *R)
{
    return json_object_get(json_object_get(json_object_get(R, "scheduling"), "graph"), "edges");
}

static const char *vpath(json_t *v)
{
    return json_string_value(
        json_object_get(json_object_get(json_object_get(v, "metadata"), "paths"), "containment"));
}

static bool is_node(json_t *v)
{
    const char *t = json_string_value(json_object_get(json_object_get(v, "metadata"), "type"));
    return t && strcmp(t, "node") == 0;
}

static int64_t vrank(json_t *v)
{
    return json_integer_value(json_object_get(json_object_get(v, "metadata"), "rank"));
}

/* Every rank of R's R_lite (a new set). */
static idset_t *R_ranks(json_t *R)
{
    idset_t *all = idset_create();
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(json_object_get(R, "execution"), "R_lite"), i, e)
    {
        idset_t *s = idset_decode(json_string_value(json_object_get(e, "rank")), NULL);
        for (int64_t r = s ? idset_first(s) : -1; all && r >= 0; r = idset_next(s, r))
            idset_add(all, r);
        idset_destroy(s);
    }
    return all;
}

/* The node a path runs through, by looking its prefixes up in nodes (an
 * object path -> rank).  -1 if none. */
static int64_t path_rank(json_t *nodes, const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, path, n + 1);
    for (;;) {
        json_t *r = json_object_get(nodes, buf);
        if (r)
            return json_integer_value(r);
        char *slash = strrchr(buf, '/');
        if (!slash || slash == buf)
            return -1;
        *slash = '\0';
    }
}

/* Add every proper prefix of path to set (the ancestors of a node). */
static void add_prefixes(json_t *set, const char *path)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return;
    memcpy(buf, path, n + 1);
    for (char *s = strrchr(buf, '/'); s && s != buf; s = strrchr(buf, '/')) {
        *s = '\0';
        json_object_set_new(set, buf, json_true());
    }
}

/* execution.nodelist from the node vertices (rank order: the rv1exec
 * reader maps ranks to hosts by position). */
static json_t *nodelist_of(json_t *vertices)
{
    json_t *byrank = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(vertices, i, v)
        if (is_node(v) && vpath(v))
            json_array_append(byrank, v);
    size_t n = json_array_size(byrank);
    json_t **a = calloc(n + 1, sizeof *a);
    for (i = 0; a && i < n; i++)
        a[i] = json_array_get(byrank, i);
    for (i = 1; a && i < n; i++) /* insertion sort: nodes are few and mostly sorted */
        for (size_t k = i; k > 0 && vrank(a[k - 1]) > vrank(a[k]); k--) {
            json_t *t = a[k];
            a[k] = a[k - 1];
            a[k - 1] = t;
        }
    json_t *list = json_array();
    for (i = 0; a && i < n; i++) {
        const char *slash = strrchr(vpath(a[i]), '/');
        json_array_append_new(list, json_string(slash ? slash + 1 : vpath(a[i])));
    }
    free(a);
    json_decref(byrank);
    return list;
}

/* A copy of R with the vertices kept by keep[] (by JGF "id") and R_lite
 * entries cut to ranks (keep_ranks: only those; else all but those). */
static json_t *R_rebuild(json_t *R, json_t *kept, idset_t *ranks, bool keep_ranks)
{
    json_t *out = json_deep_copy(R);
    json_t *graph = json_object_get(json_object_get(out, "scheduling"), "graph");
    json_t *nodes = json_array(), *edges = json_array(), *lite = json_array();
    size_t i;
    json_t *v;
    json_array_foreach(jgf_nodes(R), i, v)
        if (json_object_get(kept, json_string_value(json_object_get(v, "id"))))
            json_array_append(nodes, v);
    json_array_foreach(jgf_edges(R), i, v)
        if (json_object_get(kept, json_string_value(json_object_get(v, "source"))) &&
            json_object_get(kept, json_string_value(json_object_get(v, "target"))))
            json_array_append(edges, v);
    json_t *exec = json_object_get(out, "execution");
    json_array_foreach(json_object_get(exec, "R_lite"), i, v)
    {
        idset_t *s = idset_decode(json_string_value(json_object_get(v, "rank")), NULL);
        idset_t *left = idset_create();
        for (int64_t r = s ? idset_first(s) : -1; left && r >= 0; r = idset_next(s, r))
            if (idset_test(ranks, r) == keep_ranks)
                idset_add(left, r);
        char *text = left && idset_count(left) ? idset_encode(left) : NULL;
        if (text) {
            json_t *e = json_deep_copy(v);
            json_object_set_new(e, "rank", json_string(text));
            json_array_append_new(lite, e);
        }
        free(text);
        idset_destroy(s);
        idset_destroy(left);
    }
    json_object_set_new(graph, "nodes", nodes);
    json_object_set_new(graph, "edges", edges);
    json_object_set_new(exec, "R_lite", lite);
    json_object_set_new(exec, "nodelist", nodelist_of(nodes));
    return out;
}

/* R cut to ranks (keep) or without them (!keep).  Without: the shared
 * ancestors (cluster, racks) stay while some remaining node is below them.
 * With: only the nodes and what is below them (what a partial release
 * names). */
static json_t *R_select(json_t *R, idset_t *ranks, bool keep)
{
    json_t *nodes = json_object(), *anc = json_object(), *kept = json_object();
    size_t i;
    json_t *v;
    json_array_foreach(jgf_nodes(R), i, v)
        if (is_node(v) && vpath(v)) {
            json_object_set_new(nodes, vpath(v), json_integer(vrank(v)));
            if (!idset_test(ranks, vrank(v)))
                add_prefixes(anc, vpath(v));
        }
    json_array_foreach(jgf_nodes(R), i, v)
    {
        const char *p = vpath(v);
        int64_t r = p ? path_rank(nodes, p) : -1;
        bool named = r >= 0 && idset_test(ranks, r);
        bool stays = keep ? named : (r >= 0 ? !named : (p && json_object_get(anc, p)));
        if (stays)
            json_object_set_new(kept, json_string_value(json_object_get(v, "id")), json_true());
    }
    json_t *out = R_rebuild(R, kept, ranks, keep);
    json_decref(nodes);
    json_decref(anc);
    json_decref(kept);
    return out;
}

/* a + b: the vertices and edges of both (by id), both R_lites. */
static json_t *R_merge(json_t *a, json_t *b)
{
    json_t *out = json_deep_copy(a);
    json_t *ids = json_object(), *eds = json_object();
    json_t *nodes = jgf_nodes(out), *edges = jgf_edges(out);
    size_t i;
    json_t *v;
    char key[256];
    if (!out || !json_is_array(nodes) || !json_is_array(edges)) {
        json_decref(out);
        json_decref(ids);
        json_decref(eds);
        return NULL;
    }
    json_array_foreach(nodes, i, v)
        json_object_set_new(ids, json_string_value(json_object_get(v, "id")), json_true());
    json_array_foreach(edges, i, v)
    {
        snprintf(key, sizeof key, "%s>%s", json_string_value(json_object_get(v, "source")),
                 json_string_value(json_object_get(v, "target")));
        json_object_set_new(eds, key, json_true());
    }
    json_array_foreach(jgf_nodes(b), i, v)
        if (!json_object_get(ids, json_string_value(json_object_get(v, "id"))))
            json_array_append(nodes, v);
    json_array_foreach(jgf_edges(b), i, v)
    {
        snprintf(key, sizeof key, "%s>%s", json_string_value(json_object_get(v, "source")),
                 json_string_value(json_object_get(v, "target")));
        if (!json_object_get(eds, key))
            json_array_append(edges, v);
    }
    json_t *exec = json_object_get(out, "execution");
    json_array_extend(json_object_get(exec, "R_lite"),
                      json_object_get(json_object_get(b, "execution"), "R_lite"));
    json_object_set_new(exec, "nodelist", nodelist_of(nodes));
    json_decref(ids);
    json_decref(eds);
    return out;
}

/* Replace the job's R (and its ranks/node count) by R (stolen). */
static int job_set_R(struct job *j, json_t *R)
{
    char *text = json_dumps(R, JSON_COMPACT);
    idset_t *ranks = R_ranks(R);
    char *rtext = ranks ? idset_encode(ranks) : NULL;
    json_decref(R);
    if (!text || !rtext) {
        free(text);
        free(rtext);
        idset_destroy(ranks);
        return -1;
    }
    free(j->R);
    free(j->ranks);
    j->R = text;
    j->ranks = rtext;
    j->nnodes = (int)idset_count(ranks);
    idset_destroy(ranks);
    return 0;
}

/* ---- grants: companion allocations of grown instance jobs ------------------ */

/* A resized job has one entry with cid 0, its own allocation as it is now
 * (the job's R at start, less what was shrunk), and one per grant.  They
 * are also saved in STATEDIR/instances.json, so that a restarted parent
 * holds what the child has (the journal has only the R at start). */
struct grant {
    int64_t job;
    int64_t cid; /* the matcher's job id of the grant (negative), 0: the job's own */
    json_t *R;
};

static struct grant *grants;
static size_t ngrants, grants_cap;
/* Negative, so that no stratad job id (dense from 1) can meet them. */
static int64_t next_cid = -1000000000;

static int grant_add(int64_t job, int64_t cid, json_t *R)
{
    if (ngrants == grants_cap) {
        size_t cap = grants_cap ? grants_cap * 2 : 8;
        struct grant *g = realloc(grants, cap * sizeof *g);
        if (!g)
            return -1;
        grants = g;
        grants_cap = cap;
    }
    grants[ngrants++] = (struct grant){.job = job, .cid = cid, .R = json_incref(R)};
    return 0;
}

static void grant_drop(size_t i)
{
    json_decref(grants[i].R);
    grants[i] = grants[--ngrants];
}

/* The entry of job's own allocation, made from its R on first use. */
static struct grant *grant_main(struct job *j)
{
    for (size_t i = 0; i < ngrants; i++)
        if (grants[i].job == j->id && grants[i].cid == 0)
            return &grants[i];
    json_t *R = json_loads(j->R, 0, NULL);
    int rc = R ? grant_add(j->id, 0, R) : -1;
    json_decref(R);
    return rc == 0 ? &grants[ngrants - 1] : NULL;
}

/* Rewrite STATEDIR/instances.json from the table (temp file, rename): a
 * crash leaves the old file or the new one. */
static void grants_save(struct instance *inst)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/instances.json", inst->opts.statedir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    json_t *all = json_object();
    for (size_t i = 0; all && i < ngrants; i++) {
        char key[32];
        snprintf(key, sizeof key, "%lld", (long long)grants[i].job);
        json_t *e = json_object_get(all, key);
        if (!e) {
            e = json_pack("{s:[]}", "grants");
            json_object_set_new(all, key, e);
        }
        if (grants[i].cid == 0)
            json_object_set(e, "main", grants[i].R);
        else
            json_array_append_new(json_object_get(e, "grants"),
                                  json_pack("{s:I, s:O}", "cid", (json_int_t)grants[i].cid,
                                            "R", grants[i].R));
    }
    if (!all || json_dump_file(all, tmp, JSON_COMPACT) < 0 || rename(tmp, path) < 0)
        fprintf(stderr, "stratad: cannot save %s: %s\n", path, strerror(errno));
    json_decref(all);
}

/* ---- parent side --------------------------------------------------------------- */

/* Call the child instance of job id (params stolen). */
static int child_call(int64_t id, const char *method, json_t *params, json_t **res,
                      struct st_error *err)
{
    const char *uri = instance_child_uri(id);
    if (!uri) {
        json_decref(params);
        return st_errorf(err, ESRCH, "job %lld: its instance has not registered", (long long)id);
    }
    struct st_error e = {{0}};
    strata_client_t *c = strata_client_open(uri, INSTANCE_CHILD_CALL_MS, &e);
    int rc = -1;
    if (c)
        rc = strata_client_call(c, method, params, res, &e);
    else
        json_decref(params);
    int saved = errno;
    strata_client_close(c);
    if (rc < 0)
        return st_errorf(err, saved ? saved : EIO, "the instance of job %lld: %s", (long long)id,
                         e.text[0] ? e.text : strerror(saved));
    return 0;
}

/* The running, registered instance job params.id that uid may change. */
static struct job *live_job(struct instance *inst, json_t *params, uint32_t uid,
                            const char *method, struct st_error *err)
{
    struct job *j = instance_job_live(inst, params, uid, method, err);
    if (!j)
        return NULL;
    if (!instance_child_uri(j->id))
        return st_errorf_null(err, ESRCH, "job %lld: its instance has not registered (yet)",
                              (long long)j->id);
    return j;
}

/* Match the jobspec now under a new companion id; *R the grant. */
static int grant_match(struct instance *inst, json_t *spec, int64_t cid, json_t **R,
                       struct st_error *err)
{
    char *text = json_dumps(spec, JSON_COMPACT);
    jobspec_t *js = text ? jobspec_parse_string(text, strlen(text), "jobspec", err) : NULL;
    free(text);
    if (!js)
        return -1;
    writer_t *w = writer_create(WRITER_RV1, inst->g);
    int64_t at = queue_clock_now(inst->clock);
    int rc = w ? match_run(inst->m, MATCH_ALLOCATE_WITH_SATISFIABILITY, js, cid, &at, w, NULL, err)
               : st_errorf(err, ENOMEM, "out of memory");
    int saved = errno;
    jobspec_destroy(js);
    if (rc < 0) {
        writer_destroy(w);
        if (saved == EBUSY)
            return st_errorf(err, EBUSY, "instance.grow: not enough free resources now");
        if (saved == ENODEV || saved == ENOENT)
            return st_errorf(err, ENODEV, "instance.grow: the request can never be satisfied");
        return st_errorf(err, saved, "instance.grow: %s", err->text[0] ? err->text : "no match");
    }
    char *out = writer_render(w);
    writer_destroy(w);
    *R = out ? json_loads(out, 0, NULL) : NULL;
    free(out);
    if (!*R) {
        match_cancel(inst->m, cid, NULL);
        return st_errorf(err, ENOMEM, "out of memory");
    }
    return 0;
}

int instance_method_grow(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                         json_t **result, struct st_error *err)
{
    (void)worker;
    if (!inst || !result)
        return st_errorf(err, EINVAL, "instance.grow: NULL argument");
    struct job *j = live_job(inst, params, uid, "instance.grow", err);
    if (!j)
        return -1;
    json_t *spec = json_object_get(params, "jobspec");
    if (!json_is_object(spec))
        return st_errorf(err, EINVAL, "instance.grow: needs a \"jobspec\" object");
    json_t *jobR = json_loads(j->R, 0, NULL);
    if (!jobR)
        return st_errorf(err, EINVAL, "job %lld: its R does not parse", (long long)j->id);
    int64_t cid = next_cid--;
    json_t *R = NULL, *res = NULL, *merged = NULL;
    if (grant_match(inst, spec, cid, &R, err) < 0) {
        json_decref(jobR);
        return -1;
    }
    /* The child first: if it cannot take the R, nothing changes here. */
    if (!grant_main(j) ||
        child_call(j->id, "resource.attach", json_pack("{s:O}", "R", R), &res, err) < 0 ||
        !(merged = R_merge(jobR, R)) || grant_add(j->id, cid, R) < 0) {
        int saved = errno;
        match_cancel(inst->m, cid, NULL);
        json_decref(jobR);
        json_decref(R);
        json_decref(res);
        json_decref(merged);
        if (err->text[0]) {
            errno = saved; /* the reply's code: not match_cancel's */
            return -1;
        }
        return st_errorf(err, saved ? saved : ENOMEM, "instance.grow: out of memory");
    }
    json_decref(res);
    json_decref(jobR);
    if (job_set_R(j, merged) < 0)
        fprintf(stderr, "stratad: job %lld: out of memory updating its R\n", (long long)j->id);
    grants_save(inst);
    *result = json_pack("{s:o, s:s}", "R", R, "ranks", j->ranks ? j->ranks : "");
    inst_publish(inst, "instance.grow", json_pack("{s:I, s:s}", "id", (json_int_t)j->id,
                                                  "ranks", j->ranks ? j->ranks : ""));
    return 0;
}

/* Release the vertices of R (JGF) from the job and its grants. */
static void release_ranks(struct instance *inst, struct job *j, idset_t *ranks, json_t *jobR)
{
    json_t *part = R_select(jobR, ranks, true);
    char *jgf = part ? json_dumps(json_object_get(part, "scheduling"), JSON_COMPACT) : NULL;
    bool full = false;
    struct st_error e = {{0}};
    if (jgf && match_job_exists(inst->m, j->id))
        match_partial_cancel(inst->m, j->id, "jgf", jgf, &full, NULL, &e);
    for (size_t i = 0; jgf && i < ngrants;) {
        if (grants[i].job != j->id) {
            i++;
            continue;
        }
        full = false;
        if (grants[i].cid != 0 && /* the job's own was released above */
            match_partial_cancel(inst->m, grants[i].cid, "jgf", jgf, &full, NULL, &e) < 0 &&
            errno == ENOENT)
            full = true;
        json_t *left = R_select(grants[i].R, ranks, false);
        if ((full || !left) && grants[i].cid != 0) {
            json_decref(left);
            grant_drop(i);
            continue;
        }
        json_decref(grants[i].R);
        grants[i].R = left;
        i++;
    }
    free(jgf);
    json_decref(part);
}

/* Parse and check the ranks of a shrink against the job's. */
static idset_t *shrink_ranks(struct job *j, json_t *params, json_t *jobR, struct st_error *err)
{
    const char *text = json_string_value(json_object_get(params, "ranks"));
    json_t *drain = json_object_get(params, "drain");
    if (!text || (drain && !json_is_boolean(drain)))
        return st_errorf_null(err, EINVAL, "instance.shrink: needs string \"ranks\" "
                                           "(and a boolean \"drain\")");
    idset_t *ranks = idset_decode(text, err);
    idset_t *mine = ranks ? R_ranks(jobR) : NULL;
    if (!ranks || !mine) {
        idset_destroy(ranks);
        return NULL;
    }
    size_t inside = 0;
    for (int64_t r = idset_first(ranks); r >= 0; r = idset_next(ranks, r))
        inside += idset_test(mine, r);
    size_t n = idset_count(ranks), all = idset_count(mine);
    idset_destroy(mine);
    if (n == 0 || inside != n) {
        idset_destroy(ranks);
        return st_errorf_null(err, EINVAL, "instance.shrink: ranks \"%s\" are not all ranks of "
                                           "job %lld", text, (long long)j->id);
    }
    if (n >= all) {
        idset_destroy(ranks);
        return st_errorf_null(err, EINVAL, "instance.shrink: job %lld would have no rank left",
                              (long long)j->id);
    }
    return ranks;
}

int instance_method_shrink(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                           json_t **result, struct st_error *err)
{
    (void)worker;
    if (!inst || !result)
        return st_errorf(err, EINVAL, "instance.shrink: NULL argument");
    struct job *j = live_job(inst, params, uid, "instance.shrink", err);
    if (!j)
        return -1;
    json_t *jobR = json_loads(j->R, 0, NULL);
    idset_t *ranks = jobR ? shrink_ranks(j, params, jobR, err) : NULL;
    if (!ranks) {
        json_decref(jobR);
        return err->text[0] ? -1 : st_errorf(err, EINVAL, "job %lld: its R does not parse",
                                             (long long)j->id);
    }
    json_t *drain = json_object_get(params, "drain");
    json_t *res = NULL;
    if (child_call(j->id, "resource.shrink",
                   json_pack("{s:s, s:b}", "ranks", json_string_value(json_object_get(params, "ranks")),
                             "drain", drain ? json_is_true(drain) : true),
                   &res, err) < 0) {
        idset_destroy(ranks);
        json_decref(jobR);
        return -1;
    }
    if (!json_is_true(json_object_get(res, "removed"))) {
        *result = json_pack("{s:b, s:O}", "done", 0, "waiting", json_object_get(res, "waiting"));
        json_decref(res);
        idset_destroy(ranks);
        json_decref(jobR);
        return *result ? 0 : st_errorf(err, ENOMEM, "out of memory");
    }
    json_decref(res);
    /* The child has let go: release them here. */
    grant_main(j);
    release_ranks(inst, j, ranks, jobR);
    if (job_set_R(j, R_select(jobR, ranks, false)) < 0)
        fprintf(stderr, "stratad: job %lld: out of memory updating its R\n", (long long)j->id);
    grants_save(inst);
    idset_destroy(ranks);
    json_decref(jobR);
    inst->dirty = true;
    inst_kick(inst);
    *result = json_pack("{s:b, s:s}", "done", 1, "ranks", j->ranks ? j->ranks : "");
    inst_publish(inst, "instance.shrink", json_pack("{s:I, s:s}", "id", (json_int_t)j->id,
                                                    "ranks", j->ranks ? j->ranks : ""));
    return 0;
}

/* ---- adoption after a restart ------------------------------------------------------ */

/* The result of an instance job whose wrapper ended (as exec.c does for a
 * task of its own). */
static void adopted_finish(struct instance *inst, struct job *j, const char *lost)
{
    if (j->cancel_requested)
        inst_job_finish(inst, j, JOB_RESULT_CANCELED, "canceled");
    else if (j->timed_out)
        inst_job_finish(inst, j, JOB_RESULT_TIMEOUT, "time limit reached");
    else if (lost || j->exitcode != 0)
        inst_job_finish(inst, j, JOB_RESULT_FAILED, lost);
    else
        inst_job_finish(inst, j, JOB_RESULT_COMPLETED, NULL);
}

int instance_method_end(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                        json_t **result, struct st_error *err)
{
    (void)worker;
    if (!inst || !result)
        return st_errorf(err, EINVAL, "instance.end: NULL argument");
    json_t *id = json_object_get(params, "id");
    json_t *code = json_object_get(params, "exitcode");
    if (!json_is_integer(id) || !json_is_integer(code) || json_integer_value(code) < 0 ||
        json_integer_value(code) > 255)
        return st_errorf(err, EINVAL, "instance.end: needs integer \"id\" and \"exitcode\" "
                                      "(0-255)");
    struct job *j = inst_job(inst, json_integer_value(id));
    if (!j)
        return st_errorf(err, ENOENT, "job %lld: no such job", (long long)json_integer_value(id));
    if (uid != j->uid && uid != inst->owner)
        return st_errorf(err, EPERM, "job %lld: not yours", (long long)j->id);
    if (j->state != JOB_RUN || instance_child_state(j->id, NULL, NULL) != INSTANCE_CHILD_ADOPTED)
        return st_errorf(err, EINVAL, "job %lld is not an adopted instance job (its end "
                                      "comes from its process)", (long long)j->id);
    *result = json_object();
    if (!*result)
        return st_errorf(err, ENOMEM, "out of memory");
    int c = (int)json_integer_value(code);
    if (c > j->exitcode)
        j->exitcode = c;
    if (j->pids && j->pids[0] > 0)
        j->pids[0] = -j->pids[0];
    j->nlive = 0;
    adopted_finish(inst, j, NULL);
    inst_kick(inst);
    return 0;
}

/* What STATEDIR/instances.json says of job id (borrowed), read once. */
static json_t *saved_resize(struct instance *inst, int64_t id)
{
    static json_t *saved;
    static bool read;
    if (!read) {
        char path[4096];
        snprintf(path, sizeof path, "%s/instances.json", inst->opts.statedir);
        saved = json_load_file(path, 0, NULL);
        read = true;
    }
    char key[32];
    snprintf(key, sizeof key, "%lld", (long long)id);
    return json_object_get(saved, key);
}

/* Hold a resized job's grants again, under their ids, and make its R the
 * union again.  A grant that cannot be held is dropped with a message. */
static void restore_grants(struct instance *inst, struct job *j, json_t *saved)
{
    json_t *R = json_loads(j->R, 0, NULL);
    int64_t at = (int64_t)inst_now();
    int64_t dur = j->deadline > 0 ? (int64_t)(j->deadline - (double)at) + 1
                                  : inst->opts.default_duration > 0 ? inst->opts.default_duration
                                                                    : 31536000;
    if (R && grant_add(j->id, 0, R) < 0)
        fprintf(stderr, "stratad: instance job %lld: out of memory\n", (long long)j->id);
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(saved, "grants"), i, g)
    {
        int64_t cid = json_integer_value(json_object_get(g, "cid"));
        json_t *gR = json_object_get(g, "R");
        char *text = json_dumps(gR, JSON_COMPACT);
        struct st_error e = {{0}};
        json_t *merged = NULL;
        if (cid >= 0 || !text ||
            match_update(inst->m, false, "jgf", text, cid, at, dur, NULL, &e) < 0 ||
            !(merged = R_merge(R, gR)) || grant_add(j->id, cid, gR) < 0) {
            fprintf(stderr, "stratad: instance job %lld: cannot hold its grant again: %s\n",
                    (long long)j->id, e.text[0] ? e.text : "bad record");
            json_decref(merged);
        } else {
            json_decref(R);
            R = merged;
            if (cid <= next_cid)
                next_cid = cid - 1;
        }
        free(text);
    }
    if (R && job_set_R(j, R) < 0)
        fprintf(stderr, "stratad: instance job %lld: out of memory\n", (long long)j->id);
}

int instance_job_adopt(struct instance *inst, struct job *j)
{
    if (!inst || !j || !instance_job_is_instance(j) || j->state != JOB_RUN || !j->R)
        return -1;
    double grace = instance_job_grace(j);
    if (grace <= 0)
        return -1;
    /* Resized before the restart: hold its own allocation as it was last
     * (or, when all of it was shrunk away, its first grant in its place). */
    json_t *saved = json_deep_copy(saved_resize(inst, j->id));
    json_t *grants_saved = json_object_get(saved, "grants");
    json_t *hold = json_object_get(saved, "main");
    if (hold && json_array_size(json_object_get(json_object_get(hold, "execution"), "R_lite")) == 0 &&
        json_array_size(grants_saved) > 0) {
        hold = json_object_get(json_array_get(grants_saved, 0), "R");
        json_object_set(saved, "main", hold);
        json_array_remove(grants_saved, 0);
    }
    char *mainR = json_is_object(hold) ? json_dumps(hold, JSON_COMPACT) : NULL;
    if (mainR) {
        free(j->R);
        j->R = mainR;
    }
    /* Held like a noexec hold for the rest of its time limit; the time
     * limit then applies to the adopted wrapper like to a task. */
    bool noexec = j->noexec;
    int64_t duration = j->duration;
    j->noexec = true;
    if (duration <= 0) /* no time limit: hold it over the planning horizon */
        j->duration = inst->opts.default_duration > 0 ? inst->opts.default_duration : 31536000;
    struct st_error e = {{0}};
    int rc = inst_job_restore(inst, j, &e);
    j->noexec = rc == 0 ? false : noexec;
    if (duration <= 0) {
        j->duration = duration;
        if (rc == 0)
            j->deadline = 0; /* no time limit, as before the restart */
    }
    if (rc < 0) {
        fprintf(stderr, "stratad: instance job %lld: cannot hold its allocation again: %s\n",
                (long long)j->id, e.text);
        json_decref(saved);
        return -1;
    }
    if (saved)
        restore_grants(inst, j, saved);
    json_decref(saved);
    if (instance_child_expect(j->id, inst_now() + grace) < 0)
        return -1; /* held: the caller's finish releases it */
    fprintf(stderr, "stratad: instance job %lld: waiting %g s for its instance to reconnect\n",
            (long long)j->id, grace);
    return 0;
}

void instance_job_ended(struct instance *inst, struct job *j)
{
    if (!inst || !j)
        return;
    bool had = false;
    for (size_t i = 0; i < ngrants;) {
        if (grants[i].job == j->id) {
            if (grants[i].cid != 0)
                match_cancel(inst->m, grants[i].cid, NULL);
            grant_drop(i);
            had = true;
        } else {
            i++;
        }
    }
    if (had)
        grants_save(inst);
    instance_child_release(j->id);
}

double instance_tick(struct instance *inst)
{
    double next = 3600, now = inst_now();
    /* Most instances watch nothing: no walk over their running jobs. */
    if (!inst || instance_children_watched() == 0)
        return next;
    /* Finishing a job edits the running list: walk a copy. */
    size_t n = inst->nrunning;
    int64_t *ids = n ? malloc(n * sizeof *ids) : NULL;
    if (!ids)
        return n ? 0.5 : next;
    memcpy(ids, inst->running, n * sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        struct job *j = inst_job(inst, ids[i]);
        double until = 0;
        int64_t wrapper = 0;
        enum instance_child_state st = j ? instance_child_state(j->id, &until, &wrapper)
                                         : INSTANCE_CHILD_NONE;
        if (!j || j->state != JOB_RUN || st == INSTANCE_CHILD_NONE)
            continue;
        if (st == INSTANCE_CHILD_AWAITING && now >= until) {
            inst_job_finish(inst, j, JOB_RESULT_FAILED,
                            "lost: its instance did not reconnect after stratad restarted");
        } else if (st == INSTANCE_CHILD_AWAITING) {
            next = until - now < next ? until - now : next;
        } else if (kill((pid_t)wrapper, 0) < 0 && errno == ESRCH) {
            j->nlive = 0;
            adopted_finish(inst, j, "lost: its instance ended without reporting");
        } else {
            next = next > 0.25 ? 0.25 : next; /* not our child: no SIGCHLD, poll */
        }
    }
    free(ids);
    return next;
}

/* ---- child side ---------------------------------------------------------------------- */

/* A child's resources change after its start (resource.attach, resource.shrink),
 * but a stratad restarted on the same state directory loads the R its
 * command line names, the one it started with.  Each change is kept in
 * STATEDIR/resize.json, {"changes": [{"attach": JGF} | {"remove": RANKS}, ...]},
 * rewritten whole through a temp file and a rename, and replayed at start
 * (instance_resources_replay()) before the journal: the restarted instance
 * has the resources it had, and its jobs' R fit them. */
static json_t *resize_changes; /* the changes so far (an array) */

static void resize_path(const struct instance *inst, char *path, size_t n, bool tmp)
{
    snprintf(path, n, "%s/resize.json%s", inst->opts.statedir, tmp ? ".tmp" : "");
}

/* Write the changes with `change` appended to STATEDIR/resize.json.tmp and
 * sync it (the rename comes once the change is made).  -1 with errno. */
static int resize_prepare(const struct instance *inst, json_t *change)
{
    json_t *all = json_array();
    if (!all || (resize_changes && json_array_extend(all, resize_changes) < 0) ||
        json_array_append(all, change) < 0) {
        json_decref(all);
        errno = ENOMEM;
        return -1;
    }
    json_t *doc = json_pack("{s:i, s:o}", "version", 1, "changes", all);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!text) {
        errno = ENOMEM;
        return -1;
    }
    char tmp[4200];
    resize_path(inst, tmp, sizeof tmp, true);
    FILE *f = fopen(tmp, "w");
    bool ok = f && fputs(text, f) >= 0 && fflush(f) == 0 && fsync(fileno(f)) == 0;
    int saved = errno;
    if (f && fclose(f) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    free(text);
    if (!ok) {
        unlink(tmp);
        errno = saved;
        return -1;
    }
    return 0;
}

/* The change was made: the prepared file becomes the record. */
static void resize_commit(const struct instance *inst, json_t *change)
{
    char path[4096], tmp[4200];
    resize_path(inst, path, sizeof path, false);
    resize_path(inst, tmp, sizeof tmp, true);
    if (rename(tmp, path) < 0)
        fprintf(stderr, "stratad: cannot save %s (a restart would load the resources "
                        "as they were): %s\n", path, strerror(errno));
    if (!resize_changes)
        resize_changes = json_array();
    json_array_append(resize_changes, change);
}

static void resize_abort(const struct instance *inst)
{
    char tmp[4200];
    resize_path(inst, tmp, sizeof tmp, true);
    unlink(tmp);
}

/* Apply one saved change to the graph (no job exists yet). */
static int resize_apply(struct instance *inst, json_t *change, struct st_error *err)
{
    json_t *jgf = json_object_get(change, "attach");
    const char *ranks = json_string_value(json_object_get(change, "remove"));
    if (json_is_object(jgf)) {
        char *text = json_dumps(jgf, JSON_COMPACT);
        if (!text)
            return st_errorf(err, ENOMEM, "out of memory");
        int rc = match_attach_live(inst->m, text, err);
        free(text);
        return rc;
    }
    if (ranks)
        return match_remove_ranks(inst->m, ranks, err);
    return st_errorf(err, EINVAL, "neither \"attach\" (object) nor \"remove\" (string)");
}

int instance_resources_replay(struct instance *inst, struct st_error *err)
{
    if (!inst || !inst->m || !inst->opts.statedir)
        return st_errorf(err, EINVAL, "instance_resources_replay: NULL argument");
    char path[4096];
    resize_path(inst, path, sizeof path, false);
    if (access(path, F_OK) < 0)
        return 0;
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    json_t *changes = json_object_get(doc, "changes");
    if (!json_is_array(changes)) {
        json_decref(doc);
        return st_errorf(err, EINVAL, "%s:%d:%d: %s", path, jerr.line, jerr.column,
                         doc ? "needs a \"changes\" array" : jerr.text);
    }
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c)
    {
        struct st_error e = {{0}};
        if (resize_apply(inst, c, &e) < 0) {
            int code = errno ? errno : EINVAL;
            json_decref(doc);
            return st_errorf(err, code, "%s: change %zu: %s", path, i + 1, e.text);
        }
    }
    json_decref(resize_changes);
    resize_changes = json_incref(changes);
    json_decref(doc);
    return 0;
}

int instance_method_attach(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                           json_t **result, struct st_error *err)
{
    (void)worker;
    if (!inst || !result)
        return st_errorf(err, EINVAL, "resource.attach: NULL argument");
    if (uid != inst->owner)
        return st_errorf(err, EPERM, "only the instance owner may attach resources");
    json_t *sched = json_object_get(json_object_get(params, "R"), "scheduling");
    if (!json_is_object(sched))
        return st_errorf(err, EINVAL, "resource.attach: needs \"R\" with a JGF \"scheduling\" key");
    char *jgf = json_dumps(sched, JSON_COMPACT);
    json_t *change = jgf ? json_pack("{s:O}", "attach", sched) : NULL;
    if (!change) {
        free(jgf);
        return st_errorf(err, ENOMEM, "out of memory");
    }
    if (resize_prepare(inst, change) < 0) {
        st_errorf(err, errno, "resource.attach: cannot save the change: %s", strerror(errno));
        free(jgf);
        json_decref(change);
        return -1;
    }
    int rc = match_attach_live(inst->m, jgf, err);
    free(jgf);
    if (rc < 0)
        resize_abort(inst);
    else
        resize_commit(inst, change);
    json_decref(change);
    if (rc < 0)
        return -1;
    int n = 0;
    atom_t node = graph_atom_find(inst->g, "node");
    if (node >= 0)
        graph_by_type(inst->g, node, &n);
    *result = json_pack("{s:i}", "nnodes", n);
    inst->dirty = true;
    inst_kick(inst);
    inst_publish(inst, "resource.attach", json_pack("{s:i}", "nnodes", n));
    return 0;
}

/* Ranks of this instance's nodes (a new set). */
static idset_t *node_ranks(struct instance *inst)
{
    idset_t *s = idset_create();
    atom_t node = graph_atom_find(inst->g, "node");
    int n = 0;
    const vtx_t *v = node >= 0 ? graph_by_type(inst->g, node, &n) : NULL;
    for (int i = 0; s && i < n; i++)
        if (graph_vertex_live(inst->g, v[i]))
            idset_add(s, graph_rank(inst->g, v[i]));
    return s;
}

/* Active jobs holding one of ranks (a new array of ids). */
static json_t *jobs_on(struct instance *inst, idset_t *ranks)
{
    json_t *ids = json_array();
    for (size_t i = 0; ids && i < inst->nrunning; i++) {
        struct job *j = inst_job(inst, inst->running[i]);
        idset_t *r = j && j->ranks ? idset_decode(j->ranks, NULL) : NULL;
        bool hit = false;
        for (int64_t k = r ? idset_first(r) : -1; k >= 0 && !hit; k = idset_next(r, k))
            hit = idset_test(ranks, k);
        idset_destroy(r);
        if (hit)
            json_array_append_new(ids, json_integer(j->id));
    }
    return ids;
}

/* Mark the ranks' nodes down (nothing new starts there) and cancel the
 * jobs on them, as a cancel request would. */
static void drain_ranks(struct instance *inst, idset_t *ranks, json_t *ids)
{
    atom_t node = graph_atom_find(inst->g, "node");
    int n = 0;
    const vtx_t *v = node >= 0 ? graph_by_type(inst->g, node, &n) : NULL;
    for (int i = 0; i < n; i++)
        if (graph_vertex_live(inst->g, v[i]) && idset_test(ranks, graph_rank(inst->g, v[i])))
            match_set_status(inst->m, v[i], VTX_DOWN);
    size_t k;
    json_t *id;
    json_array_foreach(ids, k, id)
    {
        struct job *j = inst_job(inst, json_integer_value(id));
        if (j && j->state == JOB_RUN)
            methods_cancel_job(inst, j);
    }
    inst->dirty = true;
    inst_kick(inst);
}

/* match_remove_ranks, kept in STATEDIR/resize.json. */
static int remove_ranks(struct instance *inst, const char *text, struct st_error *err)
{
    json_t *change = json_pack("{s:s}", "remove", text);
    if (!change)
        return st_errorf(err, ENOMEM, "out of memory");
    if (resize_prepare(inst, change) < 0) {
        st_errorf(err, errno, "resource.shrink: cannot save the change: %s", strerror(errno));
        json_decref(change);
        return -1;
    }
    int rc = match_remove_ranks(inst->m, text, err);
    if (rc < 0)
        resize_abort(inst);
    else
        resize_commit(inst, change);
    json_decref(change);
    return rc;
}

int instance_method_detach(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                           json_t **result, struct st_error *err)
{
    (void)worker;
    if (!inst || !result)
        return st_errorf(err, EINVAL, "resource.shrink: NULL argument");
    if (uid != inst->owner)
        return st_errorf(err, EPERM, "only the instance owner may remove resources");
    const char *text = json_string_value(json_object_get(params, "ranks"));
    json_t *drain = json_object_get(params, "drain");
    if (!text || (drain && !json_is_boolean(drain)))
        return st_errorf(err, EINVAL, "resource.shrink: needs string \"ranks\" (and a boolean "
                                      "\"drain\")");
    idset_t *ranks = idset_decode(text, err);
    idset_t *here = ranks ? node_ranks(inst) : NULL;
    if (!ranks || !here) {
        idset_destroy(ranks);
        return -1;
    }
    size_t inside = 0, n = idset_count(ranks), all = idset_count(here);
    for (int64_t r = idset_first(ranks); r >= 0; r = idset_next(ranks, r))
        inside += idset_test(here, r);
    idset_destroy(here);
    int rc = 0;
    if (n == 0 || inside != n)
        rc = st_errorf(err, ENOENT, "resource.shrink: ranks \"%s\": %zu of them are not nodes of "
                                    "this instance", text, n - inside);
    else if (n >= all)
        rc = st_errorf(err, EINVAL, "resource.shrink: the instance would have no node left");
    json_t *busy = rc == 0 ? jobs_on(inst, ranks) : NULL;
    if (rc == 0 && json_array_size(busy) > 0 && !json_is_true(drain))
        rc = st_errorf(err, EBUSY, "resource.shrink: job %lld runs on ranks \"%s\" (drain to "
                                   "cancel it)", (long long)json_integer_value(json_array_get(busy, 0)), text);
    if (rc == 0 && json_array_size(busy) > 0) {
        drain_ranks(inst, ranks, busy);
        *result = json_pack("{s:b, s:O}", "removed", 0, "waiting", busy);
    } else if (rc == 0 && (rc = remove_ranks(inst, text, err)) == 0) {
        *result = json_pack("{s:b, s:s}", "removed", 1, "ranks", text);
        inst->dirty = true;
        inst_kick(inst);
        inst_publish(inst, "resource.shrink", json_pack("{s:s}", "ranks", text));
    }
    json_decref(busy);
    idset_destroy(ranks);
    return rc;
}
