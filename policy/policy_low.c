/* policy_low: lowest ids first at every level. */
#include "policy/policy_builtin.h"

const struct match_policy policy_low_ops = {
    .abi = POLICY_ABI_VERSION,
    .name = "low",
    .score = policy_score_id,
    .high = false,
    .node_centric = false,
    .node_exclusive = false,
    .stop_on_first = false,
    .locality = false,
};
