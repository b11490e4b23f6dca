/* policy: the registry of match policies, custom policy strings and
 * plugin loading. */
#include "policy/policy.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy_builtin.h"

struct policy {
    struct match_policy ops; /* a private copy: custom strings edit it */
    void *dl;                /* plugin handle, or NULL */
    char name[64];
};

static const struct match_policy *const registry[] = {
    &policy_first_ops,    &policy_firstnodex_ops, &policy_high_ops,    &policy_low_ops,
    &policy_hinode_ops,   &policy_lonode_ops,     &policy_hinodex_ops, &policy_lonodex_ops,
    &policy_locality_ops, &policy_variation_ops,
};
enum { NREGISTRY = sizeof(registry) / sizeof(registry[0]) };

static const char *const names[] = {
    "first",   "firstnodex", "high",     "low",       "hinode", "lonode",
    "hinodex", "lonodex",    "locality", "variation", NULL,
};
_Static_assert(sizeof(names) / sizeof(names[0]) == NREGISTRY + 1, "names match the registry");

const char *const *policy_names(void)
{
    return names;
}

const struct match_policy *policy_lookup(const char *name)
{
    if (!name) {
        errno = EINVAL;
        return NULL;
    }
    for (size_t i = 0; i < NREGISTRY; i++)
        if (strcmp(registry[i]->name, name) == 0)
            return registry[i];
    errno = ENOENT;
    return NULL;
}

int64_t policy_score_id(const struct policy_vertex *v, int64_t factor)
{
    return 2 + v->id + factor;
}

int64_t policy_score_perf_class(const struct policy_vertex *v, int64_t factor)
{
    (void) factor;
    const char *s = v->property ? v->property(v->ctx, "perf_class") : NULL;
    int64_t pc = 9999;
    if (s && *s) {
        char *end;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (errno == 0 && *end == '\0' && x >= 0 && x <= 9999)
            pc = x;
    }
    return 1 + pc;
}

static int parse_bool(const char *s, bool *b)
{
    if (strcmp(s, "true") == 0)
        *b = true;
    else if (strcmp(s, "false") == 0)
        *b = false;
    else
        return -1;
    return 0;
}

/* One key=value word of a custom policy string. */
static int custom_word(struct match_policy *ops, const char *key, const char *val)
{
    if (strcmp(key, "policy") == 0) {
        if (strcmp(val, "high") == 0)
            ops->high = true;
        else if (strcmp(val, "low") == 0)
            ops->high = false;
        else
            return -1;
        return 0;
    }
    /* Newer Fluxion spells the direction as a flag: high=true, low=true. */
    if (strcmp(key, "high") == 0 || strcmp(key, "low") == 0) {
        bool on;
        if (parse_bool(val, &on) < 0)
            return -1;
        ops->high = (key[0] == 'h') == on;
        return 0;
    }
    if (strcmp(key, "node_centric") == 0)
        return parse_bool(val, &ops->node_centric);
    if (strcmp(key, "node_exclusive") == 0)
        return parse_bool(val, &ops->node_exclusive);
    if (strcmp(key, "stop_on_1_matches") == 0)
        return parse_bool(val, &ops->stop_on_first);
    return -1;
}

/* Parse "policy=high node_centric=true ..." into ops (a copy of high). */
static int parse_custom(const char *spec, struct match_policy *ops, struct st_error *err)
{
    char *copy = strdup(spec);
    if (!copy)
        return st_errorf(err, ENOMEM, "out of memory");
    *ops = policy_high_ops;
    ops->name = "custom";
    int words = 0;
    char *save = NULL;
    for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        char *eq = strchr(w, '=');
        if (!eq || eq == w || custom_word(ops, (*eq = '\0', w), eq + 1) < 0) {
            free(copy);
            return st_errorf(err, EINVAL, "invalid match policy \"%s\"", spec);
        }
        words++;
    }
    free(copy);
    if (words == 0)
        return st_errorf(err, EINVAL, "empty match policy");
    return 0;
}

static int load_plugin(struct policy *p, const char *path, struct st_error *err)
{
    p->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!p->dl)
        return st_errorf(err, ENOENT, "can't load policy plugin: %s", dlerror());
    const struct match_policy *(*fn)(void);
    *(void **) &fn = dlsym(p->dl, POLICY_PLUGIN_SYMBOL);
    const struct match_policy *ops = fn ? fn() : NULL;
    if (!ops || ops->abi != POLICY_ABI_VERSION || !ops->score || !ops->name) {
        dlclose(p->dl);
        p->dl = NULL;
        return st_errorf(err, EINVAL, "%s: no valid %s (ABI %d)", path, POLICY_PLUGIN_SYMBOL,
                         POLICY_ABI_VERSION);
    }
    p->ops = *ops;
    return 0;
}

policy_t *policy_create(const char *spec, struct st_error *err)
{
    if (!spec || !*spec)
        return st_errorf_null(err, EINVAL, "no match policy");
    struct policy *p = calloc(1, sizeof(*p));
    if (!p)
        return st_errorf_null(err, ENOMEM, "out of memory");
    const struct match_policy *builtin = policy_lookup(spec);
    int rc = 0;
    if (builtin)
        p->ops = *builtin;
    else if (strncmp(spec, "plugin:", 7) == 0)
        rc = load_plugin(p, spec + 7, err);
    else if (strchr(spec, '='))
        rc = parse_custom(spec, &p->ops, err);
    else
        rc = st_errorf(err, EINVAL, "unknown match policy: %s", spec);
    if (rc < 0) {
        int e = errno;
        free(p);
        errno = e;
        return NULL;
    }
    snprintf(p->name, sizeof(p->name), "%s", p->ops.name);
    p->ops.name = p->name;
    return p;
}

void policy_destroy(policy_t *p)
{
    if (!p)
        return;
    int e = errno;
    if (p->dl)
        dlclose(p->dl);
    free(p);
    errno = e;
}

const struct match_policy *policy_ops(const policy_t *p)
{
    if (!p) {
        errno = EINVAL;
        return NULL;
    }
    return &p->ops;
}
