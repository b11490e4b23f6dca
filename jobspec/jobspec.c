/* jobspec: parse and validate a jobspec into the request tree.
 *
 * The text is read into a ytree (positions kept, aliases refused), then
 * walked once: every rule of fluxion-behaviour.md §5 is checked while the
 * request tree is filled.  Errors name file:line:col and the path of the
 * offending field, e.g. "job.yaml:7:9: resources[0].count.min must be >= 1".
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobspec/jobspec.h"
#include "jobspec/jobspec_private.h"
#include "jobspec/ytree.h"
#include "resource/hostlist.h"
#include "resource/idset.h"
#include "resource/st_array.h"

enum { PATH_MAX_DEPTH = 160, VERSION_MAX = 9999 };

struct path_seg {
    const char *key; /* NULL: an index */
    size_t idx;
};

/* Parse context: where errors go and the path of the field being checked,
 * kept as a stack so that it is formatted only when an error happens. */
struct pctx {
    const char *name;
    struct st_error *err;
    struct path_seg path[PATH_MAX_DEPTH];
    int depth;
};

static void push_key(struct pctx *c, const char *key)
{
    if (c->depth < PATH_MAX_DEPTH)
        c->path[c->depth] = (struct path_seg){.key = key};
    c->depth++;
}

static void push_idx(struct pctx *c, size_t idx)
{
    if (c->depth < PATH_MAX_DEPTH)
        c->path[c->depth] = (struct path_seg){.key = NULL, .idx = idx};
    c->depth++;
}

static void pop(struct pctx *c)
{
    c->depth--;
}

static void format_path(const struct pctx *c, char *buf, size_t size)
{
    size_t off = 0;
    buf[0] = '\0';
    int n = c->depth < PATH_MAX_DEPTH ? c->depth : PATH_MAX_DEPTH;
    for (int i = 0; i < n && off < size; i++) {
        const struct path_seg *s = &c->path[i];
        int w;
        if (s->key)
            w = snprintf(buf + off, size - off, "%s%s", i ? "." : "", s->key);
        else
            w = snprintf(buf + off, size - off, "[%zu]", s->idx);
        if (w < 0)
            break;
        off += (size_t) w;
    }
    if (off == 0)
        snprintf(buf, size, "jobspec");
}

/* Fill the error as "name:line:col: <path> <what>" and return -1. */
static int fail(struct pctx *c, const struct ynode *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct pctx *c, const struct ynode *at, const char *fmt, ...)
{
    char path[256];
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    format_path(c, path, sizeof(path));
    return st_errorf(c->err, EINVAL, "%s:%u:%u: %s %s", c->name, at ? at->line : 1,
                     at ? at->col : 1, path, what);
}

static int fail_nomem(struct pctx *c)
{
    return st_errorf(c->err, ENOMEM, "%s: out of memory", c->name);
}

/* ---- scalar helpers ---- */

/* A mapping's keys must be scalars from `allowed` (NULL-terminated). */
static int check_keys(struct pctx *c, const struct ynode *map, const char *const *allowed,
                      const char *expected)
{
    for (const struct ynode *k = map->first; k && k->next; k = k->next->next) {
        if (k->kind != YNODE_SCALAR)
            return fail(c, k, "has a key that is not a string");
        const char *const *a = allowed;
        while (*a && strcmp(*a, k->str) != 0)
            a++;
        if (!*a) {
            push_key(c, k->str);
            int rc = fail(c, k, "is not a valid key (expected %s)", expected);
            pop(c);
            return rc;
        }
    }
    return 0;
}

static int require(struct pctx *c, const struct ynode *map, const char *key,
                   const struct ynode **out)
{
    *out = jobspec_ynode_get(map, key);
    if (*out)
        return 0;
    push_key(c, key);
    int rc = fail(c, map, "is required");
    pop(c);
    return rc;
}

/* Unsigned integer in lo..hi from a scalar (quoted or not: YAML readers
 * such as yaml-cpp convert "4" as well). */
