/* policy_firstnodex: first, and every selected node is taken whole and exclusively. */
#include "policy/policy_builtin.h"

const struct match_policy policy_firstnodex_ops = {
    .abi = POLICY_ABI_VERSION,
    .name = "firstnodex",
    .score = policy_score_id,
    .high = true,
    .node_centric = true,
    .node_exclusive = true,
    .stop_on_first = true,
    .locality = false,
};
