/* policy_locality: top-level candidates grouped into contiguous id intervals, larger intervals
 * first; high ids inside. */
#include "policy/policy_builtin.h"

const struct match_policy policy_locality_ops = {
    .abi = POLICY_ABI_VERSION,
    .name = "locality",
    .score = policy_score_id,
    .high = true,
    .node_centric = false,
    .node_exclusive = false,
    .stop_on_first = false,
    .locality = true,
};
