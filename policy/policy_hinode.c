/* policy_hinode: node-centric: all resources of the highest-id node first, high ids within. */
#include "policy/policy_builtin.h"

const struct match_policy policy_hinode_ops = {
    .abi = POLICY_ABI_VERSION,
    .name = "hinode",
    .score = policy_score_id,
    .high = true,
    .node_centric = true,
    .node_exclusive = false,
    .stop_on_first = false,
    .locality = false,
};
