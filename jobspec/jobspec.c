/* jobspec: placeholder until the module lands. */
#include "jobspec/jobspec.h"
