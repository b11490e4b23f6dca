/* policy_hinodex: hinode with whole-node exclusivity. */
#include "policy/policy_builtin.h"

const struct match_policy policy_hinodex_ops = {
    .abi = POLICY_ABI_VERSION,
    .name = "hinodex",
    .score = policy_score_id,
    .high = true,
    .node_centric = true,
    .node_exclusive = true,
    .stop_on_first = false,
    .locality = false,
};
