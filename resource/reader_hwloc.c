/* reader_hwloc: placeholder until the module lands. */
#include "resource/reader.h"
