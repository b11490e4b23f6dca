/* idset: placeholder until the module lands. */
#include "resource/idset.h"
