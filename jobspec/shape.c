/* shape: build a V1 jobspec from a command shape (flux submit -N -n -c -g -t).
 *
 * The layout follows flux-core's JobspecV1.from_command: without -N, one
 * slot per task holding the task's cores (and GPUs); with -N, each node
 * holds ceil(ntasks/nodes) such slots, and the task count becomes "total"
 * when the tasks do not divide evenly among the nodes.  The result is
 * assembled as JSON and run through the parser, so a built jobspec obeys
 * every rule a parsed one does.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec/jobspec.h"
#include "jobspec/jobspec_private.h"

static const struct {
    const char *suffix;
    double scale;
} duration_units[] = {
    {"", 1}, {"s", 1}, {"ms", 0.001}, {"m", 60}, {"h", 3600}, {"d", 86400},
};

int jobspec_parse_duration(const char *s, double *seconds)
{
    if (!s || !seconds || !((*s >= '0' && *s <= '9') || *s == '.')) {
        errno = EINVAL;
        return -1;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* strtod also reads hex, "inf" and "nan": accept decimal digits only. */
    bool decimal = strspn(s, "0123456789.eE+-") >= (size_t) (end - s);
    if (errno || end == s || !decimal || !isfinite(v)) {
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
        if (strcmp(end, duration_units[i].suffix) == 0) {
            double d = v * duration_units[i].scale;
            if (!isfinite(d)) {
                break;
            }
            *seconds = d;
            return 0;
        }
    }
    errno = EINVAL;
    return -1;
}

/* ---- resources and tasks ---- */

static json_t *slot_json(int count, int cores, int gpus, bool exclusive)
{
    json_t *with = json_pack("[{s:s, s:i}]", "type", "core", "count", cores);
    if (with && gpus > 0 &&
        json_array_append_new(with, json_pack("{s:s, s:i}", "type", "gpu", "count", gpus)) <
            0) {
        json_decref(with);
        return NULL;
    }
    json_t *slot = json_pack("{s:s, s:i, s:s, s:o}", "type", "slot", "count", count, "label",
                             "task", "with", with);
    if (slot && exclusive && json_object_set_new(slot, "exclusive", json_true()) < 0) {
        json_decref(slot);
        return NULL;
    }
    return slot;
}

static json_t *resources_json(const struct jobspec_shape *s, int ntasks, int cores)
{
    if (s->nodes == 0)
        return json_pack("[o]", slot_json(ntasks, cores, s->gpus_per_task, s->exclusive));
    int per_node = (ntasks + s->nodes - 1) / s->nodes;
    json_t *node = json_pack("{s:s, s:i, s:[o]}", "type", "node", "count", s->nodes, "with",
                             slot_json(per_node, cores, s->gpus_per_task, false));
    if (node && s->exclusive && json_object_set_new(node, "exclusive", json_true()) < 0) {
        json_decref(node);
        return NULL;
    }
    return json_pack("[o]", node);
}

static json_t *tasks_json(const struct jobspec_shape *s, int ntasks)
{
    json_t *cmd = json_array();
    for (const char *const *a = s->argv; cmd && *a; a++) {
        if (json_array_append_new(cmd, json_string(*a)) < 0) {
            json_decref(cmd);
            cmd = NULL;
        }
    }
    /* Uneven spreads waste slots; "total" keeps the task count exact. */
    bool even = s->nodes == 0 || ntasks % s->nodes == 0;
    return json_pack("[{s:o, s:s, s:{s:i}}]", "command", cmd, "slot", "task", "count",
                     even ? "per_slot" : "total", even ? 1 : ntasks);
}

/* ---- attributes ---- */

static int set_path(json_t *root, const char *dotted, json_t *value, struct st_error *err)
{
    char *copy = strdup(dotted);
    json_t *o = root;
    char *save = NULL;
    char *key = copy ? strtok_r(copy, ".", &save) : NULL;
    int rc = -1;
    while (key) {
        char *next = strtok_r(NULL, ".", &save);
        if (!next) {
            rc = json_object_set(o, key, value);
            break;
        }
        json_t *child = json_object_get(o, key);
        if (!child) {
            child = json_object();
            if (json_object_set_new(o, key, child) < 0)
                break;
        } else if (!json_is_object(child)) {
            st_errorf(err, EINVAL, "--setattr %s: %s is not a mapping", dotted, key);
            break;
        }
        o = child;
        key = next;
    }
    if (rc < 0 && !key)
        st_errorf(err, EINVAL, "--setattr %s: empty attribute name", dotted);
    free(copy);
    return rc;
}

