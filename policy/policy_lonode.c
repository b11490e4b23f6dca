/* policy_lonode: node-centric: the lowest-id node first, low ids within. */
#include "policy/policy_builtin.h"

const struct match_policy policy_lonode_ops = {
    .abi = POLICY_ABI_VERSION,
    .name = "lonode",
    .score = policy_score_id,
    .high = false,
    .node_centric = true,
    .node_exclusive = false,
    .stop_on_first = false,
    .locality = false,
};
