/* config: stratad's YAML configuration file.
 *
 * The file is one mapping whose keys are stratad's long option names and
 * whose values are scalars:
 *
 *   queue-policy: easy
 *   queue-depth: 64
 *   load: /etc/strata/cluster.graphml
 *   noexec: false
 *
 * Each entry becomes the argument "--key=value" ("--key" for a true
 * boolean, nothing for false), placed before the command line's own
 * arguments so that the command line wins.  The one nested key is
 * "queues", a mapping of queue names to their parameters, each becoming
 * "--queue=NAME:policy=easy,queue-depth=64":
 *
 *   queues:
 *     batch: {policy: easy, queue-depth: 64}
 *     debug: fcfs             # just the policy
 *
 * Errors name the file, line and column.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "daemon/stratad.h"

static const char *const bool_keys[] = {"noexec"};
static const char *const value_keys[] = {
    "load", "load-format", "allowlist", "match-policy", "queue-policy", "queue-depth",
    "reservation-depth", "default-duration", "kill-grace", "rundir", "statedir", "contexts",
    "max-request", "journal-max-records", "inactive-limit",
};

static int key_kind(const char *k)
{
    for (size_t i = 0; i < sizeof bool_keys / sizeof *bool_keys; i++)
        if (strcmp(k, bool_keys[i]) == 0)
            return 1;
    for (size_t i = 0; i < sizeof value_keys / sizeof *value_keys; i++)
        if (strcmp(k, value_keys[i]) == 0)
            return 2;
    return strcmp(k, "queues") == 0 ? 3 : 0;
}

struct cfg {
    const char *path;
    char **args;
    int n;
    struct st_error *err;
};

static int cfg_error(struct cfg *c, const yaml_event_t *ev, const char *what, const char *arg)
{
    return st_errorf(c->err, EINVAL, "%s:%zu:%zu: %s%s%s", c->path, ev->start_mark.line + 1,
                     ev->start_mark.column + 1, what, arg ? " " : "", arg ? arg : "");
}

static int add_arg(struct cfg *c, const char *key, int kind, const char *value,
                   const yaml_event_t *ev)
{
    char *a = NULL;
    if (kind == 1) {
        bool t = strcmp(value, "true") == 0 || strcmp(value, "yes") == 0;
        if (!t && strcmp(value, "false") != 0 && strcmp(value, "no") != 0)
            return cfg_error(c, ev, "expected true or false for", key);
        if (!t)
            return 0;
        if (asprintf(&a, "--%s", key) < 0)
            a = NULL;
    } else if (asprintf(&a, "--%s=%s", key, value) < 0) {
        a = NULL;
    }
    char **v = a ? realloc(c->args, (size_t)(c->n + 1) * sizeof *v) : NULL;
    if (!v) {
        free(a);
        return st_errorf(c->err, ENOMEM, "out of memory");
    }
    c->args = v;
    c->args[c->n++] = a;
    return 0;
}

static const char *const queue_keys[] = {"policy", "queue-depth", "reservation-depth"};

static int append_arg(struct cfg *c, char *a)
{
    char **v = a ? realloc(c->args, (size_t)(c->n + 1) * sizeof *v) : NULL;
    if (!v) {
        free(a);
        return st_errorf(c->err, ENOMEM, "out of memory");
    }
    c->args = v;
    c->args[c->n++] = a;
    return 0;
}

static int next_event(struct cfg *c, yaml_parser_t *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(p, ev))
        return 0;
    return st_errorf(c->err, EINVAL, "%s:%zu:%zu: %s", c->path, p->problem_mark.line + 1,
                     p->problem_mark.column + 1, p->problem ? p->problem : "bad YAML");
}

/* One queue's parameters: a mapping of scalars (after its
 * MAPPING_START), appended to spec as ",key=value". */
