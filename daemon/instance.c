/* instance: the parent's side of nested instances (daemon/instance.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/instance.h"

/* What a child registered.  A plain array: instance jobs are few (each is
 * a whole stratad), so a linear search costs nothing next to a request. */
struct child {
    int64_t id;
    char *uri; /* NULL while awaiting a re-registration */
    char *statedir;
    int64_t pid;
    enum instance_child_state state;
    double until;    /* AWAITING: deadline of the re-registration */
    int64_t wrapper; /* ADOPTED: the instance-run process */
};

static struct child *children;
static size_t nchildren, children_cap;

static json_t *instance_attr(const struct job *j)
{
    json_t *sys = json_object_get(json_object_get(j->spec, "attributes"), "system");
    return json_object_get(sys, "instance");
}

bool instance_job_is_instance(const struct job *j)
{
    if (!j || !j->spec)
        return false;
    json_t *a = instance_attr(j);
    return json_is_true(a) || json_is_object(a);
}

double instance_job_grace(const struct job *j)
{
    json_t *g = j ? json_object_get(instance_attr(j), "grace") : NULL;
    if (!json_is_number(g))
        return INSTANCE_GRACE_DEFAULT;
    double v = json_number_value(g);
    return v > 0 ? (v < 86400 ? v : 86400) : 0;
}

/* The strata CLI beside this stratad (build tree: daemon/ -> tools/;
 * installed: sbin/ -> bin/), else $STRATA, else PATH.  Computed once: the
 * binary does not move while the daemon runs. */
static const char *strata_path(void)
{
    static char path[PATH_MAX];
    if (path[0])
        return path;
    const char *env = getenv("STRATA");
    if (env && *env && strlen(env) < sizeof path) {
        strcpy(path, env);
        return path;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = '\0';
            const char *rel[] = {"/../tools/strata", "/../bin/strata"};
            for (size_t i = 0; i < sizeof rel / sizeof *rel; i++)
                if (strlen(self) + strlen(rel[i]) < sizeof path) {
                    snprintf(path, sizeof path, "%s%s", self, rel[i]);
                    if (access(path, X_OK) == 0)
                        return path;
                }
        }
    }
    strcpy(path, "strata");
    return path;
}

int instance_wrap_argv(struct instance *inst, struct job *j, char ***argv)
{
    if (!inst || !j || !argv || !*argv) {
        errno = EINVAL;
        return -1;
    }
    if (!instance_job_is_instance(j))
        return 0;
    json_t *opts = json_object_get(instance_attr(j), "options");
    json_t *prefix = json_object_get(instance_attr(j), "prefix");
    size_t nold = 0;
    while ((*argv)[nold])
        nold++;
    size_t nopt = json_is_array(opts) ? json_array_size(opts) : 0;
    size_t npre = json_is_array(prefix) ? json_array_size(prefix) : 0;
    nopt += 2 * npre; /* "--prefix" WORD each */
    /* strata instance-run [--noexec] [--hold] --grace N OPTIONS... -- COMMAND... NULL */
    char **v = calloc(nold + nopt + 8, sizeof *v);
    if (!v)
        return -1;
    /* Static: the caller execs (or drops) the array before the next job. */
    static char grace[32];
    snprintf(grace, sizeof grace, "%g", instance_job_grace(j));
    size_t k = 0;
    v[k++] = (char *)strata_path();
    v[k++] = "instance-run";
    if (inst->opts.noexec || j->noexec)
        v[k++] = "--noexec"; /* the child's jobs hold like the parent's */
    if (json_is_true(json_object_get(instance_attr(j), "interactive")))
        v[k++] = "--hold"; /* strata alloc without a command */
    v[k++] = "--grace";
    v[k++] = grace;
    for (size_t i = 0; i < npre; i++) {
        const char *s = json_string_value(json_array_get(prefix, i));
        if (s) {
            v[k++] = "--prefix"; /* instance-run's own: a command word before stratad */
            v[k++] = (char *)s;
        }
    }
    for (size_t i = 0; i < json_array_size(opts); i++) {
        const char *s = json_string_value(json_array_get(opts, i));
        if (s)
            v[k++] = (char *)s;
    }
    v[k++] = "--";
    for (size_t i = 0; i < nold; i++)
        v[k++] = (*argv)[i];
    free(*argv);
    *argv = v;
    j->noexec = false;
    return 0;
}

