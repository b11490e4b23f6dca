/* policy: match policies (how candidates are scored and ordered).
 *
 * The traverser (match/) asks a match policy three things: the score of a
 * candidate vertex, whether higher or lower scores are preferred, and a few
 * traversal switches (node-centric scoring, whole-node exclusivity, stop at
 * the first sufficient set of candidates, locality-ordered top level).  Each
 * built-in policy is a const ops table in its own file (policy_<name>.c),
 * registered by name in policy.c.  Custom strings such as
 * "policy=high node_centric=true node_exclusive=true stop_on_1_matches=true"
 * build an ops table at run time, and "plugin:/path/lib.so" loads one from a
 * shared object (ABI below; docs/policies.md explains how to write one).
 */
#ifndef STRATA_POLICY_H
#define STRATA_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "resource/st_error.h"

/* Bumped whenever struct match_policy changes layout. */
enum { POLICY_ABI_VERSION = 1 };

/* Node-centric scoring: every vertex below a node gets the node's factor
 * (node id + 2) * POLICY_NODE_FACTOR added, so that all resources of the
 * preferred node come first. */
enum { POLICY_NODE_FACTOR = 10000 };

/* What a score function sees of a candidate vertex.  Plugins get no
 * graph access beyond this, so they need no symbols from strata. */
struct policy_vertex {
    int64_t id;      /* local id (e.g. 3 for core3) */
    int64_t uniq_id; /* graph-unique id */
    int32_t rank;    /* broker rank or -1 */
    /* Property value of the vertex for key, or NULL. */
    const char *(*property)(const void *ctx, const char *key);
    const void *ctx;
};

struct match_policy {
    unsigned abi;     /* POLICY_ABI_VERSION */
    const char *name; /* registry name */
    /* Score of candidate v.  `factor` is the sum of the node-centric factors
     * of the ancestors being visited (0 unless node_centric).  Required. */
    int64_t (*score)(const struct policy_vertex *v, int64_t factor);
    bool high;           /* true: higher scores are chosen first */
    bool node_centric;   /* add node factors to the scores below nodes */
    bool node_exclusive; /* every selected node is exclusive (whole node) */
    bool stop_on_first;  /* explore most-available children first, stop when enough */
    bool locality;       /* top-level candidates ordered by contiguous id intervals */
};

/* Name of the symbol a policy plugin exports: a function
 * `const struct match_policy *strata_match_policy(void);`. */
#define POLICY_PLUGIN_SYMBOL "strata_match_policy"

typedef struct policy policy_t;

/* Look a built-in policy up by name ("first", "high", ...).  NULL (ENOENT)
 * if none; the table is static. */
const struct match_policy *policy_lookup(const char *name);

/* Resolve a -P argument: a built-in name, a custom string of key=value
 * words (keys policy=high|low, or high|low = true|false; node_centric,
 * node_exclusive, stop_on_1_matches = true|false) or "plugin:/path/lib.so".  Returns an
 * object owned by the caller (policy_destroy), or NULL with errno EINVAL
 * (ENOENT for a missing plugin) and err filled. */
policy_t *policy_create(const char *spec, struct st_error *err);

/* Free a policy (and unload its plugin).  NULL is a no-op; errno kept. */
void policy_destroy(policy_t *p);

/* The ops of a created policy; valid until policy_destroy().  NULL (EINVAL)
 * if p is NULL. */
const struct match_policy *policy_ops(const policy_t *p);

/* Score helpers shared by the built-in policies. */
/* 2 + id + factor: higher id scores higher. */
int64_t policy_score_id(const struct policy_vertex *v, int64_t factor);
/* 1 + perf_class property (0..9999; missing or invalid = 9999). */
int64_t policy_score_perf_class(const struct policy_vertex *v, int64_t factor);

/* Names of the built-in policies, NULL-terminated (for help texts). */
const char *const *policy_names(void);

#endif
