/* policy_builtin: the built-in match policy tables, one per policy_<name>.c,
 * collected by the registry in policy.c. */
#ifndef STRATA_POLICY_BUILTIN_H
#define STRATA_POLICY_BUILTIN_H

#include "policy/policy.h"

extern const struct match_policy policy_first_ops;
extern const struct match_policy policy_firstnodex_ops;
extern const struct match_policy policy_high_ops;
extern const struct match_policy policy_low_ops;
extern const struct match_policy policy_hinode_ops;
extern const struct match_policy policy_lonode_ops;
extern const struct match_policy policy_hinodex_ops;
extern const struct match_policy policy_lonodex_ops;
extern const struct match_policy policy_locality_ops;
extern const struct match_policy policy_variation_ops;

#endif