static int get_uint(struct pctx *c, const struct ynode *n, uint64_t lo, uint64_t hi,
                    uint64_t *out)
{
    if (n->kind != YNODE_SCALAR || n->len == 0)
        return fail(c, n, "must be an integer");
    const char *s = n->str;
    bool neg = false;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    if (*s == '\0')
        return fail(c, n, "must be an integer");
    uint64_t v = 0;
    bool overflow = false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return fail(c, n, "must be an integer, not \"%.64s\"", n->str);
        unsigned d = (unsigned) (*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            overflow = true;
        else
            v = v * 10 + d;
    }
    if (neg && (v != 0 || overflow))
        return fail(c, n, "must be >= %llu", (unsigned long long) lo);
    if (overflow || v > hi)
        return fail(c, n, "must be <= %llu", (unsigned long long) hi);
    if (v < lo)
        return fail(c, n, "must be >= %llu", (unsigned long long) lo);
    *out = v;
    return 0;
}

static int get_string(struct pctx *c, const struct ynode *n, bool nonempty, char **out)
{
    if (n->kind != YNODE_SCALAR || jobspec_ynode_is_null(n))
        return fail(c, n, "must be a string");
    if (nonempty && n->len == 0)
        return fail(c, n, "must not be empty");
    if (memchr(n->str, '\0', n->len))
        return fail(c, n, "must not contain NUL characters");
    char *s = strdup(n->str);
    if (!s)
        return fail_nomem(c);
    *out = s;
    return 0;
}

static int keyed_string(struct pctx *c, const struct ynode *map, const char *key, bool nonempty,
                        char **out)
{
    const struct ynode *n = jobspec_ynode_get(map, key);
    if (!n)
        return 0;
    push_key(c, key);
    int rc = get_string(c, n, nonempty, out);
    pop(c);
    return rc;
}

/* A string inside attributes, which are also kept as JSON: the tree must
 * hold what the JSON holds, or emitting and re-parsing would change it.  So
 * a plain scalar that reads as a boolean, null or real is not a string here,
 * and an integer (allowed where RFC 31 takes ranks) is stored canonically
 * ("0x10" -> "16"). */
static int get_attr_string(struct pctx *c, const struct ynode *n, bool nonempty, bool allow_int,
                           char **out)
{
    if (n->kind != YNODE_SCALAR || !n->plain)
        return get_string(c, n, nonempty, out);
    enum yscalar_type t = jobspec_yscalar_resolve(n->str, n->len);
    if (t == YS_STRING)
        return get_string(c, n, nonempty, out);
    double d;
    if (t != YS_INT || !allow_int || jobspec_yscalar_number(n->str, n->len, &d) < 0 ||
        fabs(d) > 9007199254740992.0)
        return fail(c, n, "must be a string");
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long) d);
    if (!(*out = strdup(buf)))
        return fail_nomem(c);
    return 0;
}

static int keyed_attr_string(struct pctx *c, const struct ynode *map, const char *key,
                             bool nonempty, char **out)
{
    const struct ynode *n = jobspec_ynode_get(map, key);
    if (!n)
        return 0;
    push_key(c, key);
    int rc = get_attr_string(c, n, nonempty, false, out);
    pop(c);
    return rc;
}

/* ---- counts (§5.2) ---- */

static int count_field(struct pctx *c, const struct ynode *n, const char *key, uint64_t lo,
                       uint64_t *out)
{
    push_key(c, key);
    int rc = get_uint(c, n, lo, UINT32_MAX, out);
    pop(c);
    return rc;
}

static int count_operator(struct pctx *c, const struct ynode *n, char *op)
{
    push_key(c, "operator");
    int rc = 0;
    if (n->kind != YNODE_SCALAR || n->len != 1 || !strchr("+*^", n->str[0]))
        rc = fail(c, n, "must be one of \"+\", \"*\" or \"^\"");
    else
        *op = n->str[0];
    pop(c);
    return rc;
}

/* max, operator and operand come together or not at all (Fluxion is
 * stricter here than flux-core). */
