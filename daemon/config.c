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
 * Errors name the file, line and column, bad values too: they are checked
 * here with the ranges and names stratad's options take (stratad checks
 * the arguments again, but could only name the option).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "daemon/stratad.h"
#include "policy/policy.h"
#include "resource/reader.h"

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

/* The numeric values and the ranges stratad's options take, on the command
 * line (stratad.c) and in a config file (here, where a bad one can name its
 * place in the file): one table for both. */
static const struct {
    const char *key;
    long long lo, hi;
    const char *what; /* "'VALUE' is WHAT" */
} number_keys[] = {
    {"queue-depth", 1, QUEUE_MAX_QUEUE_DEPTH, "not 1..1000000"},
    {"reservation-depth", 1, QUEUE_MAX_RESERVATION_DEPTH, "not 1..100000"},
    {"default-duration", 1, 3153600000LL, "not a number of seconds (1..3153600000)"},
    {"kill-grace", 0, 3600, "not 0..3600 seconds"},
    {"contexts", 1, 1024, "not 1..1024"},
    {"max-request", 64, 1LL << 30, "not 64..1073741824 bytes"},
    {"journal-max-records", 0, INT64_MAX / 4, "not 0 or 16 and more"},
    {"inactive-limit", 0, INT64_MAX / 4, "not a count"},
};

static int bad_value(struct cfg *c, const yaml_event_t *ev, const char *key, const char *value,
                     const char *what)
{
    return st_errorf(c->err, EINVAL, "%s:%zu:%zu: %s: '%s' is %s", c->path,
                     ev->start_mark.line + 1, ev->start_mark.column + 1, key, value, what);
}

int config_number_option(const char *key, const char *value, long long *out, const char **what)
{
    if (!key || !value || !out || !what) {
        if (what)
            *what = "not a value";
        errno = EINVAL;
        return -1;
    }
    for (size_t i = 0; i < sizeof number_keys / sizeof *number_keys; i++) {
        if (strcmp(key, number_keys[i].key) != 0)
            continue;
        long long v;
        bool ok = config_number(value, number_keys[i].lo, number_keys[i].hi, &v) == 0;
        if (ok && strcmp(key, "journal-max-records") == 0)
            ok = v == 0 || v >= 16; /* a smaller journal would compact all the time */
        if (!ok) {
            *what = number_keys[i].what;
            return -1;
        }
        *out = v;
        return 0;
    }
    return 1;
}

/* A value stratad would refuse, refused here with the file's place. */
static int check_value(struct cfg *c, const yaml_event_t *ev, const char *key,
                       const char *value)
{
    long long v;
    const char *what;
    int rc = config_number_option(key, value, &v, &what);
    if (rc <= 0)
        return rc == 0 ? 0 : bad_value(c, ev, key, value, what);
    if ((strcmp(key, "queue-policy") == 0 || strcmp(key, "policy") == 0) &&
        !queue_policy_exists(value))
        return bad_value(c, ev, key, value,
                         "not a queue policy (fcfs, easy, hybrid, conservative)");
    if (strcmp(key, "load-format") == 0 && !reader_format_valid(value))
        return bad_value(c, ev, key, value, "not a format (grug, jgf, hwloc, rv1exec)");
    if (strcmp(key, "match-policy") == 0) {
        struct st_error perr = {{0}};
        policy_t *mp = policy_create(value, &perr);
        policy_destroy(mp);
        if (!mp)
            return st_errorf(c->err, EINVAL, "%s:%zu:%zu: %s: %s", c->path,
                             ev->start_mark.line + 1, ev->start_mark.column + 1, key,
                             perr.text[0] ? perr.text : "not a match policy");
    }
    return 0;
}

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
    } else if (check_value(c, ev, key, value) < 0) {
        return -1;
    } else if (asprintf(&a, "--%s=%s", key, value) < 0) {
        a = NULL;
    }
    return append_arg(c, a);
}

/* "--queue=SPEC" */
static int add_queue_arg(struct cfg *c, const char *spec)
{
    char *a = NULL;
    if (asprintf(&a, "--queue=%s", spec) < 0)
        a = NULL;
    return append_arg(c, a);
}

static const char *const queue_keys[] = {"policy", "queue-depth", "reservation-depth"};
enum { SPEC_MAX = 1024 }; /* a queue's "NAME:key=value,..." */

static int next_event(struct cfg *c, yaml_parser_t *p, yaml_event_t *ev)
{
    if (yaml_parser_parse(p, ev))
        return 0;
    return st_errorf(c->err, EINVAL, "%s:%zu:%zu: %s", c->path, p->problem_mark.line + 1,
                     p->problem_mark.column + 1, p->problem ? p->problem : "bad YAML");
}

/* What a level of the file does with each of its events: 0 go on, 1 the
 * level is over, -1 error (err set).  The event is deleted afterwards. */
typedef int (*event_fn)(struct cfg *c, yaml_parser_t *p, const yaml_event_t *ev, void *state);

