/* policy_high: highest ids first at every level. */
#include "policy/policy_builtin.h"

const struct match_policy policy_high_ops = {
    .abi = POLICY_ABI_VERSION,
    .name = "high",
    .score = policy_score_id,
    .high = true,
    .node_centric = false,
    .node_exclusive = false,
    .stop_on_first = false,
    .locality = false,
};