static int count_all_or_none(struct pctx *c, const struct ynode *map)
{
    static const char *const keys[] = {"max", "operator", "operand"};
    int present = 0;
    for (int i = 0; i < 3; i++)
        present += jobspec_ynode_get(map, keys[i]) != NULL;
    if (present == 0 || present == 3)
        return 0;
    for (int i = 0; i < 3; i++) {
        if (!jobspec_ynode_get(map, keys[i])) {
            push_key(c, keys[i]);
            int rc = fail(c, map, "is required when any of max, operator or operand is given");
            pop(c);
            return rc;
        }
    }
    return 0;
}

static int count_rules(struct pctx *c, const struct ynode *map, struct js_count *cnt)
{
    const struct ynode *opnd = jobspec_ynode_get(map, "operand");
    if (cnt->max < cnt->min) {
        push_key(c, "max");
        int rc = fail(c, jobspec_ynode_get(map, "max"), "must be >= min (%llu)",
                      (unsigned long long) cnt->min);
        pop(c);
        return rc;
    }
    uint64_t need = cnt->op == '+' ? 1 : 2;
    if (cnt->operand < need) {
        push_key(c, "operand");
        int rc = fail(c, opnd, "must be >= %llu for operator \"%c\"", (unsigned long long) need,
                      cnt->op);
        pop(c);
        return rc;
    }
    if (cnt->op == '^' && cnt->min < 2) {
        push_key(c, "min");
        int rc = fail(c, jobspec_ynode_get(map, "min"), "must be >= 2 for operator \"^\"");
        pop(c);
        return rc;
    }
    return 0;
}

static int count_map(struct pctx *c, const struct ynode *map, struct js_count *cnt)
{
    static const char *const allowed[] = {"min", "max", "operator", "operand", NULL};
    const struct ynode *n;
    if (check_keys(c, map, allowed, "min, max, operator, operand") < 0 ||
        require(c, map, "min", &n) < 0 || count_field(c, n, "min", 1, &cnt->min) < 0 ||
        count_all_or_none(c, map) < 0)
        return -1;
    if (!(n = jobspec_ynode_get(map, "max"))) {
        cnt->max = UINT32_MAX;
        cnt->op = '+';
        cnt->operand = 1;
        return 0;
    }
    if (count_field(c, n, "max", 1, &cnt->max) < 0 ||
        count_operator(c, jobspec_ynode_get(map, "operator"), &cnt->op) < 0 ||
        count_field(c, jobspec_ynode_get(map, "operand"), "operand", 0, &cnt->operand) < 0)
        return -1;
    return count_rules(c, map, cnt);
}

static int parse_count(struct pctx *c, const struct ynode *n, struct js_count *cnt)
{
    push_key(c, "count");
    int rc;
    if (n->kind == YNODE_MAP) {
        rc = count_map(c, n, cnt);
    } else if (n->kind == YNODE_SCALAR) {
        rc = get_uint(c, n, 1, UINT32_MAX, &cnt->min);
        cnt->max = cnt->min;
        cnt->op = '+';
        cnt->operand = 1;
    } else {
        rc = fail(c, n, "must be an integer or a mapping");
    }
    pop(c);
    return rc;
}

/* ---- resources ---- */

static void resource_fini(struct js_resource *r)
{
    free(r->type);
    free(r->label);
    free(r->unit);
    free(r->id);
    for (size_t i = 0; i < r->nwith; i++)
        resource_fini(&r->with[i]);
    free(r->with);
}

static int parse_resource_list(struct pctx *c, const struct ynode *seq, bool nonempty,
                               struct js_resource **out, size_t *nout);

static int parse_exclusive(struct pctx *c, const struct ynode *map, enum js_excl *out)
{
    const struct ynode *n = jobspec_ynode_get(map, "exclusive");
    *out = JS_EXCL_UNSET;
    if (!n)
        return 0;
    push_key(c, "exclusive");
    int rc = 0;
    if (n->kind == YNODE_SCALAR && strcmp(n->str, "true") == 0)
        *out = JS_EXCL_TRUE;
    else if (n->kind == YNODE_SCALAR && strcmp(n->str, "false") == 0)
        *out = JS_EXCL_FALSE;
    else
        rc = fail(c, n, "must be true or false");
    pop(c);
    return rc;
}