static struct child *child_find(int64_t id)
{
    for (size_t i = 0; i < nchildren; i++)
        if (children[i].id == id)
            return &children[i];
    return NULL;
}

const char *instance_child_uri(int64_t id)
{
    struct child *c = child_find(id);
    return c ? c->uri : NULL;
}

/* Job id as the instance.* methods may act on it: it exists, uid owns it
 * (or owns the daemon) and it was started as an instance.  NULL with err
 * filled (ENOENT, EPERM, EINVAL) otherwise; the running state each method
 * needs is its own check. */
static struct job *own_instance_job(struct instance *inst, int64_t id, uint32_t uid,
                                    struct st_error *err)
{
    struct job *j = inst_job(inst, id);
    if (!j)
        return st_errorf_null(err, ENOENT, "job %lld: no such job", (long long)id);
    if (uid != j->uid && uid != inst->owner)
        return st_errorf_null(err, EPERM, "job %lld: not yours", (long long)j->id);
    if (!instance_job_is_instance(j))
        return st_errorf_null(err, EINVAL, "job %lld is not an instance job", (long long)j->id);
    return j;
}

/* Check everything, then allocate, then store: a refused or failed
 * registration leaves the registry as it was. */
static int register_check(struct instance *inst, json_t *params, uint32_t uid,
                          struct st_error *err)
{
    json_t *id = json_object_get(params, "id");
    const char *uri = json_string_value(json_object_get(params, "uri"));
    json_t *sd = json_object_get(params, "statedir");
    json_t *pid = json_object_get(params, "pid");
    json_t *wrapper = json_object_get(params, "wrapper");
    json_t *again = json_object_get(params, "reconnect");
    if (!json_is_integer(id) || !uri || !*uri)
        return st_errorf(err, EINVAL, "instance.register: needs integer \"id\" and string \"uri\"");
    if ((sd && !json_is_string(sd)) || (pid && !json_is_integer(pid)) ||
        (wrapper && (!json_is_integer(wrapper) || json_integer_value(wrapper) <= 1)) ||
        (again && !json_is_boolean(again)))
        return st_errorf(err, EINVAL,
                         "instance.register: \"statedir\" must be a string, \"pid\" an integer, "
                         "\"wrapper\" a pid, \"reconnect\" a boolean");
    struct job *j = own_instance_job(inst, json_integer_value(id), uid, err);
    if (!j)
        return -1;
    if (j->state != JOB_RUN)
        return st_errorf(err, EBUSY, "job %lld is not running", (long long)j->id);
    struct child *c = child_find(j->id);
    bool awaiting = c && c->state == INSTANCE_CHILD_AWAITING;
    if (json_is_true(again) && !awaiting && !(c && c->state == INSTANCE_CHILD_ADOPTED))
        return st_errorf(err, ESRCH, "job %lld: no restored instance awaits a reconnection",
                         (long long)j->id);
    if (awaiting && !wrapper)
        return st_errorf(err, EINVAL, "job %lld: a reconnecting instance must give its "
                                      "\"wrapper\" pid", (long long)j->id);
    return 0;
}

/* The wrapper of an adopted job is its one task: cancel and time limits
 * signal its process group (exec_signal()), as for a job started here. */
static int adopt_task(struct job *j, int64_t wrapper)
{
    if (!j->pids) {
        j->pids = calloc(j->ntasks > 0 ? (size_t)j->ntasks : 1, sizeof *j->pids);
        if (!j->pids)
            return -1;
    }
    j->pids[0] = (pid_t)wrapper;
    j->nlive = 1;
    return 0;
}

