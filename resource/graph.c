/* graph: placeholder until the module lands. */
#include "resource/graph.h"