/* unit and id are carried along but unused by matching: any scalar will do. */
static int optional_scalar(struct pctx *c, const struct ynode *map, const char *key, char **out)
{
    const struct ynode *n = jobspec_ynode_get(map, key);
    if (!n)
        return 0;
    push_key(c, key);
    int rc =
        n->kind == YNODE_SCALAR ? get_string(c, n, false, out) : fail(c, n, "must be a scalar");
    pop(c);
    return rc;
}

static int parse_resource(struct pctx *c, const struct ynode *map, struct js_resource *r)
{
    static const char *const allowed[] = {"type", "count", "exclusive", "label",
                                          "unit", "id",    "with",      NULL};
    const struct ynode *n;
    if (map->kind != YNODE_MAP)
        return fail(c, map, "must be a mapping");
    if (check_keys(c, map, allowed, "type, count, exclusive, label, unit, id, with") < 0 ||
        require(c, map, "type", &n) < 0 || keyed_string(c, map, "type", true, &r->type) < 0 ||
        require(c, map, "count", &n) < 0 || parse_count(c, n, &r->count) < 0 ||
        parse_exclusive(c, map, &r->exclusive) < 0 ||
        keyed_string(c, map, "label", true, &r->label) < 0 ||
        optional_scalar(c, map, "unit", &r->unit) < 0 ||
        optional_scalar(c, map, "id", &r->id) < 0)
        return -1;
    if (strcmp(r->type, "slot") == 0 && !r->label) {
        push_key(c, "label");
        int rc = fail(c, map, "is required for a slot");
        pop(c);
        return rc;
    }
    if (!(n = jobspec_ynode_get(map, "with")))
        return 0;
    push_key(c, "with");
    int rc = parse_resource_list(c, n, false, &r->with, &r->nwith);
    pop(c);
    return rc;
}