static int queue_params(struct cfg *c, yaml_parser_t *p, char *spec, size_t n)
{
    yaml_event_t ev;
    char key[64] = "";
    for (;;) {
        if (next_event(c, p, &ev) < 0)
            return -1;
        int rc = 0;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        if (ev.type != YAML_SCALAR_EVENT) {
            rc = cfg_error(c, &ev, "queue parameters must be scalars", NULL);
        } else if (!key[0]) {
            snprintf(key, sizeof key, "%s", (const char *)ev.data.scalar.value);
            bool known = false;
            for (size_t i = 0; i < sizeof queue_keys / sizeof *queue_keys; i++)
                known |= strcmp(key, queue_keys[i]) == 0;
            if (!known)
                rc = cfg_error(c, &ev, "unknown queue parameter", key);
        } else {
            size_t len = strlen(spec);
            snprintf(spec + len, n - len, "%s%s=%s", strchr(spec, ':') ? "," : ":", key,
                     (const char *)ev.data.scalar.value);
            key[0] = '\0';
        }
        yaml_event_delete(&ev);
        if (rc < 0)
            return -1;
    }
}

/* queues: {NAME: {params} | POLICY | null, ...}, after its MAPPING_START. */
static int walk_queues(struct cfg *c, yaml_parser_t *p)
{
    yaml_event_t ev;
    char spec[1024] = "";
    for (;;) {
        if (next_event(c, p, &ev) < 0)
            return -1;
        int rc = 0;
        bool name_pending = spec[0] != '\0';
        if (ev.type == YAML_MAPPING_END_EVENT && !name_pending) {
            yaml_event_delete(&ev);
            return 0;
        }
        if (ev.type == YAML_SCALAR_EVENT && !name_pending) {
            snprintf(spec, sizeof spec, "%s", (const char *)ev.data.scalar.value);
            if (!spec[0] || strpbrk(spec, ":,= "))
                rc = cfg_error(c, &ev, "bad queue name", spec);
        } else if (ev.type == YAML_SCALAR_EVENT) { /* NAME: POLICY, or NAME: (null) */
            const char *v = (const char *)ev.data.scalar.value;
            size_t len = strlen(spec);
            if (*v && strcmp(v, "~") != 0 && strcmp(v, "null") != 0)
                snprintf(spec + len, sizeof spec - len, ":policy=%s", v);
            char *a = NULL;
            if (asprintf(&a, "--queue=%s", spec) < 0)
                a = NULL;
            rc = append_arg(c, a);
            spec[0] = '\0';
        } else if (ev.type == YAML_MAPPING_START_EVENT && name_pending) {
            rc = queue_params(c, p, spec, sizeof spec);
            char *a = NULL;
            if (rc == 0 && (asprintf(&a, "--queue=%s", spec) < 0 || append_arg(c, a) < 0))
                rc = st_errorf(c->err, ENOMEM, "out of memory");
            spec[0] = '\0';
        } else {
            rc = cfg_error(c, &ev, "queues: expected NAME: {policy: P, queue-depth: N, "
                                   "reservation-depth: N}", NULL);
        }
        yaml_event_delete(&ev);
        if (rc < 0)
            return -1;
    }
}

/* Walk the events: stream, document, one mapping of scalar: scalar. */
static int walk(struct cfg *c, yaml_parser_t *p)
{
    yaml_event_t ev;
    char key[64] = "";
    int depth = 0, rc = 0;
    bool have_key = false;
    for (bool done = false; !done && rc == 0;) {
        if (!yaml_parser_parse(p, &ev))
            return st_errorf(c->err, EINVAL, "%s:%zu:%zu: %s", c->path, p->problem_mark.line + 1,
                             p->problem_mark.column + 1, p->problem ? p->problem : "bad YAML");
        switch (ev.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_MAPPING_START_EVENT:
            if (depth == 1 && have_key && strcmp(key, "queues") == 0) {
                rc = walk_queues(c, p);
                have_key = false;
                break;
            }
            rc = depth++ ? cfg_error(c, &ev, "values must be scalars", NULL) : 0;
            break;
        case YAML_MAPPING_END_EVENT: depth--; break;
        case YAML_SEQUENCE_START_EVENT:
            rc = cfg_error(c, &ev, depth ? "values must be scalars" : "expected a mapping", NULL);
            break;
        case YAML_SCALAR_EVENT: {
            const char *s = (const char *)ev.data.scalar.value;
            if (depth == 0) {
                rc = cfg_error(c, &ev, "expected a mapping", NULL);
            } else if (!have_key) {
                snprintf(key, sizeof key, "%s", s);
                have_key = true;
                if (!key_kind(key))
                    rc = cfg_error(c, &ev, "unknown key", key);
            } else if (key_kind(key) == 3) {
                rc = cfg_error(c, &ev, "queues: expected a mapping of queue names", NULL);
            } else {
                rc = add_arg(c, key, key_kind(key), s, &ev);
                have_key = false;
            }
            break;
        }
        case YAML_ALIAS_EVENT: rc = cfg_error(c, &ev, "aliases are not allowed", NULL); break;
        default: break;
        }
        yaml_event_delete(&ev);
    }
    return rc;
}

