/* jobspec: parse, validate and build job requests.
 *
 * A jobspec (RFC 14 canonical / RFC 25 V1) arrives as YAML or JSON.  The
 * parser turns it into a request tree the matcher walks without touching
 * YAML or JSON: each resource request has its type string, count rule,
 * exclusivity, label and children.  Anything the matcher does not need
 * (tasks' commands, user attributes) is kept as JSON for writers and the
 * daemon.
 *
 * Every error names the file, line and column and what is wrong, e.g.
 * `job.yaml:7:9: resources[0].count.min must be >= 1`.  Parsing never aborts
 * and leaks nothing.
 *
 * This module knows nothing about resource graphs: type names are strings
 * here; the matcher maps them to graph atoms (and rejects unknown types).
 */
#ifndef STRATA_JOBSPEC_H
#define STRATA_JOBSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "resource/st_error.h"

typedef struct jobspec jobspec_t;

/* A count: min..max reachable from min by operator/operand (RFC 14).
 * Scalar N is {N, N, '+', 1}.  max defaults to UINT32_MAX when absent. */
struct js_count {
    uint64_t min;
    uint64_t max;
    char op; /* '+', '*' or '^' */
    uint64_t operand;
};

enum js_excl { JS_EXCL_UNSET = -1, JS_EXCL_FALSE = 0, JS_EXCL_TRUE = 1 };

struct js_resource {
    char *type;  /* "node", "slot", "core", ... */
    struct js_count count;
    enum js_excl exclusive;
    char *label; /* required for slot, else NULL */
    char *unit;  /* may be NULL */
    char *id;    /* may be NULL */
    struct js_resource *with; /* children, nwith of them */
    size_t nwith;
};

/* Constraint tree (RFC 31), evaluated on node/storage_node vertices. */
enum js_constraint_op {
    JS_C_TRUE,       /* {} : matches everything */
    JS_C_PROPERTIES, /* values: property names, "^name" negates */
    JS_C_HOSTLIST,   /* values: hostlist strings, e.g. "node[0-3]" */
    JS_C_RANKS,      /* values: idset strings, e.g. "0-3,7" */
    JS_C_AND,
    JS_C_OR,
    JS_C_NOT,
};

struct js_constraint {
    enum js_constraint_op op;
    char **values; /* PROPERTIES/HOSTLIST/RANKS */
    size_t nvalues;
    struct js_constraint *args; /* AND/OR/NOT operands (NOT: all of them, negated-and) */
    size_t nargs;
};

enum js_task_count { JS_TASK_PER_SLOT, JS_TASK_TOTAL };

struct js_task {
    char **command; /* argv, ncommand entries */
    size_t ncommand;
    char *slot;
    enum js_task_count count_kind;
    uint64_t count;
    char *distribution; /* may be NULL */
    json_t *attributes; /* task attributes (owned) or NULL */
};

struct jobspec {
    unsigned version;
    struct js_resource *resources;
    size_t nresources;
    struct js_task *tasks;
    size_t ntasks;
    double duration;   /* seconds as given; 0 if absent */
    char *queue;       /* attributes.system.queue or NULL */
    char *cwd;         /* or NULL */
    struct js_constraint *constraint; /* NULL if none */
    json_t *attributes;               /* whole attributes object (owned; an empty
                                       * object when the jobspec had null) */
    json_t *environment;              /* attributes.system.environment or NULL (borrowed) */
};

/* Parse a jobspec from a file (YAML or JSON; "-" reads stdin, named
 * "<stdin>" in messages).  Returns a new jobspec, freed with
 * jobspec_destroy().  NULL on error with err filled ("FILE:LINE:COL: PATH
 * message", e.g. "job.yaml:5:12: resources[0].count.min must be >= 1", or
 * "FILE: strerror" when the file cannot be read) and errno set (ENOENT/EACCES
 * for open errors, EINVAL for bad content or a NULL path, ENOMEM). */
jobspec_t *jobspec_parse_file(const char *path, struct st_error *err);

/* Parse len bytes of buf (need not be NUL-terminated).  name is used in
 * error messages (e.g. "<stdin>"; NULL means "<string>").  Returns and fails
 * as jobspec_parse_file(); a NULL buf is EINVAL. */
jobspec_t *jobspec_parse_string(const char *buf, size_t len, const char *name,
                                struct st_error *err);

/* NULL is a no-op; errno preserved. */
void jobspec_destroy(jobspec_t *js);

/* Emit as compact JSON (canonical key order: version, resources, tasks,
 * attributes).  Caller frees with free().  NULL with EINVAL (js NULL) or
 * ENOMEM.  The output parses back to an equal jobspec. */
char *jobspec_to_json(const jobspec_t *js);
/* Emit as block-style YAML (strings that would read as another type are
 * quoted).  Caller frees with free().  NULL with EINVAL or ENOMEM. */
char *jobspec_to_yaml(const jobspec_t *js);

/* Duration rounded up to whole seconds (ceil); 0 if none was given or js
 * is NULL. */
int64_t jobspec_duration_seconds(const jobspec_t *js);

/* true if a and b hold the same request: version, resource tree, tasks and
 * attributes (JSON equality).  Two NULLs are equal; NULL and non-NULL are not.
 * Used for round-trip checks (parse -> emit -> parse). */
bool jobspec_equal(const jobspec_t *a, const jobspec_t *b);

/* ---- building from a command shape (flux submit -N -n -c -g -t ...) ---- */

struct jobspec_shape {
    int nodes;          /* -N, 0 = unset */
    int ntasks;         /* -n; 0 = unset: one per node with -N, else 1 */
    int cores_per_task; /* -c; 0 = unset: 1 */
    int gpus_per_task;  /* -g, default 0 */
    double duration;    /* -t in seconds, 0 = unset */
    bool exclusive;     /* --exclusive */
    const char *queue;  /* --queue or NULL */
    /* --requires, NULL-terminated (or NULL): "a,^b" property names, or
     * "host:HOSTLIST" / "rank:IDSET"; several entries are and-ed. */
    const char *const *requires;
    /* --setattr "key[=value]", NULL-terminated (or NULL): key is dotted below
     * attributes, "system." implied unless it starts with "system." or
     * "user."; value is JSON if it parses as JSON, else a string; 1 if absent. */
    const char *const *setattr;
    const char *const *env;      /* "NAME=VALUE", NULL-terminated */
    const char *const *argv;     /* command, NULL-terminated */
};

/* true if name can be a node property that a jobspec's constraints (and so
 * --requires) can ask for: not empty, no leading '^' (that means "not"), none
 * of the characters RFC 31 forbids (!&'"^`|()).  false for NULL. */
bool jobspec_property_name_valid(const char *name);

/* Parse a duration string: "30s", "2m", "1.5h", "1d", "100ms" or plain
 * seconds, into *seconds.  0 on success; -1 with EINVAL on a bad string
 * (negative, hex, inf/nan, unknown suffix) or NULL argument, *seconds then
 * unchanged. */
int jobspec_parse_duration(const char *s, double *seconds);

/* Build a V1 jobspec from a shape, laid out as flux-core's
 * JobspecV1.from_command (see docs/jobspec.md).  Returns a new jobspec, freed
 * with jobspec_destroy().  NULL with EINVAL and err filled on shapes that
 * cannot be satisfied by construction (more nodes than tasks, negative
 * counts or duration, no command) and on bad requires/setattr/env entries;
 * the CLI also rejects explicit zero counts before calling this. */
jobspec_t *jobspec_from_shape(const struct jobspec_shape *shape, struct st_error *err);

#endif