static int parse_resource_list(struct pctx *c, const struct ynode *seq, bool nonempty,
                               struct js_resource **out, size_t *nout)
{
    if (seq->kind != YNODE_SEQ)
        return fail(c, seq, "must be a sequence");
    if (seq->n == 0) {
        if (nonempty)
            return fail(c, seq, "must not be empty");
        return 0;
    }
    struct js_resource *v = calloc(seq->n, sizeof(*v));
    if (!v)
        return fail_nomem(c);
    /* Publish the array before filling it so that the jobspec destructor
     * frees whatever was parsed if a later entry fails. */
    *out = v;
    *nout = seq->n;
    size_t i = 0;
    for (const struct ynode *item = seq->first; item; item = item->next, i++) {
        push_idx(c, i);
        int rc = parse_resource(c, item, &v[i]);
        pop(c);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---- tasks ---- */

static void task_fini(struct js_task *t)
{
    for (size_t i = 0; i < t->ncommand; i++)
        free(t->command[i]);
    free(t->command);
    free(t->slot);
    free(t->distribution);
    json_decref(t->attributes);
}

static int parse_command(struct pctx *c, const struct ynode *seq, struct js_task *t)
{
    push_key(c, "command");
    int rc = 0;
    if (seq->kind != YNODE_SEQ) {
        rc = fail(c, seq, "must be a sequence of strings");
    } else if (seq->n == 0) {
        rc = fail(c, seq, "must not be empty");
    } else if (!(t->command = calloc(seq->n, sizeof(char *)))) {
        rc = fail_nomem(c);
    } else {
        t->ncommand = seq->n;
        size_t i = 0;
        for (const struct ynode *a = seq->first; a && rc == 0; a = a->next, i++) {
            push_idx(c, i);
            rc = get_string(c, a, false, &t->command[i]);
            pop(c);
        }
    }
    pop(c);
    return rc;
}

static int parse_task_count(struct pctx *c, const struct ynode *map, struct js_task *t)
{
    static const char *const allowed[] = {"per_slot", "total", NULL};
    push_key(c, "count");
    int rc;
    if (map->kind != YNODE_MAP || map->n != 2) {
        rc = fail(c, map, "must be a mapping with exactly one of per_slot or total");
    } else if ((rc = check_keys(c, map, allowed, "per_slot or total")) == 0) {
        const struct ynode *k = map->first;
        t->count_kind = strcmp(k->str, "total") == 0 ? JS_TASK_TOTAL : JS_TASK_PER_SLOT;
        push_key(c, k->str);
        rc = get_uint(c, k->next, 1, UINT32_MAX, &t->count);
        pop(c);
    }
    pop(c);
    return rc;
}

static int keyed_json_map(struct pctx *c, const struct ynode *map, const char *key,
                          json_t **out);

static int parse_task(struct pctx *c, const struct ynode *map, struct js_task *t)
{
    static const char *const allowed[] = {"command",      "slot",       "count",
                                          "distribution", "attributes", NULL};
    const struct ynode *n;
    if (map->kind != YNODE_MAP)
        return fail(c, map, "must be a mapping");
    if (check_keys(c, map, allowed, "command, slot, count, distribution, attributes") < 0 ||
        require(c, map, "command", &n) < 0 || parse_command(c, n, t) < 0 ||
        require(c, map, "slot", &n) < 0 || keyed_string(c, map, "slot", true, &t->slot) < 0 ||
        require(c, map, "count", &n) < 0 || parse_task_count(c, n, t) < 0 ||
        keyed_string(c, map, "distribution", false, &t->distribution) < 0 ||
        keyed_json_map(c, map, "attributes", &t->attributes) < 0)
        return -1;
    return 0;
}

static int parse_tasks(struct pctx *c, const struct ynode *seq, jobspec_t *js)
{
    push_key(c, "tasks");
    int rc = 0;
    if (seq->kind != YNODE_SEQ)
        rc = fail(c, seq, "must be a sequence");
    else if (seq->n == 0)
        rc = fail(c, seq, "must not be empty");
    else if (!(js->tasks = calloc(seq->n, sizeof(*js->tasks))))
        rc = fail_nomem(c);
    if (rc < 0) {
        pop(c);
        return rc;
    }
    js->ntasks = seq->n;
    size_t i = 0;
    for (const struct ynode *item = seq->first; item && rc == 0; item = item->next, i++) {
        push_idx(c, i);
        rc = parse_task(c, item, &js->tasks[i]);
        pop(c);
    }
    pop(c);
    return rc;
}

/* ---- attributes ---- */

static int to_json(struct pctx *c, const struct ynode *n, json_t **out)
{
    const struct ynode *bad;
    json_t *v = jobspec_ynode_to_json(n, &bad);
    if (v) {
        *out = v;
        return 0;
    }
    if (!bad)
        return fail_nomem(c);
    if (bad->kind != YNODE_SCALAR)
        return fail(c, bad, "has a mapping key that is not a string");
    return fail(c, bad, "holds a value that is not valid text");
}

static int keyed_json_map(struct pctx *c, const struct ynode *map, const char *key,
                          json_t **out)
{
    const struct ynode *n = jobspec_ynode_get(map, key);
    if (!n)
        return 0;
    push_key(c, key);
    int rc = n->kind == YNODE_MAP ? to_json(c, n, out) : fail(c, n, "must be a mapping");
    pop(c);
    return rc;
}

static int parse_duration_node(struct pctx *c, const struct ynode *n, double *out)
{
    push_key(c, "duration");
    int rc = 0;
    double d = 0;
    if (n->kind != YNODE_SCALAR || jobspec_yscalar_number(n->str, n->len, &d) < 0)
        rc = fail(c, n, "must be a number of seconds");
    else if (d < 0)
        rc = fail(c, n, "must be >= 0");
    else
        *out = d;
    pop(c);
    return rc;
}

int jobspec_property_check(const char *name, char *badchar)
{
    const char *p = name[0] == '^' ? name + 1 : name;
    *badchar = '\0';
    if (*p == '\0')
        return -1;
    size_t bad = strcspn(p, JOBSPEC_PROPERTY_BADCHARS);
    if (p[bad] != '\0') {
        *badchar = p[bad];
        return -1;
    }
    return 0;
}

bool jobspec_property_name_valid(const char *name)
{
    char bad;
    return name && name[0] != '^' && jobspec_property_check(name, &bad) == 0;
}

static int check_constraint_value(struct pctx *c, const char *op, const struct ynode *n,
                                  const char *s)
{
    struct st_error e;
    if (strcmp(op, "properties") == 0) {
        char bad;
        if (jobspec_property_check(s, &bad) == 0)
            return 0;
        if (bad == '\0')
            return fail(c, n, "must be a non-empty property name");
        return fail(c, n, "has invalid character '%c' in property \"%.64s\"", bad, s);
    }
    if (strcmp(op, "ranks") == 0) {
        idset_t *ids = idset_decode(s, &e);
        idset_destroy(ids);
        return ids ? 0 : fail(c, n, "is not a valid rank idset: \"%.64s\"", s);
    }
    hostlist_t *hl = hostlist_decode(s, &e);
    hostlist_destroy(hl);
    return hl ? 0 : fail(c, n, "is not a valid hostlist: \"%.64s\"", s);
}

static int constraint_values(struct pctx *c, const char *op, const struct ynode *seq,
                             struct js_constraint *out)
{
    if (seq->kind != YNODE_SEQ)
        return fail(c, seq, "must be a sequence of strings");
    if (seq->n && !(out->values = calloc(seq->n, sizeof(char *))))
        return fail_nomem(c);
    out->nvalues = seq->n;
    size_t i = 0;
    for (const struct ynode *v = seq->first; v; v = v->next, i++) {
        push_idx(c, i);
        int rc = get_attr_string(c, v, false, true, &out->values[i]);
        if (rc == 0)
            rc = check_constraint_value(c, op, v, out->values[i]);
        pop(c);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int parse_constraint(struct pctx *c, const struct ynode *map, struct js_constraint *out);

static int constraint_args(struct pctx *c, const struct ynode *seq, struct js_constraint *out)
{
    if (seq->kind != YNODE_SEQ)
        return fail(c, seq, "must be a sequence of constraints");
    if (seq->n && !(out->args = calloc(seq->n, sizeof(*out->args))))
        return fail_nomem(c);
    out->nargs = seq->n;
    size_t i = 0;
    for (const struct ynode *v = seq->first; v; v = v->next, i++) {
        push_idx(c, i);
        int rc = parse_constraint(c, v, &out->args[i]);
        pop(c);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static const struct {
    const char *name;
    enum js_constraint_op op;
} constraint_ops[] = {
    {"properties", JS_C_PROPERTIES},
    {"hostlist", JS_C_HOSTLIST},
    {"ranks", JS_C_RANKS},
    {"and", JS_C_AND},
    {"or", JS_C_OR},
    {"not", JS_C_NOT},
};

/* One "operator: operand" entry of a constraint mapping. */
static int constraint_entry(struct pctx *c, const struct ynode *key, struct js_constraint *out)
{
    size_t i = 0;
    const size_t nops = sizeof(constraint_ops) / sizeof(constraint_ops[0]);
    while (i < nops && strcmp(constraint_ops[i].name, key->str) != 0)
        i++;
    push_key(c, key->str);
    int rc;
    if (i == nops) {
        rc = fail(c, key,
                  "is not a valid constraint operator "
                  "(expected properties, hostlist, ranks, and, or, not)");
    } else {
        out->op = constraint_ops[i].op;
        if (out->op == JS_C_AND || out->op == JS_C_OR || out->op == JS_C_NOT)
            rc = constraint_args(c, key->next, out);
        else
            rc = constraint_values(c, key->str, key->next, out);
    }
    pop(c);
    return rc;
}

/* RFC 31: {} matches everything; several keys in one mapping are an
 * implicit "and" of the entries. */
static int parse_constraint(struct pctx *c, const struct ynode *map, struct js_constraint *out)
{
    memset(out, 0, sizeof(*out));
    if (map->kind != YNODE_MAP)
        return fail(c, map, "must be a mapping");
    for (const struct ynode *k = map->first; k; k = k->next->next) {
        if (k->kind != YNODE_SCALAR)
            return fail(c, k, "has a key that is not a string");
    }
    size_t npairs = map->n / 2;
    if (npairs == 0) {
        out->op = JS_C_TRUE;
        return 0;
    }
    if (npairs == 1)
        return constraint_entry(c, map->first, out);
    out->op = JS_C_AND;
    if (!(out->args = calloc(npairs, sizeof(*out->args))))
        return fail_nomem(c);
    out->nargs = npairs;
    size_t i = 0;
    for (const struct ynode *k = map->first; k; k = k->next->next, i++) {
        if (constraint_entry(c, k, &out->args[i]) < 0)
            return -1;
    }
    return 0;
}

void jobspec_constraint_fini(struct js_constraint *c)
{
    for (size_t i = 0; i < c->nvalues; i++)
        free(c->values[i]);
    free(c->values);
    for (size_t i = 0; i < c->nargs; i++)
        jobspec_constraint_fini(&c->args[i]);
    free(c->args);
}

static int parse_constraints(struct pctx *c, const struct ynode *n, jobspec_t *js)
{
    if (!(js->constraint = calloc(1, sizeof(*js->constraint))))
        return fail_nomem(c);
    push_key(c, "constraints");
    int rc = parse_constraint(c, n, js->constraint);
    pop(c);
    return rc;
}

static int parse_system(struct pctx *c, const struct ynode *sys, jobspec_t *js)
{
    const struct ynode *n;
    if (jobspec_ynode_is_null(sys))
        return 0;
    if (sys->kind != YNODE_MAP)
        return fail(c, sys, "must be a mapping");
    if ((n = jobspec_ynode_get(sys, "duration")) &&
        parse_duration_node(c, n, &js->duration) < 0)
        return -1;
    if (keyed_attr_string(c, sys, "queue", true, &js->queue) < 0 ||
        keyed_attr_string(c, sys, "cwd", false, &js->cwd) < 0)
        return -1;
    if ((n = jobspec_ynode_get(sys, "environment")) && n->kind != YNODE_MAP) {
        push_key(c, "environment");
        int rc = fail(c, n, "must be a mapping");
        pop(c);
        return rc;
    }
    if ((n = jobspec_ynode_get(sys, "constraints")) && parse_constraints(c, n, js) < 0)
        return -1;
    return 0;
}

static int parse_attributes(struct pctx *c, const struct ynode *attrs, jobspec_t *js)
{
    static const char *const allowed[] = {"system", "user", NULL};
    const struct ynode *sys;
    push_key(c, "attributes");
    int rc = 0;
    if (jobspec_ynode_is_null(attrs)) {
        /* A null section is an empty one; keep an object so that consumers
         * and emitters need not special-case it. */
        if (!(js->attributes = json_object()))
            rc = fail_nomem(c);
    } else if (attrs->kind != YNODE_MAP) {
        rc = fail(c, attrs, "must be a mapping");
    } else if ((rc = check_keys(c, attrs, allowed, "system or user")) == 0) {
        if ((sys = jobspec_ynode_get(attrs, "system"))) {
            push_key(c, "system");
            rc = parse_system(c, sys, js);
            pop(c);
        }
        if (rc == 0)
            rc = to_json(c, attrs, &js->attributes);
    }
    pop(c);
    if (rc == 0) {
        json_t *env = json_object_get(json_object_get(js->attributes, "system"), "environment");
        js->environment = env;
    }
    return rc;
}

/* ---- top level ---- */

static int parse_version(struct pctx *c, const struct ynode *n, jobspec_t *js)
{
    uint64_t v;
    push_key(c, "version");
    int rc = get_uint(c, n, 1, VERSION_MAX, &v);
    pop(c);
    if (rc == 0)
        js->version = (unsigned) v;
    return rc;
}

static int parse_root(struct pctx *c, const struct ynode *root, jobspec_t *js)
{
    static const char *const allowed[] = {"version", "resources", "tasks", "attributes", NULL};
    const struct ynode *version, *resources, *tasks, *attrs;
    if (root->kind != YNODE_MAP)
        return fail(c, root, "must be a mapping");
    if (check_keys(c, root, allowed, "version, resources, tasks, attributes") < 0 ||
        require(c, root, "version", &version) < 0 ||
        require(c, root, "resources", &resources) < 0 ||
        require(c, root, "tasks", &tasks) < 0 || require(c, root, "attributes", &attrs) < 0 ||
        parse_version(c, version, js) < 0)
        return -1;
    push_key(c, "resources");
    int rc = parse_resource_list(c, resources, true, &js->resources, &js->nresources);
    pop(c);
    if (rc < 0 || parse_tasks(c, tasks, js) < 0 || parse_attributes(c, attrs, js) < 0)
        return -1;
    return 0;
}

jobspec_t *jobspec_parse_string(const char *buf, size_t len, const char *name,
                                struct st_error *err)
{
    if (!name)
        name = "<string>";
    if (!buf)
        return st_errorf_null(err, EINVAL, "%s: no input", name);
    ytree_t *t = jobspec_ytree_parse(buf, len, name, err);
    if (!t)
        return NULL;
    jobspec_t *js = calloc(1, sizeof(*js));
    struct pctx *c = malloc(sizeof(*c));
    int rc;
    if (!js || !c) {
        rc = st_errorf(err, ENOMEM, "%s: out of memory", name);
    } else {
        c->name = name;
        c->err = err;
        c->depth = 0;
        rc = parse_root(c, jobspec_ytree_root(t), js);
    }
    int saved = errno;
    free(c);
    jobspec_ytree_destroy(t);
    if (rc < 0) {
        jobspec_destroy(js);
        errno = saved;
        return NULL;
    }
    return js;
}

static char *read_all(FILE *f, size_t *len)
{
    char *buf = NULL;
    size_t cap = 0, n = 0;
    errno = 0; /* so that a read error (EISDIR...) can be told from none */
    for (;;) {
        /* Room for one more byte: a full buffer may not be the end. */
        if (st_grow(&buf, &cap, n + 1, 1, 4096) < 0) {
            free(buf);
            return NULL;
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
    }
    if (ferror(f)) {
        int e = errno ? errno : EIO;
        free(buf);
        errno = e;
        return NULL;
    }
    *len = n;
    return buf;
}

jobspec_t *jobspec_parse_file(const char *path, struct st_error *err)
{
    if (!path)
        return st_errorf_null(err, EINVAL, "(null): no file name");
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return st_errorf_null(err, errno, "%s: %s", path, strerror(errno));
    size_t len = 0;
    char *buf = read_all(f, &len);
    int saved = errno;
    if (f != stdin)
        fclose(f);
    if (!buf)
        return st_errorf_null(err, saved, "%s: %s", path, strerror(saved));
    jobspec_t *js =
        jobspec_parse_string(buf, len, strcmp(path, "-") == 0 ? "<stdin>" : path, err);
    saved = errno;
    free(buf);
    errno = saved;
    return js;
}

void jobspec_destroy(jobspec_t *js)
{
    if (!js)
        return;
    int saved = errno;
    for (size_t i = 0; i < js->nresources; i++)
        resource_fini(&js->resources[i]);
    free(js->resources);
    for (size_t i = 0; i < js->ntasks; i++)
        task_fini(&js->tasks[i]);
    free(js->tasks);
    free(js->queue);
    free(js->cwd);
    if (js->constraint) {
        jobspec_constraint_fini(js->constraint);
        free(js->constraint);
    }
    json_decref(js->attributes);
    free(js);
    errno = saved;
}

int64_t jobspec_duration_seconds(const jobspec_t *js)
{
    if (!js || !(js->duration > 0))
        return 0;
    if (js->duration >= (double) INT64_MAX)
        return INT64_MAX;
    return (int64_t) ceil(js->duration);
}
