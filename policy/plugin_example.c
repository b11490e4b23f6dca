/* plugin_example: an example match policy built as a shared object and
 * loaded with `-P plugin:/path/libstrata_policy_example.so`.  It prefers
 * the lowest broker rank, then the lowest id (see docs/policies.md). */
#include "policy/policy.h"

static int64_t lorank_score(const struct policy_vertex *v, int64_t factor)
{
    /* Ranks dominate ids: a vertex of rank r scores below any of rank r+1. */
    int64_t rank = v->rank < 0 ? 0 : v->rank;
    return 2 + rank * 1000000 + v->id + factor;
}

static const struct match_policy lorank_ops = {
    .abi = POLICY_ABI_VERSION,
    .name = "lorank",
    .score = lorank_score,
    .high = false,
    .node_centric = false,
    .node_exclusive = false,
    .stop_on_first = false,
    .locality = false,
};

const struct match_policy *strata_match_policy(void);

const struct match_policy *strata_match_policy(void)
{
    return &lorank_ops;
}