/* "K=V": K is dotted below attributes ("system." implied unless K starts
 * with "user." or "system."), V is JSON if it parses as such, else a string;
 * a lone K sets 1 (as flux submit does). */
static int apply_setattr(json_t *attrs, const char *kv, struct st_error *err)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t) (eq - kv) : strlen(kv);
    char key[256];
    const char *prefix = "system.";
    if (strncmp(kv, "attributes.", 11) == 0) {
        kv += 11;
        klen -= 11;
        prefix = "";
    } else if (strncmp(kv, "system.", 7) == 0 || strncmp(kv, "user.", 5) == 0) {
        prefix = "";
    }
    if (klen == 0 ||
        (size_t) snprintf(key, sizeof(key), "%s%.*s", prefix, (int) klen, kv) >= sizeof(key))
        return st_errorf(err, EINVAL, "--setattr %s: bad attribute name", kv);
    json_t *v = eq ? json_loads(eq + 1, JSON_DECODE_ANY, NULL) : json_integer(1);
    if (!v)
        v = json_string(eq + 1);
    if (!v)
        return st_errorf(err, EINVAL, "--setattr %s: value is not valid UTF-8", kv);
    int rc = set_path(attrs, key, v, err);
    json_decref(v);
    return rc;
}

static int apply_env(json_t *env, const char *nv, struct st_error *err)
{
    const char *eq = strchr(nv, '=');
    if (!eq || eq == nv)
        return st_errorf(err, EINVAL, "--env %s: expected NAME=VALUE", nv);
    json_t *v = json_string(eq + 1);
    if (!v || json_object_setn_new(env, nv, (size_t) (eq - nv), v) < 0)
        return st_errorf(err, EINVAL, "--env %s: not valid UTF-8", nv);
    return 0;
}

/* Append one --requires entry: "host:LIST" / "rank:IDS" or a comma-separated
 * list of property names ("^name" negates). */
static int add_requires(json_t *props, json_t *hosts, json_t *ranks, const char *r,
                        struct st_error *err)
{
    if (strncmp(r, "host:", 5) == 0 || strncmp(r, "hosts:", 6) == 0)
        return json_array_append_new(hosts, json_string(strchr(r, ':') + 1));
    if (strncmp(r, "rank:", 5) == 0 || strncmp(r, "ranks:", 6) == 0)
        return json_array_append_new(ranks, json_string(strchr(r, ':') + 1));
    char *copy = strdup(r);
    char *save = NULL;
    int rc = copy ? 0 : -1;
    for (char *p = copy ? strtok_r(copy, ",", &save) : NULL; p && rc == 0;
         p = strtok_r(NULL, ",", &save)) {
        char bad;
        if (jobspec_property_check(p, &bad) < 0)
            rc = st_errorf(err, EINVAL, "--requires %s: invalid property name \"%s\"", r, p);
        else
            rc = json_array_append_new(props, json_string(p));
    }
    free(copy);
    return rc;
}

static json_t *constraints_json(const char *const *requires, struct st_error *err)
{
    json_t *props = json_array(), *hosts = json_array(), *ranks = json_array();
    json_t *terms = json_array();
    json_t *out = NULL;
    for (const char *const *r = requires; *r; r++) {
        if (add_requires(props, hosts, ranks, *r, err) < 0)
            goto done;
    }
    if (json_array_size(props))
        json_array_append_new(terms, json_pack("{s:O}", "properties", props));
    if (json_array_size(hosts))
        json_array_append_new(terms, json_pack("{s:O}", "hostlist", hosts));
    if (json_array_size(ranks))
        json_array_append_new(terms, json_pack("{s:O}", "ranks", ranks));
    if (json_array_size(terms) == 1)
        out = json_incref(json_array_get(terms, 0));
    else
        out = json_pack("{s:O}", "and", terms);
done:
    json_decref(props);
    json_decref(hosts);
    json_decref(ranks);
    json_decref(terms);
    return out;
}

