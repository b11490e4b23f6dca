/* match: placeholder until the module lands. */
#include "match/match.h"