/* Feed the parser's events to fn until it says the level is over. */
static int each_event(struct cfg *c, yaml_parser_t *p, event_fn fn, void *state)
{
    for (;;) {
        yaml_event_t ev;
        if (next_event(c, p, &ev) < 0)
            return -1;
        int rc = fn(c, p, &ev, state);
        yaml_event_delete(&ev);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
}

/* One queue's parameters: a mapping of scalars, appended to the spec as
 * ",key=value". */
struct qparams {
    char *spec;
    size_t n;
    char key[64];
};

static int queue_param_event(struct cfg *c, yaml_parser_t *p, const yaml_event_t *ev,
                             void *state)
{
    struct qparams *q = state;
    if (ev->type == YAML_MAPPING_END_EVENT)
        return 1;
    if (ev->type != YAML_SCALAR_EVENT)
        return cfg_error(c, ev, "queue parameters must be scalars", NULL);
    if (!q->key[0]) {
        snprintf(q->key, sizeof q->key, "%s", (const char *)ev->data.scalar.value);
        bool known = false;
        for (size_t i = 0; i < sizeof queue_keys / sizeof *queue_keys; i++)
            known |= strcmp(q->key, queue_keys[i]) == 0;
        return known ? 0 : cfg_error(c, ev, "unknown queue parameter", q->key);
    }
    if (check_value(c, ev, q->key, (const char *) ev->data.scalar.value) < 0)
        return -1;
    size_t len = strlen(q->spec);
    snprintf(q->spec + len, q->n - len, "%s%s=%s", strchr(q->spec, ':') ? "," : ":", q->key,
             (const char *)ev->data.scalar.value);
    q->key[0] = '\0';
    return 0;
}

/* queues: {NAME: {params} | POLICY | null, ...}; the state is the spec of
 * the queue being read ("" between queues). */
static int queue_event(struct cfg *c, yaml_parser_t *p, const yaml_event_t *ev, void *state)
{
    char *spec = state; /* SPEC_MAX bytes */
    size_t n = SPEC_MAX;
    bool name_pending = spec[0] != '\0';
    int rc = 0;
    if (ev->type == YAML_MAPPING_END_EVENT && !name_pending)
        return 1;
    if (ev->type == YAML_SCALAR_EVENT && !name_pending) {
        snprintf(spec, n, "%s", (const char *)ev->data.scalar.value);
        return !spec[0] || strpbrk(spec, ":,= ") ? cfg_error(c, ev, "bad queue name", spec) : 0;
    }
    if (ev->type == YAML_SCALAR_EVENT) { /* NAME: POLICY, or NAME: (null) */
        const char *v = (const char *)ev->data.scalar.value;
        size_t len = strlen(spec);
        if (*v && strcmp(v, "~") != 0 && strcmp(v, "null") != 0) {
            snprintf(spec + len, n - len, ":policy=%s", v);
            rc = check_value(c, ev, "policy", v);
        }
        if (rc == 0)
            rc = add_queue_arg(c, spec);
    } else if (ev->type == YAML_MAPPING_START_EVENT && name_pending) {
        struct qparams q = {.spec = spec, .n = n};
        rc = each_event(c, p, queue_param_event, &q);
        if (rc == 0)
            rc = add_queue_arg(c, spec);
    } else {
        rc = cfg_error(c, ev, "queues: expected NAME: {policy: P, queue-depth: N, "
                              "reservation-depth: N}", NULL);
    }
    spec[0] = '\0';
    return rc;
}

/* The top level: stream, document, one mapping of scalar: scalar (and
 * queues: a mapping). */
struct top {
    char key[64];
    int depth;
    bool have_key;
};

static int top_scalar(struct cfg *c, const yaml_event_t *ev, struct top *t)
{
    const char *s = (const char *)ev->data.scalar.value;
    if (t->depth == 0)
        return cfg_error(c, ev, "expected a mapping", NULL);
    if (!t->have_key) {
        snprintf(t->key, sizeof t->key, "%s", s);
        t->have_key = true;
        return key_kind(t->key) ? 0 : cfg_error(c, ev, "unknown key", t->key);
    }
    if (key_kind(t->key) == 3)
        return cfg_error(c, ev, "queues: expected a mapping of queue names", NULL);
    t->have_key = false;
    return add_arg(c, t->key, key_kind(t->key), s, ev);
}

static int top_event(struct cfg *c, yaml_parser_t *p, const yaml_event_t *ev, void *state)
{
    struct top *t = state;
    switch (ev->type) {
    case YAML_STREAM_END_EVENT: return 1;
    case YAML_MAPPING_START_EVENT:
        if (t->depth == 1 && t->have_key && strcmp(t->key, "queues") == 0) {
            char spec[SPEC_MAX] = "";
            t->have_key = false;
            return each_event(c, p, queue_event, spec);
        }
        return t->depth++ ? cfg_error(c, ev, "values must be scalars", NULL) : 0;
    case YAML_MAPPING_END_EVENT: t->depth--; return 0;
    case YAML_SEQUENCE_START_EVENT:
        return cfg_error(c, ev, t->depth ? "values must be scalars" : "expected a mapping", NULL);
    case YAML_SCALAR_EVENT: return top_scalar(c, ev, t);
    case YAML_ALIAS_EVENT: return cfg_error(c, ev, "aliases are not allowed", NULL);
    default: return 0;
    }
}

int config_number(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    if (!s || !out || lo > hi) {
        errno = EINVAL;
        return -1;
    }
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        errno = errno ? errno : EINVAL;
        return -1;
    }
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
                   config_number(val, 1, QUEUE_MAX_QUEUE_DEPTH, &x) == 0) {
            qp->queue_depth = (int)x;
        } else if (k == 17 && strncmp(p, "reservation-depth", k) == 0 &&
                   config_number(val, 1, QUEUE_MAX_RESERVATION_DEPTH, &x) == 0) {
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
    struct stat st; /* a directory opens, then reads as "input error" */
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        return st_errorf(err, EISDIR, "%s: %s", path, strerror(EISDIR));
    }
    yaml_parser_t p;
    struct cfg c = {.path = path, .err = err};
    int rc = -1;
    if (yaml_parser_initialize(&p)) {
        yaml_parser_set_input_file(&p, f);
        struct top t = {.depth = 0};
        rc = each_event(&c, &p, top_event, &t);
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
