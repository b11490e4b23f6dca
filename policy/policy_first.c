/* policy_first: the default: node-centric high-id scoring, but children are explored
 * most-available first and the search stops at the first sufficient set. */
#include "policy/policy_builtin.h"

const struct match_policy policy_first_ops = {
    .abi = POLICY_ABI_VERSION,
    .name = "first",
    .score = policy_score_id,
    .high = true,
    .node_centric = true,
    .node_exclusive = false,
    .stop_on_first = true,
    .locality = false,
};
