/* policy_lonodex: lonode with whole-node exclusivity. */
#include "policy/policy_builtin.h"

const struct match_policy policy_lonodex_ops = {
    .abi = POLICY_ABI_VERSION,
    .name = "lonodex",
    .score = policy_score_id,
    .high = false,
    .node_centric = true,
    .node_exclusive = true,
    .stop_on_first = false,
    .locality = false,
};
