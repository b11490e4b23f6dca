/* policy: placeholder until the module lands. */
#include "policy/policy.h"