static int number(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int config_queue_spec(const char *spec, char *name, size_t n, struct queue_params *qp,
                      struct st_error *err)
{
    if (!spec || !name || !qp)
        return st_errorf(err, EINVAL, "queue spec: invalid argument");
    size_t len = strcspn(spec, ":");
    memset(qp, 0, sizeof *qp);
    if (len == 0 || len >= n || strcspn(spec, ", =") < len)
        return st_errorf(err, EINVAL, "--queue %s: expected NAME[:policy=P,queue-depth=N,"
                                      "reservation-depth=N]", spec);
    memcpy(name, spec, len);
    name[len] = '\0';
    qp->name = name;
    for (const char *p = spec[len] ? spec + len + 1 : spec + len; *p;) {
        size_t k = strcspn(p, "="), v = strcspn(p, ",");
        long long x = 0;
        char val[64];
        if (k >= v || v - k - 1 >= sizeof val)
            return st_errorf(err, EINVAL, "--queue %s: '%.*s' is not KEY=VALUE", spec, (int)v, p);
        snprintf(val, sizeof val, "%.*s", (int)(v - k - 1), p + k + 1);
        if (k == 6 && strncmp(p, "policy", 6) == 0) {
            qp->policy = p + k + 1; /* up to the next ',': checked below */
        } else if (k == 11 && strncmp(p, "queue-depth", k) == 0 &&
                   number(val, 1, QUEUE_MAX_QUEUE_DEPTH, &x) == 0) {
            qp->queue_depth = (int)x;
        } else if (k == 17 && strncmp(p, "reservation-depth", k) == 0 &&
                   number(val, 1, QUEUE_MAX_RESERVATION_DEPTH, &x) == 0) {
            qp->reservation_depth = (int)x;
        } else {
            return st_errorf(err, EINVAL, "--queue %s: bad '%.*s' (policy=fcfs|easy|hybrid|"
                             "conservative, queue-depth=1..%d, reservation-depth=1..%d)", spec,
                             (int)v, p, QUEUE_MAX_QUEUE_DEPTH, QUEUE_MAX_RESERVATION_DEPTH);
        }
        p += v + (p[v] ? 1 : 0);
    }
    return 0;
}

int config_load(const char *path, char ***args, int *nargs, struct st_error *err)
{
    if (!path || !args || !nargs)
        return st_errorf(err, EINVAL, "config: invalid argument");
    FILE *f = fopen(path, "r");
    if (!f)
        return st_errorf(err, errno, "%s: %s", path, strerror(errno));
    yaml_parser_t p;
    struct cfg c = {.path = path, .err = err};
    int rc = -1;
    if (yaml_parser_initialize(&p)) {
        yaml_parser_set_input_file(&p, f);
        rc = walk(&c, &p);
        yaml_parser_delete(&p);
    }
    fclose(f);
    if (rc < 0) {
        config_free(c.args, c.n);
        return -1;
    }
    *args = c.args;
    *nargs = c.n;
    return 0;
}

void config_free(char **args, int n)
{
    for (int i = 0; i < n; i++)
        free(args[i]);
    free(args);
}
