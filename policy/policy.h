/* policy: match policies (how candidates are scored and ordered) and, later,
 * queue policies.  Each match policy is a const ops table in its own file,
 * registered by name in policy.c.  Owned by the matching-engine work. */
#ifndef STRATA_POLICY_H
#define STRATA_POLICY_H

struct match_policy;

/* Look a policy up by name ("first", "high", ...).  NULL (ENOENT) if none. */
const struct match_policy *policy_lookup(const char *name);

#endif
