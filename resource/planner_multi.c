/* planner_multi: placeholder until the module lands. */
#include "resource/planner.h"