static json_t *attributes_json(const struct jobspec_shape *s, struct st_error *err)
{
    json_t *sys = json_object();
    json_t *attrs = json_pack("{s:o}", "system", sys);
    if (!attrs)
        return NULL;
    double d = s->duration;
    json_t *dur = d == floor(d) && d < 1e15 ? json_integer((json_int_t) d) : json_real(d);
    if (json_object_set_new(sys, "duration", dur) < 0 ||
        (s->queue && json_object_set_new(sys, "queue", json_string(s->queue)) < 0))
        goto error;
    if (s->env && s->env[0]) {
        json_t *env = json_object();
        if (json_object_set_new(sys, "environment", env) < 0)
            goto error;
        for (const char *const *e = s->env; *e; e++) {
            if (apply_env(env, *e, err) < 0)
                goto error;
        }
    }
    if (s->requires && s->requires[0]) {
        json_t *c = constraints_json(s->requires, err);
        if (!c || json_object_set_new(sys, "constraints", c) < 0)
            goto error;
    }
    for (const char *const *a = s->setattr; a && *a; a++) {
        if (apply_setattr(attrs, *a, err) < 0)
            goto error;
    }
    return attrs;
error:
    json_decref(attrs);
    return NULL;
}

/* ---- entry point ---- */

/* A rule the built JSON breaks (an empty --queue, a bad hostlist) is the
 * option's fault: its line and column in text nobody sees would only
 * confuse, so "<shape>:1:214: attributes.system.queue must not be empty"
 * loses everything up to the field. */
static void drop_location(struct st_error *err)
{
    static const char prefix[] = "<shape>:";
    if (!err || strncmp(err->text, prefix, sizeof prefix - 1) != 0)
        return;
    const char *p = err->text + sizeof prefix - 1;
    p += strspn(p, "0123456789");
    if (*p == ':')
        p++;
    p += strspn(p, "0123456789");
    if (p[0] == ':' && p[1] == ' ')
        memmove(err->text, p + 2, strlen(p + 2) + 1);
}

static int check_shape(const struct jobspec_shape *s, int *ntasks, int *cores,
                       struct st_error *err)
{
    if (!s->argv || !s->argv[0])
        return st_errorf(err, EINVAL, "a command is required");
    if (s->nodes < 0 || s->ntasks < 0 || s->cores_per_task < 0 || s->gpus_per_task < 0)
        return st_errorf(err, EINVAL, "node, task, core and gpu counts must not be negative");
    /* 0 means "not given": tasks default to one per node, cores to 1. */
    *ntasks = s->ntasks ? s->ntasks : (s->nodes ? s->nodes : 1);
    *cores = s->cores_per_task ? s->cores_per_task : 1;
    if (s->nodes > *ntasks)
        return st_errorf(err, EINVAL, "cannot run %d task%s on %d nodes: more nodes than tasks",
                         *ntasks, *ntasks == 1 ? "" : "s", s->nodes);
    if (!isfinite(s->duration) || s->duration < 0)
        return st_errorf(err, EINVAL, "duration must be >= 0 seconds");
    return 0;
}

jobspec_t *jobspec_from_shape(const struct jobspec_shape *shape, struct st_error *err)
{
    int ntasks = 1, cores = 1;
    if (!shape)
        return st_errorf_null(err, EINVAL, "no shape given");
    if (check_shape(shape, &ntasks, &cores, err) < 0)
        return NULL;
    struct st_error local;
    errno = ENOMEM; /* what a failed allocation below leaves; errors set EINVAL */
    json_t *attrs = attributes_json(shape, err ? err : &local);
    if (!attrs)
        return errno == EINVAL ? NULL : st_errorf_null(err, ENOMEM, "out of memory");
    json_t *o = json_pack("{s:i, s:o, s:o, s:o}", "version", 1, "resources",
                          resources_json(shape, ntasks, cores), "tasks",
                          tasks_json(shape, ntasks), "attributes", attrs);
    char *text = o ? json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        return st_errorf_null(err, EINVAL, "cannot encode the jobspec (invalid UTF-8?)");
    jobspec_t *js = jobspec_parse_string(text, strlen(text), "<shape>", err);
    int saved = errno;
    free(text);
    if (!js)
        drop_location(err);
    errno = saved;
    return js;
}