int instance_method_register(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                             json_t **result, struct st_error *err)
{
    (void)worker;
    if (!inst || !result)
        return st_errorf(err, EINVAL, "instance.register: NULL argument");
    if (register_check(inst, params, uid, err) < 0)
        return -1;
    int64_t id = json_integer_value(json_object_get(params, "id"));
    const char *sd = json_string_value(json_object_get(params, "statedir"));
    char *uri = strdup(json_string_value(json_object_get(params, "uri")));
    char *statedir = sd ? strdup(sd) : NULL;
    json_t *res = json_object();
    struct child *c = child_find(id);
    if (!c && nchildren == children_cap) {
        size_t cap = children_cap ? children_cap * 2 : 8;
        struct child *n = realloc(children, cap * sizeof *n);
        if (n) {
            children = n;
            children_cap = cap;
        }
    }
    if (!uri || (sd && !statedir) || !res || (!c && nchildren == children_cap)) {
        free(uri);
        free(statedir);
        json_decref(res);
        return st_errorf(err, ENOMEM, "out of memory");
    }
    json_int_t wrapper = json_integer_value(json_object_get(params, "wrapper"));
    bool adopting = c && (c->state == INSTANCE_CHILD_AWAITING ||
                          c->state == INSTANCE_CHILD_ADOPTED) && wrapper > 1;
    if (adopting && adopt_task(inst_job(inst, id), wrapper) < 0) {
        free(uri);
        free(statedir);
        json_decref(res);
        return st_errorf(err, ENOMEM, "out of memory");
    }
    if (!c) {
        c = &children[nchildren++];
        *c = (struct child){.id = id};
    }
    free(c->uri);
    free(c->statedir);
    c->uri = uri;
    c->statedir = statedir;
    c->pid = json_integer_value(json_object_get(params, "pid"));
    if (adopting) {
        c->state = INSTANCE_CHILD_ADOPTED;
        c->wrapper = wrapper;
        c->until = 0;
    }
    *result = res;
    return 0;
}

static struct child *child_add(int64_t id)
{
    struct child *c = child_find(id);
    if (c)
        return c;
    if (nchildren == children_cap) {
        size_t cap = children_cap ? children_cap * 2 : 8;
        struct child *n = realloc(children, cap * sizeof *n);
        if (!n)
            return NULL;
        children = n;
        children_cap = cap;
    }
    c = &children[nchildren++];
    *c = (struct child){.id = id};
    return c;
}

int instance_child_expect(int64_t id, double until)
{
    struct child *c = child_add(id);
    if (!c) {
        errno = ENOMEM;
        return -1;
    }
    free(c->uri);
    c->uri = NULL;
    c->pid = 0;
    c->state = INSTANCE_CHILD_AWAITING;
    c->until = until;
    c->wrapper = 0;
    return 0;
}

enum instance_child_state instance_child_state(int64_t id, double *until, int64_t *wrapper)
{
    struct child *c = child_find(id);
    if (!c)
        return INSTANCE_CHILD_NONE;
    if (until)
        *until = c->until;
    if (wrapper)
        *wrapper = c->wrapper;
    return c->state;
}

size_t instance_children_watched(void)
{
    size_t n = 0;
    for (size_t i = 0; i < nchildren; i++)
        n += children[i].state != INSTANCE_CHILD_NONE;
    return n;
}

void instance_child_release(int64_t id)
{
    struct child *c = child_find(id);
    if (c) {
        c->state = INSTANCE_CHILD_NONE;
        c->until = 0;
        c->wrapper = 0;
    }
}

struct job *instance_job_live(struct instance *inst, json_t *params, uint32_t uid,
                              const char *method, struct st_error *err)
{
    if (!inst)
        return st_errorf_null(err, EINVAL, "%s: NULL argument", method ? method : "instance");
    json_t *id = json_object_get(params, "id");
    if (!json_is_integer(id))
        return st_errorf_null(err, EINVAL, "%s: needs an integer \"id\"",
                              method ? method : "instance");
    struct job *j = own_instance_job(inst, json_integer_value(id), uid, err);
    if (!j)
        return NULL;
    if (j->state != JOB_RUN || !j->R)
        return st_errorf_null(err, EBUSY, "job %lld is not running", (long long)j->id);
    return j;
}

int instance_method_R(struct instance *inst, json_t *params, uint32_t uid, void *worker,
                      json_t **result, struct st_error *err)
{
    (void)worker;
    if (!inst || !result)
        return st_errorf(err, EINVAL, "instance.R: NULL argument");
    struct job *j = instance_job_live(inst, params, uid, "instance.R", err);
    if (!j)
        return -1;
    *result = json_pack("{s:s}", "R", j->R);
    return *result ? 0 : st_errorf(err, ENOMEM, "out of memory");
}

void instance_job_annotate(const struct job *j, json_t *o)
{
    if (!j || !o || !instance_job_is_instance(j))
        return;
    json_object_set_new(o, "instance", json_true());
    struct child *c = child_find(j->id);
    if (!c || !c->uri)
        return;
    json_object_set_new(o, "uri", json_string(c->uri));
    if (c->statedir)
        json_object_set_new(o, "statedir", json_string(c->statedir));
    if (c->pid > 0)
        json_object_set_new(o, "child_pid", json_integer(c->pid));
}
