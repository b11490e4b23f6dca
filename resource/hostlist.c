/* hostlist: placeholder until the module lands. */
#include "resource/hostlist.h"
