/* policy_variation: lowest perf_class property first (missing or invalid = 9999). */
#include "policy/policy_builtin.h"

const struct match_policy policy_variation_ops = {
    .abi = POLICY_ABI_VERSION,
    .name = "variation",
    .score = policy_score_perf_class,
    .high = false,
    .node_centric = false,
    .node_exclusive = false,
    .stop_on_first = false,
    .locality = false,
};
